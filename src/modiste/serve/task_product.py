"""The "product" job: seeds -> composed, checked products exported as JSON Lines, HTML and Shopify CSV.

The same `modiste.products.ProductComposer` that `modiste product` uses, with the server's tagger,
text model and (optional) text taxonomy loaded once and shared by every job.
"""

from __future__ import annotations

from modiste.serve.jobs import JobContext
from modiste.serve.routes.common import class_index
from modiste.serve.schemas import ProductParams


def build(studio, params: ProductParams):
    lm = studio.model(params.model)
    class_index(lm.G, params.class_name)  # unknown class, or none for a conditional model: 400 now
    tagger, text, taxonomy = studio.tagger(), studio.text_model(), studio.taxonomy()  # fail now, not in the job

    def run(ctx: JobContext):
        from modiste.products.compose import ProductComposer
        from modiste.products.export.write import export_products
        from modiste.products.generation import SamplingSettings

        composer = ProductComposer(lm.G, tagger, text, taxonomy, SamplingSettings(params.truncation),
                                   device=studio.config.device)
        products = []
        for i, seed in enumerate(params.seeds):
            with studio.text_lock:  # the text model samples one request at a time
                products.append(composer.from_seed(seed, params.class_name))
            ctx.progress((i + 1) / len(params.seeds) * 0.9, f"product {i + 1}/{len(params.seeds)}")
        kept = [p for p in products if not (params.strict and p.flagged)]
        written = export_products(kept, ctx.outdir)
        files = sorted(str(p.relative_to(ctx.outdir)) for p in ctx.outdir.rglob("*") if p.is_file())
        return files, {"products": [p.to_json() for p in kept], "dropped": len(products) - len(kept),
                       "exports": {k: v.name for k, v in written.items()}}

    return run
