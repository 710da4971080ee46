"""Fixtures for the products tests: small labelled image folders and cheap stand-in features."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from modiste.products.tagger.features import DatasetFeatures
from product_images import swatch  # noqa: F401  (used by the fixtures below)

COLOURS = {"Red": (200, 30, 40), "Navy Blue": (25, 35, 75), "Black": (20, 20, 20)}
TYPES = ["Tshirts", "Dresses", "Jeans"]


@pytest.fixture
def labelled_folder(tmp_path) -> tuple[Path, Path]:
    """tmp/images/*.png (3 types x 3 colours x 8) + labels.csv (articleType, baseColour, usage, gender)."""
    folder = tmp_path / "images"
    folder.mkdir()
    rows = []
    rng = np.random.default_rng(0)
    k = 0
    for t in TYPES:
        for cname, rgb in COLOURS.items():
            for _ in range(8):
                jitter = np.clip(np.array(rgb) + rng.integers(-6, 7, 3), 0, 255)
                Image.fromarray(swatch(tuple(int(v) for v in jitter), t)).save(folder / f"{k:04d}.png")
                rows.append({"filename": f"{k:04d}.png", "articleType": t, "baseColour": cname, "usage": "Casual",
                             "gender": "Women" if t == "Dresses" else "Men"})
                k += 1
    labels = tmp_path / "labels.csv"
    with open(labels, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return folder, labels


def pixel_features(dataset, backbone, **_) -> DatasetFeatures:
    """Stand-in for Inception features: the image's pixels (32x32x3 = 3072 -> first 2048 values)."""
    feats = torch.stack([dataset[i][0].float().flatten()[:2048] / 255.0 for i in range(len(dataset))])
    return DatasetFeatures(feats, list(dataset.reader.names), dataset)


@pytest.fixture
def fake_features(monkeypatch):
    """Replace Inception extraction in training/evaluation with pixel features (tests never run it on data)."""
    import modiste.products.tagger.train as train_mod

    monkeypatch.setattr(train_mod, "dataset_features", pixel_features)
    return pixel_features
