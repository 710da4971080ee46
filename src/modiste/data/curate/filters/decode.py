"""Decode image bytes once into the small RGB array every filter scores.

Catalogue photos are often 1-4k pixels but every filter works at `analysis_size` (256 by default),
so JPEGs are decoded with Pillow's draft mode (DCT scaling: 2-8x less work) and then downscaled.
Draft mode still walks the whole entropy-coded stream, so truncated files are still caught.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image

# A truncated file must fail loudly, never decode as a grey bottom half.
Image.LOAD_TRUNCATED_IMAGES = False


class UnreadableImage(Exception):
    """The bytes are not a complete image Pillow can decode."""


@dataclass(frozen=True)
class DecodedImage:
    width: int  # full-resolution size, from the header
    height: int
    pixels: np.ndarray  # float32 (h, w, 3) in 0..255, longer side <= analysis_size
    image: Image.Image  # the same pixels as a Pillow RGB image (for perceptual hashing)


def decode(data: bytes, analysis_size: int) -> DecodedImage:
    if not data:
        raise UnreadableImage("empty file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if image.format == "JPEG":
                image.draft("RGB", (analysis_size, analysis_size))
            image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise UnreadableImage(str(e).splitlines()[0] if str(e) else type(e).__name__) from e
    if width < 1 or height < 1:
        raise UnreadableImage("image has no pixels")
    image = _to_rgb(image)
    scale = analysis_size / max(image.size)
    if scale < 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return DecodedImage(width, height, np.asarray(image, dtype=np.float32), image)


def _to_rgb(image: Image.Image) -> Image.Image:
    """Flatten transparency onto white (the usual catalogue backdrop) and convert to RGB."""
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")
