"""An HTML catalogue page: one card per product (image, title, tags with confidences, description,
check results). One self-contained file: inline CSS, images by their relative file names next to
the page (no external assets, no scripts)."""

from __future__ import annotations

import html
import os
from pathlib import Path

from modiste.atomic import atomic_write_text
from modiste.products.record import Product

STYLE = """body{font-family:system-ui,sans-serif;margin:1.5em;background:#fafafa;color:#222}
.grid{display:flex;flex-wrap:wrap;gap:1em}.card{background:#fff;border:1px solid #ddd;border-radius:6px;
width:300px;padding:.8em}.card.flagged{border-color:#c33}.card img{width:100%;image-rendering:auto;
background:#fff}.tags{font-size:12px;color:#444}.tags span{display:inline-block;margin:1px 4px 1px 0;
padding:1px 5px;border-radius:3px;background:#eef}.tags span.abstain{background:#fee}
.desc{font-size:14px}.checks{font-size:12px;margin:.4em 0 0;padding-left:1.2em}.pass{color:#275}
.fail{color:#b22}.swatch{display:inline-block;width:10px;height:10px;border:1px solid #999;margin-right:3px}"""


def product_card(p: Product) -> str:
    """The HTML of one product card (every text escaped)."""
    e = html.escape
    tags = []
    for attr, tag in p.tags.tags.items():
        cls = " class='abstain'" if tag.abstained else ""
        shown = f"abstain (best {tag.top})" if tag.abstained else tag.label
        tags.append(f"<span{cls}>{e(attr)}: {e(shown)} {tag.confidence:.2f}</span>")
    if p.tags.colour is not None:
        c = p.tags.colour
        tags.append(f"<span><i class='swatch' style='background:{e(c.hex)}'></i>rule colour: {e(c.name)} "
                    f"{c.share:.2f}</span>")
    checks = "".join(f"<li class='{'pass' if c.passed else 'fail'}'>{e(c.name)}: "
                     f"{'passed' if c.passed else 'FAILED'}{' - ' + e(c.reason) if c.reason else ''}</li>"
                     for c in p.checks)
    image = f"<img src='{e(p.image_file)}' alt='{e(p.title)}'>" if p.image_file else ""
    return (f"<div class='card{' flagged' if p.flagged else ''}' id='{e(p.handle)}'>{image}"
            f"<h3>{e(p.title)}</h3><div class='tags'>{''.join(tags)}</div>"
            f"<p class='desc'>{e(p.description) or '<em>no description</em>'}</p><ul class='checks'>{checks}</ul>"
            f"<div class='tags'>{e(p.handle)}</div></div>")


def catalogue_html(products: list[Product], title: str = "Modiste catalogue") -> str:
    flagged = sum(p.flagged for p in products)
    return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
            f"<p>{len(products)} products, {flagged} flagged by a check.</p><div class='grid'>"
            + "".join(product_card(p) for p in products) + "</div></body></html>\n")


def write_html(products: list[Product], path: str | os.PathLike, title: str = "Modiste catalogue") -> Path:
    """Write the catalogue page atomically; images are referenced by `Product.image_file`."""
    atomic_write_text(path, catalogue_html(products, title))
    return Path(path)
