"""Precision/recall on constructed point clouds with known answers."""

from __future__ import annotations

import pytest
import torch

from modiste.metrics.knn_precision_recall import knn_radii, precision_recall


def _grid(n: int, offset: float = 0.0) -> torch.Tensor:
    xs = torch.arange(n, dtype=torch.float32)
    return torch.cartesian_prod(xs, xs) + offset


def test_knn_radii_on_a_line():
    points = torch.tensor([[0.0], [1.0], [3.0], [6.0], [10.0]])
    # distance to the 3rd nearest other point, e.g. for 3: others at 2, 3, 3, 7 -> 3
    assert knn_radii(points, k=3).tolist() == pytest.approx([6.0, 5.0, 3.0, 5.0, 9.0])


def test_identical_sets_have_full_precision_and_recall():
    grid = _grid(10)
    assert precision_recall(grid, grid.clone()) == (1.0, 1.0)


def test_fakes_on_half_the_real_manifold():
    real = _grid(10)  # 10 x 10 grid, unit spacing: k=3 radius is 1 inside, sqrt(2) or so at edges
    fake_in = real[real[:, 0] < 5] + 0.1  # the left half, jittered by less than a radius
    fake_out = fake_in + 100.0  # as many far away
    fake = torch.cat([fake_in, fake_out])
    precision, recall = precision_recall(real, fake)
    assert precision == pytest.approx(0.5)
    # the fake manifold (two half-grids) covers the real left half and nothing of the right half
    # except the column x=5 next to it, within the fakes' radius 1 of x=4.1
    assert recall == pytest.approx(0.6)


def test_disjoint_sets_score_zero():
    precision, recall = precision_recall(_grid(6), _grid(6, offset=50.0))
    assert (precision, recall) == (0.0, 0.0)


def test_package_exports_stay_functions_after_their_modules_are_imported():
    # A submodule named like a function it exports would replace that function on the package.
    import importlib

    import modiste.metrics as metrics

    for module in set(metrics._WHERE.values()):
        importlib.import_module(module)
    for name in metrics.__all__:
        assert callable(getattr(metrics, name)), name
