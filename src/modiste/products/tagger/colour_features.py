"""Garment colour histograms: a small hand-made feature appended to the Inception features.

Inception's pool features are trained to be fairly colour-invariant (ImageNet classes rarely
depend on hue), which limits a linear baseColour head. With `--colour-features`, every image also
gets the histogram of its garment pixels in CIELAB: the studio background is masked as for the rule
colour (`modiste.products.colour.background_mask`), the remaining pixels are counted in a coarse
L x a x b grid (4 x 6 x 6 = 144 bins over L in [0, 100], a and b in [-60, 60], clipped) and the
counts normalised to sum 1 and square-rooted (the Hellinger map, which makes a linear model on
histograms behave like one with a histogram-intersection-like kernel). The histograms of a dataset
are cached beside its Inception features, keyed by the same dataset identity.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from skimage.color import rgb2lab
from tqdm import tqdm

from modiste.atomic import atomic_path
from modiste.products.colour import _shrink, background_mask

BINS = (4, 6, 6)
DIM = int(np.prod(BINS))
VERSION = "colour-hist-v1"


def colour_histogram(image: np.ndarray, side: int = 80) -> np.ndarray:
    """float32 [144]: sqrt of the normalised CIELAB histogram of the garment pixels of uint8 [H, W, 3]."""
    rgb = np.asarray(image)
    if rgb.ndim == 2 or rgb.shape[2] == 1:
        rgb = np.repeat(rgb.reshape(rgb.shape[0], rgb.shape[1], 1), 3, axis=2)
    rgb = _shrink(np.ascontiguousarray(rgb[..., :3]), side)
    lab = rgb2lab(rgb.astype(np.float64) / 255.0)
    garment = ~background_mask(lab)
    pixels = lab[garment] if garment.sum() >= 16 else lab.reshape(-1, 3)
    hist, _ = np.histogramdd(np.clip(pixels, [0, -60, -60], [100, 60, 60]), bins=BINS,
                             range=[(0, 100), (-60, 60), (-60, 60)])
    hist = hist.reshape(-1) / max(len(pixels), 1)
    return np.sqrt(hist).astype(np.float32)


def images_histograms(images: torch.Tensor) -> torch.Tensor:
    """uint8 [N, C, H, W] -> float32 [N, 144]."""
    return torch.from_numpy(np.stack([colour_histogram(im.permute(1, 2, 0).numpy()) for im in images])) \
        if len(images) else torch.zeros((0, DIM))


def dataset_histograms(dataset: Any, cache_dir: Path, identity: dict[str, Any], progress: bool = True) -> torch.Tensor:
    """float32 [len(dataset), 144] for every image of `dataset`, cached under `cache_dir` by `identity`."""
    key = hashlib.sha256(json.dumps({"v": VERSION, "data": identity}, sort_keys=True).encode()).hexdigest()[:32]
    path = cache_dir / f"colour-{key}.safetensors"
    if path.is_file():
        try:
            hist = load_file(str(path))["histograms"]
            if hist.shape == (len(dataset), DIM):
                return hist
        except Exception:  # a damaged cache file is recomputed, never trusted
            pass
    rows = [colour_histogram(dataset[i][0].permute(1, 2, 0).numpy())
            for i in tqdm(range(len(dataset)), disable=not progress, desc="colour histograms", unit="img")]
    hist = torch.from_numpy(np.stack(rows))
    cache_dir.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        save_file({"histograms": hist.contiguous()}, str(tmp))
    return hist
