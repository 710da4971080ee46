"""The metrics API: evaluate a generator (or a folder of fakes) against real data.

    from modiste.metrics import evaluate_generator, evaluate_folders
    G = modiste.load_generator("runs/00003-fashion-mnist", device="cuda")
    evaluate_generator(G, "data/fashion-mnist", metrics=["fid10k", "kid10k", "pr10k"])
    # {'fid': 12.3, 'kid_mean': 0.008, 'kid_std': 0.0004, 'precision': 0.71, 'recall': 0.52, 'fid/Bag': ...}
    evaluate_folders("reals/", "fakes/", metrics=["fid", "kid"])

Real features are cached (see `modiste.metrics.cache`), so the second evaluation of the same data
only runs the generator. Under torchrun every rank must call these functions; the work is sharded
and every rank receives the same result.
"""

from __future__ import annotations

import math
import os
from functools import lru_cache
from typing import Any

import numpy as np
import torch

from modiste.distributed import broadcast_object
from modiste.errors import ModisteError
from modiste.metrics.accounting import ImageAccount, count_images
from modiste.metrics.cache import FeatureCache, dataset_identity
from modiste.metrics.compute import compute_metrics
from modiste.metrics.features import InceptionFeatures
from modiste.metrics.inception import resolve_weights
from modiste.metrics.sampling import dataset_features, generator_features
from modiste.metrics.specs import MetricSpec, parse_metrics

DEFAULT_NUM = 10_000


def _default_device(device: str | torch.device | None) -> torch.device:
    if device is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


@lru_cache(maxsize=2)
def _extractor(weights: str | None, mode: str, device: str) -> InceptionFeatures:
    # kept between calls: evaluations during training reuse the loaded, frozen network
    return InceptionFeatures(weights, mode=mode, device=device)


def get_extractor(weights: str | os.PathLike | None, mode: str, device: torch.device) -> InceptionFeatures:
    return _extractor(None if weights is None else os.fspath(weights), mode, str(device))


def open_data(source: Any, dataset_kwargs: dict[str, Any] | None = None) -> Any:
    """An ImageDataset from a path/URL (opened with `dataset_kwargs`) or as given, never flipped."""
    if isinstance(source, (str, os.PathLike)):
        from modiste.data import open_image_dataset

        return open_image_dataset(os.fspath(source), **{**(dataset_kwargs or {}), "xflip": False})
    if getattr(source, "xflip", False):
        import copy

        source = copy.copy(source)  # a training set's flips must not leak into its statistics
        source.xflip = False
    return source


def subset_indices(available: int, wanted: int) -> np.ndarray:
    """All indices, or a seeded random subset kept in source order (the first N would pick few classes)."""
    if wanted >= available:
        return np.arange(available)
    return np.sort(np.random.default_rng(0).choice(available, size=wanted, replace=False))


def reference_features(
    dataset: Any,
    num: int,
    extractor: InceptionFeatures,
    weights_sha256: str,
    *,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    batch_size: int = 64,
    num_workers: int = 2,
    progress: bool = True,
    failed: list[int] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Features and labels of up to `num` images of `dataset`, from the cache when possible.

    Images that fail to decode are left out (their indices go to ``failed``); a cache entry with
    fewer features than asked for is therefore recomputed, and the failures counted again.
    """
    indices = subset_indices(len(dataset), num)
    cache = FeatureCache(cache_dir)
    key = None
    if use_cache and getattr(dataset, "source", ""):
        key = broadcast_object(
            FeatureCache.key(dataset_identity(dataset, indices, cache.dir), extractor.mode, weights_sha256)
            if _is_main() else None
        )
    hit = cache.load(key) if key and _is_main() else None
    if hit is not None and (len(hit.features) != len(indices) or hit.features.shape[1] != extractor.dim):
        hit = None  # not what this key promises: recompute and overwrite
    if broadcast_object(hit is not None):
        # only rank 0 computes the metrics; every rank needs the labels to sample classes alike
        labels = broadcast_object(hit.labels if hit is not None else None)
        return (hit.features if hit is not None else torch.empty((0, extractor.dim))), labels
    feats, labels = dataset_features(dataset, indices, extractor, batch_size, num_workers, progress,
                                     desc=f"real features ({getattr(dataset, 'name', 'data')})", failed=failed)
    if key and _is_main():
        meta = {"source": str(dataset.source), "num_images": len(indices), "mode": extractor.mode,
                "weights_sha256": weights_sha256, "class_names": list(getattr(dataset, "class_names", []))}
        cache.save(key, feats, labels, meta)
    return feats, labels


def _is_main() -> bool:
    return not (torch.distributed.is_available() and torch.distributed.is_initialized()) or \
        torch.distributed.get_rank() == 0


def _fit_to_generator(G: torch.nn.Module, dataset_kwargs: dict[str, Any] | None) -> dict[str, Any]:
    """Open reals at the generator's size and channels unless the caller said otherwise."""
    kwargs = dict(dataset_kwargs or {})
    shape = getattr(G, "img_shape", None)
    if shape is not None and kwargs.get("resolution") is None:
        channels, height, width = (int(v) for v in shape)
        g = math.gcd(width, height)
        kwargs["resolution"] = width
        kwargs.setdefault("aspect", (width // g, height // g))
        kwargs.setdefault("channels", channels)
    return kwargs


def _needed_reals(specs: list[MetricSpec], available: int) -> int:
    return max(spec.num_reals(available) for spec in specs)


def _check_enough(specs: list[MetricSpec], count: int, what: str, fix: str) -> None:
    least = 4 if any(s.kind == "pr" for s in specs) else 2  # a covariance needs 2; k=3 neighbours need 4
    if count < least:
        raise ModisteError(f"{what} has {count} image(s), too few for these metrics (at least {least}): {fix}")


def evaluate_generator(
    G: torch.nn.Module,
    real: Any,
    metrics: str | list[str] | tuple[str, ...] = ("fid10k", "kid10k"),
    batch_size: int = 64,
    device: str | torch.device | None = None,
    truncation_psi: float = 1.0,
    cache_dir: str | os.PathLike | None = None,
    dataset_kwargs: dict[str, Any] | None = None,
    progress: bool = True,
    *,
    num: int = DEFAULT_NUM,
    mode: str = "clean",
    inception_weights: str | os.PathLike | None = None,
    use_cache: bool = True,
    seed: int = 0,
    num_workers: int = 2,
    truncation_center: str | None = None,
) -> dict[str, float]:
    """FID/KID/PR of `G`'s samples against `real` (a data path/URL or an ImageDataset).

    `metrics` names carry optional counts (`fid10k`, `kid50k_full`; `num` when absent). Fakes are
    streamed in batches of `batch_size` and quantised like saved PNGs; nothing is written but the
    reference-feature cache. Conditional generators are sampled with the reals' class mix, and
    `fid/<class>` is reported per class.
    """
    specs = parse_metrics(metrics, num)
    dev = _default_device(device)
    _, sha = resolve_weights(inception_weights)
    extractor = get_extractor(inception_weights, mode, dev)
    dataset = open_data(real, _fit_to_generator(G, dataset_kwargs))
    _check_enough(specs, len(dataset), f"the real data {getattr(dataset, 'source', '')!r}", "point --data at more images")
    real_feats, real_labels = reference_features(
        dataset, _needed_reals(specs, len(dataset)), extractor, sha, cache_dir=cache_dir, use_cache=use_cache,
        batch_size=batch_size, num_workers=num_workers, progress=progress,
    )
    conditional = int(getattr(G, "c_dim", 0)) > 0
    num_fakes = max(s.num_fakes for s in specs)
    fake_feats, fake_labels = generator_features(
        G, num_fakes, extractor, batch_size, truncation_psi,
        real_labels=real_labels if conditional and getattr(dataset, "class_names", []) else None,
        seed=seed, progress=progress, truncation_center=truncation_center,
    )
    class_names = list(getattr(dataset, "class_names", [])) if conditional else []
    results = compute_metrics(specs, real_feats, fake_feats, real_labels, fake_labels, class_names,
                              device=extractor.device) \
        if _is_main() else None
    return broadcast_object(results)


def _align_labels(real_ds: Any, fake_ds: Any, fake_labels: torch.Tensor) -> torch.Tensor | None:
    """Fake labels re-indexed into the real set's class list (by name), or None if unlabelled."""
    real_names, fake_names = list(getattr(real_ds, "class_names", [])), list(getattr(fake_ds, "class_names", []))
    if not real_names or not fake_names:
        return None
    lookup = torch.tensor([real_names.index(n) if n in real_names else -1 for n in fake_names], dtype=torch.long)
    return lookup[fake_labels]


def evaluate_folders(real: Any, fake: Any, *args: Any, **kwargs: Any) -> dict[str, float]:
    """FID/KID/PR between two image sources (folders, zips, datasets); see `evaluate_folders_counted`."""
    return evaluate_folders_counted(real, fake, *args, **kwargs)[0]


def evaluate_folders_counted(
    real: Any,
    fake: Any,
    metrics: str | list[str] | tuple[str, ...] = ("fid", "kid"),
    num: int | None = None,
    batch_size: int = 64,
    device: str | torch.device | None = None,
    cache_dir: str | os.PathLike | None = None,
    dataset_kwargs: dict[str, Any] | None = None,
    progress: bool = True,
    *,
    mode: str = "clean",
    inception_weights: str | os.PathLike | None = None,
    use_cache: bool = True,
    num_workers: int = 2,
) -> tuple[dict[str, float], dict[str, ImageAccount]]:
    """(metric values, {"real": ImageAccount, "fake": ImageAccount}) for two image sources.

    `num` = fakes to use (all if None). With labels on both sides (e.g.
    dataset_kwargs={"label_field": "folder"}), `fid/<class>` is reported for the classes they
    share. Each account counts the images used and every other file by reason (see
    `modiste.metrics.accounting`).
    """
    dev = _default_device(device)
    _, sha = resolve_weights(inception_weights)
    extractor = get_extractor(inception_weights, mode, dev)
    fake_ds = open_data(fake, dataset_kwargs)
    real_ds = open_data(real, dataset_kwargs)
    count = len(fake_ds) if num is None else num
    if num is not None and len(fake_ds) < num:
        raise ModisteError(
            f"the fake images {getattr(fake_ds, 'source', '')!r} number {len(fake_ds)}, fewer than the {num} asked "
            f"for: pass --num {len(fake_ds)} or add more images"
        )
    specs = parse_metrics(metrics, count)
    _check_enough(specs, len(fake_ds), f"the fake images {getattr(fake_ds, 'source', '')!r}", "add more images")
    _check_enough(specs, len(real_ds), f"the real images {getattr(real_ds, 'source', '')!r}", "add more images")
    for spec in specs:
        if spec.num_fakes > len(fake_ds):
            raise ModisteError(
                f"{spec.name or spec.kind} needs {spec.num_fakes} fake images but "
                f"{getattr(fake_ds, 'source', '')!r} has {len(fake_ds)}: ask for {spec.kind}{len(fake_ds)} or add images"
            )
    common = dict(cache_dir=cache_dir, use_cache=use_cache, batch_size=batch_size, num_workers=num_workers,
                  progress=progress)
    real_failed: list[int] = []
    fake_failed: list[int] = []
    real_feats, real_labels = reference_features(real_ds, _needed_reals(specs, len(real_ds)), extractor, sha,
                                                 failed=real_failed, **common)
    fake_feats, fake_labels = reference_features(fake_ds, max(s.num_fakes for s in specs), extractor, sha,
                                                 failed=fake_failed, **{**common, "use_cache": False})
    _check_enough(specs, len(fake_feats), f"the fake images {getattr(fake_ds, 'source', '')!r}", "fix the files")
    _check_enough(specs, len(real_feats), f"the real images {getattr(real_ds, 'source', '')!r}", "fix the files")
    accounts = {"real": count_images("real", real_ds, len(real_feats), real_failed, specs),
                "fake": count_images("fake", fake_ds, len(fake_feats), fake_failed, specs)}
    aligned = _align_labels(real_ds, fake_ds, fake_labels)
    class_names = list(getattr(real_ds, "class_names", [])) if aligned is not None else []
    results = compute_metrics(specs, real_feats, fake_feats, real_labels, aligned, class_names,
                              device=extractor.device) \
        if _is_main() else None
    return broadcast_object(results), accounts
