"""`prepare_dataset`: resize a catalogue once and pack it into shards that training reads fast.

Work is split into shards of ``shard_size`` images. A worker process decodes, resizes (Lanczos,
pad or crop) and PNG- or JPEG-encodes one shard into a local temporary zip; the main process moves it into
DST (an atomic rename locally, one upload for an object store) and only then records it in
``progress.json``. A shard is complete only when that file lists it, so a killed run leaves no
shard a later run mistakes for complete; the rerun skips the listed shards and redoes the rest.
``dataset.json`` is written last. Memory stays bounded: each worker holds one shard, the main
process holds names and labels only. The source is only ever read.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import shutil
import tempfile
from dataclasses import dataclass
from typing import Callable, Iterator

from tqdm import tqdm

from modiste.data import shards
from modiste.data.dataset import ImageDataset
from modiste.data.open_dataset import open_image_dataset
from modiste.data.readers import member_name
from modiste.data.storage import Location
from modiste.errors import ModisteError

TMP_DIR = ".prepare-tmp"


@dataclass
class ShardResult:
    index: int
    local_file: str
    count: int
    labels: list[int]
    skipped: int


_worker_ds: ImageDataset | None = None


def _init_worker(ds: ImageDataset) -> None:
    global _worker_ds
    _worker_ds = ds


@dataclass(frozen=True)
class Encoding:
    """How shard members are written: lossless PNG (default) or JPEG for faster decoding."""

    image_format: str = "png"
    compress_level: int = 1
    jpeg_quality: int = 95

    def check(self) -> None:
        if self.image_format not in shards.IMAGE_FORMATS:
            raise ModisteError(f"--format {self.image_format!r} is unknown: use {' or '.join(shards.IMAGE_FORMATS)}")
        if not 1 <= self.jpeg_quality <= 100:
            raise ModisteError(f"--jpeg-quality {self.jpeg_quality} is out of range: use 1-100 (e.g. 95)")


def build_shard(ds: ImageDataset, index: int, start: int, stop: int, tmp_dir: str, encoding: Encoding) -> ShardResult:
    """Decode, resize and encode images [start, stop) into one local zip; unreadable ones are skipped."""
    members, labels, skipped = [], [], 0
    for i in range(start, stop):
        try:
            array = ds.load(i)
        except Exception:  # noqa: BLE001 - an undecodable file is skipped and counted, never fatal
            skipped += 1
            continue
        data = shards.encode_image(array, encoding.image_format, encoding.compress_level, encoding.jpeg_quality)
        members.append((member_name(len(members), encoding.image_format), data))
        labels.append(int(ds.labels[i]))
    fd, path = tempfile.mkstemp(prefix=f"shard-{index:05d}-", suffix=".zip", dir=tmp_dir)
    os.close(fd)
    shards.write_shard_zip(path, members)
    return ShardResult(index, path, len(members), labels, skipped)


def _build_in_worker(args: tuple) -> ShardResult:
    assert _worker_ds is not None
    return build_shard(_worker_ds, *args)


def _settings(ds: ImageDataset, source: str, label_field: str | None, labels: str | None, max_images, shard_size,
              encoding: Encoding) -> dict:
    """What a resumed run must share with the interrupted one for its shards to be reusable."""
    return dict(source=source, width=ds.width, height=ds.height, channels=ds.num_channels, mode=ds.mode,
                count=len(ds), label_field=label_field, labels=labels, class_names=ds.class_names,
                max_images=max_images, shard_size=shard_size, image_format=encoding.image_format,
                jpeg_quality=encoding.jpeg_quality if encoding.image_format == "jpg" else None)


def _load_progress(out: Location, settings: dict, overwrite: bool) -> dict[int, dict]:
    if overwrite:
        for name in (shards.META_FILE, shards.PROGRESS_FILE, shards.SHARD_DIR):
            if out.exists(name):
                out.fs.rm(out.join(name), recursive=True)
        return {}
    if out.exists(shards.META_FILE):
        raise ModisteError(f"'{out.url}' already holds a prepared dataset: pass --overwrite or choose another --out")
    if not out.exists(shards.PROGRESS_FILE):
        if out.exists() and out.fs.ls(out.path):
            raise ModisteError(f"--out '{out.url}' is not empty: choose a new folder (prepare never mixes data)")
        return {}
    state = json.loads(out.read_bytes(shards.PROGRESS_FILE))
    if state.get("settings") != settings:
        changed = sorted(k for k in settings if state.get("settings", {}).get(k) != settings[k])
        raise ModisteError(
            f"'{out.url}' holds an interrupted prepare with other settings ({', '.join(changed)}): "
            "rerun with the same options, or pass --overwrite"
        )
    return {int(k): v for k, v in state["done"].items()}


def _save_progress(out: Location, settings: dict, done: dict[int, dict]) -> None:
    state = {"settings": settings, "done": {str(k): v for k, v in sorted(done.items())}}
    out.write_bytes(shards.PROGRESS_FILE, json.dumps(state).encode())


def _run(ds: ImageDataset, tasks: list[tuple], workers: int) -> Iterator[ShardResult]:
    if workers <= 1 or len(tasks) <= 1:
        for task in tasks:
            yield build_shard(ds, *task)
        return
    with mp.get_context("fork").Pool(workers, initializer=_init_worker, initargs=(ds,)) as pool:
        yield from pool.imap_unordered(_build_in_worker, tasks)


def prepare_dataset(
    source: str | os.PathLike,
    out: str | os.PathLike,
    resolution: int,
    aspect: tuple[int, int] | str = (1, 1),
    mode: str = "pad",
    channels: int | None = None,
    labels: str | os.PathLike | None = None,
    label_field: str | None = None,
    drop_unlabelled: bool = False,
    max_images: int | None = None,
    split: str = "train",
    shard_size: int = 1000,
    workers: int | None = None,
    compress_level: int = 1,
    image_format: str = "png",
    jpeg_quality: int = 95,
    overwrite: bool = False,
    on_shard: Callable[[int], None] | None = None,
) -> shards.PreparedMeta:
    """Pack ``source`` into ``out`` (both local paths or fsspec URLs) at ``resolution``; resumable."""
    if shard_size <= 0:
        raise ModisteError(f"--shard-size {shard_size} must be positive: use e.g. 1000")
    encoding = Encoding(image_format, compress_level, jpeg_quality)
    encoding.check()
    out_loc, src_loc = Location(out), Location(source)
    if out_loc.fs.protocol == src_loc.fs.protocol and out_loc.path == src_loc.path:
        raise ModisteError("--out is the source folder: prepare writes to a new folder and never modifies the source")
    labels = None if labels is None else os.fspath(labels)
    ds = open_image_dataset(source, resolution=resolution, aspect=aspect, mode=mode, channels=channels,
                            labels=labels, label_field=label_field, max_images=max_images, split=split,
                            drop_unlabelled=drop_unlabelled)
    settings = _settings(ds, src_loc.url, label_field, labels, max_images, shard_size, encoding)
    done = _load_progress(out_loc, settings, overwrite)
    out_loc.makedirs()
    starts = list(range(0, len(ds), shard_size))
    tmp_dir = os.path.join(out_loc.path, TMP_DIR) if out_loc.is_local else tempfile.mkdtemp(prefix="modiste-prepare-")
    shutil.rmtree(tmp_dir, ignore_errors=True)  # leftovers of a killed run are never trusted
    os.makedirs(tmp_dir)
    tasks = [(k, s, min(s + shard_size, len(ds)), tmp_dir, encoding) for k, s in enumerate(starts) if k not in done]
    workers = min(os.cpu_count() or 1, 8) if workers is None else workers
    if out_loc.fs.protocol == "memory" or src_loc.fs.protocol == "memory":
        workers = 0  # an in-memory filesystem lives in this process only
    bar = tqdm(total=len(ds), initial=sum(min(shard_size, len(ds) - starts[k]) for k in done), unit="img",
               desc=f"preparing {ds.name}", disable=None)
    try:
        for result in _run(ds, tasks, workers):
            out_loc.put_file(result.local_file, f"{shards.SHARD_DIR}/{shards.shard_name(result.index)}")
            done[result.index] = dict(file=shards.shard_name(result.index), count=result.count,
                                      labels=result.labels, skipped=result.skipped)
            _save_progress(out_loc, settings, done)
            bar.update(result.count + result.skipped)
            if on_shard is not None:
                on_shard(result.index)
    finally:
        bar.close()
        shutil.rmtree(tmp_dir, ignore_errors=True)
    return _finish(out_loc, ds, done, settings, labels, len(starts))


def _finish(out: Location, ds: ImageDataset, done: dict[int, dict], settings: dict, labels, n_shards: int):
    ordered = [done[k] for k in range(n_shards)]
    if sum(s["count"] for s in ordered) == 0:
        raise ModisteError(f"no image of '{settings['source']}' could be decoded: check the files")
    meta = shards.PreparedMeta(
        width=ds.width, height=ds.height, channels=ds.num_channels, mode=ds.mode,
        aspect=_aspect_of(ds.width, ds.height), source=settings["source"],
        shards=[dict(file=s["file"], count=s["count"]) for s in ordered if s["count"] > 0],
        labels=[c for s in ordered for c in s["labels"]] if ds.class_names else [],
        class_names=ds.class_names, label_field=settings["label_field"] or ("class" if labels else None),
        num_skipped=ds.num_skipped + sum(s["skipped"] for s in ordered), image_format=settings["image_format"],
    )
    out.write_bytes(shards.META_FILE, meta.to_json().encode())
    out.remove(shards.PROGRESS_FILE)
    return meta


def _aspect_of(width: int, height: int) -> tuple[int, int]:
    from math import gcd

    g = gcd(width, height)
    return width // g, height // g
