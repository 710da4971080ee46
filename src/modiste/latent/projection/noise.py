"""The synthesis network's constant noise maps as per-image tensors that can be optimised.

Each `SynthesisLayer` adds `noise_const` (a buffer [1, 1, H, W]) times a learned strength when run
with noise_mode="const". The buffer broadcasts over the batch, so replacing it on a private copy of
the generator with a tensor [N, 1, H, W] gives every image of a batch its own noise map, which the
projector then optimises (StyleGAN2's projector optimises the noise inputs too).
"""

from __future__ import annotations

import copy

import torch

NOISE_BUFFER = "noise_const"


def noise_layers(G: torch.nn.Module) -> dict[str, torch.nn.Module]:
    """State-dict prefix (e.g. "synthesis.blocks.1.conv0") -> layer holding a noise_const buffer."""
    return {name: module for name, module in G.named_modules() if NOISE_BUFFER in module._buffers}


def private_copy(G: torch.nn.Module) -> torch.nn.Module:
    """A deep copy to change noise or weights on, leaving the caller's generator untouched."""
    G2 = copy.deepcopy(G)
    G2.__dict__.pop("_modiste_identity", None)  # the copy's weights will change: no cached identity
    return G2


def expand_noise(G: torch.nn.Module, n: int, trainable: bool) -> list[torch.Tensor]:
    """Replace each noise_const of G (a private copy) by its own map repeated n times: [n, 1, H, W].

    Returns the new tensors (leaf tensors with requires_grad when `trainable`).
    """
    maps = []
    for layer in noise_layers(G).values():
        t = getattr(layer, NOISE_BUFFER).detach()[:1].expand(n, -1, -1, -1).clone().requires_grad_(trainable)
        setattr(layer, NOISE_BUFFER, t)
        maps.append(t)
    return maps


def set_noise(G: torch.nn.Module, maps: dict[str, torch.Tensor]) -> None:
    """Put maps (layer prefix -> [1 or N, 1, H, W]) into G's noise buffers (a private copy)."""
    layers = noise_layers(G)
    for name, value in maps.items():
        setattr(layers[name], NOISE_BUFFER, value.detach().clone())


@torch.no_grad()
def normalise_noise_(maps: list[torch.Tensor]) -> None:
    """Zero mean, unit variance per image and map, in place (StyleGAN2 projector, after each step)."""
    for t in maps:
        t.sub_(t.mean(dim=(1, 2, 3), keepdim=True))
        t.mul_(t.square().mean(dim=(1, 2, 3), keepdim=True).rsqrt())


def noise_of(G: torch.nn.Module, index: int) -> dict[str, torch.Tensor]:
    """The noise maps of image `index` from a batched private copy: prefix -> [1, 1, H, W]."""
    return {name: getattr(layer, NOISE_BUFFER)[index:index + 1].detach().clone()
            for name, layer in noise_layers(G).items()}
