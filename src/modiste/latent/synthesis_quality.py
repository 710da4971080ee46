"""How good a synthesized class data set is: the nearest-class-mean scorer used by `synthesize
--method filter`, KID against the real images of the class, and a diversity figure.

Features are the standard 2048-d Inception-v3 pool features of modiste.metrics, of real images fitted
to the generator's canvas exactly as for training (pad or crop to its aspect, its width). Real
features are cached with the metrics' feature cache, keyed by the data's content and the images chosen.

Scorer: a real image set gives one mean feature per class (at most `per_class` images each, a seeded
random choice, the target class included); a synthesized image is "in the class" when the class's
mean is its nearest (L2).

Diversity: the mean pairwise L2 distance between the Inception features of a set of images (no
LPIPS network can be downloaded here). Reported next to the same figure for the real images of the
class: a collapsed set scores far below the reals, pure noise far above.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch

from modiste.errors import ModisteError

Featurizer = Callable[[torch.Tensor], torch.Tensor]  # uint8 [N, 3, H, W] -> float [N, D]


@dataclass
class ClassFeatures:
    """Features of real images by class: features float32 [M, D], labels long [M] (index into class_names)."""

    features: torch.Tensor
    labels: torch.Tensor
    class_names: list[str]

    def of(self, name: str) -> torch.Tensor:
        if name not in self.class_names:
            raise ModisteError(f"the real data has no images of class {name!r}: its classes are "
                               f"{', '.join(self.class_names)}")
        return self.features[self.labels == self.class_names.index(name)]


def per_class_indices(labels: np.ndarray, per_class: int, seed: int = 0, keep_all: tuple[int, ...] = ()) -> np.ndarray:
    """Sorted indices holding at most `per_class` items of each label (seeded random choice), and
    every item of the labels in `keep_all`."""
    rng = np.random.default_rng(seed)
    chosen = []
    for value in np.unique(labels):
        idx = np.flatnonzero(labels == value)
        small = len(idx) <= per_class or int(value) in keep_all
        chosen.append(idx if small else rng.choice(idx, per_class, replace=False))
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=np.int64)


def real_class_features(G: torch.nn.Module, real_data: str, labels: str, label_field: str, per_class: int = 20,
                        mode: str = "pad", device: str | torch.device = "cpu", progress: bool = True,
                        keep_all: tuple[str, ...] = ()) -> ClassFeatures:
    """Inception features of up to `per_class` real images per class (all images of the classes
    named in `keep_all`, e.g. the rare class KID is measured against), fitted to G's canvas; cached.

    Raises ModisteError (from modiste.data) for a missing folder, labels file or label field.
    """
    from modiste.data import open_image_dataset
    from modiste.metrics.cache import FeatureCache, dataset_identity
    from modiste.metrics.evaluate import get_extractor
    from modiste.metrics.inception import resolve_weights
    from modiste.metrics.sampling import dataset_features

    g = math.gcd(G.cfg.width, G.cfg.height)
    dataset = open_image_dataset(real_data, resolution=G.cfg.width, aspect=(G.cfg.width // g, G.cfg.height // g),
                                 mode=mode, channels=3, labels=labels, label_field=label_field, drop_unlabelled=True)
    keep = tuple(dataset.class_names.index(c) for c in keep_all if c in dataset.class_names)
    indices = per_class_indices(np.asarray(dataset.labels), per_class, keep_all=keep)
    extractor = get_extractor(None, "clean", torch.device(device))
    _, sha = resolve_weights(None)
    cache = FeatureCache()
    key = FeatureCache.key(dataset_identity(dataset, indices, cache.dir), extractor.mode, sha)
    hit = cache.load(key)
    if hit is not None and len(hit.features) == len(indices):
        return ClassFeatures(hit.features, hit.labels, list(dataset.class_names))
    feats, labs = dataset_features(dataset, indices, extractor, batch_size=32, num_workers=0, progress=progress,
                                   desc="real class features")
    cache.save(key, feats, labs, {"source": str(dataset.source), "num_images": len(indices), "per_class": per_class,
                                  "mode": extractor.mode, "weights_sha256": sha, "class_names": dataset.class_names})
    return ClassFeatures(feats, labs, list(dataset.class_names))


def inception_featurizer(device: str | torch.device = "cpu", batch: int = 32) -> Featurizer:
    """uint8 images [N, 3, H, W] -> Inception pool features float32 [N, 2048], in batches.

    Remembers the features of every image it has seen (keyed by its bytes), so the images a filter
    kept are not run through Inception a second time for the report (~0.2 s each on a CPU core).
    """
    import hashlib

    from modiste.metrics.evaluate import get_extractor

    extractor = get_extractor(None, "clean", torch.device(device))
    seen: dict[bytes, torch.Tensor] = {}

    def featurize(images: torch.Tensor) -> torch.Tensor:
        keys = [hashlib.sha1(im.contiguous().numpy().tobytes()).digest() for im in images.cpu()]
        todo = [i for i, k in enumerate(keys) if k not in seen]
        new = extractor.extract_batches(images[todo[j:j + batch]] for j in range(0, len(todo), batch))
        seen.update({keys[i]: f for i, f in zip(todo, new)})
        return torch.stack([seen[k] for k in keys]) if keys else torch.zeros(0, extractor.dim)

    return featurize


class NearestClassMeanScorer:
    """In the class = the nearest class mean (L2) of the image's features is the target class's.

    reals: real features by class; target: the class name; featurize: uint8 images -> features
    (inception_featurizer() for the CLI's default); max_per_class: each mean uses at most this many
    images (the first), so that every class's mean is equally noisy — a mean of many images lies
    nearer the centre of the data and would attract more samples. Call with images float
    [B, 3, H, W] in [-1, 1] (the generator's output) -> bool [B]; `predict(features)` gives names.
    """

    def __init__(self, reals: ClassFeatures, target: str, featurize: Featurizer,
                 max_per_class: int | None = None) -> None:
        present = [k for k in range(len(reals.class_names)) if bool((reals.labels == k).any())]
        self.class_names = [reals.class_names[k] for k in present]
        self.means = torch.stack([reals.features[reals.labels == k][:max_per_class].double().mean(0) for k in present])
        reals.of(target)  # raises, listing the classes, if the reals lack it
        self.target = self.class_names.index(target)
        self.featurize = featurize

    def predict(self, features: torch.Tensor) -> list[str]:
        nearest = torch.cdist(features.double(), self.means).argmin(dim=1)
        return [self.class_names[int(k)] for k in nearest]

    def in_class(self, features: torch.Tensor) -> torch.Tensor:
        return torch.cdist(features.double(), self.means).argmin(dim=1) == self.target

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        from modiste.gan.images import to_uint8

        return self.in_class(self.featurize(to_uint8(images).cpu()))


def mean_pairwise_distance(features: torch.Tensor) -> float:
    """Mean L2 distance over all pairs i < j of features [N, D] (N >= 2)."""
    if features.shape[0] < 2:
        raise ModisteError("diversity needs at least 2 images")
    d = torch.cdist(features.double(), features.double())
    n = features.shape[0]
    return float(d.sum() / (n * (n - 1)))


def synthesis_report(fake: torch.Tensor, reals: ClassFeatures, target: str,
                     scorer: NearestClassMeanScorer | None = None) -> dict:
    """Figures for synthesized features fake [N, D] of class `target` against the real class images.

    Returns {"kid_mean", "kid_std" (over subsets; NaN when the set is too small for a spread),
    "real_images" (of the class), "diversity" (mean pairwise feature distance), "real_diversity",
    "in_class_rate" (share the scorer puts in the class, when given), "scorer_top_classes" (the
    three classes the scorer assigns most often, with their shares: where the samples went)}.
    """
    from modiste.metrics import kernel_inception_distance

    real = reals.of(target)
    if real.shape[0] < 2:
        raise ModisteError(f"KID needs at least 2 real images of {target!r}, the real data has {real.shape[0]}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few real images: the spread is reported as NaN, not warned about
        kid_mean, kid_std = kernel_inception_distance(real, fake, num_subsets=100, max_subset_size=1000)
    out = {"kid_mean": kid_mean, "kid_std": kid_std, "real_images": int(real.shape[0]), "fake_images": int(len(fake)),
           "diversity": mean_pairwise_distance(fake), "real_diversity": mean_pairwise_distance(real)}
    if scorer is not None:
        out["in_class_rate"] = float(scorer.in_class(fake).float().mean())
        names, counts = np.unique(scorer.predict(fake), return_counts=True)
        top = np.argsort(-counts, kind="stable")[:3]
        out["scorer_top_classes"] = {str(names[i]): float(counts[i] / len(fake)) for i in top}
    return out
