"""Adaptive discriminator augmentation (Karras et al. 2020, "Training GANs with Limited Data").

``AdaptiveAugment`` applies the paper's 'bgc' pipeline to every image D sees, each op independently
per sample with probability ``p`` (a buffer, so it is saved in checkpoints; ``AdaTuner`` moves it).
Kept at p < ~0.8 the ops do not leak into the generator: D still sees un-augmented images often
enough that G is only rewarded for producing clean ones.

* 'b' (blit): x-flip, rotation by a multiple of 90 degrees, integer translation (up to 1/8 of a side).
* 'g' (general geometric): isotropic scale (lognormal, std 0.2 octaves), rotation by any angle
  (applied before and after the anisotropic scale, each with prob 1 - sqrt(1 - p) so that some
  rotation happens with prob ~p), anisotropic scale (std 0.2), fractional translation (std 1/8).
* 'c' (colour): brightness (+N(0, 0.2)), contrast (x 2^N(0, 0.5)), luma flip, hue rotation about
  the grey axis (up to 180 degrees), saturation (x 2^N(0, 1)).

All geometric ops are composed into ONE 3x3 matrix per sample (in pixel units, centred, so portrait
canvases rotate without shear) and applied with a single ``grid_sample`` (bilinear, mirror padding).
All colour ops are composed into one 3x3 matrix plus offset per sample and applied with one einsum.
There is no Python loop over samples. Differences from stylegan2-ada, on purpose:

* no 2x supersampling with a wavelet filter around ``grid_sample``: one op, no 4x intermediate.
  Bilinear (the default) blurs fractional shifts a little; ``interpolation='bicubic'`` keeps
  ~5 dB more detail through a half-pixel shift and back, at ~2x the forward and ~7x the backward
  time on CPU (figures in docs/augmentation.md);
* on non-square canvases the 90-degree rotations are limited to 0/180 degrees, so a portrait
  garment is never turned sideways into a canvas it does not fill;
* on grey (1-channel) images hue and saturation are skipped: a grey pixel lies on the rotation
  axis of both, so they would be the identity anyway; luma flip is then a plain negation.

The random parameters of the geometric ops are drawn from symmetric distributions, so each op's
inverse (what ``grid_sample`` needs: output pixel -> input pixel) has the same distribution as the
op and is built directly.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from modiste.errors import ModisteError
from modiste.gan.augment.grid_sample import grid_sample

PIPELINE_GROUPS = "bgc"


@dataclass(frozen=True)
class AdaStrengths:
    """Per-op strengths; the defaults are the paper's."""

    xint_max: float = 0.125  # integer translation, fraction of the side
    scale_std: float = 0.2  # isotropic scale, log2 std
    rotate_max: float = 1.0  # arbitrary rotation, fraction of 180 degrees
    aniso_std: float = 0.2  # anisotropic scale, log2 std
    xfrac_std: float = 0.125  # fractional translation, fraction of the side
    brightness_std: float = 0.2
    contrast_std: float = 0.5  # log2 std
    hue_max: float = 1.0  # fraction of 180 degrees
    saturation_std: float = 1.0  # log2 std


class _Draws:
    """Random draws and matrix builders for one batch: one value per sample, ops gated by ``p``."""

    def __init__(self, n: int, device: torch.device, generator: torch.Generator | None) -> None:
        self.n, self.device, self.generator = n, device, generator
        self.zeros = torch.zeros(n, device=device)
        self.ones = torch.ones(n, device=device)

    def _shape(self, cols: int) -> tuple[int, ...]:
        return (self.n, cols) if cols else (self.n,)

    def uniform(self, low: float, high: float, cols: int = 0) -> torch.Tensor:
        """U(low, high) per sample: [N], or [N, cols] for e.g. an (x, y) pair."""
        return low + (high - low) * torch.rand(self._shape(cols), device=self.device, generator=self.generator)

    def normal(self, std: float, cols: int = 0) -> torch.Tensor:
        return torch.randn(self._shape(cols), device=self.device, generator=self.generator) * std

    def integers(self, high: int) -> torch.Tensor:
        return torch.randint(0, high, (self.n,), device=self.device, generator=self.generator)

    def gate(self, value: torch.Tensor, neutral: float, p: float) -> torch.Tensor:
        """``value`` ([N] or [N, k]) where the op fires (prob p per sample), ``neutral`` elsewhere."""
        fires = torch.rand(self.n, device=self.device, generator=self.generator) < p
        return torch.where(fires.view(-1, *([1] * (value.ndim - 1))), value, neutral)

    def affine2d(self, a=None, b=None, c=None, d=None, tx=None, ty=None) -> torch.Tensor:
        """[N, 3, 3] matrices [[a, b, tx], [c, d, ty], [0, 0, 1]] from [N] tensors (None: identity entry)."""
        one, zero = self.ones, self.zeros
        pick = lambda v, default: default if v is None else v  # noqa: E731
        rows = (pick(a, one), pick(b, zero), pick(tx, zero), pick(c, zero), pick(d, one), pick(ty, zero), zero, zero, one)
        return torch.stack(rows, dim=1).view(-1, 3, 3)

    def scale2d(self, sx: torch.Tensor, sy: torch.Tensor) -> torch.Tensor:
        return self.affine2d(a=sx, d=sy)

    def translate2d(self, tx: torch.Tensor, ty: torch.Tensor) -> torch.Tensor:
        return self.affine2d(tx=tx, ty=ty)

    def rotate2d(self, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
        return self.affine2d(a=cos, b=-sin, c=sin, d=cos)


def geometric_matrices(draws: _Draws, p: float, h: int, w: int, groups: str, s: AdaStrengths) -> torch.Tensor:
    """[N, 3, 3] inverse transforms (output pixel -> input pixel) in centred pixel coordinates."""
    m = draws.affine2d()
    if "b" in groups:
        flip = draws.gate(draws.integers(2).float(), 0.0, p)
        m = m @ draws.scale2d(1 - 2 * flip, draws.ones)
        quarters = draws.gate(draws.integers(4).float(), 0.0, p)
        if h != w:
            quarters = quarters.div(2, rounding_mode="floor") * 2  # portrait/landscape: 0 or 180 degrees only
        angle = quarters * (math.pi / 2)
        m = m @ draws.rotate2d(torch.cos(angle).round(), torch.sin(angle).round())  # exact 0/1, not 6e-17
        shift = draws.gate(draws.uniform(-1, 1, cols=2) * s.xint_max, 0.0, p)
        m = m @ draws.translate2d(torch.round(shift[:, 0] * w), torch.round(shift[:, 1] * h))
    if "g" in groups:
        scale = torch.exp2(draws.gate(draws.normal(s.scale_std), 0.0, p))
        m = m @ draws.scale2d(scale, scale)
        p_rot = 1 - math.sqrt(max(1 - p, 0.0))  # two rotations: P(at least one) = p
        angle = draws.gate(draws.uniform(-1, 1) * math.pi * s.rotate_max, 0.0, p_rot)
        m = m @ draws.rotate2d(torch.cos(angle), torch.sin(angle))
        aniso = torch.exp2(draws.gate(draws.normal(s.aniso_std), 0.0, p))
        m = m @ draws.scale2d(aniso, 1 / aniso)
        angle = draws.gate(draws.uniform(-1, 1) * math.pi * s.rotate_max, 0.0, p_rot)
        m = m @ draws.rotate2d(torch.cos(angle), torch.sin(angle))
        shift = draws.gate(draws.normal(s.xfrac_std, cols=2), 0.0, p)
        m = m @ draws.translate2d(shift[:, 0] * w, shift[:, 1] * h)
    return m


INTERPOLATIONS = ("bilinear", "bicubic")


def warp(images: torch.Tensor, inverse: torch.Tensor, interpolation: str = "bilinear") -> torch.Tensor:
    """Resample each image through its [3, 3] inverse pixel transform with one grid_sample call."""
    n, c, h, w = images.shape
    # normalised coords (align_corners=False) = centred pixel coords / (side / 2)
    to_pixels = torch.diag(torch.tensor([w / 2, h / 2, 1.0], device=images.device))
    to_normalised = torch.diag(torch.tensor([2 / w, 2 / h, 1.0], device=images.device))
    theta = (to_normalised @ inverse @ to_pixels)[:, :2, :]
    # float32 sampling grid whatever the image dtype: fp16/bf16 coordinates would be off by up to a
    # pixel on large canvases (call it with autocast disabled, as AdaptiveAugment does)
    dtype = torch.promote_types(images.dtype, torch.float32)
    grid = F.affine_grid(theta.to(dtype), [n, c, h, w], align_corners=False)
    # twice differentiable in the images on every torch version: R1 differentiates through this
    out = grid_sample(images.to(dtype), grid, mode=interpolation, padding_mode="reflection", align_corners=False)
    return out.to(images.dtype)


def color_transforms(draws: _Draws, p: float, channels: int, s: AdaStrengths) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sample affine colour maps rgb -> M @ rgb + o, as ([N, 3, 3], [N, 3])."""
    n, dev = draws.n, draws.device
    eye = torch.eye(3, device=dev).expand(n, 3, 3)
    luma = torch.full((3,), 1 / math.sqrt(3), device=dev)
    on_axis = torch.outer(luma, luma)  # projection onto the grey axis
    m = eye.clone()
    offset = draws.gate(draws.normal(s.brightness_std), 0.0, p)[:, None].expand(n, 3)
    contrast = torch.exp2(draws.gate(draws.normal(s.contrast_std), 0.0, p))
    m, offset = m * contrast[:, None, None], offset * contrast[:, None]
    flip = draws.gate(draws.integers(2).float(), 0.0, p)
    householder = eye - 2 * on_axis * flip[:, None, None]
    m, offset = householder @ m, (householder @ offset[:, :, None])[:, :, 0]
    if channels == 3:
        angle = draws.gate(draws.uniform(-1, 1) * math.pi * s.hue_max, 0.0, p)
        cross = torch.tensor([[0.0, -1.0, 1.0], [1.0, 0.0, -1.0], [-1.0, 1.0, 0.0]], device=dev) / math.sqrt(3)
        cos, sin = torch.cos(angle)[:, None, None], torch.sin(angle)[:, None, None]
        hue = on_axis + (eye - on_axis) * cos + cross * sin  # Rodrigues rotation about the grey axis
        sat = torch.exp2(draws.gate(draws.normal(s.saturation_std), 0.0, p))[:, None, None]
        saturation = on_axis + (eye - on_axis) * sat
        both = saturation @ hue
        m, offset = both @ m, (both @ offset[:, :, None])[:, :, 0]
    return m, offset


def recolor(images: torch.Tensor, m: torch.Tensor, offset: torch.Tensor) -> torch.Tensor:
    """Apply per-sample colour maps; a grey image is treated as (g, g, g) and the mean channel kept."""
    m, offset = m.to(images.dtype), offset.to(images.dtype)
    if images.shape[1] == 1:
        gain = m.sum(dim=2).mean(dim=1)  # response of the mean channel to (g, g, g)
        return images * gain[:, None, None, None] + offset.mean(dim=1)[:, None, None, None]
    n, c, h, w = images.shape
    flat = images.reshape(n, c, h * w)
    return torch.baddbmm(offset[:, :, None].expand(n, c, h * w), m, flat).view(n, c, h, w)  # M @ rgb + o, fused


class AdaptiveAugment(nn.Module):
    """The ADA pipeline in front of D; ``p`` is the per-op probability (0 = exactly the identity)."""

    p: torch.Tensor

    def __init__(
        self, p: float = 0.0, pipeline: str = "bgc", strengths: AdaStrengths | None = None, interpolation: str = "bilinear"
    ) -> None:
        super().__init__()
        if not pipeline or any(g not in PIPELINE_GROUPS for g in pipeline):
            raise ModisteError(f"unknown ADA pipeline {pipeline!r}: use letters from 'bgc' (blit, geometric, colour), e.g. bgc")
        if not 0.0 <= p <= 1.0:
            raise ModisteError(f"ADA probability must be in [0, 1], got {p}: pass a value from 0 (no augmentation; AdaTuner raises it) to 1")
        self.pipeline = pipeline
        if interpolation not in INTERPOLATIONS:
            raise ModisteError(f"unknown ADA interpolation {interpolation!r}: use bilinear (faster) or bicubic (sharper)")
        self.strengths = strengths or AdaStrengths()
        self.interpolation = interpolation
        self.register_buffer("p", torch.tensor(float(p)))

    def forward(self, images: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        p = float(self.p)
        if p <= 0.0:
            return images
        n, channels, h, w = images.shape
        if channels not in (1, 3):
            raise ModisteError(f"ADA works on 1- or 3-channel images, got {channels} channels: convert the data to grey or RGB")
        draws = _Draws(n, images.device, generator)
        x = images
        # Under autocast the chained 3x3 matmuls would run in fp16/bf16 and shift pixels by whole
        # pixels; the augmentation keeps float32 parameters and the images' own dtype instead.
        with torch.autocast(images.device.type, enabled=False):
            if "b" in self.pipeline or "g" in self.pipeline:
                x = warp(x, geometric_matrices(draws, p, h, w, self.pipeline, self.strengths), self.interpolation)
            if "c" in self.pipeline:
                x = recolor(x, *color_transforms(draws, p, channels, self.strengths))
        return x

    def extra_repr(self) -> str:
        return f"pipeline={self.pipeline!r}, p={float(self.p):.4f}, interpolation={self.interpolation!r}"
