"""A Shopify product CSV: the column layout of Shopify's product CSV template, one row per product.

Columns (in order) follow the product template / products export of the Shopify admin in the
"Body (HTML)" naming (Shopify Help Center, "Using CSV files to import and export products"), without
the columns that depend on a particular store (market prices, metafields). Each product is a single
variant ("Title" / "Default Title") with one image. Flagged products are written as drafts
(Published FALSE, Status draft) so nothing that failed a check goes live; others are active.
Prices are left empty for the merchant. `Image Src` is `image_base_url` + the image's file name:
Shopify fetches images from public URLs, so pass the address the images folder will be served from.
"""

from __future__ import annotations

import csv
import html
import io
import os
from pathlib import Path

from modiste.atomic import atomic_write_text
from modiste.products.record import Product

COLUMNS = (
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Option1 Linked To", "Option2 Name", "Option2 Value", "Option2 Linked To",
    "Option3 Name", "Option3 Value", "Option3 Linked To", "Variant SKU", "Variant Grams",
    "Variant Inventory Tracker", "Variant Inventory Qty", "Variant Inventory Policy",
    "Variant Fulfillment Service", "Variant Price", "Variant Compare At Price", "Variant Requires Shipping",
    "Variant Taxable", "Unit Price Total Measure", "Unit Price Total Measure Unit", "Unit Price Base Measure",
    "Unit Price Base Measure Unit", "Variant Barcode", "Image Src", "Image Position", "Image Alt Text",
    "Gift Card", "SEO Title", "SEO Description", "Google Shopping / Google Product Category",
    "Google Shopping / Gender", "Google Shopping / Age Group", "Google Shopping / MPN",
    "Google Shopping / Condition", "Google Shopping / Custom Product", "Google Shopping / Custom Label 0",
    "Google Shopping / Custom Label 1", "Google Shopping / Custom Label 2", "Google Shopping / Custom Label 3",
    "Google Shopping / Custom Label 4", "Variant Image", "Variant Weight Unit", "Variant Tax Code",
    "Cost per item", "Status",
)

# catalogue masterCategory/subCategory -> Shopify Standard Product Taxonomy path (apparel subset)
CATEGORY = {
    "Topwear": "Apparel & Accessories > Clothing > Clothing Tops",
    "Bottomwear": "Apparel & Accessories > Clothing > Pants",
    "Dress": "Apparel & Accessories > Clothing > Dresses",
    "Shoes": "Apparel & Accessories > Shoes", "Sandal": "Apparel & Accessories > Shoes",
    "Flip Flops": "Apparel & Accessories > Shoes", "Bags": "Apparel & Accessories > Handbags, Wallets & Cases",
    "Watches": "Apparel & Accessories > Jewelry > Watches",
    "Eyewear": "Apparel & Accessories > Clothing Accessories > Sunglasses",
}
GOOGLE_GENDER = {"Men": "male", "Boys": "male", "Women": "female", "Girls": "female", "Unisex": "unisex"}


def product_row(p: Product, vendor: str = "Modiste", image_base_url: str = "") -> dict[str, str]:
    """The CSV row of one product (every column present, unused ones empty)."""
    row = dict.fromkeys(COLUMNS, "")
    kind = p.label("articleType") or p.requested_class or ""
    sub = p.label("subCategory") or ""
    tags = [f"{attr}:{t.label}" for attr, t in p.tags.tags.items() if not t.abstained]
    if p.flagged:
        tags.append("modiste:flagged")
    gender = p.label("gender") or ""
    row.update({
        "Handle": p.handle, "Title": p.title, "Body (HTML)": f"<p>{html.escape(p.description)}</p>",
        "Vendor": vendor, "Product Category": CATEGORY.get("Dress" if kind == "Dresses" else sub, ""),
        "Type": kind, "Tags": ", ".join(tags), "Published": "FALSE" if p.flagged else "TRUE",
        "Option1 Name": "Title", "Option1 Value": "Default Title", "Variant SKU": p.handle.upper(),
        "Variant Grams": "0", "Variant Inventory Tracker": "shopify", "Variant Inventory Qty": "0",
        "Variant Inventory Policy": "deny", "Variant Fulfillment Service": "manual",
        "Variant Requires Shipping": "TRUE", "Variant Taxable": "TRUE",
        "Image Src": image_base_url + p.image_file if p.image_file else "",
        "Image Position": "1" if p.image_file else "", "Image Alt Text": p.title if p.image_file else "",
        "Gift Card": "FALSE", "SEO Title": p.title[:70], "SEO Description": p.description[:320],
        "Google Shopping / Gender": GOOGLE_GENDER.get(gender, ""),
        "Google Shopping / Age Group": "kids" if gender in ("Boys", "Girls") else ("adult" if gender else ""),
        "Google Shopping / Condition": "new", "Google Shopping / Custom Product": "TRUE",
        "Variant Weight Unit": "kg", "Status": "draft" if p.flagged else "active",
    })
    return row


def shopify_csv(products: list[Product], vendor: str = "Modiste", image_base_url: str = "") -> str:
    """The CSV text: the header row, then one row per product (RFC 4180 quoting, \\n line ends)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for p in products:
        writer.writerow(product_row(p, vendor, image_base_url))
    return buf.getvalue()


def write_shopify_csv(products: list[Product], path: str | os.PathLike, vendor: str = "Modiste",
                      image_base_url: str = "") -> Path:
    """Write the Shopify product CSV atomically (UTF-8)."""
    atomic_write_text(path, shopify_csv(products, vendor, image_base_url))
    return Path(path)
