"""A Shopify product CSV: the columns of Shopify's current product CSV template, one row per product.

Columns (in order) are those of the sample file linked from the Shopify Help Center page "Using CSV
files to import and export products" in its current form ("URL handle", "Description", "Product
image URL", "Inventory quantity", ...; the older exports' "Handle" / "Body (HTML)" / "Variant ..."
names were renamed). Store-specific columns (market prices, metafields other than the colour
pattern) are left out. Each product is a single variant ("Title" / "Default Title") with one image.
Flagged products are written as drafts ("Published on online store" FALSE, Status draft) so nothing
that failed a check goes live; others are active. Prices are left empty for the merchant. "Product
image URL" is `image_base_url`, a "/", and the image's path in the export (images/<handle>.png):
Shopify fetches images from public URLs, so pass the address the export folder will be served from.
"""

from __future__ import annotations

import csv
import html
import io
import os
from pathlib import Path

from modiste.atomic import atomic_write_text
from modiste.products.record import Product

_OPTIONS = tuple(f"Option{i} {part}" for i in (1, 2, 3) for part in ("name", "value", "Linked To"))
_UNIT_PRICE = tuple(f"Unit price {m}" for m in ("total measure", "total measure unit", "base measure",
                                                  "base measure unit"))
_GOOGLE = tuple(f"Google Shopping / {c}" for c in (
    "Google product category", "Gender", "Age group", "Manufacturer part number (MPN)", "Ad group name",
    "Ads labels", "Condition", "Custom product", *(f"Custom label {i}" for i in range(5))))
COLUMNS = (
    "Title", "URL handle", "Description", "Vendor", "Product category", "Type", "Tags",
    "Published on online store", "Status", "SKU", "Barcode", *_OPTIONS, "Price", "Compare-at price",
    "Cost per item", "Charge tax", "Tax code", *_UNIT_PRICE, "Inventory tracker", "Inventory quantity",
    "Continue selling when out of stock", "Weight value (grams)", "Weight unit for display", "Requires shipping",
    "Fulfillment service", "Product image URL", "Image position", "Image alt text", "Variant image URL",
    "Gift card", "SEO title", "SEO description", "Color (product.metafields.shopify.color-pattern)", *_GOOGLE,
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


def check_image_base_url(base_url: str) -> str:
    """Return `base_url` ("" or blank: none) as a clean absolute http(s) address: host in IDNA (punycode)
    form, port checked, path percent-encoded. Shopify fetches each image from base + /images/<handle>.png.

    Raises ModisteError for another scheme, no or an invalid host or port, credentials (the CSV is
    published), a ?query or #fragment, control characters, or a broken %-escape.
    """
    import re
    from urllib.parse import quote, urlsplit, urlunsplit

    from modiste.errors import ModisteError

    if not base_url.strip():
        return ""
    example = "pass where the export folder will be served, e.g. https://cdn.example.com/catalogue"

    def refuse(why: str) -> ModisteError:
        return ModisteError(f"--image-base-url {base_url!r} {why}: {example}")

    if any(ord(ch) < 32 or ord(ch) == 127 for ch in base_url):
        raise refuse("holds a control character (a newline?)")
    parts = urlsplit(base_url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise refuse("is not an absolute http(s) address without ?query or #fragment")
    if parts.username is not None or parts.password is not None:
        raise refuse("holds a user name or password, which the published CSV would show")
    try:
        port = parts.port
        host = parts.hostname.encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        raise refuse("has an invalid port or host name") from None
    label = r"(?!-)[a-z0-9-]{1,63}(?<!-)"
    if not re.fullmatch(rf"{label}(\.{label})*\.?", host):
        raise refuse("has an invalid host name")
    if re.search(r"%(?![0-9A-Fa-f]{2})", parts.path):
        raise refuse("has a broken %-escape in its path")
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme.lower(), netloc, quote(parts.path, safe="/%"), "", ""))


def image_url(base_url: str, image_file: str) -> str:
    """`base_url` joined to the export-relative `image_file` with exactly one "/" ("" base: the path alone)."""
    return f"{base_url.rstrip('/')}/{image_file}" if base_url else image_file


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
        "Title": p.title, "URL handle": p.handle, "Description": f"<p>{html.escape(p.description)}</p>",
        "Vendor": vendor, "Product category": CATEGORY.get("Dress" if kind == "Dresses" else sub, ""),
        "Type": kind, "Tags": ", ".join(tags), "Published on online store": "FALSE" if p.flagged else "TRUE",
        "Status": "draft" if p.flagged else "active", "SKU": p.handle.upper(),
        "Option1 name": "Title", "Option1 value": "Default Title", "Charge tax": "TRUE",
        "Inventory tracker": "shopify", "Inventory quantity": "0", "Continue selling when out of stock": "DENY",
        "Weight value (grams)": "0", "Weight unit for display": "kg", "Requires shipping": "TRUE",
        "Fulfillment service": "manual",
        "Product image URL": image_url(image_base_url, p.image_file) if p.image_file else "",
        "Image position": "1" if p.image_file else "", "Image alt text": p.title if p.image_file else "",
        "Gift card": "FALSE", "SEO title": p.title[:70], "SEO description": p.description[:320],
        "Google Shopping / Gender": GOOGLE_GENDER.get(gender, ""),
        "Google Shopping / Age group": "kids" if gender in ("Boys", "Girls") else ("adult" if gender else ""),
        "Google Shopping / Condition": "new", "Google Shopping / Custom product": "TRUE",
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
