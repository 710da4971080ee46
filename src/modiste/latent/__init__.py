"""Latent space of a trained generator: latents files, class-centred truncation, style mixing,
walks, projection of real photos (with pivotal tuning), attribute directions, editing and
rare-class synthesis. The CLI commands (`modiste mix | walk | project | directions | edit |
synthesize`) and the studio only wrap these functions."""

from modiste.latent.identity import GeneratorIdentity, generator_identity
from modiste.latent.latents import LatentSet, load_latents, save_latents
from modiste.latent.truncation import class_centres, map_to_ws, truncation_centres

__all__ = [
    "GeneratorIdentity",
    "LatentSet",
    "class_centres",
    "generator_identity",
    "load_latents",
    "map_to_ws",
    "save_latents",
    "truncation_centres",
]
