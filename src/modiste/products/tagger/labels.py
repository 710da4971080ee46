"""Attribute labels for the tagger: one integer target per image and attribute, rare classes folded.

Labels come from a CSV/JSON file (`--labels`, one column per attribute, read by
`modiste.data.labels`, the same reader `modiste train` uses) or from the data itself (Fashion-MNIST's
`class`, class folders with `folder`). Classes with fewer than `min_count` images are folded into
one class named "other" and listed, so a head never has to learn from a handful of examples.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from modiste.data.labels import FOLDER, load_labels
from modiste.errors import ModisteError

OTHER = "other"
MISSING = -1  # no label for this image and attribute: ignored by that head


@dataclass
class AttributeLabels:
    """Targets of one attribute.

    targets: int64 [N], index into `classes` or MISSING; classes: class names (sorted, "other" last
    when present); folded: {original class: count} of the classes merged into "other".
    """

    name: str
    targets: np.ndarray
    classes: list[str]
    folded: dict[str, int] = field(default_factory=dict)


def fold_rare(name: str, values: list[str | None], min_count: int) -> AttributeLabels:
    """Index `values` (None = missing), folding classes seen fewer than `min_count` times into "other".

    Raises ModisteError when fewer than two classes remain (a head needs something to tell apart).
    """
    counts = Counter(v for v in values if v is not None)
    if len(counts) < 2:
        only = next(iter(counts), None)
        raise ModisteError(
            f"attribute {name!r} has a single class ({only!r}) in the data: drop it from --attributes"
        )
    folded = {c: n for c, n in sorted(counts.items()) if n < min_count}
    kept = sorted(c for c in counts if c not in folded)
    classes = kept + ([OTHER] if folded else [])
    if len(classes) < 2:
        raise ModisteError(
            f"attribute {name!r} keeps fewer than two classes with at least {min_count} images: "
            f"lower --min-count (its largest class has {max(counts.values())})"
        )
    index = {c: i for i, c in enumerate(classes)}
    targets = np.array([MISSING if v is None else index[v if v not in folded else OTHER] for v in values],
                       dtype=np.int64)
    return AttributeLabels(name, targets, classes, folded)


def dataset_attribute_values(dataset: Any, names: list[str] | None, labels: str | None,
                             attributes: list[str], drop_unlabelled: bool = False
                             ) -> tuple[dict[str, list[str | None]], np.ndarray]:
    """Raw attribute values per image, and the indices of the images kept (all unless dropped).

    With `labels`, each attribute is read from the file (an attribute it lacks raises, listing its
    columns); images the file does not mention raise unless `drop_unlabelled`. Without `labels`,
    the dataset's own labels (Fashion-MNIST's classes, or class folders) give the single attribute.
    """
    if not attributes:
        raise ModisteError("no attributes to learn: pass --attributes, e.g. articleType,baseColour")
    if len(set(attributes)) != len(attributes):
        raise ModisteError(f"--attributes repeats a name ({','.join(attributes)}): list each attribute once")
    n = len(dataset)
    if labels is None:
        own = list(getattr(dataset, "class_names", []))
        if len(attributes) != 1 or not own:
            raise ModisteError(
                "without --labels the tagger learns the data's own classes (Fashion-MNIST, or class folders "
                "with --label-field folder) as one attribute: pass --labels FILE.csv for several attributes"
            )
        values = [own[int(i)] for i in np.asarray(dataset.labels)]
        return {attributes[0]: values}, np.arange(n)
    if names is None:
        raise ModisteError("this data has no file names to look labels up by: use a folder or .zip of images")
    per_attr: dict[str, list[str | None]] = {}
    for attr in attributes:
        found = load_labels(names, labels, FOLDER if attr == FOLDER else attr)
        per_attr[attr] = [None if i is None else found.class_names[i] for i in found.indices]
    unlabelled = [i for i in range(n) if all(per_attr[a][i] is None for a in attributes)]
    if unlabelled and not drop_unlabelled:
        raise ModisteError(
            f"{len(unlabelled)} image(s) have no labels in '{labels}' (e.g. {names[unlabelled[0]]}): "
            "add them to the labels file or pass --drop-unlabelled"
        )
    keep = np.setdiff1d(np.arange(n), np.asarray(unlabelled, dtype=np.int64))
    return {a: [per_attr[a][int(i)] for i in keep] for a in attributes}, keep
