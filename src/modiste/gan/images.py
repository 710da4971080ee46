"""Seeds, latents, and turning generator output into PNG files and grids."""

from __future__ import annotations

import io
import math
import re
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from modiste.atomic import atomic_write_bytes
from modiste.errors import ModisteError


def parse_seeds(text: str, max_count: int | None = None) -> list[int]:
    """'0-63' -> 0..63, '1,5,9' -> [1, 5, 9], mixes allowed ('0-3,10').

    With `max_count`, a list naming more seeds is refused before it is expanded (so '0-4294967295'
    fails at once instead of building four billion numbers).
    """
    ranges: list[tuple[int, int]] = []
    for part in text.split(","):
        part = part.strip()
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", part)
        if not m:
            raise ModisteError(f"bad seed list {text!r}: use ranges and numbers like 0-63 or 1,5,9")
        lo, hi = int(m.group(1)), int(m.group(2) or m.group(1))
        if hi < lo:
            raise ModisteError(f"bad seed range {part!r}: the end must not be below the start, e.g. {hi}-{lo}")
        ranges.append((lo, hi))
    count = sum(hi - lo + 1 for lo, hi in ranges)
    if max_count is not None and count > max_count:
        raise ModisteError(f"seed list {text!r} names {count} seeds: use at most {max_count} per run")
    return [s for lo, hi in ranges for s in range(lo, hi + 1)]


def latents_for_seeds(seeds: list[int], z_dim: int) -> torch.Tensor:
    """The same z for a seed on every machine and batch size (numpy's portable RandomState)."""
    return torch.from_numpy(np.stack([np.random.RandomState(s).randn(z_dim) for s in seeds])).float()


def to_uint8(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] floats -> uint8 exactly as saved PNGs hold them."""
    return (images.detach().float() * 127.5 + 128).clamp(0, 255).to(torch.uint8)


def make_grid(images: torch.Tensor, cols: int | None = None) -> np.ndarray:
    """uint8 [N, C, H, W] -> one HxWxC (or HxW) uint8 array, `cols` images per row."""
    n, c, h, w = images.shape
    cols = cols or math.ceil(math.sqrt(n))
    rows = math.ceil(n / cols)
    grid = torch.zeros(c, rows * h, cols * w, dtype=torch.uint8)
    for i in range(n):
        r, k = divmod(i, cols)
        grid[:, r * h:(r + 1) * h, k * w:(k + 1) * w] = images[i].cpu()
    arr = grid.permute(1, 2, 0).numpy()
    return arr[:, :, 0] if c == 1 else arr


def save_png(array: np.ndarray, path: str | Path) -> None:
    buf = io.BytesIO()
    Image.fromarray(array).save(buf, format="PNG")
    atomic_write_bytes(path, buf.getvalue())


def save_image(image_u8: torch.Tensor, path: str | Path) -> None:
    """One uint8 [C, H, W] image to a PNG file."""
    arr = image_u8.cpu().permute(1, 2, 0).numpy()
    save_png(arr[:, :, 0] if arr.shape[2] == 1 else arr, path)
