"""Pixels: decode, fit to the target canvas (pad or crop), and scale to the model's range.

The two transforms of the original system, generalised from squares to any width:height:

* ``pad``: scale the whole product into the canvas, then fill the rest with the background colour
  (the median of the image's 1-pixel border), so nothing of the garment is cut off.
* ``crop``: scale so the image covers the canvas, then cut the centre.

Resampling is Lanczos with ``reducing_gap`` (PIL first shrinks by an integer factor, then
resamples), and large JPEGs are decoded at a reduced DCT scale that stays >= 2x the target, which
is both faster and as sharp as decoding full size. Files are opened by `image_file.open_image`,
the project's one decoder, so every command sees an image as a viewer shows it.
"""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import torch
from PIL import Image

from modiste.data.image_file import flatten_alpha, open_image
from modiste.errors import ModisteError

MODES = ("pad", "crop")
MAX_UPSCALE = 8.0  # beyond this the "resolution" is invented pixels, not the data's
MIN_ASPECT, MAX_ASPECT = Fraction(1, 4), Fraction(4, 1)


def parse_aspect(aspect: tuple[int, int] | str) -> tuple[int, int]:
    """``(2, 3)`` or ``"2:3"`` -> (2, 3), validated."""
    if isinstance(aspect, str):
        try:
            w, h = (int(p) for p in aspect.split(":"))
        except ValueError:
            raise ModisteError(f"aspect {aspect!r} is not WIDTH:HEIGHT: use e.g. 1:1 or 2:3") from None
    else:
        w, h = aspect
    if w <= 0 or h <= 0:
        raise ModisteError(f"aspect {w}:{h} must be positive: use e.g. 1:1 or 2:3")
    if not MIN_ASPECT <= Fraction(w, h) <= MAX_ASPECT:
        raise ModisteError(f"aspect {w}:{h} is too extreme: use a width:height between 1:4 and 4:1")
    return w, h


def target_size(resolution: int, aspect: tuple[int, int]) -> tuple[int, int]:
    """(width, height) of the canvas for a target width and width:height aspect."""
    if resolution < 4:
        raise ModisteError(f"resolution {resolution} is too small: use a width of at least 4 px, e.g. 256")
    aw, ah = aspect
    height = Fraction(resolution * ah, aw)
    if height.denominator != 1:
        raise ModisteError(
            f"resolution {resolution} at aspect {aw}:{ah} gives a height of {float(height):.1f} px: "
            f"use a resolution divisible by {aw}"
        )
    return resolution, int(height)


def check_fit(src_size: tuple[int, int], dst_size: tuple[int, int], mode: str) -> None:
    """Refuse a target the source image cannot give (a crop of nothing, absurd upscaling)."""
    (sw, sh), (dw, dh) = src_size, dst_size
    if mode == "crop":
        scale = max(dw / sw, dh / sh)
        kept_w, kept_h = dw / scale, dh / scale
        if min(kept_w, kept_h) < 2:
            raise ModisteError(
                f"cropping {sw}x{sh} images to {dw}x{dh} keeps less than 2 source pixels: use --mode pad"
            )
    else:
        scale = min(dw / sw, dh / sh)
    if scale > MAX_UPSCALE:
        raise ModisteError(
            f"{sw}x{sh} images cannot give {dw}x{dh} (a {scale:.1f}x upscale): "
            f"use --resolution {int(dw / scale * MAX_UPSCALE) // 2 * 2} or less, or larger photos"
        )


def border_colour(img: Image.Image) -> tuple[int, ...]:
    """Median colour of the 1-pixel frame: the studio background of a catalogue shot."""
    a = np.asarray(img)
    if a.ndim == 2:
        a = a[:, :, None]
    frame = np.concatenate([a[0], a[-1], a[1:-1, 0], a[1:-1, -1]], axis=0)
    return tuple(int(v) for v in np.median(frame, axis=0).round())


def _resize(img: Image.Image, size: tuple[int, int], box: tuple[float, float, float, float] | None = None):
    if img.size == size and box is None:
        return img
    return img.resize(size, Image.LANCZOS, box=box, reducing_gap=3.0)


def fit_image(img: Image.Image, size: tuple[int, int], mode: str) -> Image.Image:
    """Fit ``img`` to ``size`` = (width, height) by padding or centre-cropping; no-op if it fits."""
    if img.size == size:
        return img
    sw, sh = img.size
    dw, dh = size
    if mode == "crop":
        scale = max(dw / sw, dh / sh)
        cw, ch = dw / scale, dh / scale
        box = ((sw - cw) / 2, (sh - ch) / 2, (sw + cw) / 2, (sh + ch) / 2)
        return _resize(img, size, box)
    if mode != "pad":
        raise ModisteError(f"unknown mode {mode!r}: use pad or crop")
    scale = min(dw / sw, dh / sh)
    inner = (max(1, round(sw * scale)), max(1, round(sh * scale)))
    background = border_colour(img)
    fitted = _resize(img, inner)
    if inner == size:
        return fitted
    canvas = Image.new(img.mode, size, background if len(background) > 1 else background[0])
    canvas.paste(fitted, ((dw - inner[0]) // 2, (dh - inner[1]) // 2))
    return canvas


def to_channels(img: Image.Image, channels: int) -> Image.Image:
    """Convert to L (1 channel) or RGB (3); transparent pixels become white, as on a product page."""
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        img = flatten_alpha(img.convert("LA" if img.mode == "LA" else "RGBA"))
    want = "L" if channels == 1 else "RGB"
    return img if img.mode == want else img.convert(want)


def decode(data: bytes, channels: int, size: tuple[int, int] | None, mode: str) -> np.ndarray:
    """Encoded image bytes -> uint8 array [H, W, C] at ``size`` (None keeps the native size).

    The file is read as a viewer shows it (`modiste.data.image_file.open_image`: EXIF orientation,
    ICC profile, bit depth, transparency, first frame); raises `UnreadableImage` for broken files.
    """
    img = open_image(data, fit_to=size, fit_mode=mode).image
    img = to_channels(img, channels)
    if size is not None:
        img = fit_image(img, size, mode)
    a = np.asarray(img)
    return a[:, :, None] if a.ndim == 2 else a


def to_tensor(array: np.ndarray) -> torch.Tensor:
    """uint8 [H, W, C] array -> uint8 [C, H, W] tensor (a copy, so workers can share it)."""
    chw = np.ascontiguousarray(array.transpose(2, 0, 1))
    return torch.from_numpy(chw if chw.flags.writeable else chw.copy())


def to_model_range(images: torch.Tensor) -> torch.Tensor:
    """uint8 images in [0, 255] -> float32 in [-1, 1] (0 -> -1, 255 -> 1), on the same device."""
    return images.to(torch.float32).div_(127.5).sub_(1.0)
