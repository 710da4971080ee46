#!/usr/bin/env python3
"""Rare-class synthesis: dresses (33 of 9,583 shared product photos) made by each `modiste synthesize`
method, compared with the real dresses. Prints one JSON object and writes a labelled figure.

For each method (conditional, direction, filter) it writes --n images with the synthesize API and
reports KID against every real image of the class (Inception features, modiste.metrics), the yield
(kept / sampled), the diversity (mean pairwise Inception-feature distance; the real class's own figure
beside it) and the share that the nearest-class-mean scorer puts in the class. As a yardstick it also
scores --n conditional samples of --other-class against the real dresses (what "the wrong class" costs).
Real features (at most --per-class images per class for the class means, every image of --class) are
cached by modiste.metrics, so reruns only pay for the synthesized images (~0.2 s each per core).

    python benchmarks/rare_class.py --checkpoint /work/runs/product-model/<run> --n 100 \
        --figure docs/images/rare-class.png
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("MODISTE_DATA", ROOT.parent / "shared" / "data")) / "fashion-products-224"


def latest_run(root: Path) -> Path:
    runs = sorted(p for p in root.iterdir() if (p / "checkpoints").is_dir())
    if not runs:
        sys.exit(f"no run with checkpoints under {root}: pass --checkpoint")
    return runs[-1]


def real_images(G: torch.nn.Module, class_name: str, count: int) -> torch.Tensor:
    """uint8 [count, 3, H, W]: the first real images of the class, fitted to G's canvas as in training."""
    from modiste.data import open_image_dataset

    g = math.gcd(G.cfg.width, G.cfg.height)
    ds = open_image_dataset(str(DATA / "images"), resolution=G.cfg.width, aspect=(G.cfg.width // g, G.cfg.height // g),
                            mode="pad", channels=3, labels=str(DATA / "labels.csv"), label_field="articleType")
    k = ds.class_names.index(class_name)
    idx = [i for i in range(len(ds)) if int(ds.labels[i]) == k][:count]
    return torch.stack([ds[i][0] for i in idx])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", default=None, help="run or snapshot [latest run under /work/runs/product-model]")
    ap.add_argument("--class", dest="class_name", default="Dresses")
    ap.add_argument("--other-class", default="Tshirts", help="yardstick: conditional samples of this class")
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--truncation", type=float, default=0.7)
    ap.add_argument("--per-class", type=int, default=12)
    ap.add_argument("--max-samples", type=int, default=1000,
                    help="filter: samples tried at most; n is lowered when the conditional in-class rate says "
                         "fewer would pass (reported per method)")
    ap.add_argument("--outdir", default="/work/runs/rare-class")
    ap.add_argument("--figure", default=None, help="labelled PNG: real images, then each method's samples")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)

    import modiste
    from modiste.errors import ModisteError
    from modiste.gan.images import save_png
    from modiste.latent.labelled_grid import labelled_grid
    from modiste.latent.synthesis_quality import (
        NearestClassMeanScorer, inception_featurizer, real_class_features, synthesis_report)
    from modiste.latent.synthesize import synthesize

    checkpoint = Path(args.checkpoint) if args.checkpoint else latest_run(Path("/work/runs/product-model"))
    G = modiste.load_generator(checkpoint)
    state = json.loads((Path(G.source_path) / "state.json").read_text()) if (Path(G.source_path) / "state.json").is_file() else {}
    start = time.time()
    reals = real_class_features(G, str(DATA / "images"), str(DATA / "labels.csv"), "articleType", args.per_class,
                                keep_all=(args.class_name,))
    featurize = inception_featurizer()
    scorer = NearestClassMeanScorer(reals, args.class_name, featurize, args.per_class)
    real_seconds = time.time() - start
    out = Path(args.outdir) / f"{Path(G.source_path).name}-{time.strftime('%H%M%S')}"
    results, rows = {}, {}
    runs = [("conditional", args.class_name), ("direction", args.class_name), ("filter", args.class_name),
            ("conditional", args.other_class)]
    for method, cls in runs:
        label = method if cls == args.class_name else f"{cls} (yardstick)"
        n = args.n
        if method == "filter":  # the filter keeps conditional samples: its yield is about their in-class rate
            expected = results["conditional"]["in_class_rate"] * args.max_samples
            n = min(args.n, max(2, int(0.7 * expected)))
        t0 = time.time()
        try:
            result = synthesize(G, cls, n, method, out / label.split()[0].lower(), args.truncation,
                                scorer=scorer if method == "filter" else None,
                                scorer_name="nearest class mean of Inception features", max_samples=args.max_samples,
                                attribute="articleType")
        except ModisteError as e:  # the filter found too few: that is the figure
            results[label] = {"n": n, "error": str(e), "seconds": round(time.time() - t0, 1)}
            rows[label] = torch.full((10, 3, G.cfg.height, G.cfg.width), 255, dtype=torch.uint8)
            print(json.dumps({label: results[label]}), file=sys.stderr, flush=True)
            continue
        figures = synthesis_report(featurize(result.images), reals, args.class_name, scorer)
        results[label] = {"n": n, "yield": round(result.yield_rate, 4), "sampled": result.manifest["sampled"],
                          "seconds": round(time.time() - t0, 1),
                          **{k: (round(v, 5) if isinstance(v, float) and math.isfinite(v) else v)
                             for k, v in figures.items()}}
        shown = result.images[:10]
        rows[label] = torch.cat([shown, torch.full((10 - len(shown), *shown.shape[1:]), 255, dtype=torch.uint8)])
        print(json.dumps({label: results[label]}), file=sys.stderr, flush=True)
    report = {
        "benchmark": "rare_class", "checkpoint": str(G.source_path), "kimg": state.get("kimg"),
        "class": args.class_name, "n": args.n, "truncation_psi": args.truncation, "truncation_center": "class",
        "real_images_of_class": int(reals.of(args.class_name).shape[0]), "per_class_for_scorer": args.per_class,
        "classes_in_scorer": len(scorer.class_names), "real_feature_seconds": round(real_seconds, 1),
        "threads": args.threads, "outdir": str(out), "methods": results,
    }
    if args.figure:
        grid = torch.stack([real_images(G, args.class_name, 10)] + [rows[k] for k in rows])
        names = [f"real {args.class_name}"] + list(rows)
        save_png(labelled_grid(grid, names, None, f"{args.class_name}: real photos and {args.n} synthesized per "
                               f"method (first 10 shown), psi {args.truncation}, class-centred", scale=2), args.figure)
        report["figure"] = args.figure
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
