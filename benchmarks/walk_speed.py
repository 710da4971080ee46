#!/usr/bin/env python3
"""Frames per second of `modiste walk`: rendering W+ frames and encoding them, on one CPU thread.

Times the whole path `modiste walk` takes (plan_walk -> render_frames -> write_video, plus the
frames' latents file) for MP4 and GIF, and rendering alone, at the generator's canvas (64x96 for
the default). Uses --checkpoint when given, else a randomly initialised `small` preset generator at
64 px, 2:3 (speed does not depend on the weights). Prints one JSON object.

    python benchmarks/walk_speed.py                     # random small 64x96, 120 frames, 1 thread
    python benchmarks/walk_speed.py --checkpoint /work/runs/product-model/<run> --frames 240
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import torch


def random_generator(resolution: int, aspect: tuple[int, int]) -> torch.nn.Module:
    from modiste.gan.networks import build_generator
    from modiste.gan.networks.config import NetworkConfig

    torch.manual_seed(0)
    cfg = NetworkConfig.from_preset("small", resolution=resolution, aspect=aspect)
    return build_generator(cfg).eval().requires_grad_(False)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", default=None)
    ap.add_argument("--class", dest="class_name", default=None, help="class for a conditional --checkpoint")
    ap.add_argument("--frames", type=int, default=120)
    ap.add_argument("--batch", type=int, default=8, help="frames rendered per synthesis call (as modiste walk)")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    from modiste.latent.walks import plan_walk, render_frames, write_walk

    if args.checkpoint:
        import modiste

        G = modiste.load_generator(args.checkpoint)
        source = args.checkpoint
    else:
        G = random_generator(64, (2, 3))
        source = "random small preset, 64 px, 2:3"
    classes = [args.class_name] if args.class_name else ([G.cfg.class_names[0]] if G.c_dim else [])
    walk = plan_walk(G, seeds=[1, 5, 9], class_names=classes, frames=args.frames, space="z", loop=True)
    next(render_frames(G, plan_walk(G, seeds=[1, 2], class_names=classes, frames=2), batch=2))  # warm-up

    def timed(fn) -> list[float]:
        out = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            fn()
            out.append(args.frames / (time.perf_counter() - t0))
        return out

    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["render_only"] = timed(lambda: sum(1 for _ in render_frames(G, walk, batch=args.batch)))
        for suffix in ("mp4", "gif"):
            out = Path(tmp) / f"walk.{suffix}"
            results[f"render_and_{suffix}"] = timed(lambda: write_walk(G, walk, out, fps=24, batch=args.batch))
            results[f"{suffix}_bytes"] = out.stat().st_size
    record = {
        "benchmark": "walk_speed",
        "generator": source,
        "canvas": f"{G.cfg.width}x{G.cfg.height}",
        "frames": args.frames,
        "batch": args.batch,
        "threads": args.threads,
        "repeats": args.repeats,
        "torch": torch.__version__,
        "cpu": platform.processor() or platform.machine(),
    }
    for key, value in results.items():
        if key.endswith("_bytes"):
            record[key] = value
        else:
            record[f"{key}_fps"] = {"median": round(statistics.median(value), 2), "min": round(min(value), 2),
                                    "max": round(max(value), 2)}
    json.dump(record, sys.stdout)
    print()


if __name__ == "__main__":
    main()
