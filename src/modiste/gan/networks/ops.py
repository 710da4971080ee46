"""Equalised-learning-rate layers and the fused bias + activation used by every StyleGAN2 network.

Equalised learning rate (Karras et al. 2018): weights are stored as N(0, 1) / lr_mul and multiplied
at run time by lr_mul / sqrt(fan_in), so the weight the network actually uses has std
1 / sqrt(fan_in) and Adam's per-parameter step sizes are the same for every layer; `lr_mul` < 1
(the mapping network's 0.01) slows a layer down. Biases are stored as init / lr_mul and scaled by
lr_mul, so their run-time value starts at `bias_init`.

The activation is leaky ReLU(0.2) times sqrt(2) (keeps the signal's second moment). Because leaky
ReLU is positively homogeneous, the gain is folded into the preceding affine terms, which saves a
full pass over the activations on the CPU.
"""

from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from modiste.gan.networks import fir

LRELU_SLOPE = 0.2
LRELU_GAIN = math.sqrt(2.0)
# fp16 activations are clamped to +-256 (stylegan2-ada's conv_clamp); bf16/fp32 have the range of fp32.
FP16_CLAMP = 256.0


def normalize_2nd_moment(x: torch.Tensor, dim: int = 1, eps: float = 1e-8) -> torch.Tensor:
    return x * (x.square().mean(dim=dim, keepdim=True) + eps).rsqrt()


def clamp_fp16(x: torch.Tensor, clamp: float | None) -> torch.Tensor:
    """Clamp when the activations are fp16 (autocast on GPU); a no-op for other dtypes."""
    if clamp is not None and x.dtype == torch.float16:
        x = x.clamp(-clamp, clamp)  # out of place: leaky_relu_'s backward needs its own result
    return x


def lrelu_(x: torch.Tensor, clamp: float | None = None) -> torch.Tensor:
    """In-place leaky ReLU (x already carries the sqrt(2) gain) plus the fp16 clamp."""
    return clamp_fp16(F.leaky_relu_(x, LRELU_SLOPE), clamp)


def channel_view(v: torch.Tensor) -> torch.Tensor:
    """[C] -> [1, C, 1, 1] for broadcasting over NCHW."""
    return v.view(1, -1, 1, 1)


class EqualLinear(nn.Module):
    """Fully connected layer with equalised learning rate and optional fused leaky ReLU."""

    def __init__(
        self,
        in_features: int,
        out_features: int,
        bias: bool = True,
        bias_init: float = 0.0,
        lr_mul: float = 1.0,
        activation: str = "linear",
    ) -> None:
        super().__init__()
        if activation not in ("linear", "lrelu"):
            raise ValueError(f"unknown activation {activation!r}")
        self.in_features, self.out_features = in_features, out_features
        self.activation = activation
        self.weight = nn.Parameter(torch.randn(out_features, in_features) / lr_mul)
        self.bias = nn.Parameter(torch.full([out_features], float(bias_init) / lr_mul)) if bias else None
        self.lr_mul = lr_mul
        self.weight_gain = lr_mul / math.sqrt(in_features)

    def runtime_weight(self) -> torch.Tensor:
        return self.weight * self.weight_gain

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gain = LRELU_GAIN if self.activation == "lrelu" else 1.0
        bias = None if self.bias is None else self.bias * (self.lr_mul * gain)
        x = F.linear(x, self.weight * (self.weight_gain * gain), bias)
        return F.leaky_relu_(x, LRELU_SLOPE) if self.activation == "lrelu" else x

    def extra_repr(self) -> str:
        return f"{self.in_features}, {self.out_features}, lr_mul={self.lr_mul}, activation={self.activation}"


class EqualConv2d(nn.Module):
    """Convolution with equalised learning rate, optional FIR downsampling by 2 and fused activation.

    `gain` scales the output (the discriminator's residual branches use sqrt(0.5)); with
    activation 'lrelu' it multiplies the sqrt(2) activation gain.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int,
        bias: bool = True,
        activation: str = "lrelu",
        down: bool = False,
        gain: float = 1.0,
        clamp: float | None = FP16_CLAMP,
    ) -> None:
        super().__init__()
        if activation not in ("linear", "lrelu"):
            raise ValueError(f"unknown activation {activation!r}")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.activation, self.down, self.clamp = activation, down, clamp
        self.weight = nn.Parameter(torch.randn(out_channels, in_channels, kernel_size, kernel_size))
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None
        self.weight_gain = 1.0 / math.sqrt(in_channels * kernel_size * kernel_size)
        self.out_gain = gain * (LRELU_GAIN if activation == "lrelu" else 1.0)

    def runtime_weight(self) -> torch.Tensor:
        return self.weight * self.weight_gain

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = self.weight * (self.weight_gain * self.out_gain)
        bias = None if self.bias is None else self.bias * self.out_gain
        k = self.kernel_size
        if self.down and k == 1:
            # a 1x1 conv commutes with the spatial filter: filter first, convolve 4x fewer pixels
            x = F.conv2d(fir.downsample2d(x), weight, bias)
        elif self.down:
            # blur with pad (k+1)//2 each side, then a strided conv (upfirdn2d's down path)
            x = F.conv2d(fir.blur(x, ((k + 1) // 2, (k + 1) // 2)), weight, bias, stride=2)
        else:
            x = F.conv2d(x, weight, bias, padding=k // 2)
        if self.activation == "lrelu":
            return lrelu_(x, self.clamp)
        return clamp_fp16(x, self.clamp)

    def extra_repr(self) -> str:
        return (
            f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
            f"down={self.down}, activation={self.activation}"
        )
