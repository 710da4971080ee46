#!/usr/bin/env python3
"""DataParallel vs DistributedDataParallel: same model, same global batch, images/s and s/epoch.

Method: both halves build the same GANTrainer (same preset, resolution, global batch) and run the
full training step (G main, path length every 4, D main, R1 every 16, EMA) on synthetic uint8
images, `--warmup` untimed steps then `--steps` timed ones (a multiple of 16 keeps the lazy
schedule whole).
  * DP: one process drives all visible GPUs with torch.nn.DataParallel (scatter, replicate,
    gather each forward: single-process, GIL-bound). Needs >= 2 CUDA GPUs, else reported skipped.
  * DDP: torchrun starts one process per device (`--processes`, default: GPU count, or 2 on CPU with
    gloo); each process does batch / nproc, gradients are all-reduced in buckets during backward.
Seconds per epoch are for `--epoch-images` images (Fashion-MNIST's 60,000 by default).

    python benchmarks/dp_vs_ddp.py --resolution 64 --batch 64 --steps 32          # on a multi-GPU node
    python benchmarks/dp_vs_ddp.py --resolution 16 --batch 8 --steps 16 --preset tiny   # CPU smoke (gloo)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import torch


def run_steps(parallel: str, args: argparse.Namespace) -> dict:
    from modiste.distributed import init_distributed, shutdown_distributed
    from modiste.gan.training.config import TrainConfig
    from modiste.gan.training.trainer import GANTrainer

    device = "cuda" if torch.cuda.is_available() else "cpu"
    ctx = init_distributed(device)
    cfg = TrainConfig(data="synthetic", resolution=args.resolution, batch=args.batch, preset=args.preset,
                      aug="none", device=device, parallel=parallel, precision=args.precision)
    cfg.validate()
    torch.manual_seed(0)
    trainer = GANTrainer(cfg, cfg.network_config(3, []), ctx)
    n = trainer.local_batch if parallel == "ddp" else args.batch
    images = torch.randint(0, 256, (n, 3, trainer.net.height, trainer.net.width), dtype=torch.uint8)
    for _ in range(args.warmup):
        trainer.train_step(images, None)
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    sync()
    start = time.perf_counter()
    for _ in range(args.steps):
        trainer.train_step(images, None)
    sync()
    elapsed = time.perf_counter() - start
    rate = args.steps * args.batch / elapsed
    record = {"mode": parallel, "processes": ctx.world_size,
              "devices": torch.cuda.device_count() if device == "cuda" else ctx.world_size, "device": device,
              "resolution": args.resolution, "global_batch": args.batch, "steps": args.steps,
              "img_per_s": round(rate, 3), "sec_per_epoch": round(args.epoch_images / rate, 1)}
    shutdown_distributed()
    return record if ctx.is_main else {}


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--resolution", type=int, default=64)
    p.add_argument("--batch", type=int, default=32, help="global batch for both modes")
    p.add_argument("--preset", default="base")
    p.add_argument("--precision", default="auto")
    p.add_argument("--steps", type=int, default=32)
    p.add_argument("--warmup", type=int, default=4)
    p.add_argument("--processes", type=int, default=None, help="DDP processes (default: GPU count, or 2 on CPU)")
    p.add_argument("--epoch-images", type=int, default=60000)
    p.add_argument("--worker", choices=["ddp", "dp"], help=argparse.SUPPRESS)
    args = p.parse_args(argv)

    if args.worker:  # inside torchrun (ddp) or the single DP process
        record = run_steps(args.worker, args)
        if record:
            print(json.dumps(record), flush=True)
        return

    gpus = torch.cuda.device_count()
    nproc = args.processes or (gpus if gpus >= 2 else 2)
    base = [a for a in (argv if argv is not None else sys.argv[1:])]
    results = []
    if gpus >= 2:
        out = subprocess.run([sys.executable, __file__, *base, "--worker", "dp"], capture_output=True, text=True)
        results.append(_last_json(out))
    else:
        results.append({"mode": "dp", "skipped": "DataParallel needs >= 2 CUDA GPUs; this machine has "
                                                 f"{gpus}", "global_batch": args.batch})
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 2) // nproc)))}
    out = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
                          __file__, *base, "--worker", "ddp"], capture_output=True, text=True, env=env)
    results.append(_last_json(out))
    for r in results:
        print(json.dumps(r), flush=True)
    dp, ddp = results
    if "img_per_s" in dp and "img_per_s" in ddp:
        print(json.dumps({"ddp_speedup_over_dp": round(ddp["img_per_s"] / dp["img_per_s"], 2)}), flush=True)


def _last_json(proc: subprocess.CompletedProcess) -> dict:
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"error": f"exit {proc.returncode}", "stderr_tail": proc.stderr[-2000:]}
    return json.loads(lines[-1])


if __name__ == "__main__":
    main()
