"""Precision and recall of every curation filter on a labelled set made from ../shared/data.

Builds the set (see curation_cases.py), runs `curate` on it, and prints one JSON record per filter
and one overall record on stdout:

    python benchmarks/curation_eval.py [--per-kind 40] [--min-side 200] [--keep DIR] [--quick]

Per filter: `recall` = share of images labelled with the filter that it rejected; `precision` =
share of the images it rejected that carry its label; `precision_any_bad` = share of them that
should be rejected for some reason (a fabric close-up flagged busy is still a bad image);
`false_rejects` = clean images it rejected. The studio shots are 224 px, so the default run uses
--min-side 200 (tiny cases are 64-150 px); every other threshold is the default.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from curation_cases import make_cases, write_cases  # noqa: E402

from modiste.data.curate import FILTERS, CurationConfig, curate  # noqa: E402


def evaluate(labels: dict[str, frozenset[str]], decisions_csv: Path) -> list[dict]:
    with open(decisions_csv, newline="", encoding="utf-8") as f:
        flagged = {row["path"]: set(filter(None, row["reasons"].split(";"))) for row in csv.DictReader(f)}
    records = []
    for name in FILTERS:
        positives = {p for p, lab in labels.items() if name in lab}
        hits = {p for p, reasons in flagged.items() if name in reasons}
        true_pos = len(positives & hits)
        bad_hits = sum(1 for p in hits if labels[p])
        records.append({
            "filter": name,
            "labelled": len(positives),
            "rejected": len(hits),
            "recall": round(true_pos / len(positives), 3) if positives else None,
            "precision": round(true_pos / len(hits), 3) if hits else None,
            "precision_any_bad": round(bad_hits / len(hits), 3) if hits else None,
            "false_rejects": len(hits) - bad_hits,
        })
    clean = [p for p, lab in labels.items() if not lab]
    bad = [p for p, lab in labels.items() if lab]
    kinds: dict[str, list[bool]] = {}
    for p in clean:
        kinds.setdefault(p.split("/")[0], []).append(not flagged[p])
    records.append({
        "filter": "overall",
        "images": len(labels),
        "bad_rejected": round(sum(bool(flagged[p]) for p in bad) / len(bad), 3),
        "clean_kept": round(sum(not flagged[p] for p in clean) / len(clean), 3),
        **{f"{kind}_kept": round(sum(v) / len(v), 3) for kind, v in kinds.items()},
    })
    return records


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--per-kind", type=int, default=40, help="images per bad kind (clean kinds get 2x)")
    parser.add_argument("--min-side", type=int, default=200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, default=None, help="keep the set and the curation output here")
    parser.add_argument("--quick", action="store_true", help="8 images per kind (a smoke run)")
    args = parser.parse_args()
    per_kind = 8 if args.quick else args.per_kind
    with tempfile.TemporaryDirectory() as scratch:
        base = args.keep or Path(scratch)
        cases_dir, out_dir = base / "cases", base / "curated"
        labels = write_cases(make_cases(args.data, per_kind, args.seed), cases_dir)
        start = time.perf_counter()
        curate(str(cases_dir), str(out_dir), CurationConfig(min_side=args.min_side), mode="manifest",
               workers=args.workers, progress=False, overwrite=True)
        seconds = time.perf_counter() - start
        for record in evaluate(labels, out_dir / "decisions.csv"):
            record.update({"per_kind": per_kind, "min_side": args.min_side, "seed": args.seed})
            if record["filter"] == "overall":
                record["seconds"] = round(seconds, 2)
            print(json.dumps(record))


if __name__ == "__main__":
    main()
