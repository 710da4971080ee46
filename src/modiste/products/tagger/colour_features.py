"""Garment colour features: a small hand-made vector appended to the Inception features.

Inception's pool features are trained to be fairly colour-invariant (ImageNet classes rarely
depend on hue), which limits a baseColour head on them alone (51.5 % on the shared catalogue). With
`--colour-features`, every image also gets a description of its garment pixels in CIELAB: the
studio background is masked as for the rule colour (`modiste.products.colour.background_mask`) and
the remaining pixels give three parts (178 values):

- a coarse L x a x b histogram (4 x 6 x 6 = 144 bins over L in [0, 100], a and b in [-60, 60],
  clipped), normalised to sum 1 and square-rooted (the Hellinger map, which makes a linear model on
  histograms behave like one with a histogram-intersection-like kernel);
- robust statistics (22): the 10/25/50/75/90th percentiles of L*, a*, b* and chroma C*ab, and the
  chroma-weighted mean hue as a vector on the unit circle (shrunk for greys). The percentiles separate what the histogram's
  25-unit L bins merge: black (median L* ~ 15), charcoal (~ 30) and grey (~ 50) garments, and a white
  garment's shaded folds from a grey one;
- the three k-means colours (12): centre L*, a*, b* and share of each of three clusters of the
  garment pixels, largest first (the rule colour's clustering; a two-colour print keeps both).

On the shared catalogue (a linear baseColour head on the colour part alone, same split) a prototype
measured the histogram at 58.3 %, histogram + statistics 64.5 %, all three parts 64.8 %; this code,
all three parts, 65.3 %, and 67.0 % beside 32 principal components of the Inception features
(`--head-options`, docs/products.md). The vector
of a dataset is cached beside its Inception features, keyed by the same dataset identity.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from sklearn.cluster import KMeans
from threadpoolctl import threadpool_limits
from tqdm import tqdm

from modiste.atomic import atomic_path
from modiste.products.colour import garment_pixels

BINS = (4, 6, 6)
PERCENTILES = (10, 25, 50, 75, 90)
CLUSTERS = 3
HIST_DIM = int(np.prod(BINS))
STATS_DIM = 4 * len(PERCENTILES) + 2
DIM = HIST_DIM + STATS_DIM + 4 * CLUSTERS
VERSION = "colour-v2"
_MAX_CLUSTER_PIXELS = 2000  # k-means on a strided subset: the centres barely move, the cost drops 3x


def lab_histogram(pixels: np.ndarray) -> np.ndarray:
    """float64 [144]: sqrt of the normalised 4 x 6 x 6 CIELAB histogram of pixels float [P, 3]."""
    hist, _ = np.histogramdd(np.clip(pixels, [0, -60, -60], [100, 60, 60]), bins=BINS,
                             range=[(0, 100), (-60, 60), (-60, 60)])
    return np.sqrt(hist.reshape(-1) / max(len(pixels), 1))


def lab_statistics(pixels: np.ndarray) -> np.ndarray:
    """float64 [22]: percentiles of L*, a*, b*, C*ab (scaled by 1/100, 1/60, 1/60, 1/60) and the
    chroma-weighted mean hue (cos, sin), shrunk towards 0 for a nearly colourless garment."""
    chroma = np.hypot(pixels[:, 1], pixels[:, 2])
    pct = [np.percentile(col, PERCENTILES) / scale
           for col, scale in ((pixels[:, 0], 100.0), (pixels[:, 1], 60.0), (pixels[:, 2], 60.0), (chroma, 60.0))]
    hue = np.arctan2(pixels[:, 2], pixels[:, 1])
    weight = chroma / max(chroma.sum(), 1e-9)
    # a grey's hue is rounding noise: fade the unit vector out as the mean chroma drops below ~5
    gate = chroma.mean() / (chroma.mean() + 5.0)
    return np.concatenate([*pct, gate * np.array([np.sum(weight * np.cos(hue)), np.sum(weight * np.sin(hue))])])


def lab_clusters(pixels: np.ndarray, seed: int = 0) -> np.ndarray:
    """float64 [12]: (L*/100, a*/60, b*/60, share) of each of 3 k-means clusters, largest first.

    Fewer distinct colours than clusters (a flat swatch) repeat the largest cluster's centre with
    share 0, so the vector always has the same layout.
    """
    subset = pixels[::max(1, len(pixels) // _MAX_CLUSTER_PIXELS)]
    k = max(1, min(CLUSTERS, len(np.unique(subset.round(1), axis=0))))
    with threadpool_limits(1):  # a few thousand pixels: thread start-up would cost more than the work
        km = KMeans(n_clusters=k, n_init=2, random_state=seed).fit(subset)
    share = np.bincount(km.labels_, minlength=k) / len(km.labels_)
    order = list(np.argsort(-share)) + [int(np.argmax(share))] * (CLUSTERS - k)
    scale = np.array([100.0, 60.0, 60.0])
    return np.concatenate([np.append(km.cluster_centers_[j] / scale, share[j] if i < k else 0.0)
                           for i, j in enumerate(order)])


def colour_features(image: np.ndarray, side: int = 80) -> np.ndarray:
    """float32 [178]: histogram, statistics and clusters of the garment pixels of uint8 [H, W, 3] (or grey).

    Deterministic (fixed k-means seed); analysed at most `side` pixels on the longer side.
    """
    pixels, _ = garment_pixels(image, side=side)
    return np.concatenate([lab_histogram(pixels), lab_statistics(pixels), lab_clusters(pixels)]).astype(np.float32)


def images_colour_features(images: torch.Tensor) -> torch.Tensor:
    """uint8 [N, C, H, W] -> float32 [N, 178]."""
    return torch.from_numpy(np.stack([colour_features(im.permute(1, 2, 0).numpy()) for im in images])) \
        if len(images) else torch.zeros((0, DIM))


def dataset_colour_features(dataset: Any, cache_dir: Path, identity: dict[str, Any], progress: bool = True
                            ) -> torch.Tensor:
    """float32 [len(dataset), 178] for every image of `dataset`, cached under `cache_dir` by `identity`."""
    key = hashlib.sha256(json.dumps({"v": VERSION, "data": identity}, sort_keys=True).encode()).hexdigest()[:32]
    path = cache_dir / f"colour-{key}.safetensors"
    if path.is_file():
        try:
            feats = load_file(str(path))["colour"]
            if feats.shape == (len(dataset), DIM):
                return feats
        except Exception:  # a damaged cache file is recomputed, never trusted
            pass
    rows = [colour_features(dataset[i][0].permute(1, 2, 0).numpy())
            for i in tqdm(range(len(dataset)), disable=not progress, desc="colour features", unit="img")]
    feats = torch.from_numpy(np.stack(rows))
    cache_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        save_file({"colour": feats.contiguous()}, str(tmp))
    return feats
