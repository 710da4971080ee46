"""Our twice-differentiable grid_sample equals PyTorch's, values and first and second derivatives."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from modiste.gan.augment.grid_sample import grid_sample


def random_grid(n: int, h: int, w: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    theta = torch.eye(2, 3, dtype=torch.float64).repeat(n, 1, 1) + 0.3 * torch.randn(n, 2, 3, generator=g, dtype=torch.float64)
    return F.affine_grid(theta, [n, 1, h, w], align_corners=False)


@pytest.mark.parametrize("mode,padding", [("bilinear", "reflection"), ("bicubic", "reflection"), ("bilinear", "zeros")])
def test_gradients_of_every_order_in_the_image(mode, padding):
    grid = random_grid(2, 5, 4, seed=0)
    image = torch.randn(2, 3, 5, 4, dtype=torch.float64, requires_grad=True)
    fn = lambda x: grid_sample(x, grid, mode=mode, padding_mode=padding)  # noqa: E731
    torch.testing.assert_close(fn(image), F.grid_sample(image, grid, mode=mode, padding_mode=padding, align_corners=False))
    assert torch.autograd.gradcheck(fn, (image,))
    assert torch.autograd.gradgradcheck(fn, (image,))


def test_first_order_grid_gradient_matches_torch():
    image = torch.randn(2, 3, 6, 6, dtype=torch.float64)
    grid = random_grid(2, 6, 6, seed=1).requires_grad_(True)
    ours, = torch.autograd.grad(grid_sample(image, grid, padding_mode="reflection").square().sum(), grid)
    theirs, = torch.autograd.grad(F.grid_sample(image, grid, padding_mode="reflection", align_corners=False).square().sum(), grid)
    torch.testing.assert_close(ours, theirs)


def dense_warp(x: torch.Tensor, grid: torch.Tensor) -> torch.Tensor:
    """The same warp as an explicit matrix per image (sampling is linear): differentiable to any order
    on every torch version, so it is the reference for the double backward."""
    n, c, h, w = x.shape
    basis = torch.eye(h * w, dtype=x.dtype).reshape(h * w, 1, h, w)
    columns = [F.grid_sample(basis, g.expand(h * w, -1, -1, -1), padding_mode="reflection", align_corners=False)
               for g in grid.split(1)]
    S = torch.stack([col.reshape(h * w, h * w).T for col in columns])  # [n, out pixels, in pixels]
    return (S.unsqueeze(1) @ x.reshape(n, c, h * w, 1)).reshape(n, c, h, w)


def test_r1_style_double_backward_matches_a_dense_reference():
    """d/dθ |d D(warp(x)) / dx|², as R1 through ADA computes it."""
    grid = random_grid(4, 8, 8, seed=2).float()
    x = torch.randn(4, 3, 8, 8, requires_grad=True)
    torch.testing.assert_close(dense_warp(x, grid), F.grid_sample(x, grid, padding_mode="reflection", align_corners=False))
    D = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.Softplus(), torch.nn.Flatten(), torch.nn.Linear(256, 1))
    grads = []
    for warp in (lambda t: grid_sample(t, grid, padding_mode="reflection"), lambda t: dense_warp(t, grid)):
        D.zero_grad()
        (g,) = torch.autograd.grad(D(warp(x)).sum(), x, create_graph=True)
        g.square().sum().backward()
        grads.append(torch.cat([D[0].weight.grad.reshape(-1), D[3].weight.grad.reshape(-1)]))  # biases: no part in R1
    assert grads[0].abs().sum() > 0
    torch.testing.assert_close(grads[0], grads[1])
