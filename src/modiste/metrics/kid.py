"""Kernel Inception Distance (Binkowski et al., 2018): unbiased MMD^2 with a cubic polynomial kernel.

k(x, y) = (x . y / d + 1)^3. The estimate is averaged over `num_subsets` random subsets of
min(max_subset_size, N_real, N_fake) features from each side, as in StyleGAN2-ADA and clean-fid
(100 subsets of up to 1000); the reported std is the spread of the per-subset estimates. When both
sets are no larger than the subset size, every subset holds all of both: the estimate is computed
once and the std is NaN (with a warning) rather than a meaningless 0. Gram matrices are computed in
float32 (on the features' device) and reduced in float64.
"""

from __future__ import annotations

import math
import warnings

import torch


def subset_indices(n_real: int, n_fake: int, size: int, num_subsets: int, seed: int = 0) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """The (real, fake) index subsets KID draws; exposed so references can use the same draws."""
    gen = torch.Generator().manual_seed(seed)
    return [
        (torch.randperm(n_real, generator=gen)[:size], torch.randperm(n_fake, generator=gen)[:size])
        for _ in range(num_subsets)
    ]


def polynomial_mmd2_unbiased(x: torch.Tensor, y: torch.Tensor) -> float:
    """Unbiased MMD^2 between equal-sized feature sets x, y [m, d] under the cubic kernel."""
    m, d = x.shape
    k_xx = (x @ x.T / d + 1).double().pow(3)
    k_yy = (y @ y.T / d + 1).double().pow(3)
    k_xy = (x @ y.T / d + 1).double().pow(3)
    within = (k_xx.sum() - k_xx.diagonal().sum() + k_yy.sum() - k_yy.diagonal().sum()) / (m * (m - 1))
    return float(within - 2 * k_xy.mean())


def kernel_inception_distance(
    real: torch.Tensor,
    fake: torch.Tensor,
    num_subsets: int = 100,
    max_subset_size: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """(mean, std) of the unbiased polynomial-kernel MMD^2 over random subsets."""
    size = min(real.shape[0], fake.shape[0], max_subset_size)
    if size < 2:
        raise ValueError("KID needs at least 2 real and 2 fake feature vectors")
    real, fake = real.float(), fake.float()
    if size == real.shape[0] == fake.shape[0]:  # every subset would be all of both sets
        warnings.warn(f"KID on {size} real and {size} fake features: every subset holds all of them, so there is no "
                      f"spread to report (kid_std is NaN); use more than {max_subset_size} images for one", stacklevel=2)
        return polynomial_mmd2_unbiased(real, fake), math.nan
    values = torch.tensor(
        [
            polynomial_mmd2_unbiased(real[r.to(real.device)], fake[f.to(fake.device)])
            for r, f in subset_indices(real.shape[0], fake.shape[0], size, num_subsets, seed)
        ],
        dtype=torch.float64,
    )
    std = float(values.std(unbiased=False)) if num_subsets > 1 else 0.0
    return float(values.mean()), std
