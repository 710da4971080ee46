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


def _check_room(n: int, classes: int, part: int, name: str, flag: str, fraction: float) -> None:
    """A stratified split needs one image per class in the part and in what is left of it."""
    if part < classes or n - part < classes:
        raise ModisteError(f"{n} labelled images in {classes} classes are too few for a stratified {name} part: "
                           f"{flag} {fraction} gives it {part} images, it needs one per class on both sides "
                           f"(at least {classes}): add images, merge classes (--min-count), or change {flag}")


def stratified_split(targets: np.ndarray, holdout: float = 0.2, val: float = 0.1, seed: int = 0) -> Split:
    """Split positions 0..N-1 stratified on `targets` (int [N]; -1 = missing is a stratum of its own).

    holdout, val: fractions of all N images (validation calibrates temperatures and thresholds).
    Raises ModisteError when a part would be empty or the fractions leave nothing to train on.
    """
    n = len(targets)
    if not (0 < holdout < 1 and 0 < val < 1 and holdout + val < 0.9):
        raise ModisteError(f"--holdout {holdout} and --val {val} must be in (0, 1) and leave >= 10 % for training")
    positions = np.arange(n)
    if min(round(n * holdout), round(n * val)) < 1 or n - round(n * holdout) - round(n * val) < 2:
        raise ModisteError(f"{n} labelled images are too few to split {holdout:.0%} / {val:.0%}: add images")
    classes = len(set(_strata(targets).tolist()))
    _check_room(n, classes, math.ceil(n * holdout), "held-out", "--holdout", holdout)
    rest, test = train_test_split(positions, test_size=holdout, random_state=seed, stratify=_strata(targets))
    inner = val / (1 - holdout)
    _check_room(len(rest), len(set(_strata(targets[rest]).tolist())), math.ceil(len(rest) * inner), "validation",
                "--val", val)
    train, valid = train_test_split(rest, test_size=inner, random_state=seed + 1,
                                    stratify=_strata(targets[rest]))
    return Split(np.sort(train), np.sort(valid), np.sort(test))
