"""SWAGAN (Gal et al. 2021, "SWAGAN: A Style-based Wavelet-driven Generative Model").

The generator is the StyleGAN2 skip generator working in the Haar wavelet domain: each block's
toWavelets layer emits 4 x img_channels coefficients at the block's (half-image) resolution, the
running skip is upsampled as wavelets (IDWT -> FIR upsample -> DWT), and the image is the IDWT of
the last coefficients, so the blocks stop one level earlier (a 64-wide image has 32-wide features
at most). Predicting high-frequency bands directly is what lets SWAGAN render fine texture, such
as knit and lace, earlier in training.

The discriminator reads the image as wavelets and, at each scale, adds a 1x1 "fromWavelets"
projection of the (IDWT -> FIR downsample -> DWT) input to the residual blocks' features.
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


class SwaganDiscriminator(Discriminator):
    def __init__(self, cfg: NetworkConfig, clamp: float | None = FP16_CLAMP) -> None:
        super().__init__(cfg, clamp)
        # one fromWavelets per block input after the first, and one for the epilogue's 4-wide input
        self.from_wavelets = nn.ModuleList(
            EqualConv2d(self.input_channels(), cfg.channels_at(width // 2), 1, clamp=clamp)
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
            x = block(x).add_(from_wavelets(wav))
        return x
