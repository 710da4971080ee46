"""Which images a metric used, and why each other one was not: nothing is dropped without a word.

A folder evaluation can leave images out at three points: when the source is opened (files that
are not images, unreadable headers, unlabelled images), when the metric samples its share (a
FID on N fakes compares them with N reals unless it is `_full`), and when an image fails to
decode while features are extracted (it is then left out, never replaced by another image).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NOT_SAMPLED = "not sampled"
DECODE_FAILED = "failed to decode"

# what a user can do about each reason
FIXES = {
    "unreadable": "fix or remove those files",
    "not an image file": "only .jpg/.jpeg/.png/.webp/.bmp/.gif/.tif/.tiff files are read",
    "unlabelled": "add them to the labels file",
    DECODE_FAILED: "fix or remove those files",
}


@dataclass
class ImageAccount:
    """Images of one side of a comparison: how many the metrics used, and the rest by reason."""

    side: str  # "real" or "fake"
    source: str
    used: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)  # reason -> what to do about it

    @classmethod
    def opened(cls, side: str, dataset: Any) -> "ImageAccount":
        """Start from what opening the source left out (ImageDataset.skipped)."""
        skipped = {k: int(v) for k, v in dict(getattr(dataset, "skipped", {}) or {}).items() if v}
        return cls(side, str(getattr(dataset, "source", "")), skipped=skipped,
                   notes={k: FIXES.get(k, "") for k in skipped})

    def skip(self, reason: str, count: int, note: str = "") -> None:
        if count > 0:
            self.skipped[reason] = self.skipped.get(reason, 0) + int(count)
            self.notes[reason] = note or FIXES.get(reason, "")

    @property
    def found(self) -> int:
        return self.used + sum(self.skipped.values())

    def line(self) -> str:
        """One line for the terminal, e.g. 'real: 12 of 15 images used; 3 not sampled (...)'."""
        text = f"{self.side}: {self.used} of {self.found} images used"
        if self.skipped:
            parts = [f"{n} {reason}" + (f" ({self.notes[reason]})" if self.notes.get(reason) else "")
                     for reason, n in sorted(self.skipped.items())]
            text += "; " + "; ".join(parts)
        return text

    def to_json(self) -> dict[str, Any]:
        return {"source": self.source, "found": self.found, "used": self.used, "skipped": dict(sorted(self.skipped.items()))}


def count_images(side: str, dataset: Any, used: int, failed: list[int], specs: list) -> ImageAccount:
    """The account of one side after extraction: `used` features, `failed` decodes, the rest unsampled.

    ``specs`` are the MetricSpecs evaluated (their counts decide how many images were asked for).
    """
    account = ImageAccount.opened(side, dataset)
    account.used = int(used)
    account.skip(DECODE_FAILED, len(failed))
    unsampled = len(dataset) - used - len(failed)
    if side == "real":
        largest = max(specs, key=lambda s: s.num_fakes)
        note = (f"{largest.name or largest.kind} compares {largest.num_fakes} fakes with as many reals: "
                f"add _full, e.g. {largest.kind}_full, to use every real image")
    else:
        note = "--num or a count in the metric name (e.g. fid10k) sets how many fakes are used"
    account.skip(NOT_SAMPLED, unsampled, note)
    return account
