"""Colour by rule: the garment's dominant colour named from a palette, beside the learned head.

1. Background: the flat studio backdrop is the region connected to the image border whose pixels lie
   within `background_tolerance` (CIEDE2000) of the border's median colour.
2. The remaining (garment) pixels are clustered in CIELAB with k-means; the largest cluster is the
   dominant colour and its share of the garment pixels is reported.
3. The cluster centre is named by the nearest palette entry under CIEDE2000 (Sharma, Wu & Dalal,
   "The CIEDE2000 Color-Difference Formula", 2005; `skimage.color.deltaE_ciede2000`), and each
   palette name maps to the catalogue's `baseColour` vocabulary (Myntra's: Black, Navy Blue, ...).

If no garment pixels remain (a white shirt on a white backdrop that the tolerance cannot separate),
the whole image is the garment.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage
from skimage.color import deltaE_ciede2000, lab2rgb, rgb2lab
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits

# palette name -> (sRGB hex, catalogue baseColour)
PALETTE: dict[str, tuple[str, str]] = {
    "black": ("#141414", "Black"), "charcoal": ("#3a3b3d", "Charcoal"), "dark grey": ("#5e5e60", "Grey"),
    "grey": ("#8c8c8c", "Grey"), "light grey": ("#c4c4c4", "Grey"), "silver": ("#b8bcc2", "Silver"),
    "white": ("#f8f8f6", "White"), "off white": ("#efe9dc", "Off White"), "cream": ("#eee3c4", "Cream"),
    "beige": ("#d7c3a0", "Beige"), "khaki": ("#b6a37a", "Khaki"), "tan": ("#b88a5a", "Tan"),
    "brown": ("#6e4a2f", "Brown"), "dark brown": ("#45301f", "Brown"), "coffee": ("#5a3d2b", "Coffee Brown"),
    "copper": ("#b0663a", "Copper"), "gold": ("#c9a544", "Gold"), "mustard": ("#d4a62a", "Mustard"),
    "yellow": ("#f2d43a", "Yellow"), "orange": ("#ec7a2b", "Orange"), "rust": ("#a8492a", "Rust"),
    "peach": ("#f4b99b", "Peach"), "red": ("#c8202c", "Red"), "bright red": ("#e53935", "Red"),
    "maroon": ("#6b1f2a", "Maroon"), "burgundy": ("#5a1a2e", "Burgundy"), "pink": ("#ef8fb4", "Pink"),
    "light pink": ("#f6c6d4", "Pink"), "magenta": ("#c2267d", "Magenta"), "purple": ("#6c3b8e", "Purple"),
    "lavender": ("#b9a7d6", "Lavender"), "navy": ("#1f2a4d", "Navy Blue"), "dark navy": ("#161c30", "Navy Blue"),
    "blue": ("#2f5fb3", "Blue"), "light blue": ("#8fb4de", "Blue"), "denim": ("#4a6382", "Blue"),
    "steel": ("#6f7f8f", "Steel"), "teal": ("#1f7a7a", "Teal"), "turquoise": ("#2fb5c0", "Turquoise Blue"),
    "green": ("#2f8a45", "Green"), "dark green": ("#1f4a2c", "Green"), "olive": ("#6b6b35", "Olive"),
    "sea green": ("#3aa88a", "Sea Green"), "lime green": ("#9acd32", "Lime Green"),
}


@dataclass(frozen=True)
class RuleColour:
    """The dominant garment colour: palette `name`, its catalogue `base_colour`, the cluster centre's
    `hex` (sRGB), the cluster's `share` of garment pixels in [0, 1], and `garment_share`, the share of
    the image's pixels that were not background."""

    name: str
    base_colour: str
    hex: str
    share: float
    garment_share: float


def _palette_lab() -> tuple[list[str], np.ndarray]:
    names = list(PALETTE)
    rgb = np.array([[int(PALETTE[n][0][i:i + 2], 16) for i in (1, 3, 5)] for n in names], dtype=np.float64)
    return names, rgb2lab(rgb[None] / 255.0)[0]


_NAMES, _LAB = _palette_lab()


def name_lab(lab: np.ndarray) -> str:
    """Nearest palette name (CIEDE2000) of one CIELAB colour float [3]."""
    return _NAMES[int(np.argmin(deltaE_ciede2000(np.broadcast_to(lab, _LAB.shape), _LAB)))]


def background_mask(lab: np.ndarray, tolerance: float = 3.0) -> np.ndarray:
    """bool [H, W]: the border-connected region within `tolerance` (CIEDE2000) of the border median.

    lab: float [H, W, 3] CIELAB image.
    """
    border = np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]])
    reference = np.median(border, axis=0)
    close = deltaE_ciede2000(lab, np.broadcast_to(reference, lab.shape)) < tolerance
    regions, _ = ndimage.label(close)
    edge = np.unique(np.concatenate([regions[0], regions[-1], regions[:, 0], regions[:, -1]]))
    return np.isin(regions, edge[edge > 0])


def _shrink(rgb: np.ndarray, side: int) -> np.ndarray:
    # colour needs no detail: a box-filtered thumbnail makes the per-pixel CIEDE2000 and k-means cheap
    h, w = rgb.shape[:2]
    if max(h, w) <= side:
        return rgb
    scale = side / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return np.asarray(Image.fromarray(rgb).resize(size, Image.Resampling.BOX))


def garment_pixels(image: np.ndarray, background_tolerance: float = 3.0, side: int = 80
                   ) -> tuple[np.ndarray, float]:
    """(CIELAB float64 [P, 3] of the garment pixels, garment share of the image in [0, 1]).

    image: uint8 [H, W, 3] (or [H, W] / [H, W, 1] grey) RGB, analysed at most `side` pixels on its
    longer side. When fewer than 16 pixels are left after masking the backdrop, all pixels count.
    """
    rgb = np.asarray(image)
    if rgb.ndim == 2 or rgb.shape[2] == 1:
        rgb = np.repeat(rgb.reshape(rgb.shape[0], rgb.shape[1], 1), 3, axis=2)
    rgb = _shrink(np.ascontiguousarray(rgb[..., :3]), side)
    lab = rgb2lab(rgb.astype(np.float64) / 255.0)
    garment = ~background_mask(lab, background_tolerance)
    if garment.sum() < 16:
        garment = np.ones(garment.shape, dtype=bool)
    return lab[garment], float(garment.mean())


def rule_colour(image: np.ndarray, clusters: int = 3, background_tolerance: float = 3.0, side: int = 80,
                seed: int = 0) -> RuleColour:
    """Dominant garment colour of one image.

    image: uint8 [H, W, 3] (or [H, W] grey) RGB, analysed at most `side` pixels on its longer side.
    Deterministic for a given `seed`.
    """
    pixels, garment_share = garment_pixels(image, background_tolerance, side)
    k = max(1, min(clusters, len(np.unique(pixels.round(1), axis=0))))
    with threadpool_limits(1):  # a few thousand pixels: thread start-up would cost more than the work
        km = KMeans(n_clusters=k, n_init=2, random_state=seed).fit(pixels)
    counts = np.bincount(km.labels_, minlength=k)
    best = int(counts.argmax())
    centre = km.cluster_centers_[best]
    name = name_lab(centre)
    rgb_centre = (lab2rgb(centre[None, None])[0, 0] * 255).round().clip(0, 255).astype(int)
    return RuleColour(name, PALETTE[name][1], "#" + "".join(f"{v:02x}" for v in rgb_centre),
                      float(counts[best] / counts.sum()), garment_share)
