"""JSON Lines: one product record per line (`Product.to_json`, written by `export.write.ExportWriter`),
read back with `read_jsonl`."""

from __future__ import annotations

import json
import os
from pathlib import Path

from modiste.errors import ModisteError
from modiste.products.record import Product


def record_line(product: Product) -> str:
    """One product as a JSON Lines line (UTF-8 text, no pixels, ending in a newline)."""
    return json.dumps(product.to_json(), ensure_ascii=False, sort_keys=True) + "\n"


def read_jsonl(path: str | os.PathLike, with_images: bool = False) -> list[Product]:
    """Products from a JSON Lines file; with `with_images`, each image is read from its `image_file`.

    Raises ModisteError for a missing file or a malformed line (naming the line). In the
    products.jsonl.partial of an interrupted run, a last line cut off mid-write is skipped.
    """
    path = Path(path)
    if not path.is_file():
        raise ModisteError(f"'{path}' not found: pass a products.jsonl written by `modiste product`")
    text = path.read_text(encoding="utf-8")
    if path.name.endswith(".partial") and not text.endswith("\n"):
        text = text[:text.rfind("\n") + 1]
    products = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
            image = None
            if with_images and obj.get("image_file"):
                from modiste.products.tagging import read_image

                image = read_image(path.parent / obj["image_file"])
            products.append(Product.from_json(obj, image))
        except (ValueError, KeyError, TypeError) as e:
            raise ModisteError(f"'{path}' line {number} is not a product record ({type(e).__name__}: {e}): "
                               "re-export the products") from None
    return products
