"""GAN inversion by optimisation in W or W+ (StyleGAN2's projector, Karras et al. 2020, appendix D).

Adam (betas 0.9, 0.999) on the latent and on the per-image noise maps. The learning rate ramps up
linearly over the first 5 % of the steps and down with a half cosine over the last 25 %. Gaussian
noise of std `w_std * f * max(0, 1 - t / 0.75)^2` (t = progress in [0, 1], w_std the spread of
sampled W's around their mean) is added to the latent at each step, so the early search explores
instead of settling in the first basin. The paper's f = 0.05 is sized for 1000 steps; in the few
hundred steps a CPU affords it costs several dB (measured in docs/latent.md), so f defaults to 0.01.
After each step the noise maps are renormalised to zero mean and unit variance, and their
autocorrelation is penalised (`losses.noise_regularizer`).

Differences from the reference, and why: the noise maps start from the generator's own constant
noise (not fresh Gaussian noise), because the result is reproduced later with noise_mode="const";
W+ is supported (one w per layer, as Abdal et al.'s Image2StyleGAN); many images are optimised in
one batch with per-image losses, which is the same as optimising each alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import torch

from modiste.errors import ModisteError
from modiste.latent.projection.losses import LossWeights, ReconstructionLoss
from modiste.latent.projection.noise import expand_noise, normalise_noise_, private_copy

SPACES = ("w", "w+")


@dataclass(frozen=True)
class ProjectorConfig:
    """Settings of the W/W+ search; the schedule constants are the StyleGAN2 projector's."""

    space: str = "w+"
    steps: int = 300
    lr: float = 0.1
    lr_rampup: float = 0.05
    lr_rampdown: float = 0.25
    initial_noise_factor: float = 0.01  # the paper's 0.05 is for 1000 steps (see docs/latent.md)
    noise_ramp: float = 0.75
    optimise_noise: bool = True
    weights: LossWeights = field(default_factory=LossWeights)

    def __post_init__(self) -> None:
        if self.space not in SPACES:
            raise ModisteError(f"unknown projection space {self.space!r}: use w or w+")
        if self.steps < 1:
            raise ModisteError(f"--steps {self.steps} must be at least 1 (a few hundred on a CPU)")
        if not (self.initial_noise_factor >= 0 and math.isfinite(self.initial_noise_factor)):
            raise ModisteError(f"latent noise {self.initial_noise_factor} must be a finite number >= 0, e.g. 0.01")
        if not (self.lr > 0 and math.isfinite(self.lr)):
            raise ModisteError(f"learning rate {self.lr} must be a positive number, e.g. 0.1")


def learning_rate(t: float, cfg: ProjectorConfig) -> float:
    """The learning rate at progress t in [0, 1]: linear ramp-up, cosine ramp-down."""
    ramp = min(1.0, (1.0 - t) / cfg.lr_rampdown)
    ramp = 0.5 - 0.5 * math.cos(ramp * math.pi)
    return cfg.lr * ramp * min(1.0, t / cfg.lr_rampup)


def latent_noise_std(t: float, w_std: float, cfg: ProjectorConfig) -> float:
    """Std of the noise added to the latent at progress t: decays quadratically to 0 at t = 0.75."""
    return w_std * cfg.initial_noise_factor * max(0.0, 1.0 - t / cfg.noise_ramp) ** 2


@torch.no_grad()
def w_spread(G: torch.nn.Module, c: torch.Tensor | None = None, samples: int = 2000, seed: int = 0) -> float:
    """sqrt(E ||w - mean w||^2) over sampled W's (for class indices `c`, one is drawn per sample)."""
    gen = torch.Generator().manual_seed(seed)
    device = G.mapping.w_avg.device
    z = torch.randn(samples, G.z_dim, generator=gen).to(device)
    cc = None
    if G.c_dim > 0:
        pool = c if c is not None and c.numel() else torch.arange(G.c_dim)
        cc = pool[torch.randint(0, pool.numel(), (samples,), generator=gen)].to(device)
    w = G.mapping(z, cc)[:, 0].double()
    return float((w - w.mean(0)).square().sum(1).mean().sqrt())


@dataclass
class Projection:
    """ws: float32 [N, num_ws, w_dim] (W rows are repeated across layers); G_noise: a private copy of
    the generator whose noise buffers hold each image's optimised noise [N, 1, H, W]; losses: the
    mean loss per step."""

    ws: torch.Tensor
    G_noise: torch.nn.Module
    losses: list[float]


def project(
    G: torch.nn.Module,
    loss_fn: ReconstructionLoss,
    w_init: torch.Tensor,
    cfg: ProjectorConfig,
    w_std: float,
    seed: int = 0,
    on_step: Callable[[int, torch.Tensor], None] | None = None,
) -> Projection:
    """Find W or W+ codes whose images match loss_fn's targets [N, 3, H, W].

    w_init: float [N, w_dim] starting points (mean W, class centre or nearest bank sample).
    on_step(step, images) is called after every step with the current images (for progress and video).
    """
    n = loss_fn.targets.shape[0]
    if w_init.shape != (n, G.w_dim):
        raise ValueError(f"w_init must be [{n}, {G.w_dim}], got {list(w_init.shape)}")
    gen = torch.Generator().manual_seed(seed)
    Gp = private_copy(G).requires_grad_(False)
    noise_maps = expand_noise(Gp, n, trainable=cfg.optimise_noise)
    layers = 1 if cfg.space == "w" else G.num_ws
    w_opt = w_init.detach().float().unsqueeze(1).repeat(1, layers, 1).requires_grad_(True)
    params = [w_opt] + (noise_maps if cfg.optimise_noise else [])
    optimizer = torch.optim.Adam(params, betas=(0.9, 0.999), lr=cfg.lr)
    losses = []
    for step in range(cfg.steps):
        t = step / cfg.steps
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(t, cfg)
        jitter = torch.randn(w_opt.shape, generator=gen).to(w_opt) * latent_noise_std(t, w_std, cfg)
        ws = (w_opt + jitter).expand(-1, G.num_ws, -1)
        images = Gp.synthesis(ws, noise_mode="const")
        loss = loss_fn(images, noise_maps if cfg.optimise_noise else None)
        optimizer.zero_grad(set_to_none=True)
        loss.sum().backward()
        optimizer.step()
        if cfg.optimise_noise:
            normalise_noise_(noise_maps)
        losses.append(float(loss.detach().mean()))
        if on_step is not None:
            on_step(step, images.detach())
    for t in noise_maps:
        t.requires_grad_(False)
    ws = w_opt.detach().expand(-1, G.num_ws, -1).contiguous()
    return Projection(ws, Gp, losses)
