"""Curation speed: images/s of `curate` on the shared photos, per number of worker processes.

    python benchmarks/curate_throughput.py [--dataset clothing-cc0] [--limit 600] [--workers 0 1 2] [--repeat 2]

Runs are interleaved (w0, w1, w2, w0, ...) so a busy machine slows every setting alike. Each run
is a full `curate` in --manifest mode (list, read, decode, score, hash, resolve duplicates, write
decisions.csv and the report); one JSON record per run on stdout, then a summary per setting.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from modiste.data.curate import CurationConfig, curate  # noqa: E402

DATASETS = {"clothing-cc0": "*/*/*.jpg", "fashion-products-224": "images/*.jpg"}


def subset(data_dir: Path, dataset: str, limit: int, into: Path) -> int:
    """Symlink the first `limit` images of a dataset into `into` (curate lists folders, not lists)."""
    files = sorted((data_dir / dataset).glob(DATASETS[dataset]))[:limit]
    for i, path in enumerate(files):
        (into / f"{i:06d}{path.suffix}").symlink_to(path)
    return len(files)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--dataset", choices=sorted(DATASETS), default="clothing-cc0")
    parser.add_argument("--limit", type=int, default=600)
    parser.add_argument("--workers", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="40 images, one repeat")
    args = parser.parse_args()
    limit, repeat = (40, 1) if args.quick else (args.limit, args.repeat)
    config = CurationConfig(min_side=200)  # keep most images, so the copy/report stages see real work
    rates: dict[int, list[float]] = {w: [] for w in args.workers}
    with tempfile.TemporaryDirectory() as scratch:
        src = Path(scratch) / "src"
        src.mkdir()
        count = subset(args.data, args.dataset, limit, src)
        for run in range(repeat):
            for workers in args.workers:
                out = Path(scratch) / f"out_{run}_{workers}"
                start = time.perf_counter()
                result = curate(str(src), str(out), config, mode="manifest", workers=workers, progress=False)
                seconds = time.perf_counter() - start
                rates[workers].append(count / seconds)
                print(json.dumps({"dataset": args.dataset, "images": count, "workers": workers, "run": run,
                                  "seconds": round(seconds, 2), "images_per_s": round(count / seconds, 1),
                                  "kept": result.kept}))
    for workers, values in rates.items():
        print(json.dumps({"summary": True, "dataset": args.dataset, "images": count, "workers": workers,
                          "images_per_s_median": round(statistics.median(values), 1),
                          "cpus": os.cpu_count(), "machine": platform.machine()}))


if __name__ == "__main__":
    main()
