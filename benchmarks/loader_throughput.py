#!/usr/bin/env python3
"""Images/s through the training data loader: raw JPEG folder vs prepared shards vs torchvision.

For each resolution and worker count, four pipelines are timed in the same run, interleaved:

  torchvision   ImageFolder + Resize(short side) + CenterCrop + PILToTensor, DataLoader(shuffle)
  modiste-raw   open_image_dataset(raw folder, mode="crop") + infinite_loader
  modiste-shards  the same images after `prepare_dataset` (PNG zip shards) + infinite_loader
  modiste-shards-jpg  the same with `--format jpg` shards (quality 95, no chroma subsampling)

The raw folder holds catalogue-size JPEGs (--raw-size, default 1200x1600, quality 90) made from the
shared clothing-cc0 photos, because real catalogue exports are that large and no such photos ship
offline. Each measurement warms the workers up (and drains their prefetch queue once), then times
--batches batches; --repeats rounds are interleaved and the median is reported.

With --train-step, it also times one stand-in StyleGAN2 training step (G forward/backward with the
non-saturating loss, then D on real and fake; no regularisers, so a lower bound of the real step)
with modiste.gan at the `--preset` width on this machine, so "loader vs step" compares like with like.

Prints one JSON record per line.

    python benchmarks/loader_throughput.py --resolutions 256 1024 --workers 0 1 2 --train-step
    python benchmarks/loader_throughput.py --quick     # seconds: tiny sizes, one repeat
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Iterator

import torch
from PIL import Image

from modiste.data import infinite_loader, open_image_dataset
from modiste.data.prepare import prepare_dataset

ROOT = Path(__file__).resolve().parents[1]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("MODISTE_DATA", str(ROOT.parent / "shared" / "data")))
    ap.add_argument("--images", type=int, default=256, help="raw catalogue images to make")
    ap.add_argument("--raw-size", default="1200x1600", help="WxH of the raw JPEGs")
    ap.add_argument("--resolutions", type=int, nargs="+", default=[256, 1024])
    ap.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--batches", type=int, default=16, help="timed batches per measurement")
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--train-step", action="store_true", help="also time a stand-in GAN training step")
    ap.add_argument("--preset", default="base", help="network preset for --train-step")
    ap.add_argument("--train-batch", type=int, default=4)
    ap.add_argument("--threads", type=int, default=2, help="torch threads for the training step")
    ap.add_argument("--work-dir", default=None, help="keep the made data here (default: a temp dir)")
    ap.add_argument("--quick", action="store_true", help="tiny sizes, one repeat (a smoke test)")
    args = ap.parse_args(argv)
    if args.quick:
        args.images, args.raw_size, args.resolutions, args.workers = 24, "160x200", [32], [0, 1]
        args.batch, args.batches, args.repeats, args.preset, args.train_batch = 4, 3, 1, "tiny", 2
    return args


def emit(record: dict) -> None:
    print(json.dumps(record), flush=True)


def make_raw_catalogue(data: Path, out: Path, count: int, size: tuple[int, int]) -> float:
    """Catalogue-size JPEGs in class folders (ImageFolder layout); returns MB written."""
    photos = sorted((data / "clothing-cc0").glob("*/*/*.jpg"))[::3][:count]
    if len(photos) < count:
        sys.exit(f"need {count} photos under {data / 'clothing-cc0'}, found {len(photos)}")
    total = 0
    for photo in photos:
        dest = out / photo.parent.name / photo.name
        if not dest.exists():
            dest.parent.mkdir(parents=True, exist_ok=True)
            Image.open(photo).convert("RGB").resize(size, Image.BICUBIC).save(dest, quality=90)
        total += dest.stat().st_size
    return total / 1e6


def endless(loader) -> Iterator:
    while True:
        yield from loader


def torchvision_pipeline(raw: Path, resolution: int, batch: int, workers: int) -> Iterator:
    from torchvision import datasets, transforms

    tf = transforms.Compose([transforms.Resize(resolution), transforms.CenterCrop(resolution), transforms.PILToTensor()])
    loader = torch.utils.data.DataLoader(
        datasets.ImageFolder(str(raw), transform=tf), batch_size=batch, shuffle=True, num_workers=workers,
        drop_last=True, persistent_workers=workers > 0, prefetch_factor=2 if workers else None)
    return endless(loader)


def modiste_pipeline(source: Path, resolution: int, batch: int, workers: int) -> Iterator:
    ds = open_image_dataset(source, resolution=resolution, mode="crop", label_field="folder")
    return infinite_loader(ds, batch, num_workers=workers, pin_memory=False, prefetch_factor=2)


def images_per_s(make: Callable[[], Iterator], batch: int, batches: int, workers: int) -> float:
    it = make()
    for _ in range(1 + 2 * workers):  # start workers and drain the prefetched batches once
        next(it)
    start = time.perf_counter()
    for _ in range(batches):
        images, _ = next(it)
    elapsed = time.perf_counter() - start
    del it
    return batches * batch / elapsed


def train_step_rate(resolution: int, preset: str, batch: int, repeats: int) -> float:
    import torch.nn.functional as F

    from modiste.gan.networks.config import NetworkConfig
    from modiste.gan.networks import build_discriminator, build_generator

    cfg = NetworkConfig.from_preset(preset, resolution=resolution)
    G, D = build_generator(cfg), build_discriminator(cfg)
    real = torch.randn(batch, 3, cfg.height, cfg.width)

    def step() -> None:
        fake = G(torch.randn(batch, cfg.z_dim))
        F.softplus(-D(fake)).mean().backward()
        (F.softplus(D(fake.detach())).mean() + F.softplus(-D(real)).mean()).backward()

    step()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    return batch / statistics.median(times)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    data = Path(args.data)
    work = Path(args.work_dir or tempfile.mkdtemp(prefix="modiste-loader-bench-"))
    raw_size = tuple(int(v) for v in args.raw_size.split("x"))
    raw = work / f"raw-{args.raw_size}"
    mb = make_raw_catalogue(data, raw, args.images, raw_size)
    machine = dict(cpus=os.cpu_count(), torch=torch.__version__, threads=args.threads)
    emit(dict(event="raw_catalogue", images=args.images, size=args.raw_size, megabytes=round(mb, 1), **machine))
    for resolution in args.resolutions:
        prepared = {}
        for image_format in ("png", "jpg"):
            shards = work / f"shards-{args.raw_size}-{resolution}-{image_format}"
            prepared[image_format] = shards
            if not (shards / "dataset.json").exists():
                start = time.perf_counter()
                meta = prepare_dataset(raw, shards, resolution=resolution, mode="crop", label_field="folder",
                                       shard_size=max(16, args.images // 4), workers=max(args.workers),
                                       image_format=image_format, overwrite=True)
                emit(dict(event="prepare", resolution=resolution, format=image_format, images=meta.count,
                          workers=max(args.workers), img_per_s=round(meta.count / (time.perf_counter() - start), 1),
                          megabytes=round(sum(p.stat().st_size for p in shards.rglob("*.zip")) / 1e6, 1)))
        pipelines = {
            "torchvision": lambda w: torchvision_pipeline(raw, resolution, args.batch, w),
            "modiste-raw": lambda w: modiste_pipeline(raw, resolution, args.batch, w),
            "modiste-shards": lambda w: modiste_pipeline(prepared["png"], resolution, args.batch, w),
            "modiste-shards-jpg": lambda w: modiste_pipeline(prepared["jpg"], resolution, args.batch, w),
        }
        for workers in args.workers:
            rates: dict[str, list[float]] = {name: [] for name in pipelines}
            for _, (name, make) in itertools.product(range(args.repeats), pipelines.items()):
                rates[name].append(images_per_s(lambda: make(workers), args.batch, args.batches, workers))
            for name, values in rates.items():
                emit(dict(event="loader", pipeline=name, resolution=resolution, workers=workers, batch=args.batch,
                          img_per_s=round(statistics.median(values), 1), runs=[round(v, 1) for v in values]))
        if args.train_step:
            rate = train_step_rate(resolution, args.preset, args.train_batch, max(1, args.repeats))
            emit(dict(event="train_step", resolution=resolution, preset=args.preset, batch=args.train_batch,
                      img_per_s=round(rate, 2), device="cpu", threads=args.threads))


if __name__ == "__main__":
    main()
