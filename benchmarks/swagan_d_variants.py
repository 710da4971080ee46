"""Compare the two SWAGAN discriminators ("residual" vs "paper") on Fashion-MNIST with the same budget.

Each variant trains from the same seed for the same number of images (the demo's settings, tiny
preset, 32 px, 1 thread by default), then the EMA generator's FID against the training images is
computed with modiste's metrics API (Inception features, `--num` images each side; the real
features are cached, so the second variant reuses them). Prints one JSON record per variant and a
summary with the FID difference.

    python benchmarks/swagan_d_variants.py --data ../shared/data/fashion-mnist --kimg 12 --num 1000 \
        --outdir /work/runs/swagan-d
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch

from modiste.gan.checkpoint import load_generator
from modiste.gan.demo import DEMO_SETTINGS
from modiste.gan.training.config import TrainConfig
from modiste.gan.training.loop import train
from modiste.metrics import evaluate_generator


def fid_of_run(run_dir: str | Path, args: argparse.Namespace, seed: int) -> float:
    """FID of the run's EMA generator: `args.num` fakes drawn with `seed` against `args.num` reals."""
    G = load_generator(run_dir)
    metrics = evaluate_generator(G, args.data, metrics=[f"fid{args.num}"], num=args.num, device="cpu",
                                 batch_size=50, progress=False, seed=seed, num_workers=0)
    return round(float(next(iter(metrics.values()))), 3)


def run_variant(variant: str, args: argparse.Namespace) -> dict:
    settings = {**DEMO_SETTINGS, "kimg": args.kimg, "snap": args.kimg, "workers": 0, "preset": args.preset}
    cfg = TrainConfig(**settings, data=args.data, arch="swagan", swagan_d=variant, seed=args.seed, device="cpu")
    start = time.time()
    run_dir = train(cfg, outdir=Path(args.outdir) / variant, progress=False)
    train_s = time.time() - start
    start = time.time()
    fid = fid_of_run(run_dir, args, args.seed)
    return {"variant": variant, "preset": args.preset, "kimg": args.kimg, "seed": args.seed,
            "train_seconds": round(train_s, 1), "fid_seconds": round(time.time() - start, 1),
            "fid_images_each_side": args.num, "fid": fid,
            "run": str(run_dir)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/fashion-mnist")
    parser.add_argument("--kimg", type=float, default=12.0, help="training images per variant, thousands")
    parser.add_argument("--num", type=int, default=1000, help="images per side for FID")
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--variants", default="residual,paper")
    parser.add_argument("--outdir", default="/work/runs/swagan-d")
    parser.add_argument("--evaluate", default=None, metavar="RUN",
                        help="only compute FID of an existing run, once per --fid-seeds (sampling spread)")
    parser.add_argument("--fid-seeds", default="1", help="fake-image seeds for --evaluate, comma-separated")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.evaluate:
        for seed in (int(s) for s in args.fid_seeds.split(",")):
            print(json.dumps({"run": args.evaluate, "fid_seed": seed, "fid_images_each_side": args.num,
                              "fid": fid_of_run(args.evaluate, args, seed)}), flush=True)
        return
    records = []
    for variant in args.variants.split(","):
        records.append(run_variant(variant, args))
        print(json.dumps(records[-1]), flush=True)
    if len(records) == 2:
        best = min(records, key=lambda r: r["fid"])
        print(json.dumps({"summary": {r["variant"]: r["fid"] for r in records}, "better": best["variant"],
                          "fid_difference": round(abs(records[0]["fid"] - records[1]["fid"]), 3)}), flush=True)


if __name__ == "__main__":
    main()
