"""Exponential moving average of the generator's weights (the G users sample from)."""

from __future__ import annotations

import torch
from torch import nn


def ema_beta(batch: int, nimg: int, ema_kimg: float, rampup: float | None) -> float:
    """Decay per step, in [0, 1), for a half-life of `ema_kimg` thousand images, shortened early in
    training to at most `rampup` x `nimg` (stylegan2-ada-pytorch's training loop).

    `nimg` is the number of real images shown *before* this step (0 on the first step, which
    therefore copies G into G_ema); `batch` the global batch.
    """
    ema_nimg = ema_kimg * 1000
    if rampup is not None:
        ema_nimg = min(ema_nimg, nimg * rampup)
    return 0.5 ** (batch / max(ema_nimg, 1e-8))


@torch.no_grad()
def update_ema(ema: nn.Module, model: nn.Module, beta: float) -> None:
    """ema <- model + beta * (ema - model) for parameters; buffers are copied (noise, w_avg)."""
    ema_params = [p for p in ema.parameters()]
    params = [p.detach() for p in model.parameters()]
    torch._foreach_lerp_(ema_params, params, 1.0 - beta)
    for b_ema, b in zip(ema.buffers(), model.buffers()):
        b_ema.copy_(b)
