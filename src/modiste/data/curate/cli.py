"""`modiste curate SRC --out DST`: the command line over `modiste.data.curate.curate`.

Every threshold flag is generated from `CurationConfig`, so the CLI cannot drift from the config.
"""

from __future__ import annotations

from typing import Any, Callable

import click

from modiste.data.curate.config import FILTERS, CurationConfig
from modiste.data.curate.pipeline import curate as run_curation
from modiste.data.curate.scan import default_workers


def _threshold_options(command: Callable) -> Callable:
    for f in reversed(CurationConfig.tunable_fields()):
        kind = int if isinstance(f.default, int) else float
        command = click.option(
            f.metadata["flag"], f.name, type=kind, default=f.default, show_default=True, help=f.metadata["help"]
        )(command)
    return command


@click.command(context_settings={"help_option_names": ["-h", "--help"]})
@click.argument("src")
@click.option("--out", "out", default=None, help="output folder or fsspec URL for the curated set and reports")
@click.option("--copy", "mode", flag_value="copy", default=True, help="copy kept images into DST/images (default)")
@click.option("--link", "mode", flag_value="link", help="hard-link kept images (same local disk as SRC)")
@click.option("--manifest", "mode", flag_value="manifest", help="only list kept images in DST/manifest.txt")
@click.option("--dry-run", is_flag=True, help="score and count, write nothing")
@click.option("--metadata", default=None, help="CSV with one row per image; DST/metadata.csv keeps the kept rows")
@click.option("--metadata-key", default=None, help="column of --metadata naming the image (default: auto-detect)")
@click.option(
    "--disable", multiple=True, type=click.Choice(FILTERS), help="skip a filter (repeatable)"
)
@click.option("--workers", type=int, default=default_workers(), show_default=True, help="scoring processes (0: in-process)")
@click.option("--report-samples", type=int, default=48, show_default=True, help="thumbnails per reason in report.html")
@click.option("--overwrite", is_flag=True, help="replace a previous curation in DST")
@_threshold_options
def curate(
    src: str, out: str | None, mode: str, dry_run: bool, metadata: str | None, metadata_key: str | None,
    disable: tuple[str, ...], workers: int, report_samples: int, overwrite: bool, **thresholds: Any,
) -> None:
    """Keep or reject every catalogue image in SRC (folder or .zip, path or URL), with reasons and scores."""
    config = CurationConfig(**thresholds, disabled=tuple(disable))
    result = run_curation(
        src, out, config, mode=mode, workers=workers, dry_run=dry_run, metadata=metadata,
        metadata_key=metadata_key, overwrite=overwrite, report_samples=report_samples,
    )
    click.echo(result.summary_line())
    if not dry_run:
        click.echo(f"wrote {out}/decisions.csv and {out}/report.html")
