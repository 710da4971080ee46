"""`modiste prepare SRC --out DST --resolution 256 [--aspect 2:3] [--mode pad|crop]`."""

from __future__ import annotations

import click

from modiste.data.prepare import prepare_dataset
from modiste.data.shards import IMAGE_FORMATS


@click.command(help="Resize a catalogue once and pack it into shards for fast training (resumable).")
@click.argument("source")
@click.option("--out", "out", required=True, help="Output folder or fsspec URL (s3://, az://, gs://, file://).")
@click.option("--resolution", type=int, required=True, help="Target width in pixels, e.g. 256.")
@click.option("--aspect", default="1:1", show_default=True, help="Width:height of the canvas, e.g. 2:3.")
@click.option("--mode", type=click.Choice(["pad", "crop"]), default="pad", show_default=True,
              help="pad: fit the whole product, fill with the background colour; crop: fill and cut the centre.")
@click.option("--channels", type=click.Choice(["1", "3"]), default=None, help="Force grey (1) or RGB (3).")
@click.option("--labels", default=None, help="CSV/JSON file mapping image file -> attributes.")
@click.option("--label-field", default=None, help='Attribute used as the class, or "folder" for the parent folder.')
@click.option("--drop-unlabelled", is_flag=True, help="Leave out images the labels file does not name.")
@click.option("--max-images", type=int, default=None, help="Use a seeded random subset of this many images.")
@click.option("--split", type=click.Choice(["train", "test"]), default="train", show_default=True,
              help="Fashion-MNIST split.")
@click.option("--shard-size", type=int, default=1000, show_default=True, help="Images per shard.")
@click.option("--workers", type=int, default=None, help="Worker processes (default: CPU cores, at most 8).")
@click.option("--format", "image_format", type=click.Choice(IMAGE_FORMATS), default="png", show_default=True,
              help="png: lossless; jpg: lossy but several times faster to decode at 1024 px.")
@click.option("--jpeg-quality", type=int, default=95, show_default=True, help="JPEG quality for --format jpg.")
@click.option("--overwrite", is_flag=True, help="Replace a prepared dataset already in --out.")
def prepare(source: str, out: str, resolution: int, aspect: str, mode: str, channels: str | None,
            labels: str | None, label_field: str | None, drop_unlabelled: bool, max_images: int | None,
            split: str, shard_size: int, workers: int | None, image_format: str, jpeg_quality: int,
            overwrite: bool) -> None:
    meta = prepare_dataset(
        source, out, resolution=resolution, aspect=aspect, mode=mode,
        channels=int(channels) if channels else None, labels=labels, label_field=label_field,
        drop_unlabelled=drop_unlabelled, max_images=max_images, split=split, shard_size=shard_size,
        workers=workers, image_format=image_format, jpeg_quality=jpeg_quality, overwrite=overwrite,
    )
    classes = f", {len(meta.class_names)} classes" if meta.class_names else ""
    click.echo(
        f"prepared {meta.count} images ({meta.channels}x{meta.height}x{meta.width}{classes}) in "
        f"{len(meta.shards)} shard(s) at {out}; skipped {meta.num_skipped} unreadable"
    )
