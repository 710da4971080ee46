"""DiffAugment (Zhao et al. 2020, "Differentiable Augmentation for Data-Efficient GAN Training").

Cheap, fixed-strength augmentations applied to every image D sees, real and generated, and
differentiable with respect to the images so G still gets a gradient through them:

* ``color``: brightness shift U(-0.5, 0.5), saturation factor U(0, 2), contrast factor U(0.5, 1.5);
* ``translation``: integer shift of up to 1/8 of each side, independently on x and y, zero padding;
* ``cutout``: zero a box half the height and half the width, centred on a random pixel (boxes near
  the border are clipped, so on average a little under a quarter of the image is removed).

Every op draws one random value per sample (the whole batch is augmented with tensor ops, no
Python loop over samples). Images are [N, C, H, W] in [-1, 1]; any H and W, 1 or 3 channels
(saturation is the identity on grey images, since the channel mean is the pixel itself).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from modiste.errors import ModisteError

TRANSLATION_RATIO = 0.125
CUTOUT_RATIO = 0.5


def _uniform(x: torch.Tensor, low: float, high: float, generator: torch.Generator | None) -> torch.Tensor:
    """One U(low, high) value per sample, shaped [N, 1, 1, 1] to broadcast over the image."""
    # drawn in float32 whatever the image dtype: bf16/fp16 draws use the generator differently on some
    # torch versions (2.11), so a seed would give other colour jitter under mixed precision
    u = torch.rand((x.shape[0], 1, 1, 1), generator=generator, device=x.device, dtype=torch.float32)
    return (low + (high - low) * u).to(x.dtype)


def _randint(n: int, low: int, high: int, device: torch.device, generator: torch.Generator | None) -> torch.Tensor:
    """n integers in [low, high] inclusive."""
    return torch.randint(low, high + 1, (n,), generator=generator, device=device)


def brightness(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    return x + _uniform(x, -0.5, 0.5, generator)


def saturation(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    mean = x.mean(dim=1, keepdim=True)
    return (x - mean) * _uniform(x, 0.0, 2.0, generator) + mean


def contrast(x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
    mean = x.mean(dim=(1, 2, 3), keepdim=True)
    return (x - mean) * _uniform(x, 0.5, 1.5, generator) + mean


def translation(x: torch.Tensor, ratio: float = TRANSLATION_RATIO, generator: torch.Generator | None = None) -> torch.Tensor:
    """Shift each sample by whole pixels (up to ratio * side), filling the uncovered border with 0."""
    n, c, h, w = x.shape
    max_dy, max_dx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = _randint(n, -max_dy, max_dy, x.device, generator)
    dx = _randint(n, -max_dx, max_dx, x.device, generator)
    # Gather from a copy padded by one zero pixel; out-of-range source rows/cols clamp onto the pad.
    # Two gathers (rows, then columns) are ~2x faster on CPU than one advanced-indexing gather.
    padded = F.pad(x, [1, 1, 1, 1])
    rows = (torch.arange(h, device=x.device)[None, :] - dy[:, None] + 1).clamp(0, h + 1)  # [N, H]
    cols = (torch.arange(w, device=x.device)[None, :] - dx[:, None] + 1).clamp(0, w + 1)  # [N, W]
    out = padded.gather(2, rows[:, None, :, None].expand(n, c, h, w + 2))
    return out.gather(3, cols[:, None, None, :].expand(n, c, h, w))


def cutout_mask(x: torch.Tensor, ratio: float = CUTOUT_RATIO, generator: torch.Generator | None = None) -> torch.Tensor:
    """[N, 1, H, W] mask, 0 inside one box of (ratio*H, ratio*W) centred on a random pixel, 1 elsewhere."""
    n, _, h, w = x.shape
    box_h, box_w = int(h * ratio + 0.5), int(w * ratio + 0.5)
    top = _randint(n, 0, h - 1, x.device, generator) - box_h // 2
    left = _randint(n, 0, w - 1, x.device, generator) - box_w // 2
    ys = torch.arange(h, device=x.device)[None, :]
    xs = torch.arange(w, device=x.device)[None, :]
    in_rows = (ys >= top[:, None]) & (ys < top[:, None] + box_h)  # [N, H]
    in_cols = (xs >= left[:, None]) & (xs < left[:, None] + box_w)  # [N, W]
    inside = in_rows[:, :, None] & in_cols[:, None, :]
    return (~inside).to(x.dtype)[:, None]


def cutout(x: torch.Tensor, ratio: float = CUTOUT_RATIO, generator: torch.Generator | None = None) -> torch.Tensor:
    return x * cutout_mask(x, ratio, generator)


POLICIES = {
    "color": (brightness, saturation, contrast),
    "translation": (translation,),
    "cutout": (cutout,),
}


def parse_policy(policy: str) -> list[str]:
    names = [p.strip() for p in policy.split(",") if p.strip()]
    unknown = [p for p in names if p not in POLICIES]
    if unknown:
        raise ModisteError(f"unknown DiffAugment policy {unknown[0]!r}: use a comma list of {', '.join(POLICIES)}")
    return names


def diff_augment(x: torch.Tensor, policy: str = "color,translation,cutout", generator: torch.Generator | None = None) -> torch.Tensor:
    """Apply the ops of ``policy`` in order; differentiable with respect to ``x``."""
    for name in parse_policy(policy):
        for op in POLICIES[name]:
            x = op(x, generator=generator)
    return x.contiguous()


class DiffAugment(nn.Module):
    """``diff_augment`` as a module, so it can sit in front of D like ``AdaptiveAugment``."""

    def __init__(self, policy: str = "color,translation,cutout") -> None:
        super().__init__()
        parse_policy(policy)  # fail at construction, not at the first training step
        self.policy = policy

    def forward(self, images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return diff_augment(images, self.policy, generator)

    def extra_repr(self) -> str:
        return f"policy={self.policy!r}"
