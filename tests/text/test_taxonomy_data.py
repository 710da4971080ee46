"""Catalogue texts mapped to the tagger's taxonomy (the Myntra columns differ from the styles file's)."""

import csv

import pytest

from modiste.errors import ModisteError
from modiste.text.taxonomy_data import TaxonomyLexicon, read_myntra, read_styles


@pytest.fixture(scope="module")
def styles(shared_data):
    return read_styles(shared_data / "fashion-products-224" / "styles_all_44446.csv")


@pytest.fixture(scope="module")
def lexicon(styles):
    return TaxonomyLexicon(styles)


def test_styles_titles_carry_their_own_labels(styles, shared_data):
    with (shared_data / "fashion-products-224" / "styles_all_44446.csv").open(encoding="utf-8") as f:
        titled = sum(1 for row in csv.DictReader(f) if row["productDisplayName"].strip())
    assert len(styles) == titled > 44000
    first = styles[0]
    assert first.text == "Turtle Check Men Navy Blue Shirt" and first.source == "title"
    assert first.labels == {"masterCategory": "Apparel", "subCategory": "Topwear", "articleType": "Shirts", "gender": "Men",
                            "baseColour": "Navy Blue"}
    assert not any(s.labels.get("baseColour") == "NA" for s in styles)


@pytest.mark.parametrize("name, article, colour", [
    ("Pepe Jeans Boys Olive Green Mid-Rise Cargo Shorts", "Shorts", "Olive"),  # brand word 'Jeans' is not the product
    ("Newport Men Off-White Printed Round Neck T-shirt", "Tshirts", "Off White"),
    ("EthnoVogue Women Sea Green Embroidered Kurti with Palazzos & Dupatta", "Kurtis", "Sea Green"),
    ("Kraus Jeans Women K4041 Navy Blue Washed Regular Fit Denim High Rise Shorts", "Shorts", "Navy Blue"),
    ("CASIO Enticer Women Rose Gold Analogue watch A1590", "Watches", "Rose"),
    ("Mufti Men Navy Blue Regular Fit Printed Casual Shirt", "Shirts", "Navy Blue"),
    ("VRINDA Coffee Brown Printed Curtain", None, "Coffee Brown"),  # home goods: no article type
])
def test_product_names_map_to_article_type_and_colour(lexicon, name, article, colour):
    assert lexicon.article_type(name) == article
    assert lexicon.colour(name) == colour


def test_categories_follow_the_article_type(lexicon):
    assert lexicon.categories["Tshirts"] == ("Apparel", "Topwear")
    assert lexicon.categories["Formal Shoes"] == ("Footwear", "Shoes")
    assert lexicon.categories["Dresses"] == ("Apparel", "Dress")


def test_myntra_rows_become_labelled_description_and_name(lexicon, tmp_path):
    path = tmp_path / "myntra.csv"
    header = ["Product_ID", "Product_Name", "Product_Brand", "Gender", "Price", "Num_Images", "Description", "Primary_Color"]
    rows = [["1", "Red Tape Men Black Leather Formal Shoes", "Red Tape", "Men", "1", "1", "Black leather derby shoes, lace-up", "Black"],
            ["2", "Tiny Kids Printed Tshirts", "Tiny", "Unisex Kids", "1", "1", "Printed cotton t-shirt for kids", "Green"],
            ["3", "Home Co Curtain", "Home Co", "Unisex", "1", "1", "short", ""]]
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    texts = read_myntra(path, lexicon)
    shoes = [t for t in texts if t.group == "myntra:1"]
    assert sorted(t.source for t in shoes) == ["myntra-description", "myntra-name"]
    assert shoes[0].labels == {"gender": "Men", "articleType": "Formal Shoes", "masterCategory": "Footwear", "subCategory": "Shoes",
                               "baseColour": "Black"}  # not "Red" from the brand
    kids = [t for t in texts if t.group == "myntra:2"][0]
    assert kids.labels == {"articleType": "Tshirts", "masterCategory": "Apparel", "subCategory": "Topwear", "baseColour": "Green"}
    home = [t for t in texts if t.group == "myntra:3"]
    assert [t.source for t in home] == ["myntra-name"] and home[0].labels == {"gender": "Unisex"}  # 5-char description dropped


def test_a_file_without_the_columns_lists_them(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ModisteError, match=r"lacks the columns .* \(it has \['a', 'b'\]\)"):
        read_styles(path)
    with pytest.raises(ModisteError, match="not found"):
        read_styles(tmp_path / "absent.csv")
