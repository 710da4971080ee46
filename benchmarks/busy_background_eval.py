"""Busy-background filter on product shots whose studio backdrop was replaced by a real photo.

The set is made from ../shared/data, never from the curation development set (curation_cases.py):
product shots from `fashion-products-224` keep their pixels where they are product and get a
background cut from a `clothing-cc0` photo (rooms, floors, streets, beds) where they were studio
backdrop; the backdrop is found by flood-filling, from the image border, the pixels close to the
border's colour. The same products untouched are the clean shots. Products are split in two
halves with disjoint product and background photos: `tune` (thresholds were chosen on it) and
`held_out` (reported, never looked at while tuning).

    python benchmarks/busy_background_eval.py [--per-split 150] [--seed 0] [--save-examples DIR]

Prints one JSON record per split: recall on busy shots and false rejections of clean ones, for
the edge-only rule the filter had before (`background_busyness` > 0.14) and for the filter now
(`reasons` of `score_image`; --min-side 200 because the shots are 224 px, every other threshold
at its default); `any_filter_false_rejects_after` counts clean shots rejected by any filter.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter
from scipy import ndimage

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from modiste.data.curate import CurationConfig  # noqa: E402
from modiste.data.curate.filters import measures, score_image  # noqa: E402
from modiste.data.curate.filters.decode import decode  # noqa: E402
from modiste.data.curate.filters.regions import find_regions  # noqa: E402

OLD_MAX_BUSYNESS = 0.14  # the edge-only rule before the background-region measure
BACKDROP_TOLERANCE = 24.0  # RGB distance from the border colour that still counts as studio backdrop
MIN_BACKDROP = 0.25  # products that leave less backdrop than this show too little of a new background


def jpeg(image: Image.Image, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def backdrop_mask(pixels: np.ndarray) -> np.ndarray:
    """Studio backdrop: pixels near the border's median colour that connect to the image border."""
    border = np.concatenate([pixels[0], pixels[-1], pixels[:, 0], pixels[:, -1]])
    colour = np.median(border, axis=0)
    near = np.sqrt(((pixels - colour) ** 2).sum(axis=2)) < BACKDROP_TOLERANCE
    labels, _ = ndimage.label(near)
    edge_labels = np.unique(np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]]))
    return np.isin(labels, edge_labels[edge_labels > 0])


def background_crop(photo: Image.Image, size: tuple[int, int], rng: random.Random) -> Image.Image:
    """A corner of a real photo (30-50% of its short side), scaled to `size`.

    The clothing-cc0 photos show a garment in the middle of a floor, a bed, a wall or a street;
    their corners show that surface, not the garment, so the product gets a real background
    rather than another product behind it.
    """
    w, h = photo.size
    side = int(min(w, h) * rng.uniform(0.3, 0.5))
    x = rng.choice([0, w - side]) + rng.randint(-side // 8, side // 8)
    y = rng.choice([0, h - side]) + rng.randint(-side // 8, side // 8)
    x, y = min(max(0, x), w - side), min(max(0, y), h - side)
    return photo.crop((x, y, x + side, y + side)).resize(size, Image.BICUBIC)


def replace_backdrop(product: Image.Image, photo: Image.Image, rng: random.Random) -> Image.Image | None:
    pixels = np.asarray(product.convert("RGB"), dtype=np.float32)
    mask = backdrop_mask(pixels)
    if mask.mean() < MIN_BACKDROP:
        return None
    # feather one pixel so the cut-out has no hard studio-white halo, as a retoucher's mask would
    alpha = Image.fromarray((mask * 255).astype(np.uint8)).filter(ImageFilter.MaxFilter(3))
    alpha = alpha.filter(ImageFilter.GaussianBlur(0.7))
    return Image.composite(background_crop(photo, product.size, rng), product.convert("RGB"), alpha)


def make_split(products: list[Path], photos: list[Path], rng: random.Random, count: int, examples: Path | None):
    """(clean bytes, busy bytes) for up to `count` products with enough backdrop to replace."""
    clean, busy = [], []
    for path in products:
        if len(busy) == count:
            break
        product = Image.open(path).convert("RGB")
        photo = Image.open(rng.choice(photos)).convert("RGB")
        composite = replace_backdrop(product, photo, rng)
        if composite is None:
            continue
        clean.append(path.read_bytes())
        busy.append(jpeg(composite))
        if examples is not None and len(busy) <= 24:
            examples.mkdir(parents=True, exist_ok=True)
            (examples / f"busy_{len(busy):02d}.jpg").write_bytes(busy[-1])
    return clean, busy


def edge_only_busyness(data: bytes, config: CurationConfig) -> float:
    """The measure before this benchmark existed: edge density of the border band (median of sides)."""
    pixels = decode(data, config.analysis_size).pixels
    regions = find_regions(pixels, config.border_fraction, config.background_tolerance)
    edges = measures.edge_map(pixels)
    densities = sorted(float(edges[side].mean()) for side in regions.sides)
    return (densities[1] + densities[2]) / 2.0


def rates(scores: list, rule) -> float:
    return round(sum(bool(rule(s)) for s in scores) / len(scores), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--per-split", type=int, default=150, help="busy (and as many clean) shots per split")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save-examples", type=Path, default=None, help="write a few busy composites here")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    products = sorted((args.data / "fashion-products-224" / "images").glob("*.jpg"))
    photos = sorted((args.data / "clothing-cc0").glob("*/*/*.jpg"))
    products = rng.sample(products, min(len(products), args.per_split * 4))
    rng.shuffle(photos)
    halves = {"tune": (products[0::2], photos[0::2]), "held_out": (products[1::2], photos[1::2])}
    config = CurationConfig(min_side=200)  # the shots are 224 px; every other threshold is the default
    start = time.perf_counter()
    for split, (split_products, split_photos) in halves.items():
        examples = args.save_examples / split if args.save_examples else None
        clean, busy = make_split(split_products, split_photos, rng, args.per_split, examples)
        clean_scores = [score_image(data, config) for data in clean]
        busy_scores = [score_image(data, config) for data in busy]
        clean_before = [edge_only_busyness(data, config) for data in clean]
        busy_before = [edge_only_busyness(data, config) for data in busy]

        def before(value):
            return value > OLD_MAX_BUSYNESS

        def after(s):
            return "busy_background" in s.reasons

        print(json.dumps({
            "split": split, "clean": len(clean), "busy": len(busy),
            "recall_before": rates(busy_before, before), "false_rejects_before": rates(clean_before, before),
            "recall_after": rates(busy_scores, after), "false_rejects_after": rates(clean_scores, after),
            "any_filter_false_rejects_after": rates(clean_scores, lambda s: s.reasons),
            "seed": args.seed, "seconds": round(time.perf_counter() - start, 1),
        }))


if __name__ == "__main__":
    main()
