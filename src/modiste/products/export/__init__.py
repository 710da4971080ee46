"""Exports of a product list: JSON Lines, an HTML catalogue page, a Shopify product CSV.

    from modiste.products.export import export_products
    export_products(products, "out/", formats=("jsonl", "html", "shopify"))

Images are written next to the export as `images/<handle>.png` (stable names: the same product
always gets the same file), and every format refers to them by that relative name.
"""

from modiste.products.export.write import FORMATS, export_products, write_images

__all__ = ["FORMATS", "export_products", "write_images"]
