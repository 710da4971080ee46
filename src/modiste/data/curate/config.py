"""Every curation threshold in one typed dataclass.

Each field carries its CLI flag and help text in `metadata`, so the CLI, the docs and the HTML
report all read the same source of truth and a new threshold cannot be forgotten in one of them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

from modiste.errors import ModisteError

# Filter names, in the order they appear in reports. `reasons` in decisions.csv use these names.
FILTERS: tuple[str, ...] = (
    "unreadable",
    "too_small",
    "aspect",
    "blank",
    "not_product",
    "busy_background",
    "off_centre",
    "duplicate",
)

# The score column each filter writes to decisions.csv (one per filter; `unreadable` has none,
# its error message goes to the `error` column instead).
SCORE_COLUMNS: dict[str, str] = {
    "too_small": "short_side",
    "aspect": "aspect_ratio",
    "blank": "content_fraction",
    "not_product": "object_contrast",
    "busy_background": "background_busyness",
    "off_centre": "centre_offset",
    "duplicate": "duplicate_distance",
}

# The threshold flag that loosens each filter (unreadable files can only be fixed or removed).
FLAGS: dict[str, str] = {
    "too_small": "--min-side",
    "aspect": "--max-aspect",
    "blank": "--blank-max-content",
    "not_product": "--min-object-contrast",
    "busy_background": "--max-background-busyness",
    "off_centre": "--max-centre-offset",
    "duplicate": "--duplicate-max-distance",
}


def _knob(default: Any, flag: str, help: str) -> Any:
    return field(default=default, metadata={"flag": flag, "help": help})


@dataclass(frozen=True)
class CurationConfig:
    """Thresholds of the curation filters (defaults measured in docs/curation.md)."""

    min_side: int = _knob(300, "--min-side", "reject images whose shorter side is under this many pixels")
    max_aspect: float = _knob(2.5, "--max-aspect", "reject images whose long/short side ratio exceeds this")
    blank_max_content: float = _knob(
        0.01, "--blank-max-content",
        "reject as blank/placeholder when at most this fraction of pixels differs from the background colour",
    )
    min_object_contrast: float = _knob(
        0.45, "--min-object-contrast",
        "reject as not a product shot (fabric/texture close-up) when the colours of the centre and the border "
        "differ by less than this (histogram distance, 0-1)",
    )
    max_background_busyness: float = _knob(
        0.12, "--max-background-busyness",
        "reject when more than this fraction of the border band is edges or off the backdrop colour "
        "(a room, floor or street behind the product)",
    )
    max_centre_offset: float = _knob(
        0.22, "--max-centre-offset",
        "reject when the product's centre is further than this fraction of the image size from the middle",
    )
    duplicate_max_distance: int = _knob(
        6, "--duplicate-max-distance",
        "perceptual-hash Hamming distance (of 64 bits) at or under which two images are duplicates",
    )
    duplicate_max_pixel_difference: float = _knob(
        3.0, "--duplicate-max-pixel-difference",
        "hash matches only count as duplicates when their 12x12 colour thumbnails differ by at most this "
        "(mean absolute difference, 0-255)",
    )
    background_tolerance: float = _knob(
        28.0, "--background-tolerance",
        "colour distance (0-441, RGB) above which a pixel counts as foreground rather than background",
    )
    border_fraction: float = _knob(
        0.08, "--border-fraction", "width of the border band, as a fraction of each side, that samples the background"
    )
    analysis_size: int = _knob(
        256, "--analysis-size", "images are scored after downscaling their longer side to this many pixels"
    )
    disabled: tuple[str, ...] = field(default=(), metadata={"help": "filters to skip (names from FILTERS)"})

    def __post_init__(self) -> None:
        checks = [
            (self.min_side >= 1, "--min-side must be at least 1"),
            (self.max_aspect >= 1.0, "--max-aspect must be at least 1.0 (a square)"),
            (0.0 <= self.blank_max_content < 1.0, "--blank-max-content must be in [0, 1)"),
            (self.min_object_contrast >= 0.0, "--min-object-contrast must be non-negative"),
            (0.0 <= self.max_background_busyness <= 1.0, "--max-background-busyness must be in [0, 1]"),
            (0.0 <= self.max_centre_offset <= 0.5, "--max-centre-offset must be in [0, 0.5]"),
            (0 <= self.duplicate_max_distance <= 15, "--duplicate-max-distance must be in [0, 15]"),
            (0.0 <= self.duplicate_max_pixel_difference <= 255.0, "--duplicate-max-pixel-difference must be in [0, 255]"),
            (0.0 < self.background_tolerance < 442.0, "--background-tolerance must be in (0, 442)"),
            (0.01 <= self.border_fraction <= 0.3, "--border-fraction must be in [0.01, 0.3]"),
            (32 <= self.analysis_size <= 2048, "--analysis-size must be in [32, 2048]"),
        ]
        for ok, message in checks:
            if not ok:
                raise ModisteError(f"{message}: fix the value and run again")
        unknown = sorted(set(self.disabled) - set(FILTERS))
        if unknown:
            raise ModisteError(f"unknown filter {', '.join(unknown)} in --disable: choose from {', '.join(FILTERS)}")

    def enabled(self, name: str) -> bool:
        return name not in self.disabled

    def thresholds(self) -> dict[str, Any]:
        """The settings as a plain dict (for the report and curation.json)."""
        return {f.name: (list(v) if isinstance(v := getattr(self, f.name), tuple) else v) for f in dataclasses.fields(self)}

    @classmethod
    def tunable_fields(cls) -> list[dataclasses.Field]:
        """Fields exposed as numeric CLI flags."""
        return [f for f in dataclasses.fields(cls) if "flag" in f.metadata]
