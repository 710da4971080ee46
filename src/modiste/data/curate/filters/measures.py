"""The per-image measurements behind the content and background filters.

All work on the small float RGB array from `decode` and the backdrop model from `regions`, so one
decode serves every filter. Each returns one number with a fixed meaning (documented in
docs/curation.md) that the thresholds in `CurationConfig` compare against.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from modiste.data.curate.filters.regions import Regions, open_3x3

# Sobel magnitude (on 0-255 grey, /8 normalised) above which a pixel is an edge.
EDGE_THRESHOLD = 12.0
# A backdrop whose colours vary less than this (RGB std) is plain: a studio sweep or a wall.
PLAIN_BACKDROP_STD = 6.0


def grey(pixels: np.ndarray) -> np.ndarray:
    return pixels @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def edge_map(pixels: np.ndarray) -> np.ndarray:
    """Boolean edges of the (slightly smoothed) grey image; JPEG noise stays below the threshold."""
    g = ndimage.uniform_filter(grey(pixels), size=2)
    gx = ndimage.sobel(g, axis=1)
    gy = ndimage.sobel(g, axis=0)
    return np.hypot(gx, gy) / 8.0 > EDGE_THRESHOLD


def content_mask(regions: Regions, tolerance: float) -> np.ndarray:
    """Pixels further than `tolerance` from the backdrop colour, specks removed.

    Unlike the product mask this uses the fixed tolerance, so a textured close-up is not "blank".
    """
    return open_3x3(regions.distance > tolerance)


def content_fraction(content: np.ndarray) -> float:
    """Fraction of pixels that differ from the backdrop (0 for a blank placeholder)."""
    return float(content.mean())


def background_busyness(edges: np.ndarray, regions: Regions, tolerance: float) -> float:
    """Share of the border band that is not plain backdrop: the median over the four sides.

    A border pixel is busy when it lies on an edge or its colour is further than ``tolerance``
    from the backdrop colour (the band's median). Edges alone miss the backgrounds that matter
    most: a floor, a bed or a blurred room has few sharp edges at catalogue resolution but many
    colours, while a studio sweep has neither. The median (mean of the two middle sides) ignores
    the one or two sides a product may cross (a model cut at the knees); clutter fills every side.
    Measured on product shots pasted onto real photos: benchmarks/busy_background_eval.py.
    """
    busy = edges | (regions.distance > tolerance)
    densities = sorted(float(busy[side].mean()) for side in regions.sides)
    return (densities[1] + densities[2]) / 2.0


def colour_histogram(pixels: np.ndarray, bins: int = 8) -> np.ndarray:
    """Normalised joint RGB histogram of an (n, 3) array of 0..255 colours."""
    q = np.clip(pixels, 0, 255).astype(np.int32) * bins // 256
    counts = np.bincount((q[:, 0] * bins + q[:, 1]) * bins + q[:, 2], minlength=bins**3)
    return counts / max(1, counts.sum())


def object_contrast(pixels: np.ndarray, regions: Regions, content: np.ndarray) -> float:
    """How different the centre of the frame looks from its border (0 = the same, 1 = disjoint).

    A product shot has an object in the middle that the backdrop does not contain; a fabric or
    texture close-up looks the same in the middle as at the edges. The score is the larger of
    (a) the total variation distance between the colour histograms of the centre box (middle half
    of each side) and the border band, and (b) how much more of the centre than of the border
    differs from the backdrop colour (a model crossing the border of a studio shot lowers (a), not
    (b)). Anything on a plain backdrop counts as a product shot (score 1): a white shirt on white
    shares its colours with the backdrop but is still a product. The backdrop is plain when at
    least two sides of the border band are (a product may cross the other two).
    """
    side_spreads = sorted(float(regions.distance[side].std()) for side in regions.sides)
    if side_spreads[1] < PLAIN_BACKDROP_STD:
        return 1.0
    height, width, _ = pixels.shape
    box = (slice(height // 4, height - height // 4), slice(width // 4, width - width // 4))
    centre = pixels[box].reshape(-1, 3)
    colour_gap = np.abs(colour_histogram(centre) - colour_histogram(pixels[regions.border])).sum() / 2.0
    content_gap = float(content[box].mean()) - float(content[regions.border].mean())
    return float(max(colour_gap, content_gap))


def centre_offset(regions: Regions) -> float:
    """Distance of the product's centre from the image centre, as a fraction of the image side.

    The product's extent is the 2nd-98th percentile of foreground coordinates (robust to specks);
    the score is the larger of the horizontal and vertical offsets of that box's centre: 0 is
    centred, 0.5 is a product at the very edge. With no foreground at all the score is 0 (the blank
    filter handles that case).
    """
    ys, xs = np.nonzero(regions.foreground)
    if len(xs) < 16:
        return 0.0
    height, width = regions.foreground.shape
    x_lo, x_hi = np.percentile(xs, [2, 98])
    y_lo, y_hi = np.percentile(ys, [2, 98])
    dx = abs((x_lo + x_hi + 1) / 2.0 / width - 0.5)
    dy = abs((y_lo + y_hi + 1) / 2.0 / height - 0.5)
    return float(max(dx, dy))
