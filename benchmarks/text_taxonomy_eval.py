"""Held-out accuracy of the text taxonomy classifier on the shared catalogue texts.

The 44k styles titles and the Myntra descriptions and names (labels mapped as in
`modiste.text.taxonomy_data`) are split 80/20 by `StratifiedGroupKFold` (stratified on
articleType, grouped by product, and for titles by their normalised text, so an identical
title never sits on both sides); the classifier is trained on the 80 % and scored on the 20 %:
accuracy and macro-F1 per attribute, overall and per source (titles, Myntra descriptions, Myntra
names). A test label whose class was folded into "other" in training counts as "other".
baseColour is scored where the text names a colour (the classifier claims nothing elsewhere);
its coverage is reported.

    python benchmarks/text_taxonomy_eval.py [--save /work/runs/text-taxonomy]   # ~minutes, 1 thread

`--save DIR` then trains on all texts and saves the model there. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def score(model, examples, attributes) -> dict:
    from sklearn.metrics import f1_score

    from modiste.products.text_taxonomy import OTHER

    predictions = model.predict([e.text for e in examples])
    report = {}
    for name in attributes:
        known = set(model.heads[name].classes)
        truth, guess, total = [], [], 0
        for e, p in zip(examples, predictions):
            if name not in e.labels:
                continue
            total += 1
            if p[name].label is None:  # baseColour: the text names no colour
                continue
            truth.append(e.labels[name] if e.labels[name] in known else OTHER)
            guess.append(p[name].label)
        if not truth:
            continue
        report[name] = {"accuracy": round(float(np.mean([t == g for t, g in zip(truth, guess)])), 4),
                        "macro_f1": round(float(f1_score(truth, guess, average="macro", zero_division=0)), 4),
                        "n": len(truth), "coverage": round(len(truth) / total, 4)}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--styles", default=str(DATA / "fashion-products-224" / "styles_all_44446.csv"))
    parser.add_argument("--myntra", default=str(DATA / "text" / "myntra_products_catalog.csv"))
    parser.add_argument("--c", type=float, default=20.0, help="Inverse regularisation of the heads.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", default=None, help="Also train on everything and save the model to this folder.")
    args = parser.parse_args()

    from sklearn.model_selection import StratifiedGroupKFold

    from modiste.products.text_taxonomy import train_text_taxonomy
    from modiste.text.taxonomy_data import ATTRIBUTES, catalogue_texts

    examples, lexicon = catalogue_texts(args.styles, args.myntra)
    colour_forms = [form for form, _ in lexicon.colour_forms]
    strata = [e.labels.get("articleType", "none") for e in examples]
    splitter = StratifiedGroupKFold(n_splits=5, shuffle=True, random_state=args.seed)
    train_idx, test_idx = next(splitter.split(np.zeros(len(examples)), strata, [e.group for e in examples]))
    train = [examples[i] for i in train_idx]
    test = [examples[i] for i in test_idx]
    t0 = time.perf_counter()
    model = train_text_taxonomy(train, ATTRIBUTES, colour_forms, c=args.c)
    train_s = time.perf_counter() - t0
    result = {"benchmark": "text_taxonomy_eval", "train_texts": len(train), "test_texts": len(test), "c": args.c,
              "vocabulary": len(model.vocabulary), "train_seconds": round(train_s, 1),
              "folded_into_other": {k: len(v) for k, v in model.folded.items()},
              "held_out": score(model, test, ATTRIBUTES)}
    for source in ("title", "myntra-description", "myntra-name"):
        result[f"held_out_{source}"] = score(model, [e for e in test if e.source == source], ATTRIBUTES)
    if args.save:
        full = train_text_taxonomy(examples, ATTRIBUTES, colour_forms, c=args.c)
        result["saved"] = str(full.save(args.save))
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
