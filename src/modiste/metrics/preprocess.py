"""uint8 images -> the FID Inception's input: 3 x 299 x 299 floats in the network's input range.

Two documented modes, because FID moves by whole points with the resize filter (Parmar et al.,
"On Aliased Resizing and Surprising Subtleties in GAN Evaluation", 2022):

- ``clean`` (default; clean-fid's "clean" mode): each channel of the uint8 image is resized as a
  float32 PIL image ("F" mode) with PIL's antialiased bicubic filter to 299 x 299, clipped to
  [0, 255], and mapped to the TensorFlow graph's range with (x - 128) / 128.
- ``legacy`` (pytorch-fid): the image as float in [0, 1] is resized with
  ``F.interpolate(mode="bilinear", align_corners=False)`` (no antialiasing: aliased when shrinking)
  and mapped to [-1, 1] with 2x - 1.

Grey images are resized once and their channel repeated three times (the same numbers as resizing
three identical channels, for a third of the work).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from modiste.errors import ModisteError
from modiste.metrics.inception import INPUT_SIZE

ResizeMode = Literal["clean", "legacy"]
RESIZE_MODES: tuple[str, ...] = ("clean", "legacy")


def check_mode(mode: str) -> str:
    if mode not in RESIZE_MODES:
        raise ModisteError(f"unknown resize mode {mode!r}: use one of {', '.join(RESIZE_MODES)}")
    return mode


def _check_uint8_batch(images: torch.Tensor) -> None:
    if images.dtype != torch.uint8 or images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"expected uint8 images [N, 1|3, H, W], got {images.dtype} {tuple(images.shape)}")


def _pil_bicubic_plane(plane: np.ndarray, size: int) -> np.ndarray:
    """One float32 plane through PIL's antialiased bicubic filter, as clean-fid does."""
    resized = Image.fromarray(plane, mode="F").resize((size, size), resample=Image.Resampling.BICUBIC)
    return np.asarray(resized)


def clean_resize(images: torch.Tensor, size: int = INPUT_SIZE) -> torch.Tensor:
    """uint8 [N, C, H, W] -> float32 [N, C, size, size] in [0, 255] (clean-fid's PIL bicubic)."""
    _check_uint8_batch(images)
    planes = images.cpu().numpy().astype(np.float32)
    out = np.empty((planes.shape[0], planes.shape[1], size, size), dtype=np.float32)
    for i in range(planes.shape[0]):
        for c in range(planes.shape[1]):
            out[i, c] = _pil_bicubic_plane(planes[i, c], size)
    np.clip(out, 0.0, 255.0, out=out)
    return torch.from_numpy(out)


def legacy_resize(images: torch.Tensor, size: int = INPUT_SIZE) -> torch.Tensor:
    """uint8 [N, C, H, W] -> float32 [N, C, size, size] in [0, 1] (pytorch-fid's bilinear)."""
    _check_uint8_batch(images)
    x = images.to(torch.float32) / 255.0
    return F.interpolate(x, size=(size, size), mode="bilinear", align_corners=False)


def to_inception_input(images: torch.Tensor, mode: str = "clean", device: torch.device | str = "cpu") -> torch.Tensor:
    """uint8 [N, 1|3, H, W] -> float32 [N, 3, 299, 299] on `device`, ready for the Inception."""
    check_mode(mode)
    if mode == "clean":
        x = clean_resize(images).to(device)
        x = (x - 128.0) / 128.0
    else:
        x = legacy_resize(images.to(device))
        x = 2.0 * x - 1.0
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    return x.contiguous()
