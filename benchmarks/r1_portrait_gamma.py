#!/usr/bin/env python3
"""R1 on a portrait canvas with the width-only default gamma (before) and the pixel-count one (after).

Method: two short runs that differ only in `--r1-gamma`, same seed, data and everything else:
`before` = 0.0002 * width^2 / batch (what `TrainConfig.resolve` computed until issue 11),
`after` = 0.0002 * width * height / batch (the stylegan2-ada heuristic on the real pixel count,
now the default). From each run's log.jsonl, over the second half of the log records, it reports
the mean R1 penalty ||grad_x D(x)||^2 on reals (`loss/r1_penalty`), the weighted R1 term
gamma/2 * penalty, D's mean logits on reals and fakes, and the D loss. One JSON record per run on
stdout, then one comparing them.

    python benchmarks/r1_portrait_gamma.py --data ../shared/data/fashion-products-224/images --kimg 2 \
        --aspect 1:2 --outdir /work/runs/r1-portrait
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from pathlib import Path

import torch


def summarise(run_dir: Path, gamma: float) -> dict:
    records = [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines()]
    steps = [r for r in records if "loss/r1_penalty" in r]
    late = steps[len(steps) // 2:]
    mean = lambda key: statistics.fmean(r[key] for r in late)  # noqa: E731
    return {"r1_gamma": gamma, "records": len(steps), "late_from_kimg": late[0]["kimg"],
            "r1_penalty": mean("loss/r1_penalty"), "r1_term": gamma / 2 * mean("loss/r1_penalty"),
            "D_real": mean("D/real"), "D_fake": mean("D/fake"), "loss_D": mean("loss/D"),
            "loss_G": mean("loss/G"), "run": str(run_dir)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--outdir", default="/tmp/r1-portrait")
    parser.add_argument("--resolution", type=int, default=32)
    parser.add_argument("--aspect", default="1:2")
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--kimg", type=float, default=2.0)
    parser.add_argument("--preset", default="tiny")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(int(os.environ.get("OMP_NUM_THREADS", "1")))

    from modiste.gan.training.config import TrainConfig
    from modiste.gan.training.loop import train

    base = dict(data=args.data, resolution=args.resolution, aspect=args.aspect, batch=args.batch, kimg=args.kimg,
                preset=args.preset, seed=args.seed, device="cpu", workers=1, snap=args.kimg, log_every=args.kimg / 16,
                r1_interval=4)  # R1 every 4 steps so a short run has many R1 records
    width, height = TrainConfig(**base).canvas_size()
    gammas = {"before": 0.0002 * width**2 / args.batch, "after": TrainConfig(**base).resolve().r1_gamma}
    results = {}
    for name, gamma in gammas.items():
        run = train(TrainConfig(**base, r1_gamma=gamma), outdir=Path(args.outdir) / name, progress=False)
        results[name] = {"variant": name, "canvas": f"{width}x{height}", **summarise(run, gamma)}
        print(json.dumps(results[name]), flush=True)
    before, after = results["before"], results["after"]
    print(json.dumps({"gamma_ratio": after["r1_gamma"] / before["r1_gamma"],
                      "r1_penalty_ratio": after["r1_penalty"] / before["r1_penalty"],
                      "r1_term_ratio": after["r1_term"] / before["r1_term"]}))


if __name__ == "__main__":
    main()
