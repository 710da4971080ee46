"""Metric names: `fid10k`, `kid50k_full`, `pr`, `fid,kid` ... -> what to compute on how many images.

A name is a kind (fid, kid, pr) with an optional count suffix: `fid10k` = 10,000 fakes against up to
10,000 reals, `fid2000` = 2,000, and `_full` = against every real image (StyleGAN's fid50k_full).
Without a suffix the count is the caller's default (`--num`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from modiste.errors import ModisteError

KINDS: dict[str, tuple[str, ...]] = {
    "fid": ("fid",),
    "kid": ("kid_mean", "kid_std"),
    "pr": ("precision", "recall"),
}
_NAME = re.compile(r"^(fid|kid|pr)(?:(\d+)(k?))?(_full)?$")


@dataclass(frozen=True)
class MetricSpec:
    kind: str  # fid | kid | pr
    num_fakes: int
    full: bool  # compare against every real image, not just num_fakes of them
    name: str = field(default="", compare=False)  # as the user wrote it, for messages

    def num_reals(self, available: int) -> int:
        return available if self.full else min(available, self.num_fakes)


def parse_metric(name: str, default_num: int = 10_000) -> MetricSpec:
    match = _NAME.match(name.strip().lower())
    if not match:
        raise ModisteError(f"unknown metric {name!r}: use fid, kid or pr with an optional count, e.g. fid10k,kid10k,pr")
    kind, digits, thousands, full = match.groups()
    num = default_num if digits is None else int(digits) * (1000 if thousands else 1)
    if num < 2:
        raise ModisteError(f"metric {name!r} asks for {num} images: use at least 2 (typically 10k or 50k)")
    return MetricSpec(kind=kind, num_fakes=num, full=bool(full), name=name.strip())


def parse_metrics(names: str | list[str] | tuple[str, ...], default_num: int = 10_000) -> list[MetricSpec]:
    """Parse a list or comma-separated string; each kind at most once (its result keys are shared)."""
    if isinstance(names, str):
        names = [n for n in names.split(",") if n.strip()]
    specs = [parse_metric(n, default_num) for n in names]
    if not specs:
        raise ModisteError("no metrics asked for: pass e.g. --metrics fid,kid,pr")
    kinds = [s.kind for s in specs]
    for kind in set(kinds):
        if kinds.count(kind) > 1:
            raise ModisteError(f"{kind} is asked for more than once: keep one count per metric, e.g. fid10k,kid10k")
    return specs
