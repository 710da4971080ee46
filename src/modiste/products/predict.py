"""`modiste tagger predict` as functions: tag files or generated seeds, one flat row per image.

A row holds the image's name, then per attribute its label ("abstain" below the head's threshold)
and confidence, then the rule colour (palette name, catalogue base colour, hex, share). Rows are
written as CSV or JSON Lines, chosen by the output's suffix, atomically.
"""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Any

from modiste.atomic import atomic_write_text
from modiste.errors import ModisteError
from modiste.products.generation import SamplingSettings, generate_seed_images, resolve_class
from modiste.products.tagging import ImageTagger, ImageTags, image_paths, read_image

OUTPUT_SUFFIXES = (".csv", ".jsonl")


def tag_paths(tagger: ImageTagger, paths: list[str | os.PathLike]) -> tuple[list[str], list[ImageTags]]:
    """(image paths as given, tags) of every image file under `paths` (see `tag_files`)."""
    return tag_files(tagger, image_paths(paths))


def tag_files(tagger: ImageTagger, files: list[Path]) -> tuple[list[str], list[ImageTags]]:
    """(file names, tags) of image `files` already listed by `image_paths`."""
    images = [read_image(f) for f in files]
    return [str(f) for f in files], tagger.tag_list(images)


def tag_seeds(tagger: ImageTagger, generator: str | os.PathLike | Any, seeds: list[int],
              class_name: str | None = None, settings: SamplingSettings = SamplingSettings(), device: str = "cpu"
              ) -> tuple[list[str], list[ImageTags]]:
    """(names "seed0042", tags) of a generator's images for `seeds` (class-centred truncation).

    `generator`: a run folder or snapshot (loaded on `device`) or a loaded G. Raises ModisteError for
    a generator that cannot be loaded or a class it does not have.
    """
    from modiste.gan.checkpoint import load_generator

    G = load_generator(generator, device) if isinstance(generator, (str, os.PathLike)) else generator
    index = resolve_class(G, class_name)
    images = generate_seed_images(G, seeds, index, settings.resolved(G))
    return [f"seed{s:04d}" for s in seeds], tagger.tag(images)


def tag_row(name: str, tags: ImageTags) -> dict[str, Any]:
    """One flat row: image, <attr>, <attr>_confidence ..., rule_colour, rule_base_colour, rule_hex, rule_share."""
    row: dict[str, Any] = {"image": name}
    for attr, tag in tags.tags.items():
        row[attr] = tag.label
        row[f"{attr}_confidence"] = round(tag.confidence, 4)
    if tags.colour is not None:
        row.update(rule_colour=tags.colour.name, rule_base_colour=tags.colour.base_colour,
                   rule_hex=tags.colour.hex, rule_share=round(tags.colour.share, 4))
    return row


def check_output(out: str | os.PathLike) -> Path:
    """Check `out` can take the tag table: a .csv/.jsonl name, not a folder, no file where a parent folder goes.

    Raises ModisteError naming the problem (called before the tagger runs, so nothing is computed in vain).
    """
    if not os.fspath(out).strip():
        raise ModisteError("--out is empty: name a file, e.g. --out tags.csv (or leave --out out to print the rows)")
    path = Path(out)
    if path.suffix.lower() not in OUTPUT_SUFFIXES:
        raise ModisteError(f"--out {path} must end in .csv or .jsonl")
    if path.is_dir():
        raise ModisteError(f"--out {path} is a folder: pass a file name like {path / 'tags.csv'}")
    from modiste.products.outputs import check_output_folder

    check_output_folder(path.parent, "--out", shown=path)
    return path


def write_rows(rows: list[dict[str, Any]], out: str | os.PathLike) -> Path:
    """Write rows to .csv (header = the first row's keys) or .jsonl, atomically."""
    path = check_output(out)
    if path.suffix.lower() == ".jsonl":
        atomic_write_text(path, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
        return path
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else ["image"], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    atomic_write_text(path, buf.getvalue())
    return path


def format_table(rows: list[dict[str, Any]]) -> str:
    """Plain-text table of rows for the terminal (labels with confidences)."""
    lines = []
    for r in rows:
        parts = [str(r["image"])]
        for k, v in r.items():
            if k.endswith("_confidence") or k in ("image", "rule_hex", "rule_share", "rule_base_colour"):
                continue
            conf = r.get(f"{k}_confidence")
            parts.append(f"{k}={v}" + (f" ({conf:.2f})" if conf is not None else ""))
        lines.append("  ".join(parts))
    return "\n".join(lines)

