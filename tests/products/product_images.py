"""Plain garment swatches for the products tests (a uniquely named module: `from conftest import` is
ambiguous when several test folders have a conftest)."""

from __future__ import annotations

import numpy as np


def swatch(colour, shape: str, size=(32, 32), bg=(255, 255, 255)) -> np.ndarray:
    """A plain garment on a studio background: a square (Tshirts), a triangle (Dresses) or bars (Jeans)."""
    w, h = size
    img = np.full((h, w, 3), bg, dtype=np.uint8)
    if shape == "Tshirts":
        img[8:24, 8:24] = colour
    elif shape == "Dresses":
        for r in range(6, 28):
            half = (r - 6) // 2 + 2
            img[r, 16 - half:16 + half] = colour
    else:
        img[6:28, 9:14] = colour
        img[6:28, 18:23] = colour
    return img
