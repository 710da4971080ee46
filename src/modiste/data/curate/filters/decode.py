"""Decode image bytes once into the small RGB array every filter scores.

Catalogue photos are often 1-4k pixels but every filter works at `analysis_size` (256 by default),
so JPEGs are decoded with Pillow's draft mode (DCT scaling: 2-8x less work) and then downscaled.
Draft mode still walks the whole entropy-coded stream, so truncated files are still caught. The file
is opened by `modiste.data.image_file.open_image`, so orientation, colour profile, bit depth and
transparency are those a viewer shows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from modiste.data.image_file import UnreadableImage, open_image

__all__ = ["DecodedImage", "UnreadableImage", "decode"]


@dataclass(frozen=True)
class DecodedImage:
    width: int  # full-resolution upright size, from the header
    height: int
    pixels: np.ndarray  # float32 (h, w, 3) in 0..255, longer side <= analysis_size
    image: Image.Image  # the same pixels as a Pillow RGB image (for perceptual hashing)


def decode(data: bytes, analysis_size: int) -> DecodedImage:
    """Bytes -> the upright sRGB analysis image (see `modiste.data.image_file.open_image`); raises UnreadableImage."""
    opened = open_image(data, fit_to=(analysis_size, analysis_size), fit_mode="pad", oversample=1.0)
    width, height = opened.size
    image = opened.image.convert("RGB")
    scale = analysis_size / max(image.size)
    if scale < 1.0:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        image = image.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
    return DecodedImage(width, height, np.asarray(image, dtype=np.float32), image)
