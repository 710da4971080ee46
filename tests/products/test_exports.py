"""Exports: the golden Shopify CSV, the HTML catalogue, the JSON Lines round trip, stable image names."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
import torch

from modiste.errors import ModisteError
from modiste.products.checks import CheckResult
from modiste.products.colour import RuleColour
from modiste.products.export import export_products
from modiste.products.export.jsonl import read_jsonl
from modiste.products.record import Product
from modiste.products.tagging import ImageTags, Tag

GOLDEN = Path(__file__).parent / "golden" / "shopify_products.csv"
# The header of Shopify's current product CSV template (the sample file of the Help Center page "Using CSV
# files to import and export products"), written out in full so the code's column list is checked against it
SHOPIFY_HEADER = (
    "Title,URL handle,Description,Vendor,Product category,Type,Tags,Published on online store,Status,SKU,Barcode,"
    "Option1 name,Option1 value,Option1 Linked To,Option2 name,Option2 value,Option2 Linked To,"
    "Option3 name,Option3 value,Option3 Linked To,Price,Compare-at price,Cost per item,Charge tax,Tax code,"
    "Unit price total measure,Unit price total measure unit,Unit price base measure,Unit price base measure unit,"
    "Inventory tracker,Inventory quantity,Continue selling when out of stock,Weight value (grams),"
    "Weight unit for display,Requires shipping,Fulfillment service,Product image URL,Image position,"
    "Image alt text,Variant image URL,Gift card,SEO title,SEO description,"
    "Color (product.metafields.shopify.color-pattern),Google Shopping / Google product category,"
    "Google Shopping / Gender,Google Shopping / Age group,Google Shopping / Manufacturer part number (MPN),"
    "Google Shopping / Ad group name,Google Shopping / Ads labels,Google Shopping / Condition,"
    "Google Shopping / Custom product,Google Shopping / Custom label 0,Google Shopping / Custom label 1,"
    "Google Shopping / Custom label 2,Google Shopping / Custom label 3,Google Shopping / Custom label 4"
)


def planted_products() -> list[Product]:
    """Two fixed products: a passing red dress and a flagged navy t-shirt (a description with a comma and quotes)."""
    red = torch.zeros(3, 24, 16, dtype=torch.uint8)
    red[0] = 200
    navy = torch.full((3, 24, 16), 40, dtype=torch.uint8)
    dress = Product(
        "dresses-seed-0007", "Women Red Dress", "A red sleeveless dress with an asymmetric hem.",
        ImageTags({"articleType": Tag("Dresses", "Dresses", 0.93), "baseColour": Tag("Red", "Red", 0.81),
                   "gender": Tag("Women", "Women", 0.97)}, RuleColour("red", "Red", "#c8202c", 0.9, 0.4)),
        "women red dress", [CheckResult("image_category", True, "", {"requested": "Dresses"}),
                            CheckResult("colour_words", True)],
        {"source": "seed", "seed": 7}, red, requested_class="Dresses")
    shirt = Product(
        "tshirts-seed-0002", "Men Navy Blue T-shirt", 'A "classic" tee, in black.',
        ImageTags({"articleType": Tag("abstain", "Tshirts", 0.41), "baseColour": Tag("Navy Blue", "Navy Blue", 0.7),
                   "gender": Tag("Men", "Men", 0.88)}, None),
        "men navy blue t-shirt", [CheckResult("image_category", False, "the tagger abstained on articleType"),
                                  CheckResult("colour_words", False, "the description says black but the image is "
                                                                     "Navy Blue")],
        {"source": "seed", "seed": 2}, navy, requested_class="Tshirts")
    return [dress, shirt]


def test_shopify_csv_matches_golden_file(tmp_path):
    written = export_products(planted_products(), tmp_path, ("shopify",), vendor="Modiste",
                              image_base_url="https://shop.example/catalogue")  # the "/" is added
    text = written["shopify"].read_text(encoding="utf-8")
    assert text.splitlines()[0] == SHOPIFY_HEADER
    assert text == GOLDEN.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["URL handle"] for r in rows] == ["dresses-seed-0007", "tshirts-seed-0002"]
    assert rows[0]["Status"] == "active" and rows[0]["Published on online store"] == "TRUE"
    assert rows[1]["Status"] == "draft" and rows[1]["Published on online store"] == "FALSE"  # flagged: never goes live
    assert rows[1]["Description"] == "<p>A &quot;classic&quot; tee, in black.</p>"
    assert rows[0]["Product image URL"] == "https://shop.example/catalogue/images/dresses-seed-0007.png"
    assert all(len(r) == SHOPIFY_HEADER.count(",") + 1 for r in rows)


def test_html_page_holds_every_product(tmp_path):
    products = planted_products()
    written = export_products(products, tmp_path, ("html",))
    page = written["html"].read_text(encoding="utf-8")
    assert len(re.findall(r"<div class='card", page)) == len(products)
    for p in products:
        assert f"id='{p.handle}'" in page and f"src='images/{p.handle}.png'" in page
        assert (tmp_path / "images" / f"{p.handle}.png").is_file()
    assert "abstain (best Tshirts)" in page and "FAILED" in page and "&quot;classic&quot;" in page
    assert "http" not in page and "<script" not in page  # no external assets


def test_jsonl_round_trip(tmp_path):
    products = planted_products()
    written = export_products(products, tmp_path, ("jsonl",))
    back = read_jsonl(written["jsonl"], with_images=True)
    assert [p.to_json() for p in back] == [p.to_json() for p in products]
    assert torch.equal(back[0].image, products[0].image)
    assert back[1].flagged and back[1].reasons[0].startswith("image_category: ")


def test_image_names_are_stable(tmp_path):
    export_products(planted_products(), tmp_path / "a", ("jsonl",))
    export_products(planted_products()[::-1], tmp_path / "b", ("jsonl",))
    for name in ("dresses-seed-0007.png", "tshirts-seed-0002.png"):
        assert (tmp_path / "a" / "images" / name).read_bytes() == (tmp_path / "b" / "images" / name).read_bytes()


def test_duplicate_handles_and_unknown_format_are_refused(tmp_path):
    p = planted_products()
    with pytest.raises(ModisteError, match="share the handle"):
        export_products([p[0], p[0]], tmp_path / "x")
    with pytest.raises(ModisteError, match="unknown export format"):
        export_products(p, tmp_path / "y", ("xml",))
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


@pytest.mark.parametrize("base, url", [
    ("https://cdn.example.com/shop", "https://cdn.example.com/shop/images/dresses-seed-0007.png"),
    ("https://cdn.example.com/shop/", "https://cdn.example.com/shop/images/dresses-seed-0007.png"),
    ("https://cdn.example.com/my shop", "https://cdn.example.com/my%20shop/images/dresses-seed-0007.png"),
    ("", "images/dresses-seed-0007.png"),
    ("   ", "images/dresses-seed-0007.png"),  # blank is none, as the default
    ("HTTPS://CDN.example.com:8080/shop", "https://cdn.example.com:8080/shop/images/dresses-seed-0007.png"),
    ("https://bücher.example/x", "https://xn--bcher-kva.example/x/images/dresses-seed-0007.png"),
])
def test_shopify_image_urls(tmp_path, base, url):
    written = export_products(planted_products(), tmp_path, ("shopify",), image_base_url=base)
    rows = list(csv.DictReader(io.StringIO(written["shopify"].read_text(encoding="utf-8"))))
    assert rows[0]["Product image URL"] == url


def test_a_second_export_into_the_same_folder_is_refused_unless_overwrite(tmp_path):
    first, second = planted_products(), planted_products()[:1]
    export_products(first, tmp_path / "out", ("jsonl",))
    before = (tmp_path / "out" / "products.jsonl").read_bytes()
    with pytest.raises(ModisteError, match="already holds a product export"):
        export_products(second, tmp_path / "out", ("jsonl",))
    assert (tmp_path / "out" / "products.jsonl").read_bytes() == before  # nothing lost
    export_products(second, tmp_path / "out", ("jsonl",), overwrite=True)
    assert len((tmp_path / "out" / "products.jsonl").read_text().splitlines()) == 1
