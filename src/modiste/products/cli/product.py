"""`modiste product`: compose checked products from a generator, a tagger and a text model."""

from __future__ import annotations

import click


@click.command()
@click.option("--generator", default=None, help="Generator run folder or snapshot (not needed with --image).")
@click.option("--tagger", "tagger_dir", required=True, help="Tagger folder from `modiste tagger train`.")
@click.option("--text-model", required=True, help="Description model: a `modiste text train` run or model folder.")
@click.option("--text-taxonomy", default=None,
              help="Text taxonomy classifier folder (for the description-category check; skipped without).")
@click.option("--n", "count", type=int, default=50, show_default=True, help="Number of products (seeds 0..n-1).")
@click.option("--seeds", default=None, help="Seeds instead of --n, e.g. 7,12 or 100-149 (reproduces products).")
@click.option("--class", "class_name", default=None, help="Class to generate (conditional generators).")
@click.option("--image", "images", multiple=True, help="Compose from a real photo instead (repeatable).")
@click.option("--latents", default=None, help="Compose from the W+ rows of a latents file (e.g. `modiste project`).")
@click.option("--truncation", type=float, default=0.7, show_default=True, help="Truncation psi.")
@click.option("--truncation-center", type=click.Choice(["class", "global"]), default=None,
              help="Truncate towards the class's mean W (default for conditional models) or the global mean.")
@click.option("--text-temperature", type=float, default=0.8, show_default=True)
@click.option("--text-top-p", type=float, default=0.95, show_default=True)
@click.option("--max-new-tokens", type=int, default=80, show_default=True)
@click.option("--strict", is_flag=True, help="Drop products that fail a check (default: keep them, flagged).")
@click.option("--formats", default="jsonl,html,shopify", show_default=True, help="Exports to write.")
@click.option("--vendor", default="Modiste", show_default=True, help="Vendor column of the Shopify CSV.")
@click.option("--image-base-url", default="",
              help="Prefix of the Shopify CSV's Product image URL (where images/ is served).")
@click.option("--outdir", required=True, help="Folder for images/, products.jsonl, catalogue.html, shopify_products.csv.")
@click.option("--device", default="cpu", show_default=True)
@click.option("--quiet", is_flag=True)
def product(generator: str | None, tagger_dir: str, text_model: str, text_taxonomy: str | None, count: int,
            seeds: str | None, class_name: str | None, images: tuple[str, ...], latents: str | None,
            truncation: float, truncation_center: str | None, text_temperature: float, text_top_p: float,
            max_new_tokens: int, strict: bool, formats: str, vendor: str, image_base_url: str, outdir: str,
            device: str, quiet: bool) -> None:
    """Compose products: generated image -> tags -> context -> description -> title -> checks -> exports."""
    from modiste.errors import ModisteError
    from modiste.gan.images import parse_seeds
    from modiste.products.compose import ProductComposer, slug
    from modiste.products.export import FORMATS, export_products
    from modiste.products.export.write import check_outdir
    from modiste.products.generation import SamplingSettings, check_seeds
    from modiste.products.tagging import image_paths, read_image
    from modiste.text.generate import SamplingOptions

    wanted = tuple(f.strip() for f in formats.split(",") if f.strip())
    if not wanted or any(f not in FORMATS for f in wanted):
        raise ModisteError(f"--formats {formats!r}: use a comma-separated subset of {', '.join(FORMATS)}")
    if max_new_tokens < 1:
        raise ModisteError(f"--max-new-tokens {max_new_tokens}: a description needs at least 1 token (default 120)")
    if not 0 < text_top_p <= 1:
        raise ModisteError(f"--text-top-p {text_top_p}: nucleus sampling keeps a probability mass in (0, 1]")
    if text_temperature < 0:
        raise ModisteError(f"--text-temperature {text_temperature}: use 0 (greedy) or a positive temperature")
    if count < 1 and not seeds:
        raise ModisteError(f"--n {count}: ask for at least one product")
    seed_list = check_seeds(parse_seeds(seeds) if seeds else list(range(count)))
    check_outdir(outdir)
    files = image_paths(images) if images else []
    handles = [slug(f.stem) for f in files]
    if len(set(handles)) != len(handles):
        dup = next(h for h in handles if handles.count(h) > 1)
        names = [str(f) for f, h in zip(files, handles) if h == dup]
        raise ModisteError(f"photos {', '.join(names)} would share the handle {dup!r}: rename one of them")
    if not files and generator is None:
        raise ModisteError("no generator: pass --generator a run folder or snapshot (or --image PHOTO)")
    composer = ProductComposer(
        generator, tagger_dir, text_model, text_taxonomy, SamplingSettings(truncation, truncation_center),
        SamplingOptions(temperature=text_temperature, top_p=text_top_p, max_new_tokens=max_new_tokens), device)
    if files:
        products = [composer.from_image(read_image(f), f.stem, class_name, i) for i, f in enumerate(files)]
    elif latents:
        from modiste.latent import load_latents

        rows = len(load_latents(latents, composer.require_generator()))
        products = [composer.from_latents(latents, r, class_name, r) for r in range(rows)]
    else:
        products = composer.compose(seed_list, class_name, progress=not quiet)
    kept = [p for p in products if not (strict and p.flagged)]
    written = export_products(kept, outdir, wanted, vendor=vendor, image_base_url=image_base_url)
    flagged = sum(p.flagged for p in products)
    click.echo(f"{len(products)} products, {flagged} flagged" + (f", {len(products) - len(kept)} dropped (--strict)"
                                                                 if strict else ""))
    for p in products[:5]:
        click.echo(f"  {p.handle}: {p.title} | {p.description[:70]}" + (f"  [{'; '.join(p.reasons)}]"
                                                                         if p.flagged else ""))
    for fmt, path in written.items():
        click.echo(f"{fmt}: {path}")
