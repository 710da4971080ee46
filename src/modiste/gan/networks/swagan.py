"""SWAGAN (Gal et al. 2021, "SWAGAN: A Style-based Wavelet-driven Generative Model").

The generator is the StyleGAN2 skip generator working in the Haar wavelet domain: each block's
toWavelets layer emits 4 x img_channels coefficients at the block's (half-image) resolution, the
running skip is upsampled as wavelets (IDWT -> FIR upsample -> DWT), and the image is the IDWT of
the last coefficients, so the blocks stop one level earlier (a 64-wide image has 32-wide features
at most). Predicting high-frequency bands directly is what lets SWAGAN render fine texture, such
as knit and lace, earlier in training.

The discriminator reads the image as wavelets (DWT, half the image width) and, before each later
block and the epilogue, adds a "fromWavelets" projection of the wavelets downsampled to that scale
(IDWT -> FIR downsample -> DWT) to the features. `cfg.swagan_d` picks the design:

- "paper": the SWAGAN paper's discriminator as rosinality's swagan.py builds it: 3x3 fromWavelets
  convs (with leaky ReLU) and plain blocks (3x3 conv -> 3x3 FIR-downsampling conv, no skip branch).
- "residual": 1x1 fromWavelets convs into StyleGAN2's residual blocks (Modiste's first design,
  what checkpoints written before the option existed use, and the default: FID 196 vs 228 for
  "paper" on Fashion-MNIST at the same budget, docs/networks.md).

Both classes subclass the StyleGAN2 ones and only override their hooks.
"""

from __future__ import annotations

import torch
import torch.nn as nn

from modiste.gan.networks import fir
from modiste.gan.networks.config import NetworkConfig
from modiste.gan.networks.discriminator import Discriminator
from modiste.gan.networks.generator import Generator
from modiste.gan.networks.ops import FP16_CLAMP, EqualConv2d
from modiste.gan.networks.synthesis import SynthesisNetwork
from modiste.gan.networks.wavelets import dwt, idwt


def downsample_wavelets(wav: torch.Tensor) -> torch.Tensor:
    return dwt(fir.downsample2d(idwt(wav)))


def upsample_wavelets(wav: torch.Tensor) -> torch.Tensor:
    return dwt(fir.upsample2d(idwt(wav)))


class WaveletSynthesisNetwork(SynthesisNetwork):
    def feature_widths(self) -> list[int]:
        return [2**i for i in range(2, self.cfg.log2_resolution)]  # 4 .. resolution / 2

    def skip_channels(self) -> int:
        return 4 * self.cfg.img_channels

    def upsample_skip(self, img: torch.Tensor) -> torch.Tensor:
        return upsample_wavelets(img)

    def to_output(self, img: torch.Tensor) -> torch.Tensor:
        return idwt(img)


class SwaganGenerator(Generator):
    synthesis_class = WaveletSynthesisNetwork


class PlainDiscriminatorBlock(nn.Module):
    """SWAGAN paper block halving the resolution: 3x3 conv -> 3x3 conv with FIR downsampling, no skip."""

    def __init__(self, in_channels: int, out_channels: int, clamp: float | None = FP16_CLAMP) -> None:
        super().__init__()
        self.conv0 = EqualConv2d(in_channels, in_channels, 3, clamp=clamp)
        self.conv1 = EqualConv2d(in_channels, out_channels, 3, down=True, clamp=clamp)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv1(self.conv0(x))


class SwaganDiscriminator(Discriminator):
    """Wavelet discriminator: img [N, C, H, W] -> logits [N, 1]; `cfg.swagan_d` picks the design.

    "paper" follows Gal et al. 2021 (fig. 3) as in rosinality's swagan.py: fromWavelets are 3x3
    convs and the blocks are plain; "residual" uses 1x1 fromWavelets and StyleGAN2 residual blocks.
    """

    def __init__(self, cfg: NetworkConfig, clamp: float | None = FP16_CLAMP) -> None:
        super().__init__(cfg, clamp)
        kernel = 3 if cfg.swagan_d == "paper" else 1
        if cfg.swagan_d == "paper":
            widths = self.block_widths()
            self.from_image = EqualConv2d(self.input_channels(), cfg.channels_at(widths[0]), 3, clamp=clamp)
            self.blocks = nn.ModuleList(
                PlainDiscriminatorBlock(cfg.channels_at(w), cfg.channels_at(w // 2), clamp) for w in widths)
        # one fromWavelets per block input after the first, and one for the epilogue's 4-wide input
        self.from_wavelets = nn.ModuleList(
            EqualConv2d(self.input_channels(), cfg.channels_at(width // 2), kernel, clamp=clamp)
            for width in self.block_widths())

    def block_widths(self) -> list[int]:
        return [2**i for i in range(self.cfg.log2_resolution - 1, 2, -1)]  # resolution / 2 .. 8

    def input_channels(self) -> int:
        return 4 * self.cfg.img_channels

    def features(self, img: torch.Tensor) -> torch.Tensor:
        wav = dwt(img)
        x = self.from_image(wav)
        for block, from_wavelets in zip(self.blocks, self.from_wavelets):
            wav = downsample_wavelets(wav)
            x = block(x) + from_wavelets(wav)  # out of place: both may be leaky ReLU outputs autograd keeps
        return x
