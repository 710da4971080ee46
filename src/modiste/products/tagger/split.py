"""Stratified train / validation / held-out split of a tagger's images, saved beside the tagger.

The split is stratified on one attribute (by default the one with the most classes, so every class
of the finest attribute appears in every part) with a fixed seed, and recorded by item name (or
index for array data such as Fashion-MNIST), so `modiste tagger eval` scores exactly the images
the heads never saw.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

import numpy as np
from sklearn.model_selection import train_test_split

from modiste.errors import ModisteError


@dataclass
class Split:
    """Positions (into the kept images) of the training, validation and held-out parts."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray


def _strata(targets: np.ndarray) -> np.ndarray:
    # strata too small to appear on both sides of a split are merged into the largest one
    counts = Counter(targets.tolist())
    largest = counts.most_common(1)[0][0]
    return np.array([t if counts[t] >= 2 else largest for t in targets.tolist()])


MIN_PER_CLASS = 3  # one image in each of train, validation and held-out


def _check_sizes(targets: np.ndarray, holdout: float, val: float, class_names: list[str] | None) -> None:
    """Refuse a split that cannot put every class in every part (scikit-learn would raise, or a class
    with one or two images would silently be missing from a part). Raises ModisteError with the figures."""
    counts = Counter(t for t in targets.tolist() if t >= 0)
    rare = sorted(c for c, k in counts.items() if k < MIN_PER_CLASS)
    if rare:
        name = repr(class_names[rare[0]]) if class_names else f"#{rare[0]}"
        raise ModisteError(f"{len(rare)} class(es) have fewer than {MIN_PER_CLASS} images (e.g. {name} with "
                           f"{counts[rare[0]]}): a stratified split needs one per class in training, validation and "
                           "held-out: raise --min-count to fold them into 'other', or add images")
    n, classes = len(targets), len(set(_strata(targets).tolist()))
    test = math.ceil(n * holdout)
    valid = math.ceil((n - test) * val / (1 - holdout))
    train = n - test - valid
    if min(test, valid, train) < classes:
        raise ModisteError(f"{n} labelled images in {classes} classes are too few for a stratified split: --holdout "
                           f"{holdout} and --val {val} leave {train} for training, {valid} for validation and {test} "
                           f"held out, and each part needs one image per class ({classes}): add images, merge "
                           "classes (--min-count), or change --holdout/--val")


def stratified_split(targets: np.ndarray, holdout: float = 0.2, val: float = 0.1, seed: int = 0,
                     class_names: list[str] | None = None) -> Split:
    """Split positions 0..N-1 stratified on `targets` (int [N]; -1 = missing is a stratum of its own).

    holdout, val: fractions of all N images (validation calibrates temperatures and thresholds);
    class_names name the targets in errors. Raises ModisteError when a part would be empty, a class has
    fewer than 3 images, or a part would be too small to hold every class.
    """
    if not (0 < holdout < 1 and 0 < val < 1 and holdout + val < 0.9):
        raise ModisteError(f"--holdout {holdout} and --val {val} must be in (0, 1) and leave >= 10 % for training")
    _check_sizes(targets, holdout, val, class_names)  # every part holds every class, so none is empty
    positions = np.arange(len(targets))
    rest, test = train_test_split(positions, test_size=holdout, random_state=seed, stratify=_strata(targets))
    train, valid = train_test_split(rest, test_size=val / (1 - holdout), random_state=seed + 1,
                                    stratify=_strata(targets[rest]))
    return Split(np.sort(train), np.sort(valid), np.sort(test))
