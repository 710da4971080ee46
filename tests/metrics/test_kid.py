"""KID against a float64 per-element reference on the same subsets."""

from __future__ import annotations

import itertools
import math

import pytest
import torch

from modiste.metrics.kid import kernel_inception_distance, subset_indices


def _reference_mmd2(x: torch.Tensor, y: torch.Tensor) -> float:
    x, y = x.double(), y.double()
    m, d = x.shape

    def k(a: torch.Tensor, b: torch.Tensor) -> float:
        return float((a @ b / d + 1) ** 3)

    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / (m * m)
    return xx + yy - 2 * xy


def test_kid_equals_float64_reference_on_random_features():
    gen = torch.Generator().manual_seed(0)
    real = torch.randn(30, 8, generator=gen)
    fake = torch.randn(25, 8, generator=gen) * 1.3 + 0.2
    mean, std = kernel_inception_distance(real, fake, num_subsets=4, max_subset_size=12, seed=7)
    refs = torch.tensor(
        [_reference_mmd2(real[r], fake[f]) for r, f in subset_indices(30, 25, 12, 4, seed=7)], dtype=torch.float64
    )
    assert mean == pytest.approx(float(refs.mean()), rel=1e-5)
    assert std == pytest.approx(float(refs.std(unbiased=False)), rel=1e-4)
    assert mean > 0


def test_kid_of_same_distribution_is_near_zero_and_unbiased():
    gen = torch.Generator().manual_seed(1)
    a, b = torch.randn(600, 16, generator=gen), torch.randn(600, 16, generator=gen)
    mean, std = kernel_inception_distance(a, b, num_subsets=20, max_subset_size=300)
    far_mean, _ = kernel_inception_distance(a, b + 1.0, num_subsets=20, max_subset_size=300)
    assert abs(mean) < 3 * std + 1e-3  # unbiased: centred on zero, can be negative
    assert far_mean > 100 * abs(mean)


def test_kid_without_room_for_subsets_reports_no_spread():
    gen = torch.Generator().manual_seed(2)
    real, fake = torch.randn(20, 8, generator=gen), torch.randn(20, 8, generator=gen) + 0.5
    with pytest.warns(UserWarning, match="kid_std is NaN"):
        mean, std = kernel_inception_distance(real, fake, num_subsets=50, max_subset_size=1000)
    assert mean == pytest.approx(_reference_mmd2(real.double(), fake.double()), rel=1e-5) and math.isnan(std)
    # one side larger than the subset size: subsets differ, the spread is real
    mean, std = kernel_inception_distance(real, torch.cat([fake, fake + 0.1]), num_subsets=10, max_subset_size=20)
    assert std > 0
