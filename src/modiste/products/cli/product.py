"""`modiste product`: compose checked products from a generator, a tagger and a text model."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from modiste.cli_options import DEVICE
from modiste.errors import ModisteError

if TYPE_CHECKING:
    from modiste.products.record import Product


@click.command()
@click.option("--generator", default=None, help="Generator run folder or snapshot (not needed with --image).")
@click.option("--tagger", "tagger_dir", required=True, help="Tagger folder from `modiste tagger train`.")
@click.option("--text-model", required=True, help="Description model: a `modiste text train` run or model folder.")
@click.option("--text-taxonomy", default=None,
              help="Text taxonomy classifier folder (for the description-category check; skipped without).")
@click.option("--n", "count", type=int, default=50, show_default=True,
              help="Number of products (seeds 0..n-1), 1 to 100000.")
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
@click.option("--text-candidates", type=int, default=4, show_default=True,
              help="Descriptions sampled per product (1 to 32); the one passing most checks is kept.")
@click.option("--strict", is_flag=True,
              help="Drop products that fail a check (default: keep them, flagged); an error if every one fails.")
@click.option("--confirm-category", is_flag=True,
              help="Flag a product whose description the text classifier cannot place (undetermined) instead of "
                   "passing it: only confirmed categories pass. Needs --text-taxonomy.")
@click.option("--formats", default="jsonl,html,shopify", show_default=True,
              help="Exports to write: any of the default's, comma-separated.")
@click.option("--vendor", default="Modiste", show_default=True, help="Vendor column of the Shopify CSV.")
@click.option("--image-base-url", default="",
              help="Address the --outdir folder will be served from: the Shopify CSV's Product image URL is "
                   "this, '/', images/<handle>.png.")
@click.option("--outdir", required=True,
              help="New folder (or one without a previous export) for images/, products.jsonl, catalogue.html, "
                   "shopify_products.csv. Each product's image and record are written as it is finished, the "
                   "records to products.jsonl.partial, renamed to products.jsonl at the end: an interrupted run "
                   "keeps its finished products there.")
@click.option("--device", type=DEVICE, default="cpu", show_default=True, help="auto uses CUDA when present.")
@click.option("--quiet", is_flag=True)
def product(generator: str | None, tagger_dir: str, text_model: str, text_taxonomy: str | None, count: int,
            seeds: str | None, class_name: str | None, images: tuple[str, ...], latents: str | None,
            truncation: float, truncation_center: str | None, text_temperature: float, text_top_p: float,
            max_new_tokens: int, text_candidates: int, strict: bool, confirm_category: bool, formats: str,
            vendor: str, image_base_url: str, outdir: str, device: str, quiet: bool) -> None:
    """Compose products: generated image -> tags -> context -> description -> title -> checks -> exports.

    Bad input (a flag out of range, an unreadable --image or --latents, an --outdir holding a previous
    export) is refused before any model is loaded or any file written.
    """
    from tqdm import tqdm

    from modiste.cli_options import given_flags, refuse_together
    from modiste.gan.generate import check_truncation_psi
    from modiste.interrupts import sigterm_as_keyboard_interrupt
    from modiste.latent import load_latents
    from modiste.latent.cli.options import resolve_device_text
    from modiste.products.checks import is_undetermined
    from modiste.products.compose import ProductComposer, check_text_settings, slug
    from modiste.products.export.shopify import check_image_base_url
    from modiste.products.export.write import ExportWriter, check_new_outdir, parse_formats
    from modiste.products.generation import SamplingSettings, product_seeds, resolve_class
    from modiste.products.tagging import image_paths, read_image
    from modiste.text.generate import SamplingOptions, check_sampling

    wanted = parse_formats(formats)
    image_base_url = check_image_base_url(image_base_url)
    check_text_settings(text_candidates, confirm_category, text_taxonomy is not None)
    check_sampling(text_temperature, text_top_p, max_new_tokens,
                   ("--text-temperature", "--text-top-p", "--max-new-tokens"))
    truncation = check_truncation_psi(truncation)
    if images and latents:
        raise ModisteError("--image and --latents were both given: compose from one of them per run")
    if images:
        refuse_together(given_flags("generator"), "with --image (the photos are the products' images)")
    if images or latents:
        refuse_together(given_flags("count", "seeds", "truncation", "truncation_center"),
                        f"with {'--image' if images else '--latents'} (each {'photo' if images else 'row'} is one "
                        "product; seeds and truncation choose generated images)")
    if seeds is not None:
        refuse_together(given_flags("count"), "with --seeds (the seeds choose the products)")
    files = image_paths(images) if images else []
    seed_list = product_seeds(count, seeds) if not files and not latents else []
    out = check_new_outdir(outdir)
    handles = [slug(f.stem) for f in files]
    if len(set(handles)) != len(handles):
        dup = next(h for h in handles if handles.count(h) > 1)
        names = [str(f) for f, h in zip(files, handles) if h == dup]
        raise ModisteError(f"photos {', '.join(names)} would share the handle {dup!r}: rename one of them")
    for f in files:
        read_image(f)  # an unreadable photo fails now, not after the models load and the photos before it
    if not files and generator is None:
        raise ModisteError("no generator: pass --generator a run folder or snapshot (or --image PHOTO)")
    if latents:
        load_latents(latents)  # a missing or damaged file fails before the models load
    device = resolve_device_text(device)  # a missing GPU fails here, before the models load
    composer = ProductComposer(
        generator, tagger_dir, text_model, text_taxonomy, SamplingSettings(truncation, truncation_center),
        SamplingOptions(temperature=text_temperature, top_p=text_top_p, max_new_tokens=max_new_tokens), device,
        confirm_category=confirm_category, text_candidates=text_candidates)
    if files or latents:
        composer.check_requested_class(class_name)
    else:
        resolve_class(composer.require_generator(), class_name)  # the generator's own classes first
        try:  # a generator class the tagger folded into "other" (or never saw) can never pass the image check
            composer.check_requested_class(class_name)
        except ModisteError as e:
            click.echo(f"warning: the image check will fail on every product: {e}", err=True)
    note = composer.resolution_warning() if not files else None
    if note:
        click.echo(f"warning: {note}", err=True)
    if files:
        total = len(files)
        stream = (composer.from_image(read_image(f), f.stem, class_name, i) for i, f in enumerate(files))
    elif latents:
        total = len(load_latents(latents, composer.require_generator()))
        stream = (composer.from_latents(latents, r, class_name, r) for r in range(total))
    else:
        total, stream = len(seed_list), composer.iter_compose(seed_list, class_name)

    products = []
    with ExportWriter(out, wanted, vendor=vendor, image_base_url=image_base_url) as writer:
        try:
            # tqdm is closed before any error line; `kill`/`timeout` end the run as Ctrl-C does
            with sigterm_as_keyboard_interrupt(), tqdm(total=total, disable=quiet, desc="products") as bar:
                for p in stream:
                    products.append(p)
                    if not (strict and p.flagged):
                        writer.add(p)
                    p.image = None  # written (or dropped): the run holds records, not pixels
                    bar.update()
        except BaseException:  # an error or Ctrl-C: say where the finished products are
            if writer.products:
                kept = len(writer.products)
                click.echo(f"kept the {kept} finished product{'s' if kept != 1 else ''}: records in "
                           f"{writer.partial_path}, images in {out / 'images'}", err=True)
            raise
        if not writer.products:
            raise all_flagged_error(products)
        written = writer.finish()
    flagged = sum(p.flagged for p in products)
    unconfirmed = sum(not p.flagged and any(map(is_undetermined, p.checks)) for p in products)
    click.echo(f"{len(products)} products, {flagged} flagged" + (f", {len(products) - len(writer.products)} dropped "
                                                                 "(--strict)" if strict else ""))
    if unconfirmed:
        click.echo(f"{unconfirmed} of the unflagged products {'pass' if unconfirmed != 1 else 'passes'} with an "
                   "undetermined description category (--confirm-category flags them)")
    for p in products[:5]:
        click.echo(f"  {p.handle}: {p.title} | {p.description[:70]}" + (f"  [{'; '.join(p.reasons)}]"
                                                                         if p.flagged else ""))
    for fmt, path in written.items():
        click.echo(f"{fmt}: {path}")
    if "shopify" in written and not image_base_url:
        click.echo("warning: no --image-base-url: the Shopify CSV's image URLs are relative (images/<handle>.png) "
                   "and Shopify cannot fetch them; pass the https:// address --outdir will be served from", err=True)


def all_flagged_error(products: list[Product]) -> ModisteError:
    """The error of a --strict run that dropped every product: how many, and the checks that failed most."""
    from collections import Counter

    failed = [c for p in products for c in p.checks if not c.passed]
    counts = Counter(c.name for c in failed)
    example = {}
    for c in failed:
        example.setdefault(c.name, c.reason)
    common = "; ".join(f"{name} failed on {n}, e.g. '{example[name]}'" for name, n in counts.most_common(2))
    return ModisteError(f"--strict dropped every product: all {len(products)} were flagged ({common}): "
                        "run without --strict to keep them, flagged, and inspect their reasons")
