"""Writing a product list to a folder: images first, then each format, every file atomically."""

from __future__ import annotations

import os
from pathlib import Path

from modiste.errors import ModisteError
from modiste.gan.images import save_image
from modiste.products.record import Product

FORMATS = ("jsonl", "html", "shopify")
IMAGE_DIR = "images"


def image_name(product: Product) -> str:
    """Stable relative file name of a product's image: images/<handle>.png."""
    return f"{IMAGE_DIR}/{product.handle}.png"


def check_outdir(outdir: str | os.PathLike) -> Path:
    """Refuse an output folder that cannot hold the exports (a file in its place or in images/'s).

    Called before any product is composed, so a bad --outdir costs nothing and writes nothing.
    Raises ModisteError naming the blocking file.
    """
    from modiste.products.outputs import blocking_file

    outdir = Path(outdir)
    blocker = blocking_file(outdir / IMAGE_DIR)
    if blocker is not None:
        raise ModisteError(f"output folder '{outdir}': '{blocker}' is a file: pass another --outdir")
    return outdir


def write_images(products: list[Product], outdir: str | os.PathLike) -> None:
    """Save each product's image under outdir/images/<handle>.png and record the name in `image_file`."""
    outdir = Path(outdir)
    (outdir / IMAGE_DIR).mkdir(parents=True, exist_ok=True)
    for p in products:
        if p.image is not None:
            save_image(p.image, outdir / image_name(p))
            p.image_file = image_name(p)


def export_products(products: list[Product], outdir: str | os.PathLike, formats: tuple[str, ...] = FORMATS,
                    vendor: str = "Modiste", image_base_url: str = "") -> dict[str, Path]:
    """Write `products` in `formats` into `outdir`; returns {format: file}.

    Raises ModisteError for an unknown format or duplicate handles (they would overwrite each other).
    """
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ModisteError(f"unknown export format {unknown[0]!r}: use {', '.join(FORMATS)}")
    handles = [p.handle for p in products]
    if len(set(handles)) != len(handles):
        dup = next(h for h in handles if handles.count(h) > 1)
        raise ModisteError(f"two products share the handle {dup!r}: give each product its own seed or name")
    from modiste.products.export.html import write_html
    from modiste.products.export.jsonl import write_jsonl
    from modiste.products.export.shopify import write_shopify_csv

    outdir = check_outdir(outdir)
    write_images(products, outdir)
    written = {}
    if "jsonl" in formats:
        written["jsonl"] = write_jsonl(products, outdir / "products.jsonl")
    if "html" in formats:
        written["html"] = write_html(products, outdir / "catalogue.html")
    if "shopify" in formats:
        written["shopify"] = write_shopify_csv(products, outdir / "shopify_products.csv", vendor, image_base_url)
    return written
