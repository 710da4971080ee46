"""`evaluate_tagger`: per-head accuracy and macro-F1 on the held-out split the tagger never saw.

The held-out images are the ones recorded in the tagger's split.json; their features come from the
metrics' cache, so evaluation costs a few seconds after training. Targets are mapped through the
tagger's own label maps (folded classes to "other"). Accuracy is given over all held-out images and
over those whose true class has its own head output (the ">= min-count classes" figure); with the
abstain threshold, `coverage` is the share answered and `selective_accuracy` their accuracy.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from sklearn.metrics import confusion_matrix, f1_score

from modiste.errors import ModisteError
from modiste.products.tagger.labels import MISSING, OTHER
from modiste.products.tagger.model import AttributeSpec, Tagger, load_tagger
from modiste.products.tagger.train import SPLIT_FILE, TaggerConfig, TaggerData, load_tagger_data


@dataclass
class HeadEvaluation:
    """Held-out results of one head. confusion: int [K, K], rows = true class, columns = predicted."""

    name: str
    classes: list[str]
    accuracy: float
    accuracy_known: float
    macro_f1: float
    coverage: float
    selective_accuracy: float
    count: int
    confusion: np.ndarray
    true: np.ndarray  # int [n] class indices
    pred: np.ndarray  # int [n]
    confidence: np.ndarray  # float [n]
    positions: np.ndarray  # int [n] positions into the evaluated images

    def summary(self) -> dict[str, Any]:
        keep = ("accuracy", "accuracy_known", "macro_f1", "coverage", "selective_accuracy", "count")
        return {k: getattr(self, k) for k in keep}


def map_targets(values: list[str | None], spec: AttributeSpec) -> np.ndarray:
    """Class names -> indices in `spec.classes`; folded or unseen classes -> "other" (MISSING without one)."""
    index = {c: i for i, c in enumerate(spec.classes)}
    other = index.get(OTHER, MISSING)
    return np.array([MISSING if v is None else index.get(v, other) for v in values], dtype=np.int64)


def evaluate_head(spec: AttributeSpec, probs: np.ndarray, targets: np.ndarray) -> HeadEvaluation:
    """Score calibrated probs float [N, K] against int targets [N] (MISSING ignored)."""
    positions = np.nonzero(targets >= 0)[0]
    y, p = targets[positions], probs[positions]
    pred, conf = p.argmax(1), p.max(1)
    k = len(spec.classes)
    other = spec.classes.index(OTHER) if OTHER in spec.classes else -1
    known = y != other
    answered = conf >= spec.threshold
    present = np.unique(y)
    return HeadEvaluation(
        spec.name, spec.classes, float((pred == y).mean()) if len(y) else float("nan"),
        float((pred[known] == y[known]).mean()) if known.any() else float("nan"),
        float(f1_score(y, pred, labels=present, average="macro", zero_division=0)) if len(y) else float("nan"),
        float(answered.mean()) if len(y) else float("nan"),
        float((pred[answered] == y[answered]).mean()) if answered.any() else float("nan"),
        int(len(y)), confusion_matrix(y, pred, labels=np.arange(k)), y, pred, conf, positions)


def holdout_positions(data: TaggerData, holdout_items: list[str]) -> np.ndarray:
    """Positions in `data` of the recorded held-out items; raises if the data lacks some."""
    where = {data.item(i): i for i in range(len(data.keep))}
    missing = [name for name in holdout_items if name not in where]
    if missing:
        raise ModisteError(f"{len(missing)} held-out image(s) of this tagger are not in the data (e.g. {missing[0]}): "
                           "evaluate on the data it was trained on")
    return np.array([where[name] for name in holdout_items], dtype=np.int64)


def read_split(folder: Path) -> dict[str, Any]:
    """The tagger's split.json ({"data": str, "holdout": [item names], ...}); ModisteError if missing or damaged."""
    try:
        split = json.loads((folder / SPLIT_FILE).read_text())
        if isinstance(split, dict) and isinstance(split.get("data"), str) and isinstance(split.get("holdout"), list):
            return split
    except (OSError, ValueError):
        pass
    raise ModisteError(f"'{folder}' has no readable {SPLIT_FILE}: evaluate a folder written by "
                       "`modiste tagger train`")


def evaluate_tagger(folder: str | os.PathLike, data: str | None = None, labels: str | None = None,
                    progress: bool = True, tagger: Tagger | None = None
                    ) -> tuple[dict[str, HeadEvaluation], TaggerData]:
    """Evaluate the tagger in `folder` on its held-out split (data/labels default to those it recorded)."""
    folder = Path(folder)
    tagger = tagger or load_tagger(folder)
    split = read_split(folder)
    saved = {k: v for k, v in split.get("config", {}).items() if k in {f.name for f in fields(TaggerConfig)}}
    cfg = TaggerConfig(**{**saved, "data": data or split["data"], "labels": labels or split.get("labels"),
                          "fine_tune_blocks": 0})
    tagger_data, backbone = load_tagger_data(cfg, progress=progress)
    positions = holdout_positions(tagger_data, split["holdout"])
    if tagger.backbone_state:
        from modiste.products.tagger.finetune import tuned_features

        x = tagger_data.with_colour(tuned_features(tagger, backbone, tagger_data, positions, progress), positions)
    else:
        x = tagger_data.x[torch.from_numpy(positions)]
    predictions = tagger.predict_features(x)
    results = {}
    for name, spec in tagger.specs.items():
        lab = tagger_data.labels[name]
        values = [None if t < 0 else lab.classes[t] for t in lab.targets[positions]]
        # folded training labels read "other"; their original names are not needed to score "other"
        results[name] = evaluate_head(spec, predictions[name].probs, map_targets(values, spec))
        results[name].positions = positions[results[name].positions]
    return results, tagger_data
