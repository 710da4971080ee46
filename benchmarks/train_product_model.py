"""Train the reference product-photo generator that the latent-space, product and studio benchmarks use.

Conditional on articleType, 2:3 portrait, on the shared product photos (fashion-products-224), for
a fixed CPU budget. Prints JSON with the run folder and how far it got. The default recipe is the
one the products docs were measured with: `tiny` preset, 32x48, batch 8, lr 0.004, R1 gamma 0.05,
no path length or style mixing, EMA 1 kimg, x-flips, one thread (360 kimg in 150 minutes).
`--preset small --resolution 64 --aug diffaugment` is the larger recipe for longer or GPU budgets.

    python benchmarks/train_product_model.py --minutes 150 --outdir runs/product-model
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("MODISTE_DATA", str(ROOT.parent / "shared" / "data")))
    ap.add_argument("--minutes", type=float, default=80.0)
    ap.add_argument("--outdir", default=str(ROOT / "runs" / "product-model"))
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--preset", default="tiny")
    ap.add_argument("--resolution", type=int, default=32)
    ap.add_argument("--aug", default="none")
    ap.add_argument("--threads", type=int, default=1, help="CPU threads for the training process (OMP_NUM_THREADS).")
    args = ap.parse_args()
    photos = Path(args.data) / "fashion-products-224"
    cmd = [sys.executable, "-m", "modiste", "train", "--data", str(photos / "images"),
           "--labels", str(photos / "labels.csv"), "--cond", "articleType",
           "--resolution", str(args.resolution), "--aspect", "2:3", "--preset", args.preset,
           "--batch", str(args.batch), "--lr-g", "0.004", "--lr-d", "0.004", "--r1-gamma", "0.05", "--pl-weight", "0",
           "--style-mixing", "0", "--ema-kimg", "1", "--aug", args.aug, "--xflip",
           "--max-minutes", str(args.minutes), "--snap", "5", "--keep", "3",
           "--device", args.device, "--outdir", args.outdir]
    start = time.time()
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}
    subprocess.run(cmd, check=True, env=env)
    runs = sorted(p for p in Path(args.outdir).iterdir() if p.is_dir())
    state = json.loads(sorted((runs[-1] / "checkpoints").glob("snapshot-*/state.json"))[-1].read_text())
    print(json.dumps({"benchmark": "train_product_model", "run": str(runs[-1]), "kimg": state.get("kimg"),
                      "minutes": round((time.time() - start) / 60, 1), "command": " ".join(cmd[1:])}))


if __name__ == "__main__":
    main()
