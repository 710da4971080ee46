"""One decision per source image, and its row in decisions.csv.

decisions.csv columns: `path` (relative to SRC), `kept` (true/false), `reasons` (`;`-separated
filter names, empty when kept), `width`, `height`, `bytes`, one score column per filter (see
`SCORE_COLUMNS`; empty when the file could not be decoded), `duplicate_of` (the kept image a
duplicate copies) and `error` (why an unreadable file failed).
"""

from __future__ import annotations

import csv
import json
from dataclasses import asdict, dataclass, field
from typing import IO, Iterator

from modiste.data.curate.config import FILTERS, SCORE_COLUMNS

COLUMNS: tuple[str, ...] = (
    ("path", "kept", "reasons", "width", "height", "bytes")
    + tuple(SCORE_COLUMNS.values())
    + ("duplicate_of", "error")
)


@dataclass
class Decision:
    index: int
    path: str
    size_bytes: int
    width: int = 0
    height: int = 0
    reasons: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    duplicate_of: str = ""
    error: str = ""

    @property
    def kept(self) -> bool:
        return not self.reasons

    def add_reason(self, name: str) -> None:
        if name not in self.reasons:
            self.reasons.append(name)
            self.reasons.sort(key=FILTERS.index)

    def row(self) -> dict[str, str]:
        row = {
            "path": self.path,
            "kept": "true" if self.kept else "false",
            "reasons": ";".join(self.reasons),
            "width": str(self.width or ""),
            "height": str(self.height or ""),
            "bytes": str(self.size_bytes),
            "duplicate_of": self.duplicate_of,
            "error": self.error,
        }
        for column in SCORE_COLUMNS.values():
            value = self.scores.get(column)
            row[column] = "" if value is None else f"{value:g}"
        return row

    # The scan spools decisions to a temporary JSON-lines file so only hashes stay in memory.
    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def from_json(cls, line: str) -> "Decision":
        return cls(**json.loads(line))


def write_csv(decisions: Iterator[Decision], stream: IO[str]) -> None:
    writer = csv.DictWriter(stream, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    for decision in decisions:
        writer.writerow(decision.row())


def read_csv(stream: IO[str]) -> Iterator[dict[str, str]]:
    yield from csv.DictReader(stream)
