"""Evaluation metrics on standard Inception features: FID, KID, precision/recall (`modiste metrics`).

    from modiste.metrics import evaluate_generator, evaluate_folders
    evaluate_generator(G, "data/", metrics=["fid10k", "kid10k"])  # {'fid': ..., 'kid_mean': ..., ...}

The math (`fid_from_features`, `kernel_inception_distance`, `precision_recall`) works on any
feature tensors; `InceptionFeatures` turns uint8 images into the standard 2048-d features.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = [
    "InceptionFeatures",
    "evaluate_folders",
    "evaluate_generator",
    "fid_from_features",
    "frechet_distance",
    "kernel_inception_distance",
    "precision_recall",
]

_WHERE = {
    "InceptionFeatures": "modiste.metrics.features",
    "evaluate_folders": "modiste.metrics.evaluate",
    "evaluate_generator": "modiste.metrics.evaluate",
    "fid_from_features": "modiste.metrics.fid",
    "frechet_distance": "modiste.metrics.fid",
    "kernel_inception_distance": "modiste.metrics.kid",
    "precision_recall": "modiste.metrics.knn_precision_recall",
}

if TYPE_CHECKING:
    from modiste.metrics.evaluate import evaluate_folders, evaluate_generator
    from modiste.metrics.features import InceptionFeatures
    from modiste.metrics.fid import fid_from_features, frechet_distance
    from modiste.metrics.kid import kernel_inception_distance
    from modiste.metrics.knn_precision_recall import precision_recall


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'modiste.metrics' has no attribute {name!r}")
