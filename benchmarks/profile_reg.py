#!/usr/bin/env python3
"""Where the time of the lazy regularisation passes goes: the PyTorch profiler on one G-reg (path
length) and one D-reg (R1) call of GANTrainer (issue 15). Prints one JSON record per phase and per
setting with the top operators by self device time (CUDA time on a GPU, CPU time otherwise).

Each phase runs `--warmup` untimed calls first (cuDNN autotuning, allocator growth), then one
profiled call. `--row-limit` operators are kept, sorted by self time; `total_ms` is the sum of
every operator's self time, so `share` says how much of the pass an operator takes.

    python benchmarks/profile_reg.py --device cuda --resolution 256 --batch 32 --precision bf16 \\
        --reg-precision fp32 auto --out /tmp/profile_reg.jsonl
    python benchmarks/profile_reg.py --preset tiny --resolution 32 --batch 4     # CPU smoke check
"""

from __future__ import annotations

import argparse
import json
import sys

import torch
from torch.profiler import ProfilerActivity, profile

from modiste.distributed import init_distributed
from modiste.gan.training.config import TrainConfig
from modiste.gan.training.trainer import GANTrainer


def build(args: argparse.Namespace, reg_precision: str) -> GANTrainer:
    cfg = TrainConfig(data="synthetic", resolution=args.resolution, batch=args.batch, preset=args.preset,
                      aug="none", device=args.device, precision=args.precision, reg_precision=reg_precision,
                      channels_last=args.channels_last)
    cfg.validate()
    torch.manual_seed(0)
    return GANTrainer(cfg, cfg.network_config(img_channels=3, class_names=[]), init_distributed(args.device))


def top_ops(prof: profile, on_cuda: bool, row_limit: int) -> tuple[float, list[dict]]:
    """(total self milliseconds, the `row_limit` operators with the most self time)."""
    def self_us(e) -> float:
        return e.self_device_time_total if on_cuda else e.self_cpu_time_total

    events = [e for e in prof.key_averages() if self_us(e) > 0]
    total = sum(self_us(e) for e in events)
    events.sort(key=self_us, reverse=True)
    rows = [{"op": e.key, "calls": e.count, "self_ms": round(self_us(e) / 1e3, 3),
             "share": round(self_us(e) / total, 4) if total else 0.0} for e in events[:row_limit]]
    return total / 1e3, rows


def profile_phase(trainer: GANTrainer, phase: str, args: argparse.Namespace) -> dict:
    device = trainer.ctx.device
    reals = torch.randint(0, 256, (args.batch, 3, trainer.net.height, trainer.net.width), dtype=torch.uint8)
    real, c = trainer.prepare_reals(reals, None)
    call = (lambda: trainer.generator_reg(args.batch, c)) if phase == "G_reg" else (lambda: trainer.discriminator_reg(real, c))
    for _ in range(args.warmup):
        call()
    on_cuda = device.type == "cuda"
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if on_cuda else [])
    if on_cuda:
        torch.cuda.synchronize(device)
    with profile(activities=activities) as prof:
        call()
        if on_cuda:
            torch.cuda.synchronize(device)
    total_ms, rows = top_ops(prof, on_cuda, args.row_limit)
    return {"phase": phase, "resolution": args.resolution, "batch": args.batch, "preset": args.preset,
            "precision": trainer.precision.name, "reg_precision": trainer.reg_precision.name,
            "channels_last": args.channels_last, "device": str(device),
            "time_kind": "self_cuda" if on_cuda else "self_cpu", "total_ms": round(total_ms, 3), "top_ops": rows}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--resolution", type=int, default=256)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--preset", default="base")
    p.add_argument("--device", default="cpu")
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"])
    p.add_argument("--reg-precision", nargs="+", default=["fp32"], choices=["fp32", "auto"])
    p.add_argument("--channels-last", action="store_true")
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--row-limit", type=int, default=15)
    p.add_argument("--out", default=None, help="also append the records to this JSONL file")
    args = p.parse_args(argv)
    for reg_precision in args.reg_precision:
        trainer = build(args, reg_precision)
        for phase in ("G_reg", "D_reg"):
            line = json.dumps(profile_phase(trainer, phase, args))
            print(line, flush=True)
            if args.out:
                with open(args.out, "a") as f:
                    f.write(line + "\n")
        print(f"done reg_precision={reg_precision}", file=sys.stderr)


if __name__ == "__main__":
    main()
