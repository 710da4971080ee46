#!/usr/bin/env python3
"""Ours vs NVlabs stylegan2-ada-pytorch on one CUDA GPU, same channel configuration and batch.

For each resolution the two alternate (ours first at even positions, the peer first at odd ones):
  * ours: benchmarks/train_throughput.py --device cuda, `base` preset (the peer's `auto` channels
    below 512 px), `--real-steps` consecutive real training steps (the full lazy-regularisation
    schedule), once in fp32 and once per `--precision` (bf16/fp16 autocast over the whole network);
  * the peer: benchmarks/peer_sg2ada_cuda.py, in --fp32 and as it ships (fp16 in the 4 highest
    resolution blocks with its custom CUDA ops, if they build on this machine).
Both count images per second over real consecutive iterations with one synchronisation at each end.
Prints one JSON record per resolution with every figure and the ratios ours/peer.

    PEER_SG2ADA=/tmp/peers/stylegan2-ada-pytorch python benchmarks/train_vs_peer_cuda.py --resolution 64 256
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def run_json(cmd: list[str]) -> list[dict]:
    out = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)  # stderr (logs, build output) passes through
    records = [json.loads(line) for line in out.stdout.splitlines() if line.strip().startswith("{")]
    if out.returncode != 0 or not records:
        raise SystemExit(f"{' '.join(cmd[1:4])} failed (exit {out.returncode}): {out.stdout[-2000:]}")
    return records


def ours(resolution: int, precision: str, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, str(HERE / "train_throughput.py"), "--device", "cuda", "--precision", precision,
           "--resolution", str(resolution), "--batch", str(args.batch), "--preset", "base",
           "--real-steps", str(args.steps), "--repeats", "2", "--gen-batch", "64"]
    return run_json(cmd + (["--compile"] if args.compile else []))[0]


def peer(resolution: int, fp32: bool, args: argparse.Namespace) -> dict:
    cmd = [sys.executable, str(HERE / "peer_sg2ada_cuda.py"), "--resolution", str(resolution),
           "--batch", str(args.batch), "--steps", str(args.steps), "--repeats", "2"]
    return run_json(cmd + (["--fp32"] if fp32 else []))[0]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--resolution", type=int, nargs="+", default=[64, 256])
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=32, help="real training steps per timed run")
    p.add_argument("--precision", nargs="+", default=["bf16"], choices=["bf16", "fp16"],
                   help="our mixed-precision modes, each compared with the peer's shipped fp16 mix")
    p.add_argument("--compile", action="store_true", help="also torch.compile our main passes")
    args = p.parse_args()
    for i, resolution in enumerate(args.resolution):
        jobs = [("ours_fp32", lambda: ours(resolution, "fp32", args)), ("peer_fp32", lambda: peer(resolution, True, args)),
                ("peer_mixed", lambda: peer(resolution, False, args))]
        jobs += [(f"ours_{m}", lambda m=m: ours(resolution, m, args)) for m in args.precision]
        if i % 2:
            jobs.reverse()
        results = {name: fn() for name, fn in jobs}
        record = {"resolution": resolution, "batch": args.batch, "steps": args.steps, "compile": args.compile,
                  "gpu": results["peer_fp32"]["gpu"], "peer_plugins": results["peer_mixed"]["plugins"]}
        for name, r in results.items():
            record[f"{name}_train_img_per_s"] = r.get("real_train_img_per_s", r["train_img_per_s"])
            record[f"{name}_generate_img_per_s"] = r["generate_img_per_s"]
            record[f"{name}_peak_gpu_mb"] = r["peak_gpu_mb"]
        record["train_speedup_fp32"] = round(record["ours_fp32_train_img_per_s"] / record["peer_fp32_train_img_per_s"], 2)
        for m in args.precision:
            record[f"train_speedup_{m}_vs_peer_mixed"] = round(
                record[f"ours_{m}_train_img_per_s"] / record["peer_mixed_train_img_per_s"], 2)
        record["params_ours_G_D"] = [results["ours_fp32"]["params_G"], results["ours_fp32"]["params_D"]]
        record["params_peer_G_D"] = [results["peer_fp32"]["params_G"], results["peer_fp32"]["params_D"]]
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
