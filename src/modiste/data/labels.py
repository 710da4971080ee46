"""Class labels: from a CSV/JSON mapping file (image -> attributes) or from the parent folder name.

Accepted label files:

* CSV with a header, one key column (``filename``, ``file``, ``path``, ``image`` or ``id``) and
  attribute columns, e.g. fashion-products-224/labels.csv (filename,id,gender,articleType,...).
  Keys match an image's relative path, its file name, or (for ``id``) its file name without
  extension. Names are compared in Unicode NFC (`storage.name_key`), so a CSV typed as 'robe_été.jpg'
  matches the same file stored decomposed (NFD) by macOS, and vice versa; class names too.
* JSON ``{"file.jpg": {"attr": "value", ...}}`` or ``{"file.jpg": "value"}``.
* StyleGAN's dataset.json ``{"labels": [["file.png", 3], ...]}``.

Class names are the sorted distinct values (numbers sort numerically), so indices are stable
across runs and machines.
"""

from __future__ import annotations

import csv
import io
import json
import posixpath
from dataclasses import dataclass

from modiste.data.storage import Location, name_key
from modiste.errors import ModisteError

KEY_COLUMNS = ("filename", "file", "path", "image", "id")
FOLDER = "folder"


@dataclass
class Labels:
    """Class index per image (None = unlabelled) and the sorted class names."""

    indices: list[int | None]
    class_names: list[str]


def _read_table(url: str) -> tuple[dict[str, dict[str, str]], str]:
    """Label file -> ({key: {attribute: value}}, key kind: 'path' or 'id')."""
    loc = Location(url)
    if not loc.exists():
        raise ModisteError(f"labels file '{url}' does not exist: check --labels")
    text = loc.read_bytes().decode("utf-8-sig")
    if url.lower().endswith(".json"):
        return _parse_json(text, url), "path"
    reader = csv.DictReader(io.StringIO(text))
    fields = [f.strip() for f in reader.fieldnames or []]
    key = next((k for k in KEY_COLUMNS if k in fields), None)
    if key is None:
        raise ModisteError(
            f"labels file '{url}' has no key column: add one named {', '.join(KEY_COLUMNS)} naming each image"
        )
    table = {}
    for row in reader:
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        table[name_key(row.pop(key))] = row
    return table, "id" if key == "id" else "path"


def _parse_json(text: str, url: str) -> dict[str, dict[str, str]]:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as e:
        raise ModisteError(f"labels file '{url}' is not valid JSON ({e.msg}, line {e.lineno}): fix it") from None
    if isinstance(obj, dict) and isinstance(obj.get("labels"), list):  # StyleGAN dataset.json
        return {name_key(str(name)): {"class": str(value)} for name, value in obj["labels"]}
    if not isinstance(obj, dict):
        raise ModisteError(f"labels file '{url}' must map file names to attributes: use {{\"a.jpg\": {{...}}}}")
    return {name_key(k): (v if isinstance(v, dict) else {"class": v}) for k, v in obj.items()}


def _lookup_keys(name: str, kind: str) -> list[str]:
    name = name_key(name)
    base = posixpath.basename(name)
    if kind == "id":
        return [posixpath.splitext(base)[0]]
    return [name, base]


def sorted_class_names(values: set[str]) -> list[str]:
    if values and all(v.lstrip("-").isdigit() for v in values):
        return sorted(values, key=int)
    return sorted(values)


def load_labels(names: list[str], labels: str | None, label_field: str | None) -> Labels | None:
    """Resolve a class per image name; None when the data is unconditional."""
    if label_field == FOLDER and labels is None:
        values = [posixpath.basename(posixpath.dirname(name_key(n))) or None for n in names]
        return _index(values)
    if labels is None:
        if label_field is not None:
            raise ModisteError(f"--label-field {label_field} needs a labels file: pass --labels FILE.csv")
        return None
    table, kind = _read_table(str(labels))
    if label_field is None:
        attrs = sorted({a for row in table.values() for a in row})
        if len(attrs) != 1:
            raise ModisteError(
                f"labels file '{labels}' has attributes {', '.join(attrs[:8])}: pick one with --label-field"
            )
        label_field = attrs[0]
    _check_covered(names, table, kind, labels)
    values = []
    for name in names:
        row = next((table[k] for k in _lookup_keys(name, kind) if k in table), None)
        if row is None:
            values.append(None)
            continue
        if label_field == FOLDER:
            values.append(posixpath.basename(posixpath.dirname(name_key(name))) or None)
            continue
        if label_field not in row:
            raise ModisteError(
                f"labels file '{labels}' has no attribute {label_field!r}: use one of {', '.join(sorted(row))}"
            )
        values.append(name_key(str(row[label_field])) or None)
    return _index(values)


def _check_covered(names: list[str], table: dict, kind: str, url: str) -> None:
    """A label naming no image is a mix-up of files (wrong folder, wrong CSV): refuse it."""
    known: set[str] = set()
    for name in names:
        known.update(_lookup_keys(name, kind))
    unknown = [k for k in table if k not in known]
    if unknown:
        raise ModisteError(
            f"labels file '{url}' names {len(unknown)} image(s) not in the data (e.g. {unknown[0]!r}): "
            "use the labels file of this data or remove those rows"
        )


def _index(values: list[str | None]) -> Labels:
    class_names = sorted_class_names({v for v in values if v is not None})
    lookup = {c: i for i, c in enumerate(class_names)}
    return Labels([None if v is None else lookup[v] for v in values], class_names)
