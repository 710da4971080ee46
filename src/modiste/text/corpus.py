"""Read a catalogue (CSV, JSONL or plain text) into cleaned, de-duplicated train/validation records.

One record per description. CSV and JSONL files name the description column (`text_column`) and
optional context columns (title, category, colour ...); a plain-text file has one description per
non-empty line and no context. The split is deterministic: a record goes to validation when a hash
of its description falls under `val_fraction`, so it does not move when rows are added or reordered.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

from modiste.errors import ModisteError
from modiste.text.cleaning import clean_text, has_template_placeholder

TEXT_SUFFIXES = {".txt", ".text"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
CSV_SUFFIXES = {".csv", ".tsv"}


@dataclass(frozen=True)
class Record:
    """One product: its context values (in column order) and its description."""

    context: tuple[str, ...]
    text: str

    def to_json(self) -> dict:
        return {"context": list(self.context), "text": self.text}

    @staticmethod
    def from_json(obj: dict) -> "Record":
        return Record(tuple(obj.get("context", ())), obj["text"])


@dataclass
class CorpusStats:
    rows: int = 0
    empty: int = 0
    placeholders: int = 0
    duplicates: int = 0
    train: int = 0
    validation: int = 0

    def summary(self) -> str:
        return (
            f"{self.rows} rows -> {self.train} train + {self.validation} validation "
            f"({self.empty} empty, {self.placeholders} with unfilled placeholders, "
            f"{self.duplicates} duplicates dropped)"
        )


@dataclass
class Corpus:
    train: list[Record]
    validation: list[Record]
    context_columns: tuple[str, ...] = ()
    stats: CorpusStats = field(default_factory=CorpusStats)


def _rows_from_csv(path: Path) -> Iterator[dict[str, str]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    delimiter = "\t" if path.suffix.lower() == ".tsv" else ","
    with open(path, newline="", encoding="utf-8-sig", errors="replace") as f:
        reader = csv.DictReader(f, delimiter=delimiter)
        for row in reader:
            yield {(k or "").strip(): (v or "") for k, v in row.items() if k is not None}


def _rows_from_jsonl(path: Path) -> Iterator[dict[str, str]]:
    with open(path, encoding="utf-8", errors="replace") as f:
        for line_no, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                raise ModisteError(f"{path}:{line_no} is not valid JSON ({e.msg}): write one JSON object per line") from None
            if not isinstance(obj, dict):
                raise ModisteError(f"{path}:{line_no} is not a JSON object: write one object per line")
            yield {str(k): "" if v is None else str(v) for k, v in obj.items()}


def _column_names(path: Path) -> list[str]:
    """The columns a CSV header or the first JSONL object names."""
    rows = _rows_from_csv(path) if path.suffix.lower() in CSV_SUFFIXES else _rows_from_jsonl(path)
    first = next(iter(rows), None)
    return [c for c in (first or {}) if c]


def strip_leading(value: str, prefix: str) -> str:
    """`value` without a leading `prefix` (case-insensitive, whole words) and the separators after it:
    ("DKNY Unisex Black Bag", "DKNY") -> "Unisex Black Bag"; ("Red Tape Men Shoes", "Red Tape") -> "Men Shoes"."""
    prefix = prefix.strip()
    if not prefix or not value.lower().startswith(prefix.lower()):
        return value
    rest = value[len(prefix):]
    if rest and rest[0].isalnum():
        return value  # "Puma" must not eat "Pumakin"
    return rest.lstrip(" -|,:/") or value  # a name that is only the brand keeps it


def read_rows(path: str | Path, text_column: str | None, context_columns: Iterable[str] = (),
              strip_column: str | None = None) -> Iterator[tuple[tuple[str, ...], str]]:
    """Yield raw (context values, description) pairs, checking the column names first.

    `strip_column` (e.g. the brand) is removed from the start of every context value of its row, so a
    model learns from contexts like those it will be given ("women red dress", not "DKNY women ...").
    Raises ModisteError for a missing file, an unknown format or a column the file does not have.
    """
    path = Path(path)
    if not path.is_file():
        raise ModisteError(f"corpus file '{path}' not found: pass --corpus a .csv, .jsonl or .txt file")
    suffix = path.suffix.lower()
    context_columns = tuple(context_columns)
    if suffix in TEXT_SUFFIXES:
        if context_columns or strip_column:
            raise ModisteError("a plain-text corpus has no columns: drop --context-columns/--strip-from-context or use "
                               "a CSV/JSONL file")
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                yield (), line
        return
    if strip_column is not None and (not strip_column.strip() or not context_columns or strip_column in context_columns):
        raise ModisteError(f"--strip-from-context {strip_column!r} needs --context-columns and must name another "
                           "column (the brand, e.g. Product_Brand, removed from the start of each context value)")
    if suffix not in CSV_SUFFIXES | JSONL_SUFFIXES:
        raise ModisteError(f"unknown corpus format '{path.suffix}': use .csv, .tsv, .jsonl or .txt")
    columns = _column_names(path)
    wanted = ([text_column] if text_column else []) + list(context_columns) + ([strip_column] if strip_column else [])
    missing = [c for c in wanted if c not in columns]
    if not text_column or missing:
        problem = f"column(s) {', '.join(map(repr, missing))} not in" if missing else "no --text-column given for"
        raise ModisteError(f"{problem} {path.name}: available columns are {', '.join(columns)}")
    rows = _rows_from_csv(path) if suffix in CSV_SUFFIXES else _rows_from_jsonl(path)
    for row in rows:
        strip = row.get(strip_column, "") if strip_column else ""
        yield tuple(strip_leading(row.get(c, ""), strip) for c in context_columns), row.get(text_column, "")


def _in_validation(text: str, val_fraction: float, seed: int) -> bool:
    digest = hashlib.blake2b(f"{seed}:{text}".encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2**64 < val_fraction


def load_corpus(
    path: str | Path,
    text_column: str | None = None,
    context_columns: Iterable[str] = (),
    val_fraction: float = 0.05,
    seed: int = 0,
    min_chars: int = 10,
    max_records: int | None = None,
    strip_column: str | None = None,
) -> Corpus:
    """Read, clean, de-duplicate (on the lower-cased description) and split a catalogue (`strip_column`:
    see `read_rows`)."""
    if not 0.0 <= val_fraction < 1.0:
        raise ModisteError(f"--val-fraction {val_fraction} is out of range: use a value in [0, 1)")
    context_columns = tuple(context_columns)
    stats = CorpusStats()
    seen: set[str] = set()
    train: list[Record] = []
    validation: list[Record] = []
    for raw_context, raw_text in read_rows(path, text_column, context_columns, strip_column):
        stats.rows += 1
        text = clean_text(raw_text)
        if len(text) < min_chars:
            stats.empty += 1
            continue
        if has_template_placeholder(text):
            stats.placeholders += 1
            continue
        key = text.lower()
        if key in seen:
            stats.duplicates += 1
            continue
        seen.add(key)
        record = Record(tuple(clean_text(v, split_glued=False) for v in raw_context), text)
        (validation if _in_validation(key, val_fraction, seed) else train).append(record)
        if max_records and len(train) + len(validation) >= max_records:
            break
    stats.train, stats.validation = len(train), len(validation)
    if not train:
        raise ModisteError(
            f"corpus '{path}' has no usable descriptions after cleaning ({stats.summary()}): "
            f"check --text-column and that descriptions have at least {min_chars} characters"
        )
    return Corpus(train, validation, context_columns, stats)


def write_records(path: str | Path, records: Iterable[Record]) -> None:
    from modiste.atomic import atomic_write_text

    atomic_write_text(path, "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in records))


def read_records(path: str | Path) -> list[Record]:
    with open(path, encoding="utf-8") as f:
        return [Record.from_json(json.loads(line)) for line in f if line.strip()]
