"""The HTML report: counts per reason, the thresholds used, and thumbnails grouped by reason.

A person should see at a glance whether a filter is too strict or too loose, so every thumbnail
carries the score that filter compared and the threshold it compared against. Samples are picked
uniformly (smallest CRC of the path, a bounded heap per reason) while the decisions stream by, and
only those few images are read again for thumbnails; the page is one self-contained file.
"""

from __future__ import annotations

import base64
import heapq
import html
import io
import zlib
from dataclasses import dataclass

from modiste.data.curate.config import FILTERS, SCORE_COLUMNS, CurationConfig
from modiste.data.curate.decisions import Decision
from modiste.data.curate.source import Catalogue
from modiste.data.image_file import open_image

THUMBNAIL_SIZE = 160
KEPT = "kept"

# The threshold each score column is compared with, and the direction that rejects.
THRESHOLDS: dict[str, tuple[str, str]] = {
    "too_small": ("min_side", "<"),
    "aspect": ("max_aspect", ">"),
    "blank": ("blank_max_content", "<="),
    "not_product": ("min_object_contrast", "<"),
    "busy_background": ("max_background_busyness", ">"),
    "off_centre": ("max_centre_offset", ">"),
    "duplicate": ("duplicate_max_distance", "<="),
}


@dataclass(frozen=True)
class Sample:
    path: str
    scores: dict[str, float]
    reasons: tuple[str, ...]
    duplicate_of: str
    error: str


class ReportSampler:
    """Keeps up to `per_group` uniformly chosen decisions for each reason and for the kept set."""

    def __init__(self, per_group: int) -> None:
        self.per_group = per_group
        self._heaps: dict[str, list[tuple[int, int, Sample]]] = {}

    def offer(self, decision: Decision) -> None:
        if self.per_group <= 0:
            return
        key = -zlib.crc32(decision.path.encode("utf-8"))  # max-heap on CRC: pop the largest
        sample = Sample(decision.path, dict(decision.scores), tuple(decision.reasons), decision.duplicate_of, decision.error)
        for group in decision.reasons or [KEPT]:
            heap = self._heaps.setdefault(group, [])
            item = (key, decision.index, sample)
            if len(heap) < self.per_group:
                heapq.heappush(heap, item)
            elif key > heap[0][0]:
                heapq.heapreplace(heap, item)

    def groups(self) -> dict[str, list[Sample]]:
        return {group: sorted((s for _, _, s in heap), key=lambda s: s.path) for group, heap in self._heaps.items()}


def thumbnail_uri(catalogue: Catalogue, path: str) -> str | None:
    try:
        side = (THUMBNAIL_SIZE, THUMBNAIL_SIZE)
        image = open_image(catalogue.read(path), fit_to=side).image.convert("RGB")
        image.thumbnail(side)
    except Exception:  # unreadable files are shown as text
        return None
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _caption(sample: Sample, group: str, config: CurationConfig) -> str:
    lines = [html.escape(sample.path)]
    if group in SCORE_COLUMNS:
        column = SCORE_COLUMNS[group]
        setting, sign = THRESHOLDS[group]
        value = sample.scores.get(column)
        shown = "" if value is None else f"{value:g}"
        lines.append(html.escape(f"{column} = {shown} ({sign} {getattr(config, setting):g})"))
    if sample.duplicate_of:
        lines.append(f"copy of {html.escape(sample.duplicate_of)}")
    if sample.error:
        lines.append(f"error: {html.escape(sample.error)}")
    others = [r for r in sample.reasons if r != group]
    if others:
        lines.append("also: " + ", ".join(others))
    return "<br>".join(lines)


def render(
    title: str,
    counts: dict[str, int],
    total: int,
    kept: int,
    samples: dict[str, list[Sample]],
    catalogue: Catalogue,
    config: CurationConfig,
) -> str:
    rows = "".join(
        f"<tr><td><a href='#{name}'>{name}</a></td><td>{counts.get(name, 0)}</td></tr>"
        for name in FILTERS
        if config.enabled(name)
    )
    settings = "".join(
        f"<tr><td>{html.escape(k)}</td><td>{html.escape(str(v))}</td></tr>" for k, v in config.thresholds().items()
    )
    sections = []
    for group in [*FILTERS, KEPT]:
        members = samples.get(group, [])
        count = kept if group == KEPT else counts.get(group, 0)
        if not members:
            continue
        cards = []
        for sample in members:
            uri = thumbnail_uri(catalogue, sample.path)
            picture = f"<img src='{uri}' alt=''>" if uri else "<div class='missing'>unreadable</div>"
            cards.append(f"<figure>{picture}<figcaption>{_caption(sample, group, config)}</figcaption></figure>")
        sections.append(
            f"<h2 id='{group}'>{group}: {count} images (showing {len(members)})</h2><div class='grid'>{''.join(cards)}</div>"
        )
    return f"""<!doctype html>
<html><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>
body{{font-family:sans-serif;margin:2em;color:#222}} table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 8px;text-align:left}}
.grid{{display:flex;flex-wrap:wrap;gap:8px}} figure{{width:{THUMBNAIL_SIZE}px;margin:0;font-size:11px;word-wrap:break-word}}
img{{max-width:{THUMBNAIL_SIZE}px;max-height:{THUMBNAIL_SIZE}px;border:1px solid #ddd}}
.missing{{width:{THUMBNAIL_SIZE}px;height:80px;background:#eee;display:flex;align-items:center;justify-content:center}}
</style></head><body>
<h1>{html.escape(title)}</h1>
<p id="summary">{total} images: <b>{kept} kept</b>, {total - kept} rejected.
An image can fail several filters, so the counts below may add up to more than the rejected total.</p>
<table id="counts"><tr><th>reason</th><th>images</th></tr>{rows}<tr><td>kept</td><td>{kept}</td></tr></table>
<h2>Thresholds</h2><table id="thresholds">{settings}</table>
{''.join(sections)}
</body></html>
"""
