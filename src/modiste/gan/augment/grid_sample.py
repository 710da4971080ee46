"""`grid_sample` that can be differentiated twice with respect to its input on every PyTorch version.

R1 through ADA takes the gradient of D(augment(x)) with respect to x with `create_graph`, then the
gradient of its norm with respect to D's parameters: a double backward through grid_sample. Only
recent PyTorch releases implement the derivative of `grid_sampler_2d_backward` (torch 2.11 on CUDA
raises "derivative for aten::grid_sampler_2d_backward is not implemented"; 2.14 has it). Sampling
is linear in the image, so the derivative of the image gradient with respect to the incoming
gradient is grid_sample itself; two small autograd Functions say exactly that, on any version.
The grid gets first-order gradients only (ADA's grids are drawn, not learned).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

_MODES = {"bilinear": 0, "nearest": 1, "bicubic": 2}
_PADDINGS = {"zeros": 0, "border": 1, "reflection": 2}


def _aten_backward(grad_out, image, grid, options, mask):
    mode, padding, align_corners = options
    return torch.ops.aten.grid_sampler_2d_backward(grad_out, image, grid, _MODES[mode], _PADDINGS[padding],
                                                   align_corners, mask)


class _GridSample(torch.autograd.Function):
    @staticmethod
    def forward(ctx, image, grid, options):
        ctx.save_for_backward(image, grid)
        ctx.options = options
        mode, padding, align_corners = options
        return F.grid_sample(image, grid, mode=mode, padding_mode=padding, align_corners=align_corners)

    @staticmethod
    def backward(ctx, grad_out):
        image, grid = ctx.saved_tensors
        grad_image = _ImageGradient.apply(grad_out, image, grid, ctx.options) if ctx.needs_input_grad[0] else None
        grad_grid = None
        if ctx.needs_input_grad[1]:
            grad_grid = _aten_backward(grad_out, image, grid, ctx.options, [False, True])[1]
        return grad_image, grad_grid, None


class _ImageGradient(torch.autograd.Function):
    """grad_out -> d(grid_sample)/d(image)^T grad_out, itself differentiable in grad_out."""

    @staticmethod
    def forward(ctx, grad_out, image, grid, options):
        ctx.save_for_backward(grid)
        ctx.options = options
        return _aten_backward(grad_out, image, grid, options, [True, False])[0]

    @staticmethod
    def backward(ctx, grad_grad_image):
        (grid,) = ctx.saved_tensors
        if ctx.needs_input_grad[2]:
            raise NotImplementedError("grid_sample: second derivatives with respect to the grid are not supported")
        # the image gradient does not depend on the image: sampling is linear in it
        return _GridSample.apply(grad_grad_image, grid, ctx.options), None, None, None


def grid_sample(image: torch.Tensor, grid: torch.Tensor, mode: str = "bilinear", padding_mode: str = "zeros",
                align_corners: bool = False) -> torch.Tensor:
    """`torch.nn.functional.grid_sample` for 4-d inputs, twice differentiable in `image`."""
    if mode not in _MODES or padding_mode not in _PADDINGS:
        raise ValueError(f"grid_sample: mode {mode!r} / padding {padding_mode!r} not in {list(_MODES)} / {list(_PADDINGS)}")
    return _GridSample.apply(image, grid, (mode, padding_mode, align_corners))
