"""The networks: StyleGAN2 mapping, synthesis and discriminator, their SWAGAN subclasses, and the
layers they are made of. `build_generator` / `build_discriminator` pick the architecture."""

from modiste.gan.networks.build import build_discriminator, build_generator
from modiste.gan.networks.generator import Generator

__all__ = ["Generator", "build_discriminator", "build_generator"]
