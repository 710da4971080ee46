"""Products: tag images, compose checked products (image, tags, description, title), export them.

    from modiste.products import ImageTagger, ProductComposer, export_products, read_image
    tags = ImageTagger("runs/tagger").tag(images)            # uint8 [N, 3, H, W] -> list[ImageTags]
    composer = ProductComposer("runs/product-model", "runs/tagger", "runs/text-model", "runs/taxonomy")
    products = composer.compose(seeds=range(50), class_name="Dresses")
    photo = composer.from_image(read_image("photo.jpg"), name="photo")
    export_products(products, "out/")                        # products.jsonl, catalogue.html, shopify CSV

The CLI (`modiste tagger`, `modiste product`) and the studio server only wrap these.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["ImageTagger", "ImageTags", "Product", "ProductComposer", "SamplingSettings", "Tag", "export_products",
           "read_image", "read_jsonl", "rule_colour", "tag_images"]

_WHERE = {
    "ImageTagger": "modiste.products.tagging", "ImageTags": "modiste.products.tagging",
    "Tag": "modiste.products.tagging", "read_image": "modiste.products.tagging",
    "Product": "modiste.products.record", "ProductComposer": "modiste.products.compose",
    "SamplingSettings": "modiste.products.generation", "export_products": "modiste.products.export",
    "read_jsonl": "modiste.products.export.jsonl", "rule_colour": "modiste.products.colour",
}

if TYPE_CHECKING:
    from modiste.products.colour import rule_colour
    from modiste.products.compose import ProductComposer
    from modiste.products.export import export_products
    from modiste.products.export.jsonl import read_jsonl
    from modiste.products.generation import SamplingSettings
    from modiste.products.record import Product
    from modiste.products.tagging import ImageTagger, ImageTags, Tag, read_image


def tag_images(images: Any, tagger: Any, device: str = "cpu") -> list:
    """Tags of uint8 images [N, 3, H, W] with a tagger folder or a loaded `ImageTagger`."""
    from modiste.products.tagging import ImageTagger

    model = tagger if isinstance(tagger, ImageTagger) else ImageTagger(tagger, device=device)
    return model.tag(images)


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'modiste.products' has no attribute {name!r}")
