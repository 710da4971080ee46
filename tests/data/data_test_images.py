"""Small images made on the fly for the data tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def product_shot(width: int, height: int, colour=(200, 30, 30), background=(240, 240, 240)) -> Image.Image:
    """A coloured box (the 'product') centred on a flat studio background."""
    a = np.empty((height, width, 3), dtype=np.uint8)
    a[:] = background
    a[height // 4 : height - height // 4, width // 4 : width - width // 4] = colour
    return Image.fromarray(a)


def noise_image(width: int, height: int, seed: int, mode: str = "RGB") -> Image.Image:
    rng = np.random.default_rng(seed)
    shape = (height, width) if mode == "L" else (height, width, 3)
    return Image.fromarray(rng.integers(0, 256, size=shape, dtype=np.uint8), mode=None)


def write_images(folder: Path, count: int, size=(40, 30), ext: str = "png", subfolders=("tops", "shoes")) -> list[Path]:
    """`count` lossless noise images spread over class subfolders; returns their paths in sorted order."""
    paths = []
    for i in range(count):
        path = folder / subfolders[i % len(subfolders)] / f"img{i:03d}.{ext}"
        path.parent.mkdir(parents=True, exist_ok=True)
        noise_image(*size, seed=i).save(path)
        paths.append(path)
    return sorted(paths)
