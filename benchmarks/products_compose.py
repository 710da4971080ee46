#!/usr/bin/env python3
"""Composed products from the conditional product generator: do the image, tags and text agree?

Method: for each requested class, N seeds (0..N-1) are composed by `ProductComposer` (class-centred
truncation psi 0.7, tags from the trained tagger, context -> description from the text model with the
copy guard on, then the checks). Reported per class and overall:

- `image_category_match`: share of products whose tagged articleType is the requested class
  (an abstention counts as a miss);
- `description_category_match`: share whose description's articleType (the text taxonomy
  classifier, arg-max) equals the image's tagged articleType, over products whose image was tagged;
  `description_undetermined` is the share the classifier could not place (no label, "other" or p < 0.5);
- `colour_contradictions`, `flagged`, `passed` (every check), `passed_confirmed` (every check, with the
  description's category confirmed rather than undetermined), seconds per product;
- `--text-candidates K` descriptions sampled per product, the one passing most checks kept (the
  product command's default is 4; 1 = the first sample, as before candidates existed);
- the demo (the ShopRunner example): the first product of the first class with its tags and
  description, and its image saved in --outdir.

Everything is exported to --outdir (images/, products.jsonl, catalogue.html, shopify_products.csv).
One JSON object on stdout.

    python benchmarks/products_compose.py --generator /work/runs/product-model/<run> \\
        --tagger /work/runs/products/tagger --text-model /work/runs/text-model --n 50
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"


def text_taxonomy(path: str | None, fallback: Path):
    """The text classifier at `path`, else one trained on the shared catalogue texts (saved at `fallback`)."""
    from modiste.products.text_taxonomy import TextTaxonomy, train_text_taxonomy
    from modiste.text.taxonomy_data import ATTRIBUTES, catalogue_texts

    for candidate in [path, str(fallback)]:
        if candidate and Path(candidate).is_dir():
            return TextTaxonomy.load(candidate), candidate
    examples, lexicon = catalogue_texts(DATA / "fashion-products-224" / "styles_all_44446.csv",
                                        DATA / "text" / "myntra_products_catalog.csv")
    model = train_text_taxonomy(examples, ATTRIBUTES, [form for form, _ in lexicon.colour_forms])
    model.save(fallback)
    return model, str(fallback)


def summarise(products) -> dict:
    from modiste.products.checks import is_confirmed, is_undetermined

    n = len(products)
    image_match = sum(p.label("articleType") == p.requested_class for p in products)
    tagged = [p for p in products if p.label("articleType") is not None]
    desc = [next(c for c in p.checks if c.name == "description_category") for p in tagged]
    agree = sum(bool(c.details and c.details.get("agrees")) for c in desc)
    undetermined = sum(map(is_undetermined, desc))
    colour = sum(any(c.name == "colour_words" and not c.passed for c in p.checks) for p in products)
    return {"products": n, "image_category_match": round(image_match / max(n, 1), 4),
            "tagged": len(tagged), "description_category_match": round(agree / max(len(tagged), 1), 4),
            "description_undetermined": round(undetermined / max(len(tagged), 1), 4),
            "colour_contradictions": round(colour / max(n, 1), 4),
            "flagged": round(sum(p.flagged for p in products) / max(n, 1), 4),
            "passed": round(sum(not p.flagged for p in products) / max(n, 1), 4),
            "passed_confirmed": round(sum(not p.flagged and any(map(is_confirmed, p.checks)) for p in products)
                                      / max(n, 1), 4),
            "empty_descriptions": sum(not p.description for p in products)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--generator", required=True)
    ap.add_argument("--tagger", required=True)
    ap.add_argument("--text-model", required=True)
    ap.add_argument("--text-taxonomy", default=None)
    ap.add_argument("--classes", default="Dresses,Tshirts,Jeans")
    ap.add_argument("--n", type=int, default=50)
    ap.add_argument("--truncation", type=float, default=0.7)
    ap.add_argument("--max-new-tokens", type=int, default=80)
    ap.add_argument("--text-candidates", type=int, default=4)
    ap.add_argument("--outdir", default="/work/runs/products/compose")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    from modiste.products.compose import ProductComposer
    from modiste.products.export import export_products
    from modiste.products.generation import SamplingSettings
    from modiste.text.generate import SamplingOptions

    taxonomy, taxonomy_path = text_taxonomy(args.text_taxonomy, Path(args.outdir).parent / "text-taxonomy")
    composer = ProductComposer(args.generator, args.tagger, args.text_model, taxonomy,
                               SamplingSettings(args.truncation), SamplingOptions(max_new_tokens=args.max_new_tokens),
                               text_candidates=args.text_candidates)
    report = {"generator": str(composer.G.source_path), "text_model": str(composer.text.model_dir),
              "text_taxonomy": taxonomy_path, "truncation": composer.sampling.to_json(),
              "text_candidates": args.text_candidates, "classes": {}}
    everything = []
    start = time.perf_counter()
    for name in args.classes.split(","):
        products = composer.compose(list(range(args.n)), name, progress=sys.stderr.isatty())
        report["classes"][name] = summarise(products)
        print(json.dumps({name: report["classes"][name]}), file=sys.stderr)
        everything += products
    report["seconds_per_product"] = round((time.perf_counter() - start) / max(len(everything), 1), 2)
    report["overall"] = summarise(everything)
    export_products(everything, args.outdir, overwrite=True)
    demo = everything[0]
    report["demo"] = {"handle": demo.handle, "image": str(Path(args.outdir) / demo.image_file),
                      "title": demo.title, "context": demo.context, "description": demo.description,
                      "tags": {a: {"label": t.label, "confidence": round(t.confidence, 3)}
                               for a, t in demo.tags.tags.items()},
                      "rule_colour": demo.tags.colour.name if demo.tags.colour else None,
                      "checks": {c.name: c.passed for c in demo.checks}, "reasons": demo.reasons}
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
