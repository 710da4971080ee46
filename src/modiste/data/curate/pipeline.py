"""`curate()`: score, decide, and write the curated set, decisions.csv and the HTML report.

Memory stays bounded for any catalogue size: the scan spools each decision to a temporary
JSON-lines file and keeps only perceptual hashes in memory; duplicates are resolved once all hashes
are known (the best copy wins wherever it appears), then the spool is streamed again to write
the outputs. Result files are written atomically, decisions.csv last but one and curation.json
last, so a killed run never leaves a half-written result that looks complete.
"""

from __future__ import annotations

import collections
import json
import tempfile
from dataclasses import dataclass, field
from typing import IO, Iterator

from tqdm import tqdm

from modiste.data.curate.config import FILTERS, FLAGS, CurationConfig
from modiste.data.curate.decisions import Decision, write_csv
from modiste.data.curate.duplicates import DuplicateFinder, DuplicateMatch
from modiste.data.curate.metadata import filter_metadata
from modiste.data.curate.output import DECISIONS, SUMMARY, Destination
from modiste.data.curate.report import ReportSampler, render
from modiste.data.curate.scan import scan
from modiste.data.curate.source import open_catalogue
from modiste.errors import ModisteError

REPORT = "report.html"
MANIFEST = "manifest.txt"


@dataclass
class CurationResult:
    total: int
    kept: int
    counts: dict[str, int] = field(default_factory=dict)  # reason -> images it rejected
    out: str | None = None

    def summary_line(self) -> str:
        rejected = ", ".join(f"{name} {n}" for name in FILTERS if (n := self.counts.get(name, 0)))
        return f"{self.kept} of {self.total} images kept" + (f"; rejected: {rejected}" if rejected else "")


def curate(
    src: str,
    out: str | None,
    config: CurationConfig | None = None,
    mode: str = "copy",
    workers: int = 0,
    dry_run: bool = False,
    metadata: str | None = None,
    metadata_key: str | None = None,
    overwrite: bool = False,
    report_samples: int = 48,
    progress: bool = True,
) -> CurationResult:
    """Curate the catalogue at `src` (folder or .zip, local path or fsspec URL) into `out`.

    `mode` is "copy", "link" (hard links) or "manifest" (file list only). With `dry_run` nothing is
    written; the result still carries the counts. Raises `ModisteError` when nothing is kept.
    """
    config = config or CurationConfig()
    catalogue = open_catalogue(src)
    if not dry_run and not out:
        raise ModisteError("no output folder: pass --out DST (or --dry-run to only count)")
    destination = None if dry_run else Destination(str(out), catalogue, mode, overwrite)
    if destination is not None:
        destination.mark_running()

    with tempfile.TemporaryFile("w+", encoding="utf-8") as spool:
        total, matches = _scan_to_spool(catalogue, config, workers, progress, spool)
        if total == 0:
            raise ModisteError(f"no images found in '{src}': point SRC at a folder or .zip of .jpg/.png/.webp files")
        originals = _original_paths(spool, matches)
        sampler = ReportSampler(report_samples)
        counts: collections.Counter[str] = collections.Counter()
        kept_paths: set[str] = set()

        def decisions() -> Iterator[Decision]:
            for decision in _final_decisions(spool, matches, originals, config):
                counts.update(decision.reasons)
                sampler.offer(decision)
                if decision.kept:
                    kept_paths.add(decision.path)
                    if destination is not None:
                        destination.place_image(decision.path)
                yield decision

        bar = tqdm(total=total, desc="write", unit="img", disable=not progress)
        if destination is None:
            for _ in decisions():
                bar.update()
        else:
            with destination.open_text(DECISIONS) as csv_stream:
                write_csv(_counted(decisions(), bar), csv_stream)
        bar.close()

    result = CurationResult(total, len(kept_paths), dict(counts), None if dry_run else str(out))
    if destination is not None:
        _write_results(destination, result, kept_paths, sampler, catalogue, config, metadata, metadata_key)
    if result.kept == 0:
        flags = [FLAGS[name] for name in FILTERS if name in FLAGS and result.counts.get(name)]
        fix = f"loosen {' / '.join(flags)} or --disable a filter" if flags else "check the source files"
        where = f" (see {destination.path(REPORT)})" if destination is not None else ""
        raise ModisteError(f"no image passed curation ({result.summary_line()}): {fix}{where}")
    return result


def _counted(decisions: Iterator[Decision], bar: tqdm) -> Iterator[Decision]:
    for decision in decisions:
        bar.update()
        yield decision


def _scan_to_spool(catalogue, config: CurationConfig, workers: int, progress: bool, spool: IO[str]):
    finder = DuplicateFinder(config.duplicate_max_distance, config.duplicate_max_pixel_difference)
    total = 0
    for item in scan(catalogue, config, workers, progress):
        result = item.result
        decision = Decision(
            item.index, item.path, item.size_bytes, result.width, result.height,
            list(result.reasons), dict(result.scores), error=result.error,
        )
        spool.write(decision.to_json() + "\n")
        if result.phash is not None and config.enabled("duplicate"):
            finder.add(
                item.index, result.phash, result.signature, not result.reasons,
                result.width * result.height, item.size_bytes,
            )
        total += 1
    return total, finder.resolve()


def _spooled(spool: IO[str]) -> Iterator[Decision]:
    spool.seek(0)
    for line in spool:
        yield Decision.from_json(line)


def _original_paths(spool: IO[str], matches: dict[int, DuplicateMatch]) -> dict[int, str]:
    wanted = {m.original for m in matches.values()}
    return {d.index: d.path for d in _spooled(spool) if d.index in wanted} if wanted else {}


def _final_decisions(spool, matches, originals, config: CurationConfig) -> Iterator[Decision]:
    for decision in _spooled(spool):
        match = matches.get(decision.index)
        if match is not None:
            decision.add_reason("duplicate")
            decision.scores["duplicate_distance"] = float(match.distance)
            decision.duplicate_of = originals[match.original]
        yield decision


def _write_results(destination, result, kept_paths, sampler, catalogue, config, metadata, metadata_key) -> None:
    destination.write_text(MANIFEST, "".join(p + "\n" for p in sorted(kept_paths)))
    metadata_rows = None
    if metadata:
        with destination.open_text("metadata.csv") as stream:
            metadata_rows = filter_metadata(metadata, metadata_key, kept_paths, stream)
    title = f"Curation of {catalogue.url}"
    page = render(title, result.counts, result.total, result.kept, sampler.groups(), catalogue, config)
    destination.write_text(REPORT, page)
    summary = {
        "status": "complete",
        "source": catalogue.url,
        "mode": destination.mode,
        "total": result.total,
        "kept": result.kept,
        "rejected_by": {name: result.counts.get(name, 0) for name in FILTERS},
        "config": config.thresholds(),
    }
    if metadata_rows is not None:
        summary["metadata_rows"] = {"kept": metadata_rows[0], "dropped": metadata_rows[1]}
    destination.write_text(SUMMARY, json.dumps(summary, indent=2, sort_keys=True) + "\n")
