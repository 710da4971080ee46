"""Carry an optional metadata CSV (labels, titles, prices) through curation: keep the kept rows.

The CSV is streamed row by row. Its key column (auto-detected from common names or given with
--metadata-key) holds an image's path relative to SRC or just its file name; names are compared in
Unicode NFC, so a CSV typed 'robe_été.jpg' matches the file macOS stored decomposed (NFD).
"""

from __future__ import annotations

import csv
import io
import posixpath
from typing import IO

import fsspec

from modiste.data.storage import name_key
from modiste.errors import ModisteError

KEY_CANDIDATES = ("path", "filename", "file", "image", "image_path", "file_name")


def _pick_key(header: list[str], key: str | None, url: str) -> str:
    if key:
        if key not in header:
            raise ModisteError(f"--metadata-key '{key}' is not a column of {url}: choose one of {', '.join(header)}")
        return key
    for candidate in KEY_CANDIDATES:
        if candidate in header:
            return candidate
    raise ModisteError(f"no image column in {url} (looked for {', '.join(KEY_CANDIDATES)}): pass --metadata-key")


def filter_metadata(url: str, key: str | None, kept: set[str], out: IO[str]) -> tuple[int, int]:
    """Write the rows of `url` whose image was kept to `out`; return (rows written, rows dropped)."""
    kept = {name_key(p) for p in kept}
    kept_names = {posixpath.basename(p) for p in kept}
    try:
        stream = fsspec.open(url, "rb").open()
    except FileNotFoundError as e:
        raise ModisteError(f"metadata file '{url}' does not exist: check the --metadata path") from e
    with stream, io.TextIOWrapper(stream, encoding="utf-8-sig", newline="") as text:
        reader = csv.DictReader(text)
        if not reader.fieldnames:
            raise ModisteError(f"metadata file '{url}' has no header row: add column names on the first line")
        column = _pick_key(list(reader.fieldnames), key, url)
        writer = csv.DictWriter(out, fieldnames=reader.fieldnames, lineterminator="\n")
        writer.writeheader()
        written = dropped = 0
        for row in reader:
            value = name_key((row.get(column) or "").strip().lstrip("./"))
            if value in kept or value in kept_names:
                writer.writerow(row)
                written += 1
            else:
                dropped += 1
        return written, dropped
