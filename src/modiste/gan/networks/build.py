"""Builders that pick StyleGAN2 or SWAGAN networks from a NetworkConfig.

    G = build_generator(NetworkConfig.from_preset("tiny", resolution=64, aspect=(2, 3)))
    D = build_discriminator(G.cfg);  logits = D(G(torch.randn(8, G.z_dim)))   # [8, 1]
"""

from __future__ import annotations

from modiste.gan.networks.config import NetworkConfig
from modiste.gan.networks.discriminator import Discriminator
from modiste.gan.networks.generator import Generator
from modiste.gan.networks.ops import FP16_CLAMP
from modiste.gan.networks.swagan import SwaganDiscriminator, SwaganGenerator


def build_generator(cfg: NetworkConfig, clamp: float | None = FP16_CLAMP) -> Generator:
    """StyleGAN2 or SWAGAN generator for cfg.arch; `clamp` bounds fp16 activations (None: off)."""
    if cfg.arch == "swagan":
        return SwaganGenerator(cfg, clamp)
    return Generator(cfg, clamp)


def build_discriminator(cfg: NetworkConfig, clamp: float | None = FP16_CLAMP) -> Discriminator:
    if cfg.arch == "swagan":
        return SwaganDiscriminator(cfg, clamp)
    return Discriminator(cfg, clamp)
