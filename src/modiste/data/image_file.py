"""Open an image file as a viewer shows it: the one decoder behind prepare, train, curate and metrics.

A file's pixels can differ from what every viewer shows, and each difference is handled here:

* **orientation**: EXIF orientation 2-8 (phone photos stored landscape, flagged "rotate 90") is
  applied, so the image comes out upright; sizes reported by `read_header` are upright too;
* **bit depth**: 16-bit grey ('I;16*') is scaled by 255/65535, not clipped at 255; 32-bit integer
  ('I') and float ('F') images are scaled from the range their values show (0-255, 0-65535 or
  0-1) and refused when that range is not one of these; 16-bit colour PNGs Pillow already
  reduces to 8 bits;
* **colour**: an embedded ICC profile that is not sRGB (Display P3, Adobe RGB, a CMYK press
  profile) is converted to sRGB with LittleCMS (`PIL.ImageCms`), and so is CIELab; CMYK, YCbCr
  and palette images become RGB, '1' and 'L' stay grey;
* **transparency** (RGBA, LA, PA, palette or RGB/L with a transparent colour): composited onto
  white, the backdrop of a product page; padding then continues that white border;
* **animation** (GIF, WebP, APNG with several frames): the first frame is used, as a still
  viewer and a product page thumbnail show it, and the result says so (multi-picture JPEGs from
  cameras, MPO, are one photo and are not animations);
* **broken files**: truncated or corrupt data, empty files and decompression bombs raise
  `UnreadableImage` (never a grey bottom half); callers skip and count them.

Output is always 8-bit 'RGB' or 'L' (grey sources), upright, in sRGB.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageCms, ImageOps

# A truncated file must fail loudly, never decode as a grey bottom half.
Image.LOAD_TRUNCATED_IMAGES = False

ORIENTATION_TAG = 0x0112
TRANSPOSED_ORIENTATIONS = {5, 6, 7, 8}  # orientations that swap width and height
GREY_MODES = {"1", "L", "LA", "La", "I", "I;16", "I;16B", "I;16L", "I;16N", "F"}
WHITE = 255
_SRGB = ImageCms.createProfile("sRGB")
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError,
                  Image.DecompressionBombWarning)


class UnreadableImage(ValueError):
    """The bytes are not a complete image that can be shown (truncated, corrupt, empty, a bomb)."""


@dataclass(frozen=True)
class ImageHeader:
    """What a cheap header read tells: upright size, stored colour mode, more than one frame."""

    size: tuple[int, int]  # (width, height) as a viewer shows it, EXIF orientation applied
    mode: str  # Pillow's mode of the stored pixels, e.g. 'RGB', 'P', 'I;16', 'CMYK'
    animated: bool

    @property
    def grey(self) -> bool:
        return self.mode in GREY_MODES


@dataclass(frozen=True)
class OpenedImage:
    """A decoded image as a viewer shows it, and what was done to get there."""

    image: Image.Image  # 8-bit 'RGB' or 'L', upright, sRGB, opaque (possibly JPEG-draft reduced)
    size: tuple[int, int]  # full-resolution upright (width, height) from the header
    notes: tuple[str, ...] = field(default=())  # e.g. "orientation 6 applied", "first of 12 frames"


def _orientation(img: Image.Image) -> int:
    try:
        value = int(img.getexif().get(ORIENTATION_TAG, 1))
    except Exception:  # noqa: BLE001 - a broken EXIF block is not a broken image: show it as stored
        return 1
    return value if 1 <= value <= 8 else 1


def _upright_size(img: Image.Image, orientation: int) -> tuple[int, int]:
    w, h = img.size
    return (h, w) if orientation in TRANSPOSED_ORIENTATIONS else (w, h)


def _is_animated(img: Image.Image) -> bool:
    return img.format != "MPO" and bool(getattr(img, "is_animated", False))


def read_header(stream: BinaryIO) -> ImageHeader:
    """Upright size, mode and animation flag from the first few KB of a file; raises UnreadableImage."""
    try:
        with Image.open(stream) as img:
            return ImageHeader(_upright_size(img, _orientation(img)), img.mode, _is_animated(img))
    except _DECODE_ERRORS as e:
        raise UnreadableImage(_reason(e)) from e


def _reason(e: BaseException) -> str:
    if isinstance(e, Image.UnidentifiedImageError):  # its text names an in-memory buffer's address
        return "not an image format Pillow can read"
    text = str(e).splitlines()[0] if str(e) else ""
    return text or type(e).__name__


def open_image(data: bytes, fit_to: tuple[int, int] | None = None, fit_mode: str = "pad",
               oversample: float = 2.0) -> OpenedImage:
    """Encoded bytes -> `OpenedImage` as a viewer shows it (see the module docstring for every case).

    ``fit_to`` = (width, height) the caller will fit the image to with ``fit_mode`` ('pad': the
    whole image inside, 'crop': covering it); JPEGs are then decoded at a reduced DCT scale that
    stays >= ``oversample`` x that size (2: Lanczos still sees detail; 1: fastest). Raises `UnreadableImage` for empty,
    truncated or corrupt data, decompression bombs and pixel ranges that cannot be shown.
    """
    if not data:
        raise UnreadableImage("empty file")
    notes: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(data))
            orientation = _orientation(img)
            size = _upright_size(img, orientation)
            if _is_animated(img):
                notes.append(f"animated: first of {getattr(img, 'n_frames', 2)} frames used")
            if fit_to is not None and img.format == "JPEG":
                img.draft(img.mode, _draft_size(img.size, size, fit_to, fit_mode, oversample))
            img.load()
    except _DECODE_ERRORS as e:
        raise UnreadableImage(_reason(e)) from e
    if min(size) < 1:
        raise UnreadableImage("image has no pixels")
    if orientation != 1:
        img = ImageOps.exif_transpose(img)
        notes.append(f"orientation {orientation} applied")
    img, profile_note = _to_srgb(img)
    if profile_note:
        notes.append(profile_note)
    return OpenedImage(_to_8bit_opaque(img), size, tuple(notes))


def _draft_size(stored, upright, fit_to, mode: str, oversample: float) -> tuple[int, int]:
    ratios = (fit_to[0] / upright[0], fit_to[1] / upright[1])
    scale = (max(ratios) if mode == "crop" else min(ratios)) * oversample
    return (max(1, int(stored[0] * scale)), max(1, int(stored[1] * scale)))


@lru_cache(maxsize=16)
def _profile_transform(icc: bytes, mode: str) -> tuple[ImageCms.ImageCmsTransform | None, str]:
    """(transform to sRGB or None when the profile is sRGB already, its description)."""
    profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
    description = (ImageCms.getProfileDescription(profile) or "").strip()
    if "srgb" in description.lower().replace(" ", "") or profile.profile.xcolor_space.strip() == "GRAY":
        return None, description  # grey profiles only differ in gamma, and 8-bit grey is shown as stored
    return ImageCms.buildTransform(profile, _SRGB, mode, "RGB"), description


@lru_cache(maxsize=1)
def _lab_transform() -> ImageCms.ImageCmsTransform:
    return ImageCms.buildTransform(ImageCms.createProfile("LAB"), _SRGB, "LAB", "RGB")


def _to_srgb(img: Image.Image) -> tuple[Image.Image, str]:
    """Apply a non-sRGB ICC profile; a profile that cannot be used raises (never silently ignored).

    CIELab pixels (TIFF) go through LittleCMS too: Pillow's plain LAB -> RGB conversion copies the
    channels without any colour math.
    """
    if img.mode == "LAB":
        return ImageCms.applyTransform(img, _lab_transform()), "CIELab converted to sRGB"
    icc = img.info.get("icc_profile")
    if not icc or img.mode not in ("RGB", "RGBA", "CMYK", "RGBX"):
        return img, ""
    alpha = img.getchannel("A") if img.mode == "RGBA" else None
    base = img.convert("RGB") if img.mode in ("RGBA", "RGBX") else img
    try:
        transform, description = _profile_transform(bytes(icc), base.mode)
    except (OSError, ImageCms.PyCMSError, ValueError) as e:
        raise UnreadableImage(f"its embedded colour profile cannot be read ({_reason(e)}): re-save it as sRGB") from e
    if transform is None:
        return img, ""
    converted = ImageCms.applyTransform(base, transform)
    if alpha is not None:
        converted.putalpha(alpha)
    return converted, f"colour profile {description or 'unnamed'!r} converted to sRGB"


def _to_8bit_opaque(img: Image.Image) -> Image.Image:
    if img.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        return _scaled_grey(img)
    if img.mode in ("LA", "La") or (img.mode == "L" and "transparency" in img.info):
        return flatten_alpha(img.convert("LA"))
    if img.mode in ("1", "L"):
        return img.convert("L")
    if img.mode in ("RGBA", "RGBa", "PA") or "transparency" in img.info:
        return flatten_alpha(img.convert("RGBA"))
    if img.mode == "RGB":
        return img
    try:
        return img.convert("RGB")
    except ValueError as e:  # e.g. a mode Pillow reads but cannot convert
        raise UnreadableImage(f"colour mode {img.mode} cannot be shown: re-save the file as RGB") from e


def flatten_alpha(img: Image.Image) -> Image.Image:
    """RGBA/LA -> RGB/L composited onto white (transparent pixels become the product page's white)."""
    if img.mode == "LA":
        grey, alpha = img.split()
        return Image.composite(grey, Image.new("L", img.size, WHITE), alpha)
    white = Image.new("RGBA", img.size, (WHITE, WHITE, WHITE, 255))
    return Image.alpha_composite(white, img.convert("RGBA")).convert("RGB")


def _scaled_grey(img: Image.Image) -> Image.Image:
    """Deep grey -> 8-bit 'L' by the range its values show: 16-bit modes by 255/65535, 'I'/'F' by value."""
    values = np.asarray(img.convert("F") if img.mode == "F" else img.convert("I"), dtype=np.float64)
    if img.mode.startswith("I;16"):
        full = 65535.0
    else:
        lo, hi = float(values.min()), float(values.max())
        if not np.isfinite(values).all() or lo < 0:
            raise UnreadableImage(f"{img.mode} pixels range {lo:g}..{hi:g}, not 0..1, 0..255 or 0..65535: "
                                  "re-save the file as 8-bit")
        if img.mode == "F" and hi <= 1.0:
            full = 1.0
        elif hi <= 255:
            full = 255.0
        elif hi <= 65535:
            full = 65535.0
        else:
            raise UnreadableImage(f"{img.mode} pixels range {lo:g}..{hi:g}, beyond 16 bits: re-save the file as 8-bit")
    return Image.fromarray(np.clip(np.rint(values * (255.0 / full)), 0, 255).astype(np.uint8), "L")
