"""StyleGAN2 synthesis network (config-f "skip" generator): ws -> image.

A learned constant of shape (C, base_h, base_w) (non-square for portrait aspects) is refined by
blocks that each double both sides: an upsampling modulated conv, a modulated conv, and a toRGB
layer whose output is added to the FIR-upsampled image of the previous block. Every layer takes its
own w, so `num_ws` = number of modulated convs + 1 (the last toRGB); like the reference, a block's
toRGB shares its w with the next block's first conv.

`SynthesisNetwork` exposes four hooks (feature widths, skip channels, skip upsampling, final
output) that SWAGAN's wavelet generator overrides (see swagan.py) instead of duplicating this file.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from modiste.gan.networks import fir
from modiste.gan.networks.modulated_conv import SynthesisLayer, ToImage
from modiste.gan.networks.config import NetworkConfig
from modiste.gan.networks.ops import FP16_CLAMP


class SynthesisBlock(nn.Module):
    """One resolution: (constant | upsampling conv) -> conv -> toImage. `shape` is (H, W) of its features."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        w_dim: int,
        shape: tuple[int, int],
        image_channels: int,
        clamp: float | None = FP16_CLAMP,
    ) -> None:
        super().__init__()
        self.is_first = in_channels == 0
        self.shape = tuple(shape)
        if self.is_first:
            self.const = nn.Parameter(torch.randn(out_channels, *self.shape))
        else:
            self.conv0 = SynthesisLayer(in_channels, out_channels, w_dim, self.shape, up=True, clamp=clamp)
        self.conv1 = SynthesisLayer(out_channels, out_channels, w_dim, self.shape, clamp=clamp)
        self.to_image = ToImage(out_channels, image_channels, w_dim, clamp=clamp)
        self.num_conv = 1 if self.is_first else 2

    def forward(
        self, x: torch.Tensor | None, ws: list[torch.Tensor], noise_mode: str = "random"
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """ws: num_conv + 1 tensors [N, w_dim]. Returns (features, this block's image contribution)."""
        if self.is_first:
            x = self.const.unsqueeze(0).expand(ws[0].shape[0], -1, -1, -1)
            x = self.conv1(x, ws[0], noise_mode)
        else:
            x = self.conv1(self.conv0(x, ws[0], noise_mode), ws[1], noise_mode)
        return x, self.to_image(x, ws[self.num_conv])


class SynthesisNetwork(nn.Module):
    def __init__(self, cfg: NetworkConfig, clamp: float | None = FP16_CLAMP) -> None:
        super().__init__()
        self.cfg = cfg
        self.w_dim, self.img_channels = cfg.w_dim, cfg.img_channels
        self.img_shape = (cfg.img_channels, cfg.height, cfg.width)
        base_h, base_w = cfg.base_shape
        blocks, in_channels = [], 0
        for width in self.feature_widths():
            shape = (base_h * width // base_w, width)
            out_channels = cfg.channels_at(width)
            blocks.append(SynthesisBlock(in_channels, out_channels, cfg.w_dim, shape, self.skip_channels(), clamp))
            in_channels = out_channels
        self.blocks = nn.ModuleList(blocks)
        self.num_ws = sum(block.num_conv for block in self.blocks) + 1

    # --- hooks overridden by the wavelet (SWAGAN) generator -------------------------------------
    def feature_widths(self) -> list[int]:
        """Widths of the blocks' feature maps: 4, 8, ..., resolution."""
        return [2**i for i in range(2, self.cfg.log2_resolution + 1)]

    def skip_channels(self) -> int:
        return self.cfg.img_channels

    def upsample_skip(self, img: torch.Tensor) -> torch.Tensor:
        return fir.upsample2d(img)

    def to_output(self, img: torch.Tensor) -> torch.Tensor:
        return img

    # ----------------------------------------------------------------------------------------------
    def forward(self, ws: torch.Tensor, noise_mode: str = "random") -> torch.Tensor:
        """ws [N, num_ws, w_dim] -> images [N, C, H, W], roughly in [-1, 1]."""
        if ws.dim() != 3 or ws.shape[1] != self.num_ws:
            raise ValueError(f"ws must have shape [N, {self.num_ws}, {self.w_dim}], got {list(ws.shape)}")
        w_list = ws.unbind(dim=1)
        x, img, index = None, None, 0
        for block in self.blocks:
            x, y = block(x, w_list[index : index + block.num_conv + 1], noise_mode)
            img = y if img is None else self.upsample_skip(img) + y
            index += block.num_conv
        return self.to_output(img)
