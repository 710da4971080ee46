"""SSIM and multi-scale SSIM in torch (differentiable), for losses and for reporting.

Follows Wang, Simoncelli & Bovik, "Multi-scale structural similarity for image quality assessment"
(2003): an 11-tap Gaussian window (sigma 1.5), K1 = 0.01, K2 = 0.03, statistics over the 'valid'
part of the image (no padding, as the reference code and skimage after its border crop), and the
five published scale weights (0.0448, 0.2856, 0.3001, 0.2363, 0.1333). Five scales need a short side
of at least 11 * 2^4 = 176 px; a 64x96 canvas allows 3, so the scales that fit are used and their
weights renormalised to sum to 1 (documented in docs/latent.md). Contrast-structure terms are
clamped at 0 before the power, so the result stays real (as pytorch-msssim's non-negative mode).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from modiste.errors import ModisteError

MS_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
WINDOW, SIGMA, K1, K2 = 11, 1.5, 0.01, 0.03


def _gaussian_window(size: int, sigma: float, channels: int, like: torch.Tensor) -> torch.Tensor:
    coords = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    g = torch.exp(-(coords**2) / (2 * sigma**2))
    g = (g / g.sum()).to(like)
    return g.view(1, 1, 1, size).expand(channels, 1, 1, size)


def _blur(x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    """Separable valid Gaussian filter per channel."""
    c = x.shape[1]
    x = F.conv2d(x, g, groups=c)
    return F.conv2d(x, g.transpose(2, 3), groups=c)


def ssim_terms(x: torch.Tensor, y: torch.Tensor, data_range: float) -> tuple[torch.Tensor, torch.Tensor]:
    """(SSIM, contrast-structure) per image, each float [N]; x, y float [N, C, H, W] of `data_range`."""
    g = _gaussian_window(WINDOW, SIGMA, x.shape[1], x)
    c1, c2 = (K1 * data_range) ** 2, (K2 * data_range) ** 2
    mu_x, mu_y = _blur(x, g), _blur(y, g)
    sxx = _blur(x * x, g) - mu_x**2
    syy = _blur(y * y, g) - mu_y**2
    sxy = _blur(x * y, g) - mu_x * mu_y
    cs = (2 * sxy + c2) / (sxx + syy + c2)
    luminance = (2 * mu_x * mu_y + c1) / (mu_x**2 + mu_y**2 + c1)
    return (luminance * cs).mean(dim=(1, 2, 3)), cs.mean(dim=(1, 2, 3))


def num_scales(height: int, width: int) -> int:
    """How many of the five MS-SSIM scales fit: the coarsest must still hold the 11-px window."""
    n = 0
    while n < len(MS_WEIGHTS) and min(height, width) // 2**n >= WINDOW:
        n += 1
    return n


def ms_ssim(x: torch.Tensor, y: torch.Tensor, data_range: float = 2.0, scales: int | None = None) -> torch.Tensor:
    """Multi-scale SSIM per image: float [N] in [0, 1] (1 for identical images).

    x, y: float [N, C, H, W] with values spanning `data_range` (2.0 for the generator's [-1, 1]).
    `scales` defaults to as many as fit (3 on 64x96). Raises ModisteError for images smaller than
    the 11-px window or mismatched shapes.
    """
    if x.shape != y.shape or x.ndim != 4:
        raise ModisteError(f"MS-SSIM needs two [N, C, H, W] batches of one shape, got {list(x.shape)} and "
                           f"{list(y.shape)}")
    fit = num_scales(x.shape[2], x.shape[3])
    scales = fit if scales is None else scales
    if not 1 <= scales <= fit:
        raise ModisteError(f"MS-SSIM with {scales} scales needs images of at least {WINDOW * 2 ** (scales - 1)} px "
                           f"on the short side, got {x.shape[3]}x{x.shape[2]}")
    weights = torch.tensor(MS_WEIGHTS[:scales], dtype=x.dtype, device=x.device)
    weights = weights / weights.sum()
    factors = []
    for level in range(scales):
        ssim, cs = ssim_terms(x, y, data_range)
        last = level == scales - 1
        factors.append((ssim if last else cs).clamp_min(0))
        if not last:
            x, y = F.avg_pool2d(x, 2), F.avg_pool2d(y, 2)
    stacked = torch.stack(factors, dim=1)  # [N, scales]
    return torch.prod(stacked ** weights.unsqueeze(0), dim=1)
