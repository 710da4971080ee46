"""StyleGAN2's modulated convolution, the synthesis layer built on it, and the toRGB/toWavelets layer.

A modulated conv uses, for sample n, the weight W * s_n (s_n = per-input-channel style from w) and,
with demodulation, divides each output filter by its norm sqrt(sum (W * s_n)^2). The reference
implementations run this as a grouped conv with one weight tensor per sample, which is memory-bound
on the CPU. Here the styles scale the activations and the demodulation coefficients scale the
outputs, which is the same linear map:

    conv(x, W * s_n) * d_n  ==  conv(x * s_n, W) * d_n,   d_n[o] = rsqrt(sum_i s_n[i]^2 * sum_k W[o,i,k]^2)

so one ordinary conv serves the whole batch. The styles and demodulation coefficients are computed
in fp32 even under autocast (squares of styles overflow fp16 easily).
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from modiste.gan.networks import fir
from modiste.gan.networks.ops import FP16_CLAMP, LRELU_GAIN, EqualLinear, channel_view, clamp_fp16, lrelu_

NOISE_MODES = ("random", "const", "none")


def demodulation_coefficients(weight: torch.Tensor, styles: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """d [N, O] = rsqrt(styles^2 @ sum_k weight^2), in fp32 whatever the autocast state."""
    with torch.autocast(device_type=styles.device.type, enabled=False):
        w_sq = weight.float().square().sum(dim=(2, 3))  # [O, I]
        return (styles.float().square() @ w_sq.t() + eps).rsqrt()


def modulated_conv2d(
    x: torch.Tensor, weight: torch.Tensor, styles: torch.Tensor, demodulate: bool = True, up: bool = False
) -> torch.Tensor:
    """Modulated (and demodulated) conv of x [N, I, H, W] with weight [O, I, k, k] and styles [N, I].

    With up=True the output is 2x larger: a stride-2 transposed conv followed by the FIR blur
    (StyleGAN2's upsampling conv). Returns [N, O, H', W'].
    """
    x = x * styles.to(x.dtype).view(x.shape[0], -1, 1, 1)
    x = _conv(x, weight.to(x.dtype), up)
    if demodulate:
        x = x * demodulation_coefficients(weight, styles).to(x.dtype).view(x.shape[0], -1, 1, 1)
    return x


def _conv(x: torch.Tensor, weight: torch.Tensor, up: bool) -> torch.Tensor:
    if not up:
        return F.conv2d(x, weight, padding=weight.shape[-1] // 2)
    # transposed conv: [N, I, H, W] -> [N, O, 2H+1, 2W+1] (3x3), then blur back to 2H x 2W
    x = F.conv_transpose2d(x, weight.transpose(0, 1), stride=2)
    return fir.blur(x, (1, 1), gain=4.0)


class SynthesisLayer(nn.Module):
    """Modulated 3x3 conv + per-pixel noise (learned strength) + bias + leaky ReLU (x sqrt 2)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        w_dim: int,
        shape: tuple[int, int],
        up: bool = False,
        kernel_size: int = 3,
        clamp: float | None = FP16_CLAMP,
    ) -> None:
        super().__init__()
        self.in_channels, self.out_channels, self.shape, self.up, self.clamp = (
            in_channels, out_channels, tuple(shape), up, clamp)
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.noise_strength = nn.Parameter(torch.zeros([]))
        self.register_buffer("noise_const", torch.randn(1, 1, *self.shape))

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise_mode: str = "random") -> torch.Tensor:
        styles = self.affine(w)
        x = modulated_conv2d(x, self.weight, styles, demodulate=False, up=self.up)
        # y = conv * d * g + bias * g (+ noise * strength * g), then leaky ReLU: the sqrt(2) gain of
        # the activation is folded into the affine terms, two passes over the activations instead of five
        d = demodulation_coefficients(self.weight, styles) * LRELU_GAIN
        x = torch.addcmul(
            channel_view(self.bias * LRELU_GAIN).to(x.dtype), x, d.to(x.dtype).view(x.shape[0], -1, 1, 1))
        if noise_mode == "random":
            noise = torch.randn(x.shape[0], 1, x.shape[2], x.shape[3], device=x.device, dtype=x.dtype)
            x = x.add_(noise * (self.noise_strength * LRELU_GAIN).to(x.dtype))
        elif noise_mode == "const":
            x = x.add_(self.noise_const.to(x.dtype) * (self.noise_strength * LRELU_GAIN).to(x.dtype))
        elif noise_mode != "none":
            raise ValueError(f"noise_mode must be one of {NOISE_MODES}, got {noise_mode!r}")
        return lrelu_(x, self.clamp)

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}, shape={self.shape}, up={self.up}"


class ToImage(nn.Module):
    """Modulated 1x1 conv without demodulation (toRGB; SWAGAN's toWavelets with 4x the channels).

    Few output channels, so the per-sample weights [N, O, I] are tiny and a batched matmul avoids
    the extra pass that scaling the activations by the styles would cost.
    """

    def __init__(self, in_channels: int, out_channels: int, w_dim: int, clamp: float | None = FP16_CLAMP) -> None:
        super().__init__()
        self.in_channels, self.out_channels, self.clamp = in_channels, out_channels, clamp
        self.affine = EqualLinear(w_dim, in_channels, bias_init=1.0)
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels))
        self.bias = nn.Parameter(torch.zeros(out_channels))
        self.weight_gain = 1.0 / math.sqrt(in_channels)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        n, _, h, wd = x.shape
        styles = self.affine(w) * self.weight_gain
        weights = (self.weight[None] * styles[:, None, :]).to(x.dtype)  # [N, O, I]
        y = torch.baddbmm(channel_view(self.bias).view(1, -1, 1).to(x.dtype), weights, x.reshape(n, -1, h * wd))
        return clamp_fp16(y.view(n, -1, h, wd), self.clamp)

    def extra_repr(self) -> str:
        return f"{self.in_channels}, {self.out_channels}"
