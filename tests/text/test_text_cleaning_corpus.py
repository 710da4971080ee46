import json

import pytest

from modiste.errors import ModisteError
from modiste.text.cleaning import clean_text, fix_mojibake, has_template_placeholder, trim_to_sentence
from modiste.text.corpus import load_corpus, strip_leading


def test_clean_text_fixes_html_entities_glued_sentences_and_whitespace():
    raw = "Blue  bandhgala suitBlue blazer, has a <b>mandarin</b> collar &amp; pockets<br>Dry clean\n"
    assert clean_text(raw) == "Blue bandhgala suit. Blue blazer, has a mandarin collar & pockets. Dry clean"
    assert clean_text("   ") == "" and clean_text(None) == ""


def test_mojibake_is_repaired_and_clean_text_is_untouched():
    assert fix_mojibake("CafÃ© dress, donâ€™t iron") == "Café dress, don’t iron"
    assert fix_mojibake("Café dress") == "Café dress"


def test_unfilled_template_placeholders_are_found_and_dropped(tmp_path):
    assert has_template_placeholder("Blue woven fit and flare %S, has a round neck")
    assert has_template_placeholder("Made for {{ brand }} by our studio") and has_template_placeholder("A ${colour} shirt")
    assert not has_template_placeholder("100% cotton shirt, 5% off {this season}, costs $20")
    csv = tmp_path / "c.csv"
    csv.write_text("title,description\nDress,Red woven fit and flare %S with a round neck\nShirt,A blue cotton shirt\n")
    corpus = load_corpus(csv, "description", ["title"], val_fraction=0.0)
    assert [r.text for r in corpus.train] == ["A blue cotton shirt"]
    assert corpus.stats.placeholders == 1 and "1 with unfilled placeholders" in corpus.stats.summary()


def test_real_catalogue_counts_and_deterministic_split(myntra):
    a = load_corpus(myntra, "Description", ["Product_Name"], val_fraction=0.05, max_records=2000)
    b = load_corpus(myntra, "Description", ["Product_Name"], val_fraction=0.05, max_records=2000)
    assert a.train == b.train and a.validation == b.validation
    assert a.stats.train + a.stats.validation == 2000
    assert 0.02 < a.stats.validation / 2000 < 0.09
    dropped = a.stats.empty + a.stats.placeholders + a.stats.duplicates
    assert a.stats.rows == a.stats.train + a.stats.validation + dropped
    texts = [r.text.lower() for r in a.train + a.validation]
    assert len(set(texts)) == len(texts)  # de-duplicated
    assert all(len(r.context) == 1 and r.context[0] for r in a.train[:50])


@pytest.mark.parametrize("value, prefix, expected", [
    ("DKNY Unisex Black Bag", "DKNY", "Unisex Black Bag"),
    ("dkny unisex black bag", "DKNY", "unisex black bag"),  # case-insensitive
    ("Red Tape Men Brown Shoes", "Red Tape", "Men Brown Shoes"),  # a brand of two words
    ("Pumakin Women Dress", "Puma", "Pumakin Women Dress"),  # whole words only
    ("Women Red Dress by DKNY", "DKNY", "Women Red Dress by DKNY"),  # only at the start
    ("Mango - Women Red Dress", "Mango", "Women Red Dress"),  # the separator goes too
    ("Women Red Dress", "", "Women Red Dress"),  # no brand
    ("Goldea", "Goldea", "Goldea"),  # a name that is only the brand keeps it: no empty context
])
def test_strip_leading(value, prefix, expected):
    assert strip_leading(value, prefix) == expected


def test_brand_stripped_from_real_catalogue_contexts(myntra):
    plain = load_corpus(myntra, "Description", ["Product_Name"], max_records=300)
    stripped = load_corpus(myntra, "Description", ["Product_Name"], max_records=300, strip_column="Product_Brand")
    assert plain.train[0].context == ("DKNY Unisex Black & Grey Printed Medium Trolley Bag",)
    assert stripped.train[0].context == ("Unisex Black & Grey Printed Medium Trolley Bag",)
    assert [r.text for r in plain.train] == [r.text for r in stripped.train]  # the descriptions are untouched
    genders = ("men", "women", "unisex", "boys", "girls")

    def gender_first(corpus) -> float:  # the composer's contexts start with the gender: "women red dress"
        return sum(bool(r.context[0]) and r.context[0].split()[0].lower() in genders for r in corpus.train) / 287

    assert len(stripped.train) == 287 and gender_first(plain) < 0.05 and gender_first(stripped) > 0.65
    with pytest.raises(ModisteError, match="'Brand' not in"):
        load_corpus(myntra, "Description", ["Product_Name"], strip_column="Brand")
    for columns, strip in (([], "Product_Brand"), (["Product_Name"], "Product_Name"), (["Product_Name"], " ")):
        with pytest.raises(ModisteError, match="needs --context-columns and must name another column"):
            load_corpus(myntra, "Description", columns, strip_column=strip)


def test_missing_column_lists_available_columns(myntra):
    with pytest.raises(ModisteError, match="available columns are Product_ID, Product_Name"):
        load_corpus(myntra, "Desc", ["Product_Name"])


def test_jsonl_and_text_corpora(tmp_path):
    jsonl = tmp_path / "c.jsonl"
    jsonl.write_text("\n".join(json.dumps({"title": f"Red dress {i}", "body": f"A red cotton dress number {i}."}) for i in range(20)))
    corpus = load_corpus(jsonl, "body", ["title"], val_fraction=0.2)
    assert corpus.stats.train + corpus.stats.validation == 20
    assert corpus.train[0].context[0].startswith("Red dress")
    txt = tmp_path / "c.txt"
    txt.write_text("A black linen shirt with a spread collar.\n\nA black linen shirt with a spread collar.\nShort.\n")
    corpus = load_corpus(txt, val_fraction=0.0)
    assert [r.text for r in corpus.train] == ["A black linen shirt with a spread collar."]
    assert (corpus.stats.duplicates, corpus.stats.empty) == (1, 2)


def test_empty_corpus_after_cleaning_is_a_clear_error(tmp_path):
    csv = tmp_path / "c.csv"
    csv.write_text("title,description\nRed dress,<p> </p>\nBlue shirt,\n")
    with pytest.raises(ModisteError, match="no usable descriptions"):
        load_corpus(csv, "description", ["title"])


@pytest.mark.parametrize("text, expected", [
    ("Red sheath dress, sleeveless, and flared hem. Comes with an inner", "Red sheath dress, sleeveless, and flared hem."),
    ("Red dress. Blue belt! Comes with", "Red dress. Blue belt!"),
    ("Red dress with 2.5 cm straps, has a", "Red dress with 2.5 cm straps, has a"),  # no sentence end: kept
    ("A pair of jeans, has a button closure", "A pair of jeans, has a button closure"),
])
def test_trim_to_sentence(text, expected):
    assert trim_to_sentence(text) == expected
