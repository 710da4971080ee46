"""Pivotal tuning reproduces the photo better and leaves the rest of the latent space where it was."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import modiste
from modiste.gan.images import latents_for_seeds
from modiste.latent.projection.losses import psnr
from modiste.latent.projection.noise import noise_layers
from modiste.latent.projection.perceptual import InceptionPerceptual
from modiste.latent.projection.projector import w_spread
from modiste.latent.projection.pti import PTIConfig, pivotal_tuning


@pytest.fixture(scope="module")
def perceptual() -> InceptionPerceptual:
    return InceptionPerceptual()


def _loss(perceptual, image, target) -> float:
    return float(perceptual(image, target).sum() + (image - target).square().mean())


@torch.no_grad()
def _render(G, ws):
    return G.synthesis(ws, noise_mode="const")


def _pivot_and_target(G):
    """The pivot is the generator's own W; the 'photo' is its image with a patch painted in, the kind
    of detail a projection misses and PTI must add."""
    pivot = G.mapping(latents_for_seeds([5], G.z_dim), None)
    target = _render(G, pivot).clone()
    target[:, :, 8:14, 4:10] = 0.8
    return pivot, target


def _near(G, pivot, spread, n=16, seed=99):
    """W's at the locality distance from the pivot (0.5 x spread), drawn as PTI draws them."""
    gen = torch.Generator().manual_seed(seed)
    d = G.mapping(torch.randn(n, G.z_dim, generator=gen), None)[:, :1] - pivot.mean(1, keepdim=True)
    return pivot + 0.5 * spread * d / d.norm(dim=2, keepdim=True)


def test_pti_lowers_the_loss_and_keeps_other_seeds(tiny_run_uncond: Path, perceptual):
    G = modiste.load_generator(tiny_run_uncond)
    before = {k: v.clone() for k, v in G.state_dict().items()}
    pivot, target = _pivot_and_target(G)
    others = G.mapping(latents_for_seeds(list(range(20, 28)), G.z_dim), None)
    tuned = pivotal_tuning(G, pivot, target, perceptual, PTIConfig(steps=30, lr=3e-4), w_spread(G))

    assert _loss(perceptual, _render(tuned.G, pivot), target) < 0.5 * _loss(perceptual, _render(G, pivot), target)
    assert psnr(_render(tuned.G, pivot), target) > psnr(_render(G, pivot), target) + 3
    assert all(torch.equal(v, G.state_dict()[k]) for k, v in before.items())  # the caller's G is untouched
    assert psnr(_render(tuned.G, others), _render(G, others)).min() > 22
    # only synthesis weights changed (the mapping, hence W, keeps its meaning)
    assert tuned.changed and all(name.startswith("synthesis.") for name in tuned.changed)


def test_locality_term_keeps_the_pivots_neighbourhood(tiny_run_uncond: Path, perceptual):
    G = modiste.load_generator(tiny_run_uncond)
    pivot, target = _pivot_and_target(G)
    spread = w_spread(G)
    near = _near(G, pivot, spread)
    drift = {}
    for locality in (0.0, 1.0):
        cfg = PTIConfig(steps=40, lr=3e-4, locality=locality)
        tuned = pivotal_tuning(G, pivot, target, perceptual, cfg, spread)
        drift[locality] = float((_render(tuned.G, near) - _render(G, near)).square().mean())
    assert drift[1.0] < 0.5 * drift[0.0]


def test_pti_keeps_the_photo_noise_maps(tiny_run_uncond: Path, perceptual):
    G = modiste.load_generator(tiny_run_uncond)
    name = next(iter(noise_layers(G)))
    noise = {name: torch.full_like(getattr(noise_layers(G)[name], "noise_const"), 0.5)}
    target = torch.zeros(1, 3, 24, 16)
    pivot = G.mapping(latents_for_seeds([1], G.z_dim), None)
    tuned = pivotal_tuning(G, pivot, target, perceptual, PTIConfig(steps=1, locality=0.0), 1.0, noise=noise)
    assert torch.equal(tuned.changed[f"{name}.noise_const"], noise[name])
