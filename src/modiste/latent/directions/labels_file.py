"""Supervised directions from a labels file: CSV rows naming a sample (a seed, or a row of a latents
file) and an attribute value, e.g. written by hand after looking at `modiste generate` output.

    seed,class,sleeves           row,colour
    3,Tshirts,long               0,red
    4,Tshirts,short              1,blue

Codes: a seed is mapped through the generator (class from a `class` column or the given class;
truncation as given, default none); a latents-file row (column `row`, 0-based, or `seed` matched
against the file's seeds) uses its W, or for W+ the mean of its ws. Values: two boolean-like values
(0/1, false/true, no/yes, negative/positive) give one direction named after the attribute,
pointing to the true side; numbers with more than two values are split at their median (above =
positive); any other values give one direction per value, "ATTRIBUTE=VALUE", that value vs the rest.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import torch

from modiste.errors import ModisteError
from modiste.latent.directions.file import DirectionSet
from modiste.latent.directions.supervised import supervised_set, fit_boundary
from modiste.latent.latents import LatentSet
from modiste.latent.truncation import map_to_ws

_TRUE, _FALSE = {"1", "true", "yes", "positive", "pos", "y", "t"}, {"0", "false", "no", "negative", "neg", "n", "f"}


def read_labels(path: str | Path, attribute: str) -> tuple[list[dict[str, str]], list[str]]:
    """Rows of a CSV labels file and their `attribute` values (stripped strings).

    Raises ModisteError for a missing/unreadable file, a missing attribute column (listing the
    columns), an empty value, or a non-finite number ("nan", "inf").
    """
    path = Path(path)
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
            columns = list(rows[0].keys()) if rows else []
    except (OSError, UnicodeDecodeError, csv.Error) as e:
        raise ModisteError(f"cannot read labels file {path} ({e}): pass a CSV with a seed or row column") from e
    if not rows:
        raise ModisteError(f"labels file {path} has no rows: add a header and one row per labelled sample")
    if attribute not in columns:
        raise ModisteError(f"labels file {path} has no column {attribute!r}: its columns are {', '.join(columns)}")
    values = []
    for i, row in enumerate(rows):
        value = (row.get(attribute) or "").strip()
        if not value:
            raise ModisteError(f"labels file {path} row {i + 2} has no {attribute} value: fill it or drop the row")
        try:
            if not math.isfinite(float(value)):
                raise ModisteError(f"labels file {path} row {i + 2} has {attribute}={value}: use a finite value")
        except ValueError:
            pass
        values.append(value)
    return rows, values


def label_targets(attribute: str, values: list[str]) -> list[tuple[str, torch.Tensor]]:
    """(direction name, positive mask bool [N]) per direction the values define (see module doc)."""
    distinct = sorted(set(values))
    low = {v.lower() for v in distinct}
    if len(distinct) == 2 and low <= _TRUE | _FALSE and low & _TRUE and low & _FALSE:
        return [(attribute, torch.tensor([v.lower() in _TRUE for v in values]))]
    try:
        numbers = torch.tensor([float(v) for v in values], dtype=torch.float64)
    except ValueError:
        numbers = None
    if numbers is not None and len(distinct) > 2:
        return [(attribute, numbers > numbers.median())]
    if numbers is not None:  # two numbers: the larger is positive
        return [(attribute, numbers == numbers.max())]
    return [(f"{attribute}={v}", torch.tensor([x == v for x in values])) for v in distinct]


def labelled_ws(G: torch.nn.Module, rows: list[dict[str, str]], path: Path, latents: LatentSet | None,
                class_name: str | None, truncation_psi: float, center: str | None) -> torch.Tensor:
    """W float32 [N, w_dim] of each labelled row (see module doc). Raises ModisteError naming the fix."""
    from modiste.gan.generate import class_index

    columns = set(rows[0].keys())
    if latents is not None:
        if latents.space == "z":
            raise ModisteError("labelled latents must be W or W+ (a z file: label seeds instead, with a seed column)")
        codes = latents.latents if latents.space == "w" else latents.latents.mean(dim=1)
        if "row" in columns:
            keys, lookup = "row", {i: i for i in range(len(latents))}
        elif "seed" in columns:
            keys, lookup = "seed", {s: i for i, s in enumerate(latents.seeds) if s is not None}
        else:
            raise ModisteError(f"labels file {path} needs a row or seed column to match the latents file: its columns "
                               f"are {', '.join(sorted(columns))}")
        index = []
        for i, row in enumerate(rows):
            try:
                index.append(lookup[int(row[keys])])
            except (ValueError, KeyError):
                raise ModisteError(f"labels file {path} row {i + 2}: {keys} {row[keys]!r} is not in the latents file "
                                   f"({len(latents)} rows)") from None
        return codes[index].float()
    if "seed" not in columns:
        raise ModisteError(f"labels file {path} needs a seed column (or pass --latents with a row column): its "
                           f"columns are {', '.join(sorted(columns))}")
    from modiste.gan.images import latents_for_seeds

    try:
        seeds = [int(row["seed"]) for row in rows]
    except ValueError as e:
        raise ModisteError(f"labels file {path} has a seed that is not an integer ({e})") from e
    c = None
    if G.c_dim > 0:
        if "class" in columns:
            c = torch.tensor([class_index(G, row["class"].strip()) for row in rows])
        elif class_name is not None:
            c = torch.full((len(rows),), class_index(G, class_name), dtype=torch.long)
        else:
            raise ModisteError(f"this generator is conditional: add a class column to {path} or pass --class "
                               f"({', '.join(G.cfg.class_names)})")
    elif class_name is not None or "class" in columns:
        class_index(G, class_name or "class column")  # raises: unconditional
    device = G.mapping.w_avg.device
    with torch.no_grad():
        ws = map_to_ws(G, latents_for_seeds(seeds, G.z_dim).to(device), None if c is None else c.to(device),
                       truncation_psi, center)
    return ws[:, 0].float().cpu()


def labels_directions(
    G: torch.nn.Module,
    path: str | Path,
    attribute: str,
    latents: LatentSet | None = None,
    class_name: str | None = None,
    truncation_psi: float = 1.0,
    center: str | None = None,
    classifier: str = "svm",
    layers: tuple[int, int] | None = None,
    hold: torch.Tensor | None = None,
    hold_names: list[str] | None = None,
) -> DirectionSet:
    """Direction(s) for `attribute` of a labels file (names and orientation: see the module doc).

    Each is the unit normal of a boundary fitted by `fit_boundary`; meta records the fit accuracy,
    the file and the value split. Raises ModisteError for any problem with the file (see read_labels).
    """
    path = Path(path)
    rows, values = read_labels(path, attribute)
    ws = labelled_ws(G, rows, path, latents, class_name, truncation_psi, center)
    names, vectors, stats = [], [], {}
    for name, positive in label_targets(attribute, values):
        v, s = fit_boundary(ws, positive, classifier)
        names.append(name)
        vectors.append(v)
        stats[name] = s
    return supervised_set(G, names, vectors, stats, {"source": "labels", "labels": str(path), "attribute": attribute,
                   "classifier": classifier, "truncation_psi": truncation_psi}, layers, hold, hold_names, ws)
