"""MS-SSIM and the loss pieces against independent arithmetic (skimage's SSIM, hand-made noise maps)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from skimage.metrics import structural_similarity

from modiste.errors import ModisteError
from modiste.latent.projection.losses import noise_regularizer, psnr
from modiste.latent.projection.ssim import MS_WEIGHTS, ms_ssim, num_scales, ssim_terms


def _pair(seed: int, h: int = 96, w: int = 64, sigma: float = 0.3) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    x = torch.rand(2, 3, h, w, generator=g, dtype=torch.float64) * 2 - 1
    y = (x + sigma * torch.randn(x.shape, generator=g, dtype=torch.float64)).clamp(-1, 1)
    return x, y


def test_single_scale_ssim_equals_skimage():
    x, y = _pair(0)
    ours = ssim_terms(x, y, data_range=2.0)[0]
    for i in range(2):
        ref = structural_similarity(x[i].permute(1, 2, 0).numpy(), y[i].permute(1, 2, 0).numpy(), gaussian_weights=True,
                                    sigma=1.5, use_sample_covariance=False, data_range=2.0, channel_axis=2)
        assert ours[i].item() == pytest.approx(ref, abs=1e-9)


def test_ms_ssim_is_the_weighted_product_of_the_scales():
    x, y = _pair(1)
    assert num_scales(96, 64) == 3  # 64 -> 32 -> 16 hold the 11-px window, 8 does not
    weights = np.array(MS_WEIGHTS[:3]) / sum(MS_WEIGHTS[:3])
    factors, a, b = [], x, y
    for level in range(3):
        s, cs = ssim_terms(a, b, 2.0)
        factors.append((s if level == 2 else cs).numpy())
        a, b = torch.nn.functional.avg_pool2d(a, 2), torch.nn.functional.avg_pool2d(b, 2)
    expected = np.prod([f ** w for f, w in zip(factors, weights)], axis=0)
    np.testing.assert_allclose(ms_ssim(x, y).numpy(), expected, rtol=1e-10)


def test_ms_ssim_is_one_for_identical_images_and_falls_with_noise():
    x, _ = _pair(2)
    assert torch.allclose(ms_ssim(x, x), torch.ones(2, dtype=x.dtype))
    scores = [ms_ssim(x, _pair(2, sigma=s)[1]).mean().item() for s in (0.05, 0.2, 0.5)]
    assert 1 > scores[0] > scores[1] > scores[2] > 0


def test_ms_ssim_refuses_images_too_small_for_the_window():
    x = torch.zeros(1, 3, 8, 8)
    with pytest.raises(ModisteError, match="MS-SSIM"):
        ms_ssim(x, x)


def test_psnr_matches_its_definition():
    x = torch.zeros(1, 3, 4, 4)
    y = torch.full((1, 3, 4, 4), 0.2)  # 0.1 apart on [0, 1] pixels: MSE 0.01 -> 20 dB
    assert psnr(x, y).item() == pytest.approx(20.0, abs=1e-4)


def test_noise_regulariser_is_zero_for_checkerboards_and_positive_for_smooth_maps():
    # a +-1 checkerboard has autocorrelation -1 at a one-pixel shift: squared, 1 per direction at 16 px,
    # and 2x2 average pooling then gives all zeros (down to 8 px: a second level adds nothing)
    i, j = torch.meshgrid(torch.arange(16), torch.arange(16), indexing="ij")
    board = ((i + j) % 2 * 2 - 1).float().view(1, 1, 16, 16)
    assert noise_regularizer([board]).item() == pytest.approx(2.0)
    flat = torch.ones(1, 1, 16, 16)  # correlation 1 at every level: 16 px and 8 px -> 2 + 2
    assert noise_regularizer([flat]).item() == pytest.approx(4.0)
