"""StyleGAN2 losses and regularisers: non-saturating logistic loss, R1, path length, style mixing.

The training step (gan/train*.py) owns the phases; this module only computes terms:

* ``generator_loss`` / ``discriminator_loss``: the non-saturating logistic GAN loss (Goodfellow 2014).
* ``r1_penalty``: squared gradient norm of D on reals (Mescheder 2018). The caller multiplies it by
  ``gamma / 2`` and, when it runs lazily every ``k`` D steps, by ``k`` (Karras 2020, appendix B).
* ``PathLengthRegularizer``: keeps the generator's Jacobian close to a scaled isometry (Karras 2020).
  Its running mean ``pl_mean`` is a buffer, so it lives in checkpoints and stays equal on all ranks.
* ``mix_styles``: style-mixing regularisation (Karras 2019).
* ``lazy_adam_params``: Adam settings that keep the optimiser's momentum horizon unchanged when a
  regulariser runs only every ``reg_interval`` steps.
"""

from __future__ import annotations

import math
from typing import Protocol

import torch
import torch.nn as nn
import torch.nn.functional as F

from modiste.distributed import all_reduce_mean
from modiste.errors import ModisteError


class StyleGenerator(Protocol):
    """The generator interface these helpers rely on (gan/networks/build.py provides it)."""

    num_ws: int
    z_dim: int
    c_dim: int

    def mapping(self, z: torch.Tensor, c: torch.Tensor | None, truncation_psi: float = 1) -> torch.Tensor: ...

    def synthesis(self, ws: torch.Tensor, noise_mode: str = "random") -> torch.Tensor: ...


def generator_loss(fake_logits: torch.Tensor) -> torch.Tensor:
    """Non-saturating generator loss: mean softplus(-D(G(z)))."""
    return F.softplus(-fake_logits.float()).mean()


def discriminator_loss(real_logits: torch.Tensor, fake_logits: torch.Tensor) -> torch.Tensor:
    """Logistic discriminator loss: mean softplus(D(G(z))) + mean softplus(-D(x)).

    Each half is averaged over its own batch, so real and fake batches may differ in size.
    """
    return F.softplus(fake_logits.float()).mean() + F.softplus(-real_logits.float()).mean()


def r1_penalty(real_img: torch.Tensor, real_logits: torch.Tensor) -> torch.Tensor:
    """Mean over the batch of ||d D(x) / d x||^2, kept differentiable so the penalty trains D.

    ``real_img`` must have ``requires_grad`` set *before* it went through the augmentation and D,
    so the gradient is taken with respect to the un-augmented images, as in stylegan2-ada.
    """
    if not real_img.requires_grad:
        raise ModisteError("r1_penalty needs the real images to require grad: call real_img.requires_grad_(True) before D(real_img)")
    (grads,) = torch.autograd.grad(outputs=real_logits.sum(), inputs=real_img, create_graph=True)
    return grads.float().square().flatten(1).sum(dim=1).mean()


def default_r1_gamma(resolution: int, batch: int, height: int | None = None) -> float:
    """stylegan2-ada's heuristic gamma = 0.0002 * pixels / batch (pixels = resolution**2 when square).

    For portrait canvases pass ``height`` so the pixel count is width * height: the R1 term sums
    squared gradients over every pixel, so it grows with the pixel count, not with the width alone.
    """
    if resolution < 1 or batch < 1 or (height is not None and height < 1):
        raise ModisteError(f"default_r1_gamma needs a positive resolution and batch, got {resolution} and {batch}: pass --r1-gamma explicitly")
    pixels = resolution * (height if height is not None else resolution)
    return 0.0002 * pixels / batch


def lazy_adam_params(lr: float, betas: tuple[float, float], reg_interval: int | None) -> tuple[float, tuple[float, float]]:
    """Adam lr and betas corrected for lazy regularisation (StyleGAN2 paper, appendix B).

    When a regulariser runs every ``reg_interval`` minibatches the optimiser takes
    ``reg_interval + 1`` steps per ``reg_interval`` minibatches; scaling lr by c and raising the
    betas to the power c (c = interval / (interval + 1)) keeps the per-minibatch dynamics the same.
    ``reg_interval`` None or 0 means the regulariser is not lazy: the values come back unchanged.
    """
    if not reg_interval:
        return lr, betas
    if reg_interval < 0:
        raise ModisteError(f"regularisation interval must be >= 0, got {reg_interval}: use 0 to disable lazy regularisation")
    c = reg_interval / (reg_interval + 1)
    return lr * c, (betas[0] ** c, betas[1] ** c)


def mix_styles(
    G: StyleGenerator,
    z: torch.Tensor,
    c: torch.Tensor | None,
    ws: torch.Tensor,
    prob: float = 0.9,
    generator: torch.Generator | None = None,
) -> torch.Tensor:
    """Style-mixing regularisation: per sample, with probability ``prob``, the layers from a random
    cutoff (1 .. num_ws - 1) onwards take their w from a second, independent latent.

    Unlike stylegan2-ada, which draws one cutoff for the whole batch, each sample draws its own,
    so one batch covers many crossover points. Returns a new tensor; ``ws`` is not modified.
    """
    n, num_ws = ws.shape[0], ws.shape[1]
    if prob <= 0 or num_ws < 2:
        return ws
    z2 = torch.randn(z.shape, generator=generator, device=z.device, dtype=z.dtype)
    ws2 = G.mapping(z2, c)
    cutoff = torch.randint(1, num_ws, (n,), generator=generator, device=ws.device)
    mixed = torch.rand(n, generator=generator, device=ws.device) < prob
    cutoff = torch.where(mixed, cutoff, torch.full_like(cutoff, num_ws))
    take_second = torch.arange(num_ws, device=ws.device)[None, :] >= cutoff[:, None]  # [N, num_ws]
    return torch.where(take_second[:, :, None], ws2, ws)


class PathLengthRegularizer(nn.Module):
    """Lazy path-length regularisation (Karras et al. 2020, "Analyzing and Improving ...").

    For image-space noise y ~ N(0, I) / sqrt(H*W), the path length of a sample is
    sqrt(mean over ws of ||J_w^T y||^2); the penalty pulls it towards its running mean ``pl_mean``
    (exponential moving average with ``decay``). ``pl_mean`` is a buffer: it is saved with the
    module's state_dict and its update uses the batch mean averaged over all ranks, so every rank
    holds the same value without a separate broadcast.
    """

    pl_mean: torch.Tensor

    def __init__(self, weight: float = 2.0, decay: float = 0.01, batch_shrink: int = 2) -> None:
        super().__init__()
        if batch_shrink < 1:
            raise ModisteError(f"pl_batch_shrink must be >= 1, got {batch_shrink}: use 1 (full batch) or 2 (the default)")
        self.weight = weight
        self.decay = decay
        self.batch_shrink = batch_shrink
        self.register_buffer("pl_mean", torch.zeros([]))
        self.last_lengths: torch.Tensor | None = None  # per-sample lengths of the last call, for logging

    def shrunk_batch(self, batch: int) -> int:
        """How many latents of a ``batch``-sized minibatch the regulariser uses."""
        return max(1, batch // self.batch_shrink)

    def path_lengths(self, images: torch.Tensor, ws: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Per-sample path lengths [N], differentiable (create_graph) so the penalty trains G."""
        if not ws.requires_grad:
            raise ModisteError("path-length regularisation needs ws that require grad: synthesise the images from ws inside the autograd graph")
        h, w = images.shape[-2:]
        # noise and the image-noise product in fp32 even when G ran under autocast (issue 15)
        noise = torch.randn(images.shape, generator=generator, device=images.device, dtype=torch.float32) / math.sqrt(h * w)
        (grads,) = torch.autograd.grad(outputs=(images.float() * noise).sum(), inputs=ws, create_graph=True)
        return grads.float().square().sum(dim=2).mean(dim=1).sqrt()

    def forward(self, images: torch.Tensor, ws: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Weighted penalty ``weight * mean((pl - pl_mean)^2)``; updates ``pl_mean`` (in training mode).

        ``images`` must be ``G.synthesis(ws)``. The penalty uses the freshly updated mean, as the
        reference implementation does. Under DDP every rank must call this on the same step.
        """
        lengths = self.path_lengths(images, ws, generator)
        batch_mean = all_reduce_mean(lengths.mean().detach())
        pl_mean = self.pl_mean.lerp(batch_mean.to(self.pl_mean), self.decay)
        if self.training:
            self.pl_mean.copy_(pl_mean)
        self.last_lengths = lengths.detach()
        return (lengths - pl_mean).square().mean() * self.weight

    def penalty_for(
        self,
        G: StyleGenerator,
        z: torch.Tensor,
        c: torch.Tensor | None,
        style_mixing_prob: float = 0.0,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Convenience: run G on the first ``shrunk_batch`` latents (with style mixing) and return
        the weighted penalty. Call it with the unwrapped generator (``ddp.module``) when using DDP."""
        n = self.shrunk_batch(z.shape[0])
        z, c = z[:n], (c[:n] if c is not None else None)
        ws = mix_styles(G, z, c, G.mapping(z, c), style_mixing_prob, generator)
        images = G.synthesis(ws)
        return self.forward(images, ws, generator)

    def extra_repr(self) -> str:
        return f"weight={self.weight}, decay={self.decay}, batch_shrink={self.batch_shrink}"
