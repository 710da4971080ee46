#!/usr/bin/env python3
"""Cost of the discriminator augmentations per training batch, and a picture of what they do.

Method: for each image shape, every augmentation (none, DiffAugment, ADA at a few p) runs forward
and forward+backward on the same random batch; the variants are interleaved within each repeat so
contention on a shared machine hits them alike, and the median over repeats is reported.
`ada_per_sample` runs the same ADA module one sample at a time: the cost a Python loop over the
batch would have, against which the batched single-grid_sample pipeline is measured.
`D_<preset>` times Modiste's own discriminator on the same batch, the work the augmentation is
added to (the augmentation runs before D on reals and fakes, so compare fwd_bwd with fwd_bwd).
One JSON record per (shape, variant) on stdout.

    python benchmarks/augment_throughput.py                        # CPU, 1 thread, 64px and 128x192
    python benchmarks/augment_throughput.py --quick                # seconds, smoke test
    python benchmarks/augment_throughput.py --grid ada_grid.png    # real garments at p = 0 .. 0.8
    python benchmarks/augment_throughput.py --sharpness            # bicubic vs bilinear detail kept

Sharpness: real garments (64x64) are warped by a transform and back (a half-pixel shift; a 0.8x
zoom), and the PSNR of the round trip against the original says how much detail one resampling
keeps; the D of a GAN sees a blurred real whenever ADA fires a fractional geometric op.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Callable

import torch
import torch.nn as nn

from modiste.gan.augment.ada import INTERPOLATIONS, warp
from modiste.gan.augment import AdaptiveAugment, build_augment


def variants() -> dict[str, nn.Module]:
    return {
        "none": build_augment("none"),
        "diffaugment": build_augment("diffaugment"),
        "ada_p0.2": build_augment("ada", p=0.2),
        "ada_p0.8": build_augment("ada", p=0.8),
        "ada_p0.8_bicubic": build_augment("ada", p=0.8, interpolation="bicubic"),
    }


def per_sample(module: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    return lambda x: torch.cat([module(x[i : i + 1]) for i in range(x.shape[0])])


def timed(fn: Callable[[], object], device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    start = time.perf_counter()
    fn()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter() - start


def discriminator(shape: tuple[int, int, int, int], preset: str, device: torch.device) -> Callable[[torch.Tensor], torch.Tensor]:
    from modiste.gan.networks.config import NetworkConfig
    from modiste.gan.networks import build_discriminator

    _, channels, h, w = shape
    aspect = (1, 1) if h == w else (2, 3)
    D = build_discriminator(NetworkConfig.from_preset(preset, resolution=w, aspect=aspect, img_channels=channels)).to(device)
    return lambda x: D(x, None)


def bench_shape(shape: tuple[int, int, int, int], repeats: int, device: torch.device, preset: str) -> list[dict]:
    x = torch.rand(shape, device=device) * 2 - 1
    fns: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {k: m.to(device) for k, m in variants().items()}
    fns["ada_p0.8_per_sample"] = per_sample(AdaptiveAugment(p=0.8).to(device))
    if preset != "none":
        fns[f"D_{preset}"] = discriminator(shape, preset, device)
    times: dict[str, dict[str, list[float]]] = {k: {"fwd": [], "fwd_bwd": []} for k in fns}

    def fwd_bwd(fn: Callable[[torch.Tensor], torch.Tensor]) -> None:
        xg = x.detach().requires_grad_(True)
        fn(xg).square().mean().backward()

    for k, fn in fns.items():  # warm-up
        fn(x)
        fwd_bwd(fn)
    for _ in range(repeats):
        for k, fn in fns.items():
            with torch.no_grad():
                times[k]["fwd"].append(timed(lambda: fn(x), device))
            times[k]["fwd_bwd"].append(timed(lambda: fwd_bwd(fn), device))
    records = []
    for k, t in times.items():
        fwd, fb = statistics.median(t["fwd"]), statistics.median(t["fwd_bwd"])
        records.append(dict(
            benchmark="augment_throughput", variant=k, batch=shape[0], channels=shape[1], height=shape[2], width=shape[3],
            device=str(device), threads=torch.get_num_threads(), repeats=repeats,
            fwd_ms=round(fwd * 1e3, 3), fwd_bwd_ms=round(fb * 1e3, 3), fwd_images_per_s=round(shape[0] / fwd, 1),
        ))
    return records


def load_garments(data_dir: Path, n: int, size: int) -> torch.Tensor:
    import numpy as np
    from PIL import Image

    paths = sorted((data_dir / "fashion-products-224" / "images").glob("*.jpg"))
    paths = paths[:: max(1, len(paths) // n)][:n]  # spread over the catalogue
    if not paths:
        sys.exit(f"no images under {data_dir}/fashion-products-224/images: pass --data")
    imgs = [torch.from_numpy(np.array(Image.open(p).convert("RGB").resize((size, size)))) for p in paths]
    return torch.stack(imgs).permute(0, 3, 1, 2).float() / 127.5 - 1


def write_grid(path: Path, data_dir: Path, seed: int) -> None:
    """Rows: p = 0, 0.2, 0.4, 0.6, 0.8 (ADA bgc) and DiffAugment; columns: the same garments."""
    from PIL import Image

    from modiste.atomic import atomic_path

    x = load_garments(data_dir, 8, 96)
    rows = [AdaptiveAugment(p=p)(x, generator=torch.Generator().manual_seed(seed)) for p in (0.0, 0.2, 0.4, 0.6, 0.8)]
    rows.append(build_augment("diffaugment")(x, generator=torch.Generator().manual_seed(seed)))
    grid = torch.cat([torch.cat(list(r), dim=2) for r in rows], dim=1)  # [3, rows*H, cols*W]
    pixels = ((grid.clamp(-1, 1) + 1) * 127.5).round().byte().permute(1, 2, 0).numpy()
    with atomic_path(path) as tmp:
        Image.fromarray(pixels).save(tmp, format="PNG")
    print(json.dumps({"benchmark": "augment_grid", "path": str(path), "rows": "ada p=0,0.2,0.4,0.6,0.8; diffaugment"}))


def sharpness(data_dir: Path, repeats: int) -> list[dict]:
    x = load_garments(data_dir, 32, 64)
    n = x.shape[0]

    def affine(scale: float = 1.0, shift: float = 0.0) -> torch.Tensor:  # inverse map, centred pixels
        m = torch.eye(3).repeat(n, 1, 1)
        m[:, 0, 0] = m[:, 1, 1] = 1 / scale
        m[:, :2, 2] = -shift / scale
        return m

    def psnr(a: torch.Tensor) -> float:  # images span [-1, 1]: peak-to-peak 2
        return round(10 * torch.log10(4 / (a - x).square().mean()).item(), 2)

    records = []
    for mode in INTERPOLATIONS:
        shift = warp(warp(x, affine(shift=0.5), mode), affine(shift=-0.5), mode)
        zoom = warp(warp(x, affine(scale=0.8), mode), affine(scale=1 / 0.8), mode)
        times = [timed(lambda: warp(x, affine(scale=0.9, shift=0.3), mode), x.device) for _ in range(repeats)]
        records.append(dict(benchmark="augment_sharpness", interpolation=mode, images=n, size=64,
                            half_pixel_round_trip_psnr_db=psnr(shift), zoom_0_8_round_trip_psnr_db=psnr(zoom),
                            warp_ms=round(statistics.median(times) * 1e3, 2)))
    return records


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="one small shape, 3 repeats")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=1, help="torch intra-op threads on CPU")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--preset", default="tiny", help="also time this preset's discriminator for scale ('none' to skip)")
    ap.add_argument("--grid", type=Path, help="also write a PNG grid of augmented real garments here")
    ap.add_argument("--data", type=Path, default=Path(os.environ.get("MODISTE_DATA", Path(__file__).resolve().parents[2] / "shared" / "data")))
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--sharpness", action="store_true", help="only measure bicubic vs bilinear detail loss")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    device = torch.device(args.device)
    if args.sharpness:
        for record in sharpness(args.data, args.repeats):
            print(json.dumps(record), flush=True)
        return
    shapes = [(8, 3, 32, 32)] if args.quick else [(32, 3, 64, 64), (32, 3, 192, 128), (32, 1, 64, 64)]
    for shape in shapes:
        for record in bench_shape(shape, 3 if args.quick else args.repeats, device, args.preset):
            print(json.dumps(record), flush=True)
    if args.grid:
        write_grid(args.grid, args.data, args.seed)


if __name__ == "__main__":
    main()
