#!/usr/bin/env python3
"""Ours vs NVlabs stylegan2-ada-pytorch, side by side on this machine, same channel configuration.

For each resolution this alternates the two benchmarks (ours first at 32, the peer first at 64, so
slow drift of the machine's speed does not favour one side):
  * ours: benchmarks/train_throughput.py with the `base` preset (channel base 16384, max 512,
    2 mapping layers: the peer's `auto` config below 512 px), batch 32, fp32, no augmentation;
  * the peer: shared/bench/peer_sg2ada.py (the reference harness; it imports the peer checkout
    named by $PEER_SG2ADA) with --aug none, the same batch, repeats and threads.
Both compose the full lazy-regularisation schedule from per-phase timings the same way. Prints one
JSON record per resolution with both figures and the ratio ours/peer.

    PEER_SG2ADA=/tmp/peers/stylegan2-ada-pytorch python benchmarks/train_vs_peer.py --resolution 32 64
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_HARNESS = ROOT.parent / "shared" / "bench" / "peer_sg2ada.py"


def run_json(cmd: list[str]) -> dict:
    out = subprocess.run(cmd, capture_output=True, text=True)
    lines = [line for line in out.stdout.splitlines() if line.strip().startswith("{")]
    if out.returncode != 0 or not lines:
        raise SystemExit(f"{' '.join(cmd[:3])} failed (exit {out.returncode}): {out.stderr[-1500:]}")
    return json.loads(lines[-1])


def ours(resolution: int, args: argparse.Namespace) -> dict:
    return run_json([sys.executable, str(ROOT / "benchmarks" / "train_throughput.py"), "--resolution", str(resolution),
                     "--batch", str(args.batch), "--preset", "base", "--repeats", str(args.repeats),
                     "--threads", str(args.threads), "--gen-batch", "64"])


def peer(resolution: int, args: argparse.Namespace) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        result = run_json([sys.executable, str(args.harness), "--train-res", str(resolution), "--infer-res",
                           str(resolution), "--param-res", str(resolution), "--aug", "none", "--batch", str(args.batch),
                           "--repeats", str(args.repeats), "--threads", str(args.threads), "--no-flops", "--no-peak",
                           "--out", os.path.join(tmp, "peer.json")])
    return result


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--resolution", type=int, nargs="+", default=[32, 64])
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--harness", type=Path, default=DEFAULT_HARNESS)
    args = p.parse_args()
    if not args.harness.is_file():
        raise SystemExit(f"peer harness not found at {args.harness}: pass --harness shared/bench/peer_sg2ada.py")
    for i, resolution in enumerate(args.resolution):
        order = (ours, peer) if i % 2 == 0 else (peer, ours)
        results = {fn.__name__: fn(resolution, args) for fn in order}
        mine, theirs = results["ours"], results["peer"]["summary"]
        peer_train = theirs[f"train_img_per_s_noaug_{resolution}"]
        peer_generate = theirs[f"infer_img_per_s_{resolution}"]
        record = {"resolution": resolution, "batch": args.batch, "threads": args.threads,
                  "ours_train_img_per_s": mine["train_img_per_s"], "peer_train_img_per_s": peer_train,
                  "train_speedup": round(mine["train_img_per_s"] / peer_train, 2),
                  "ours_generate_img_per_s": mine["generate_img_per_s"], "peer_generate_img_per_s": peer_generate,
                  "peer_generate_img_per_s_nonfused": theirs.get(f"infer_img_per_s_{resolution}_nonfused"),
                  "generate_speedup": round(mine["generate_img_per_s"] / peer_generate, 2),
                  "ours_peak_rss_mb": mine["peak_rss_mb"], "ours_phase_seconds": mine["phase_seconds"],
                  "params_ours_G_D": [mine["params_G"], mine["params_D"]],
                  "params_peer_G_D": theirs.get(f"params_G_D_{resolution}")}
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
