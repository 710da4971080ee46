"""Labelled curation cases made from the shared data (used by curation_eval.py and the tests).

Clean studio shots come from `fashion-products-224`, varied real photos from `clothing-cc0`; every
bad case is made from them the way catalogue exports go wrong: blank placeholders, tiny images,
fabric close-ups, off-centre products, products on clutter, extreme strips, re-encoded duplicates
and truncated files. Each case carries the filter names that should reject it.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


@dataclass(frozen=True)
class Case:
    name: str  # relative path inside the evaluation folder
    data: bytes  # encoded file
    labels: frozenset[str]  # filters expected to reject it (empty: should be kept)


def jpeg(image: Image.Image, quality: int = 92) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def studio_paths(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "fashion-products-224" / "images").glob("*.jpg"))


def photo_paths(data_dir: Path) -> list[Path]:
    return sorted((data_dir / "clothing-cc0").glob("*/*/*.jpg"))


def product_mask(image: Image.Image) -> np.ndarray:
    """Studio shots sit on white: the product is whatever is clearly not white."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.int16)
    return (255 - pixels).max(axis=2) > 24


def blank(rng: random.Random, size: tuple[int, int] = (400, 533)) -> Image.Image:
    """Placeholders: flat colour, a faint gradient, or grey with a small 'no image' mark."""
    shade = rng.choice([(255, 255, 255), (240, 240, 240), (200, 200, 200), (30, 30, 30)])
    image = Image.new("RGB", size, shade)
    kind = rng.randrange(3)
    if kind == 1:
        ramp = np.linspace(0, 12, size[1], dtype=np.float32)[:, None, None]
        base = np.asarray(image, dtype=np.float32) - ramp
        image = Image.fromarray(np.clip(base, 0, 255).astype(np.uint8))
    elif kind == 2:
        draw = ImageDraw.Draw(image)
        cx, cy = size[0] // 2, size[1] // 2
        ink = (120, 120, 120) if sum(shade) > 300 else (160, 160, 160)
        draw.rectangle((cx - 22, cy - 16, cx + 22, cy + 16), outline=ink, width=2)
        draw.text((cx - 28, cy + 24), "no image", fill=ink)
    return image


def tiny(image: Image.Image, rng: random.Random) -> Image.Image:
    side = rng.randint(64, 150)
    scale = side / min(image.size)
    return image.resize((max(1, round(image.width * scale)), max(1, round(image.height * scale))), Image.LANCZOS)


def fabric(image: Image.Image, rng: random.Random, studio: bool) -> Image.Image:
    """Zoom into the product until only its material fills the frame."""
    if studio:
        ys, xs = np.nonzero(product_mask(image))
        if len(xs) == 0:
            return image
        x0, x1 = np.percentile(xs, [30, 70])
        y0, y1 = np.percentile(ys, [30, 70])
    else:  # real photos: the garment fills the middle of the frame
        x0, x1 = image.width * 0.38, image.width * 0.62
        y0, y1 = image.height * 0.38, image.height * 0.62
    side = max(8, int(min(x1 - x0, y1 - y0) * rng.uniform(0.6, 1.0)))
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    box = (int(cx - side / 2), int(cy - side / 2), int(cx + side / 2), int(cy + side / 2))
    return image.crop(box).resize((448, 448), Image.BICUBIC)


def off_centre(image: Image.Image, rng: random.Random) -> Image.Image:
    """Slide a studio product towards an edge of a larger white canvas."""
    width, height = image.size
    canvas = Image.new("RGB", (width * 2, height * 2), (255, 255, 255))
    shift = rng.uniform(0.25, 0.4)
    horizontal = rng.random() < 0.6
    sign = rng.choice([-1, 1])
    x = width // 2 + (sign * int(shift * 2 * width) if horizontal else 0)
    y = height // 2 + (0 if horizontal else sign * int(shift * 2 * height))
    canvas.paste(image, (x, y))
    return canvas.resize((448, 448), Image.BICUBIC)


def clutter(tiles: list[Image.Image], rng: random.Random, size: int = 448) -> Image.Image:
    """A busy backdrop: a mosaic of other photos, like a shop floor or a messy room."""
    canvas = Image.new("RGB", (size, size))
    grid = rng.choice([4, 5, 6])
    cell = size // grid + 1
    for row in range(grid):
        for col in range(grid):
            tile = rng.choice(tiles)
            w, h = tile.size
            crop_side = rng.randint(min(w, h) // 4, min(w, h) // 2)
            x, y = rng.randint(0, w - crop_side), rng.randint(0, h - crop_side)
            canvas.paste(tile.crop((x, y, x + crop_side, y + crop_side)).resize((cell, cell)), (col * cell, row * cell))
    return canvas


def on_clutter(image: Image.Image, tiles: list[Image.Image], rng: random.Random) -> Image.Image:
    """Cut a studio product out of its white backdrop and paste it, centred, on clutter."""
    size = 448
    background = clutter(tiles, rng, size)
    product = image.resize((int(size * 0.75), int(size * 0.75)), Image.BICUBIC)
    mask = Image.fromarray(product_mask(product).astype(np.uint8) * 255).filter(ImageFilter.MinFilter(3))
    offset = (size - product.width) // 2
    background.paste(product, (offset, offset), mask)
    return background


def strip(image: Image.Image, rng: random.Random) -> Image.Image:
    """Banner-like strips: a thin horizontal or vertical slice of a product shot."""
    ratio = rng.uniform(3.0, 5.0)
    width, height = image.size
    if rng.random() < 0.5:
        band = int(width / ratio)
        top = (height - band) // 2
        return image.crop((0, top, width, top + band)).resize((1400, int(1400 / ratio)), Image.BICUBIC)
    band = int(height / ratio)
    left = (width - band) // 2
    return image.crop((left, 0, left + band, height)).resize((int(1400 / ratio), 1400), Image.BICUBIC)


def re_encoded(image: Image.Image, rng: random.Random) -> Image.Image:
    """The same product exported twice: resized and saved at another JPEG quality."""
    scale = rng.uniform(0.6, 0.9)
    return image.resize((round(image.width * scale), round(image.height * scale)), Image.BILINEAR)


def truncated(data: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(3)
    if kind == 0:
        return data[: int(len(data) * rng.uniform(0.3, 0.8))]
    if kind == 1:
        return b""
    return bytes(rng.getrandbits(8) for _ in range(2048))


def make_cases(data_dir: Path, per_kind: int = 40, seed: int = 0) -> Iterator[Case]:
    """Yield clean and bad cases, `per_kind` of each kind (clean kinds get 2x)."""
    rng = random.Random(seed)
    studio = rng.sample(studio_paths(data_dir), per_kind * 6)
    photos = rng.sample(photo_paths(data_dir), per_kind * 4)

    def load(path: Path) -> Image.Image:
        return Image.open(path).convert("RGB")

    def cases(kind: str, sources: list[Path], make: Callable[[Image.Image], Image.Image], label: str | None):
        for i, path in enumerate(sources):
            yield Case(f"{kind}/{kind}_{i:03d}.jpg", jpeg(make(load(path))), frozenset({label} if label else ()))

    clean_studio, clean_photo = studio[: per_kind * 2], photos[: per_kind * 2]
    yield from cases("clean_studio", clean_studio, lambda im: im, None)
    yield from cases("clean_photo", clean_photo, lambda im: im, None)
    for i in range(per_kind):
        yield Case(f"blank/blank_{i:03d}.jpg", jpeg(blank(rng)), frozenset({"blank"}))
    tiny_sources = studio[per_kind * 2 : per_kind * 2 + per_kind // 2] + photos[per_kind * 2 : per_kind * 2 + per_kind // 2]
    yield from cases("tiny", tiny_sources, lambda im: tiny(im, rng), "too_small")
    fabric_sources = studio[per_kind * 3 : per_kind * 3 + per_kind // 2]
    yield from cases("fabric_studio", fabric_sources, lambda im: fabric(im, rng, True), "not_product")
    yield from cases("fabric_photo", photos[per_kind * 3 :], lambda im: fabric(im, rng, False), "not_product")
    yield from cases("off_centre", studio[per_kind * 4 : per_kind * 5], lambda im: off_centre(im, rng), "off_centre")
    tiles = [load(p) for p in photos[:20]] + [load(p) for p in studio[per_kind * 5 : per_kind * 5 + 10]]
    busy_sources = studio[per_kind * 5 : per_kind * 6]
    yield from cases("busy", busy_sources, lambda im: on_clutter(im, tiles, rng), "busy_background")
    strip_sources = clean_studio[: per_kind // 2] + clean_photo[: per_kind // 2]
    yield from cases("strip", strip_sources, lambda im: strip(im, rng), "aspect")
    dup_sources = clean_studio[per_kind // 2 : per_kind] + clean_photo[per_kind // 2 : per_kind]
    for i, path in enumerate(dup_sources):
        data = jpeg(re_encoded(load(path), rng), quality=rng.randint(35, 75))
        yield Case(f"duplicate/duplicate_{i:03d}.jpg", data, frozenset({"duplicate"}))
    for i, path in enumerate(clean_studio[per_kind : per_kind + per_kind // 2]):
        yield Case(f"unreadable/unreadable_{i:03d}.jpg", truncated(jpeg(load(path)), rng), frozenset({"unreadable"}))


def write_cases(cases: Iterator[Case], out: Path) -> dict[str, frozenset[str]]:
    """Write the cases under `out` and return their labels by relative path."""
    labels = {}
    for case in cases:
        path = out / case.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(case.data)
        labels[case.name] = case.labels
    return labels
