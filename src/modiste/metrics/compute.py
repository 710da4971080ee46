"""Metric values from real and fake features: the part shared by generator and folder evaluation."""

from __future__ import annotations

import torch

from modiste.metrics.fid import fid_from_features
from modiste.metrics.kid import kernel_inception_distance
from modiste.metrics.knn_precision_recall import DEFAULT_K, precision_recall
from modiste.metrics.specs import MetricSpec

MIN_PER_CLASS = 2  # a covariance needs two samples; per-class FIDs on few images are noisy, not wrong


def per_class_fid(
    real: torch.Tensor, real_labels: torch.Tensor, fake: torch.Tensor, fake_labels: torch.Tensor, class_names: list[str]
) -> dict[str, float]:
    """`fid/<class>` for each class with at least MIN_PER_CLASS real and fake images."""
    out: dict[str, float] = {}
    for index, name in enumerate(class_names):
        r, f = real[real_labels == index], fake[fake_labels == index]
        if len(r) >= MIN_PER_CLASS and len(f) >= MIN_PER_CLASS:
            out[f"fid/{name}"] = fid_from_features(r, f)
    return out


def compute_metrics(
    specs: list[MetricSpec],
    real: torch.Tensor,
    fake: torch.Tensor,
    real_labels: torch.Tensor | None = None,
    fake_labels: torch.Tensor | None = None,
    class_names: list[str] | None = None,
    kid_subsets: int = 100,
    kid_subset_size: int = 1000,
    pr_k: int = DEFAULT_K,
    device: torch.device | str = "cpu",
) -> dict[str, float]:
    """Each spec uses the first `num_fakes` fakes and the first `num_reals` reals it is given.

    FID runs in float64 on the CPU; KID's and precision/recall's big matrix products run on `device`.
    """
    results: dict[str, float] = {}
    for spec in specs:
        n_fake = min(spec.num_fakes, len(fake))
        n_real = spec.num_reals(len(real))
        r, f = real[:n_real], fake[:n_fake]
        if spec.kind == "fid":
            results["fid"] = fid_from_features(r, f)
            if class_names and real_labels is not None and fake_labels is not None:
                results.update(per_class_fid(r, real_labels[:n_real], f, fake_labels[:n_fake], class_names))
        elif spec.kind == "kid":
            results["kid_mean"], results["kid_std"] = kernel_inception_distance(
                r.to(device), f.to(device), num_subsets=kid_subsets, max_subset_size=kid_subset_size
            )
        elif spec.kind == "pr":
            results["precision"], results["recall"] = precision_recall(r.to(device), f.to(device), k=pr_k)
    return results
