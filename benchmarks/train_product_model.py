"""Train the reference product-photo generator that the latent-space, product and studio benchmarks use.

`small` preset, 64 px wide, 2:3 portrait, conditional on articleType, on the shared product photos
(fashion-products-224), for a fixed CPU budget. Prints JSON with the run folder and how far it got.

    python benchmarks/train_product_model.py --minutes 80 --outdir runs/product-model
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
    ap.add_argument("--batch", type=int, default=16)
    args = ap.parse_args()
    photos = Path(args.data) / "fashion-products-224"
    cmd = [sys.executable, "-m", "modiste", "train", "--data", str(photos / "images"),
           "--labels", str(photos / "labels.csv"), "--cond", "articleType", "--resolution", "64",
           "--aspect", "2:3", "--preset", "small", "--batch", str(args.batch), "--aug", "diffaugment",
           "--xflip", "--max-minutes", str(args.minutes), "--snap", "2", "--keep", "2",
           "--device", args.device, "--outdir", args.outdir]
    start = time.time()
    subprocess.run(cmd, check=True)
    runs = sorted(p for p in Path(args.outdir).iterdir() if p.is_dir())
    state = json.loads(sorted((runs[-1] / "checkpoints").glob("snapshot-*/state.json"))[-1].read_text())
    print(json.dumps({"benchmark": "train_product_model", "run": str(runs[-1]), "kimg": state.get("kimg"),
                      "minutes": round((time.time() - start) / 60, 1), "command": " ".join(cmd[1:])}))


if __name__ == "__main__":
    main()
