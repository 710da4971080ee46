"""StyleGAN2 residual discriminator with minibatch standard deviation and class projection.

    image -> fromRGB -> [residual block: conv, down-conv (+ 1x1 down skip), both x sqrt(1/2)] * k
          -> 4-wide features -> mbstd -> conv -> FC -> FC -> logit  (+ <features, embed(c)> if conditional)

Blocks halve both sides, so portrait images end at (6, 4) or (8, 4) features, matching the
generator's constant. SWAGAN's discriminator (swagan.py) subclasses this one.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn

from modiste.gan.networks.mapping import MappingNetwork
from modiste.gan.networks.config import NetworkConfig
from modiste.gan.networks.ops import FP16_CLAMP, EqualConv2d, EqualLinear

SQRT_HALF = math.sqrt(0.5)


def largest_divisor_at_most(n: int, limit: int) -> int:
    return max(d for d in range(1, min(n, limit) + 1) if n % d == 0)


class MinibatchStdDev(nn.Module):
    """Append the std of each feature across a group of samples, averaged to one channel.

    Groups of min(group_size, N) samples, as in stylegan2-ada, when that divides N. Training refuses
    batches for which it does not (`TrainConfig.validate_batch`), because the fallback here, the
    largest divisor of N not above `group_size` (kept so D still runs on any batch, e.g. when
    scoring images), can be 1: a prime batch above the group size would then get a constant channel.
    """

    def __init__(self, group_size: int = 4, num_channels: int = 1) -> None:
        super().__init__()
        self.group_size, self.num_channels = group_size, num_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, c, h, w = x.shape
        g = largest_divisor_at_most(n, self.group_size)
        f = self.num_channels
        y = x.reshape(g, -1, f, c // f, h, w).float()
        y = y - y.mean(dim=0)  # deviation within each group
        y = (y.square().mean(dim=0) + 1e-8).sqrt()  # [n/g, f, c/f, h, w]
        y = y.mean(dim=(2, 3, 4))  # [n/g, f]
        y = y.reshape(-1, f, 1, 1).repeat(g, 1, h, w).to(x.dtype)  # sample i belongs to group i % (n/g)
        return torch.cat([x, y], dim=1)

    def extra_repr(self) -> str:
        return f"group_size={self.group_size}, num_channels={self.num_channels}"


class DiscriminatorBlock(nn.Module):
    """Residual block halving the resolution: (conv3x3 -> conv3x3 down) + 1x1 down skip, each x sqrt(1/2)."""

    def __init__(self, in_channels: int, out_channels: int, clamp: float | None = FP16_CLAMP) -> None:
        super().__init__()
        self.conv0 = EqualConv2d(in_channels, in_channels, 3, clamp=clamp)
        self.conv1 = EqualConv2d(in_channels, out_channels, 3, down=True, gain=SQRT_HALF, clamp=clamp)
        self.skip = EqualConv2d(
            in_channels, out_channels, 1, bias=False, activation="linear", down=True, gain=SQRT_HALF, clamp=clamp)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.skip(x).add_(self.conv1(self.conv0(x)))


class DiscriminatorEpilogue(nn.Module):
    """mbstd -> 3x3 conv -> FC -> output (1 logit, or `cmap_dim` features for the class projection)."""

    def __init__(
        self, channels: int, shape: tuple[int, int], mbstd_group: int, out_dim: int, clamp: float | None = FP16_CLAMP
    ) -> None:
        super().__init__()
        self.mbstd = MinibatchStdDev(mbstd_group, 1)
        self.conv = EqualConv2d(channels + 1, channels, 3, clamp=clamp)
        self.fc = EqualLinear(channels * shape[0] * shape[1], channels, activation="lrelu")
        self.out = EqualLinear(channels, out_dim)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.conv(self.mbstd(x))
        return self.out(self.fc(x.flatten(1)))


class Discriminator(nn.Module):
    def __init__(self, cfg: NetworkConfig, clamp: float | None = FP16_CLAMP) -> None:
        super().__init__()
        self.cfg = cfg
        self.c_dim, self.img_channels = cfg.c_dim, cfg.img_channels
        self.img_shape = (cfg.img_channels, cfg.height, cfg.width)
        widths = self.block_widths()
        self.from_image = EqualConv2d(self.input_channels(), cfg.channels_at(widths[0]), 1, clamp=clamp)
        self.blocks = nn.ModuleList(
            DiscriminatorBlock(cfg.channels_at(width), cfg.channels_at(width // 2), clamp) for width in widths)
        channels = cfg.channels_at(4)
        self.cmap_dim = channels if cfg.c_dim > 0 else 0
        self.epilogue = DiscriminatorEpilogue(channels, cfg.base_shape, cfg.mbstd_group, self.cmap_dim or 1, clamp)
        if cfg.c_dim > 0:
            self.class_mapping = MappingNetwork(0, cfg.c_dim, self.cmap_dim, None, num_layers=8, w_avg_beta=None)

    # --- hooks overridden by the wavelet (SWAGAN) discriminator ---------------------------------
    def block_widths(self) -> list[int]:
        """Widths of the blocks' input features: resolution, ..., 8 (the last block outputs 4 wide)."""
        return [2**i for i in range(self.cfg.log2_resolution, 2, -1)]

    def input_channels(self) -> int:
        return self.cfg.img_channels

    def features(self, img: torch.Tensor) -> torch.Tensor:
        x = self.from_image(img)
        for block in self.blocks:
            x = block(x)
        return x

    # ----------------------------------------------------------------------------------------------
    def forward(self, img: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        """img [N, C, H, W] in ~[-1, 1] -> logits [N, 1] (fp32)."""
        if img.dim() != 4 or tuple(img.shape[1:]) != self.img_shape:
            raise ValueError(f"expected images [N, {', '.join(map(str, self.img_shape))}], got {list(img.shape)}")
        x = self.epilogue(self.features(img)).float()
        if self.cmap_dim == 0:
            return x
        cmap = self.class_mapping(None, c).float()
        return (x * cmap).sum(dim=1, keepdim=True) * (1.0 / math.sqrt(self.cmap_dim))
