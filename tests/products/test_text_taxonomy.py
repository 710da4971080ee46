"""Text taxonomy classifier: learning, equality with scikit-learn's arithmetic, files, contradiction check."""

import random

import numpy as np
import pytest

from modiste.errors import ModisteError
from modiste.products.text_taxonomy import META_FILE, WEIGHTS_FILE, TextLabel, TextTaxonomy, contradictions, train_text_taxonomy
from modiste.text.taxonomy_data import LabelledText

TYPES = {"Dresses": ("dress", "Apparel"), "Jeans": ("jeans", "Apparel"), "Watches": ("watch", "Accessories")}
COLOURS = ("red", "black", "blue")
FILLER = "soft cotton casual daily wear comfortable smart style new classic regular premium".split()
COLOUR_FORMS = ("red", "black", "blue", "navy blue")


def synthetic_texts(n: int, seed: int) -> list[LabelledText]:
    """Texts naming a type word, a colour and a gender among filler words, labelled accordingly."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        article = rng.choice(sorted(TYPES))
        word, master = TYPES[article]
        colour, gender = rng.choice(COLOURS), rng.choice(("Men", "Women"))
        words = rng.sample(FILLER, 4) + [colour, word, gender.lower()]
        rng.shuffle(words)
        labels = {"articleType": article, "masterCategory": master, "gender": gender, "baseColour": colour.title()}
        out.append(LabelledText(" ".join(words), labels, f"g{seed}-{i}", "title"))
    return out


ATTRS = ("articleType", "masterCategory", "gender", "baseColour")


@pytest.fixture(scope="module")
def model() -> TextTaxonomy:
    return train_text_taxonomy(synthetic_texts(240, 0), ATTRS, COLOUR_FORMS, min_count=2, min_df=1)


def test_learns_separable_texts(model):
    test = synthetic_texts(60, 1)
    predictions = model.predict([e.text for e in test])
    for name in ATTRS:
        accuracy = np.mean([p[name].label == e.labels[name] for e, p in zip(test, predictions)])
        assert accuracy == 1.0, name
    assert model.heads["gender"].coef.shape == (2, len(model.vocabulary))  # binary head stored as two softmax rows
    assert all(p["articleType"].probability > 0.5 for p in predictions)


def test_probabilities_equal_scikit_learns_pipeline(model):
    """Our TF-IDF + softmax arithmetic reproduces TfidfVectorizer + LogisticRegression.predict_proba."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    train = synthetic_texts(240, 0)
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=1, max_features=100_000, sublinear_tf=True).fit([e.text for e in train])
    x = vec.transform([e.text for e in train])
    texts = [e.text for e in synthetic_texts(20, 2)]
    ours = model.predict_proba(texts)
    for name in ("articleType", "gender"):
        clf = LogisticRegression(C=20.0, max_iter=300).fit(x, [e.labels[name] for e in train])
        assert list(clf.classes_) == model.heads[name].classes
        np.testing.assert_allclose(ours[name], clf.predict_proba(vec.transform(texts)), atol=2e-4)
    assert np.allclose(ours["articleType"].sum(axis=1), 1.0, atol=1e-6)


def test_save_load_round_trip_gives_identical_probabilities(model, tmp_path):
    texts = ["red jeans men soft", "black watch women", "a blue dress", "nothing known here"]
    folder = model.save(tmp_path / "taxonomy")
    assert sorted(p.name for p in folder.iterdir()) == sorted([META_FILE, WEIGHTS_FILE])
    loaded = TextTaxonomy.load(folder)
    before, after = model.predict_proba(texts), loaded.predict_proba(texts)
    assert all(np.array_equal(before[k], after[k]) for k in before)
    assert loaded.predict(texts) == model.predict(texts)


def test_colour_is_only_claimed_when_the_text_names_one(model):
    named, silent = model.predict(["women red dress", "women dress cotton"])
    assert named["baseColour"].label == "Red" and silent["baseColour"].label is None
    assert silent["articleType"].label == "Dresses"


def test_loading_refuses_damaged_or_other_files(model, tmp_path):
    folder = model.save(tmp_path / "m")
    with pytest.raises(ModisteError, match="not a text taxonomy model") as missing:
        TextTaxonomy.load(tmp_path / "absent")
    weights = (folder / WEIGHTS_FILE).read_bytes()
    (folder / WEIGHTS_FILE).write_bytes(weights[: len(weights) // 2])
    with pytest.raises(ModisteError, match="damaged") as damaged:
        TextTaxonomy.load(folder)
    other = model.save(tmp_path / "other")
    (other / META_FILE).write_text('{"format": "modiste-tagger", "version": 1}')
    with pytest.raises(ModisteError, match="not a modiste-text-taxonomy v1 file") as foreign:
        TextTaxonomy.load(other)
    (other / META_FILE).write_text("{not json")
    with pytest.raises(ModisteError, match="damaged") as broken:
        TextTaxonomy.load(other)
    assert all("\n" not in str(e.value) for e in (missing, damaged, foreign, broken))


def test_contradiction_check_flags_a_planted_mismatch(model):
    (prediction,) = model.predict(["women red dress soft cotton"])
    image = {"articleType": {"label": "Dresses", "confidence": 0.97}, "baseColour": "Black", "gender": "Women",
             "masterCategory": "abstain"}
    found = contradictions(prediction, image, min_probability=0.5)
    assert [(c.attribute, c.text_label, c.image_label) for c in found] == [("baseColour", "Red", "Black")]
    assert contradictions(prediction, {**image, "baseColour": "red"}, 0.5) == []  # case-insensitive agreement
    assert contradictions(prediction, image, min_probability=1.01) == []  # nothing is that confident
    dark = lambda attribute, text, image: attribute != "baseColour" or {text, image} <= {"Red", "Black"}  # noqa: E731
    assert contradictions(prediction, image, 0.5, same=dark) == []
    unsure = {"articleType": TextLabel("Jeans", 0.4), "baseColour": TextLabel(None, 0.9)}
    assert contradictions(unsure, image, 0.5) == []


def test_an_attribute_with_one_class_is_a_clear_error():
    texts = [LabelledText(f"red dress number {i}", {"articleType": "Dresses"}, str(i), "title") for i in range(5)]
    with pytest.raises(ModisteError, match="'articleType' has 1 class.*at least two"):
        train_text_taxonomy(texts, ("articleType",), min_count=1, min_df=1)
