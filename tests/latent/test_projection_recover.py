"""The projector finds a known W again from the generator's own image."""

from __future__ import annotations

from pathlib import Path

import torch

import modiste
from modiste.gan.images import latents_for_seeds
from modiste.latent import map_to_ws
from modiste.latent.projection.init import mean_init
from modiste.latent.projection.losses import LossWeights, ReconstructionLoss, psnr
from modiste.latent.projection.perceptual import InceptionPerceptual
from modiste.latent.projection.projector import ProjectorConfig, learning_rate, project, w_spread


def test_projection_recovers_a_known_w(tiny_run: Path):
    G = modiste.load_generator(tiny_run)
    c = torch.tensor([1])
    true_ws = map_to_ws(G, latents_for_seeds([3], G.z_dim), c, 0.5, "class")
    target = G.synthesis(true_ws, noise_mode="const")
    start = mean_init(G, c, 1)
    loss = ReconstructionLoss(InceptionPerceptual(), target, LossWeights())
    result = project(G, loss, start, ProjectorConfig(space="w", steps=150), w_spread(G, c))

    image = result.G_noise.synthesis(result.ws, noise_mode="const")
    start_image = G.synthesis(start.unsqueeze(1).expand(-1, G.num_ws, -1), noise_mode="const")
    assert psnr(start_image, target).item() < 20
    assert psnr(image, target).item() > 30
    w_error = (result.ws[0, 0] - true_ws[0, 0]).norm()
    assert w_error < 0.7 * (start[0] - true_ws[0, 0]).norm()
    other = map_to_ws(G, latents_for_seeds([4], G.z_dim), c, 0.5, "class")
    assert w_error < 0.7 * (other[0, 0] - true_ws[0, 0]).norm()
    assert torch.equal(result.ws[0, 0], result.ws[0, -1])  # W space: one w for every layer
    assert result.losses[-1] < 0.1 * result.losses[0]


def test_learning_rate_schedule_is_stylegan2s():
    cfg = ProjectorConfig(steps=1000, lr=0.1)
    assert learning_rate(0.0, cfg) == 0.0
    assert abs(learning_rate(0.025, cfg) - 0.05) < 1e-12  # halfway up the 5 % linear ramp
    assert learning_rate(0.5, cfg) == 0.1
    assert abs(learning_rate(0.875, cfg) - 0.05) < 1e-12  # halfway down the 25 % cosine ramp
    assert learning_rate(1.0, cfg) == 0.0
