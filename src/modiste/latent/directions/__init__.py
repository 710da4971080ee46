"""Attribute directions in W: the directions file, and SeFa, GANSpace and supervised (InterFaceGAN)
ways of finding them. `modiste directions` and `modiste edit` only wrap these."""

from modiste.latent.directions.file import (
    DirectionSet,
    load_directions,
    parse_direction_ref,
    save_directions,
)

__all__ = ["DirectionSet", "load_directions", "parse_direction_ref", "save_directions"]
