"""Orthonormal 2-D Haar wavelet transform (SWAGAN's wavelet domain).

`dwt` maps [N, C, H, W] (H, W even; any aspect) to [N, 4C, H/2, W/2] with the bands stacked
band-major: [LL (C channels), LH, HL, HH]. For each 2x2 block (a b / c d):

    LL = (a + b + c + d) / 2    LH = (a - b + c - d) / 2    HL = (a + b - c - d) / 2    HH = (a - b - c + d) / 2

That 4x4 matrix is symmetric and orthonormal, hence its own inverse, so `idwt` is the same
butterfly followed by pixel shuffling, and idwt(dwt(x)) == x up to float rounding.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _butterfly(p0: torch.Tensor, p1: torch.Tensor, p2: torch.Tensor, p3: torch.Tensor) -> list[torch.Tensor]:
    s1, d1, s2, d2 = p0 + p1, p0 - p1, p2 + p3, p2 - p3
    return [(s1 + s2) * 0.5, (d1 + d2) * 0.5, (s1 - s2) * 0.5, (d1 - d2) * 0.5]


def dwt(x: torch.Tensor) -> torch.Tensor:
    """Haar analysis: [N, C, H, W] -> [N, 4C, H/2, W/2] (bands LL, LH, HL, HH)."""
    n, c, h, w = x.shape
    if h % 2 or w % 2:
        raise ValueError(f"the Haar transform needs even height and width, got {h}x{w}")
    corners = F.pixel_unshuffle(x, 2).view(n, c, 4, h // 2, w // 2).unbind(dim=2)  # a, b, c, d
    return torch.cat(_butterfly(*corners), dim=1)


def idwt(y: torch.Tensor) -> torch.Tensor:
    """Haar synthesis, the exact inverse of `dwt`: [N, 4C, H, W] -> [N, C, 2H, 2W]."""
    n, c4, h, w = y.shape
    if c4 % 4:
        raise ValueError(f"wavelet coefficients need a multiple of 4 channels, got {c4}")
    bands = y.view(n, 4, c4 // 4, h, w).unbind(dim=1)
    corners = torch.stack(_butterfly(*bands), dim=2)  # [N, C, 4, H, W]
    return F.pixel_shuffle(corners.reshape(n, c4, h, w), 2)
