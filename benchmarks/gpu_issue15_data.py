#!/usr/bin/env python3
"""Shrink the shared product photos so they travel to a lent GPU machine (issue 15's quality run).

The device tool carries at most 64 MiB with the working tree and the 9,583 fashion-products-224
photos take 76 MB, so this writes each one resized to `--size` px square (JPEG, quality 95) with the
same file name, and writes labels.csv beside them (the rows of the photos written). A 64 px wide, 2:3 run needs at most 96 px, so
nothing the training sees is lost. Writes into `--out` (default runs/gpu15-data, git-ignored, which
the GPU command carries); prints JSON with the count and the bytes.

    python benchmarks/gpu_issue15_data.py --out runs/gpu15-data
"""

from __future__ import annotations

import argparse
import json
import os
import csv
import io
from pathlib import Path

from PIL import Image

from modiste.atomic import atomic_write_bytes
from modiste.errors import ModisteError

ROOT = Path(__file__).resolve().parents[1]


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=os.environ.get("MODISTE_DATA", str(ROOT.parent / "shared" / "data")))
    ap.add_argument("--out", default=str(ROOT / "runs" / "gpu15-data"))
    ap.add_argument("--size", type=int, default=96)
    ap.add_argument("--limit", type=int, default=0, help="only the first N photos (0 = all)")
    args = ap.parse_args(argv)
    src = Path(args.data) / "fashion-products-224"
    if not (src / "labels.csv").is_file():
        raise ModisteError(f"no fashion-products-224/labels.csv under {args.data}: pass --data the shared data folder")
    names = sorted(p.name for p in (src / "images").iterdir() if p.suffix.lower() in {".jpg", ".jpeg", ".png"})
    names = names[: args.limit] if args.limit else names
    out = Path(args.out)
    (out / "images").mkdir(parents=True, exist_ok=True)
    for name in names:
        with Image.open(src / "images" / name) as im:
            small = im.convert("RGB").resize((args.size, args.size), Image.Resampling.LANCZOS)
        small.save(out / "images" / (Path(name).stem + ".jpg"), quality=95)
    with open(src / "labels.csv", newline="") as f:  # the rows of the photos written, header first
        rows = list(csv.reader(f))
    kept = set(names)
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows([rows[0]] + [r for r in rows[1:] if r and r[0] in kept])
    atomic_write_bytes(out / "labels.csv", text.getvalue().encode())
    total = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(json.dumps({"photos": len(names), "size": args.size, "bytes": total, "out": str(out)}))


if __name__ == "__main__":
    main()
