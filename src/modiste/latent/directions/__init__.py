"""Attribute directions in W: the directions file, and SeFa, GANSpace and supervised (InterFaceGAN)
ways of finding them. `modiste directions` and `modiste edit` only wrap these."""

from modiste.latent.directions.file import (
    DirectionSet,
    load_directions,
    parse_direction_ref,
    save_directions,
)
from modiste.latent.directions.find import find_directions, write_directions
from modiste.latent.directions.ganspace import ganspace_directions
from modiste.latent.directions.labels_file import labels_directions
from modiste.latent.directions.sefa import sefa_directions
from modiste.latent.directions.supervised import class_directions, scorer_direction

__all__ = [
    "DirectionSet",
    "class_directions",
    "find_directions",
    "ganspace_directions",
    "labels_directions",
    "load_directions",
    "parse_direction_ref",
    "save_directions",
    "scorer_direction",
    "sefa_directions",
    "write_directions",
]
