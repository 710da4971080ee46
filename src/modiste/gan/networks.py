"""StyleGAN2 generator and the builders that pick StyleGAN2 or SWAGAN networks from a NetworkConfig.

    G = build_generator(NetworkConfig.from_preset("tiny", resolution=64, aspect=(2, 3)))
    images = G(torch.randn(8, G.z_dim), truncation_psi=0.7)   # [8, 3, 96, 64], ~[-1, 1]
    D = build_discriminator(G.cfg);  logits = D(images)        # [8, 1]
"""

from __future__ import annotations

import torch
import torch.nn as nn

from modiste.gan.discriminator import Discriminator
from modiste.gan.mapping import MappingNetwork
from modiste.gan.network_config import NetworkConfig
from modiste.gan.ops import FP16_CLAMP
from modiste.gan.synthesis import SynthesisNetwork


class Generator(nn.Module):
    """mapping (z, c -> ws) + synthesis (ws -> image). Subclasses swap `synthesis_class`."""

    synthesis_class: type[SynthesisNetwork] = SynthesisNetwork

    def __init__(self, cfg: NetworkConfig, clamp: float | None = FP16_CLAMP) -> None:
        super().__init__()
        self.cfg = cfg
        self.z_dim, self.c_dim, self.w_dim = cfg.z_dim, cfg.c_dim, cfg.w_dim
        self.img_channels = cfg.img_channels
        self.img_shape = (cfg.img_channels, cfg.height, cfg.width)
        self.synthesis = self.synthesis_class(cfg, clamp)
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(cfg.z_dim, cfg.c_dim, cfg.w_dim, self.num_ws, cfg.mapping_layers)

    def forward(
        self,
        z: torch.Tensor,
        c: torch.Tensor | None = None,
        truncation_psi: float = 1.0,
        truncation_cutoff: int | None = None,
        noise_mode: str = "random",
    ) -> torch.Tensor:
        ws = self.mapping(z, c, truncation_psi=truncation_psi, truncation_cutoff=truncation_cutoff)
        return self.synthesis(ws, noise_mode=noise_mode)


def build_generator(cfg: NetworkConfig, clamp: float | None = FP16_CLAMP) -> Generator:
    """StyleGAN2 or SWAGAN generator for cfg.arch; `clamp` bounds fp16 activations (None: off)."""
    if cfg.arch == "swagan":
        from modiste.gan.swagan import SwaganGenerator

        return SwaganGenerator(cfg, clamp)
    return Generator(cfg, clamp)


def build_discriminator(cfg: NetworkConfig, clamp: float | None = FP16_CLAMP) -> Discriminator:
    if cfg.arch == "swagan":
        from modiste.gan.swagan import SwaganDiscriminator

        return SwaganDiscriminator(cfg, clamp)
    return Discriminator(cfg, clamp)
