"""Backbone features for the tagger: the metrics' frozen FID Inception-v3, extracted once and cached.

Training features go through `modiste.metrics.evaluate.reference_features`, the same code path and
cache that FID uses for real data, so a dataset's 2048-d pool features are computed once and shared
by FID and every tagger trained on it. The dataset is opened *without* labels: the cache key then
depends only on the images (and how they were read), not on which attribute a tagger learns.

Images of other shapes (a 64x96 generator sample, a user's photo) are padded to a square with their
border colour before the Inception resize, the way the catalogue's square studio photos frame a
garment; the Inception input is 299 x 299 and would otherwise stretch them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from modiste.errors import ModisteError
from modiste.metrics.evaluate import get_extractor, reference_features
from modiste.metrics.features import InceptionFeatures
from modiste.metrics.inception import resolve_weights


@dataclass
class DatasetFeatures:
    """Features of every image of a dataset, in dataset order.

    features: float32 [N, 2048]; names: the reader's item names (None for array data such as
    Fashion-MNIST); dataset: the opened `ImageDataset` (its own labels, if any, in `dataset.labels`).
    """

    features: torch.Tensor
    names: list[str] | None
    dataset: Any


@dataclass(frozen=True)
class Backbone:
    """The frozen feature extractor and its identity (sha256 of the TorchScript weights)."""

    extractor: InceptionFeatures
    weights_sha256: str
    mode: str

    @property
    def identity(self) -> dict[str, str]:
        return {"name": "fid-inception-v3-pool3", "weights_sha256": self.weights_sha256, "resize": self.mode}


def load_backbone(weights: str | os.PathLike | None = None, mode: str = "clean",
                  device: str | torch.device = "cpu") -> Backbone:
    """The metrics' Inception (shared, loaded once per process) with its weights' sha256.

    `device` is 'auto', 'cpu', 'cuda' or 'cuda:N' (see `modiste.distributed.resolve_device`).
    Raises ModisteError when the weights are missing or corrupt (see `modiste.metrics.inception`),
    or when the device is unknown or CUDA is asked for without a GPU.
    """
    from modiste.distributed import resolve_device

    dev = device if isinstance(device, torch.device) else resolve_device(str(device))
    _, sha = resolve_weights(weights)
    return Backbone(get_extractor(weights, mode, dev), sha, mode)


def dataset_features(dataset: Any, backbone: Backbone, *, cache_dir: str | os.PathLike | None = None,
                     batch_size: int = 32, num_workers: int = 0, progress: bool = True) -> DatasetFeatures:
    """Pool features [N, 2048] of all of `dataset`, through the metrics' reference-feature cache."""
    feats, _ = reference_features(dataset, len(dataset), backbone.extractor, backbone.weights_sha256,
                                  cache_dir=cache_dir, batch_size=batch_size, num_workers=num_workers,
                                  progress=progress)
    if len(feats) != len(dataset):
        raise ModisteError(f"{len(dataset) - len(feats)} image(s) of '{getattr(dataset, 'source', '')}' could not be "
                           "decoded: remove the damaged files and train again")
    names = getattr(getattr(dataset, "reader", None), "names", None)
    return DatasetFeatures(feats, list(names) if names is not None else None, dataset)


def pad_to_square(images: torch.Tensor) -> torch.Tensor:
    """uint8 [N, C, H, W] -> uint8 [N, C, S, S], S = max(H, W), filled with each image's border median.

    The border median is the studio background of a catalogue photo (as in `modiste.data.transforms`'
    pad mode); square input is returned unchanged.
    """
    n, c, h, w = images.shape
    if h == w:
        return images
    size = max(h, w)
    border = torch.cat([images[:, :, 0, :], images[:, :, -1, :], images[:, :, :, 0], images[:, :, :, -1]], dim=2)
    fill = border.float().median(dim=2).values.round().to(torch.uint8)  # [N, C]
    out = fill[:, :, None, None].expand(n, c, size, size).clone()
    top, left = (size - h) // 2, (size - w) // 2
    out[:, :, top:top + h, left:left + w] = images
    return out


def image_features(images: torch.Tensor, backbone: Backbone, batch_size: int = 32) -> torch.Tensor:
    """uint8 [N, 1|3, H, W] (any size) -> float32 [N, 2048]; non-square images are padded first."""
    out = [backbone.extractor(pad_to_square(images[i:i + batch_size])) for i in range(0, len(images), batch_size)]
    return torch.cat(out) if out else torch.zeros((0, backbone.extractor.dim))


def as_numpy(features: torch.Tensor) -> np.ndarray:
    return features.detach().cpu().numpy().astype(np.float32)
