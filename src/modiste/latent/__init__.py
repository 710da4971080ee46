"""Latent space of a trained generator: latents files, class-centred truncation, style mixing,
walks, projection of real photos (with pivotal tuning), attribute directions, editing and
rare-class synthesis. The CLI commands (`modiste mix | walk | project | directions | edit |
synthesize`) and the studio only wrap these functions.

Where things are (submodules are imported on use; this package imports only the light ones):
  inputs      open_inputs / ws_from_inputs: seeds or a latents file -> W+, PTI weights, classes
  layers      layer_range("coarse", num_ws), describe_layers: W+ bands
  mixing      style_mixing_grid, mix_pairs, mix_styles
  walks       plan_walk, walk_ws, slerp, render_frames, write_walk (video: write_video)
  edit        apply_direction, edit_grid, open_direction, parse_strengths
  directions, projection, synthesize: see their packages
"""

from modiste.latent.identity import GeneratorIdentity, generator_identity
from modiste.latent.latents import LatentSet, load_latents, save_latents
from modiste.latent.layers import describe_layers, layer_range
from modiste.latent.truncation import class_centres, map_to_ws, truncate_ws, truncation_centres

__all__ = [
    "GeneratorIdentity",
    "LatentSet",
    "class_centres",
    "describe_layers",
    "generator_identity",
    "layer_range",
    "load_latents",
    "map_to_ws",
    "save_latents",
    "truncate_ws",
    "truncation_centres",
]
