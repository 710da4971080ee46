"""FIR resampling with the [1, 3, 3, 1] binomial filter (StyleGAN2's anti-aliased up/down-sampling).

Every operation here is a depthwise convolution with a fixed 4x4 kernel (the outer product of
[1, 3, 3, 1] / 8). On the CPU a single depthwise conv measured faster than two separable 1-D passes,
strided slicing or stacked box filters, in both directions and with autograd (see docs/networks.md),
and it is also what torch.compile and cuDNN handle best. Kernels are cached per (device, dtype) so
a forward pass allocates none; they never enter a state_dict.

Padding conventions follow upfirdn2d: with `pad = (p0, p1)` the input is zero-padded by p0 before
and p1 after on both spatial axes, then filtered; "gain" is folded into the kernel so upsampling
keeps the mean intensity (up by 2 uses gain 4 = 2 per axis).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

_TAPS = (1.0, 3.0, 3.0, 1.0)
_cache: dict[tuple[torch.device, torch.dtype], torch.Tensor] = {}


def fir_kernel(device: torch.device | str = "cpu", dtype: torch.dtype = torch.float32) -> torch.Tensor:
    """The normalised 4x4 binomial kernel (sums to 1), shape [4, 4]."""
    key = (torch.device(device), dtype)
    if torch.compiler.is_compiling():  # keep the traced graph free of Python-side cache mutation
        return _make_kernel(key[0], dtype)
    kernel = _cache.get(key)
    if kernel is None:
        kernel = _cache[key] = _make_kernel(key[0], dtype)
    return kernel


def _make_kernel(device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    taps = torch.tensor(_TAPS, dtype=torch.float64)
    kernel = torch.outer(taps, taps)
    return (kernel / kernel.sum()).to(device=device, dtype=dtype)


def _depthwise(x: torch.Tensor, gain: float) -> torch.Tensor:
    """[C, 1, 4, 4] depthwise weight for x's channels; the filter is symmetric, so no flip is needed."""
    kernel = fir_kernel(x.device, x.dtype)
    if gain != 1.0:
        kernel = kernel * gain
    return kernel.expand(x.shape[1], 1, 4, 4)


def blur(x: torch.Tensor, pad: tuple[int, int], gain: float = 1.0) -> torch.Tensor:
    """Filter x [N, C, H, W] after zero-padding (p0 before, p1 after); output H + p0 + p1 - 3."""
    p0, p1 = pad
    if p0 == p1:
        return F.conv2d(x, _depthwise(x, gain), padding=p0, groups=x.shape[1])
    return F.conv2d(F.pad(x, (p0, p1, p0, p1)), _depthwise(x, gain), groups=x.shape[1])


def upsample2d(x: torch.Tensor) -> torch.Tensor:
    """Upsample by 2 (zero insertion + filter, gain 4): [N, C, H, W] -> [N, C, 2H, 2W].

    A stride-2 transposed depthwise conv computes exactly upfirdn2d(up=2, pad=(2, 1)).
    """
    return F.conv_transpose2d(x, _depthwise(x, 4.0), stride=2, padding=1, groups=x.shape[1])


def downsample2d(x: torch.Tensor) -> torch.Tensor:
    """Filter then keep every 2nd pixel (upfirdn2d(down=2, pad=(1, 1))): [N, C, H, W] -> [N, C, H/2, W/2]."""
    return F.conv2d(x, _depthwise(x, 1.0), stride=2, padding=1, groups=x.shape[1])


def reference_upfirdn2d(x: torch.Tensor, up: int, down: int, pad: tuple[int, int], gain: float) -> torch.Tensor:
    """Slow, literal upfirdn2d (zero-insert, pad, correlate, subsample); for tests and checks only."""
    n, c, h, w = x.shape
    if up > 1:
        z = x.new_zeros(n, c, h * up, w * up)
        z[:, :, ::up, ::up] = x
        x = z
    x = F.pad(x, (pad[0], pad[1], pad[0], pad[1]))
    kernel = fir_kernel(x.device, x.dtype) * gain
    out = torch.zeros(n, c, x.shape[2] - 3, x.shape[3] - 3, dtype=x.dtype, device=x.device)
    for i in range(4):
        for j in range(4):
            out += kernel[i, j] * x[:, :, i : i + out.shape[2], j : j + out.shape[3]]
    return out[:, :, ::down, ::down]
