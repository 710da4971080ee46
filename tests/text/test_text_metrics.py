import numpy as np
import pytest

from modiste.text.attributes import adherence, extract_attributes
from modiste.text.copying import CopyIndex, copy_stats, suffix_array
from modiste.text.evaluate import distinct_n, output_metrics


def test_distinct_n_known_values():
    texts = ["red dress red dress", "red shirt"]
    # unigrams: red dress red dress red shirt -> 3 unique / 6
    assert distinct_n(texts, 1) == pytest.approx(3 / 6)
    # bigrams: (red dress)(dress red)(red dress)(red shirt) -> 3 unique / 4
    assert distinct_n(texts, 2) == pytest.approx(3 / 4)
    assert distinct_n([], 2) == 0.0


def test_attribute_extraction_prefers_longest_phrases():
    found = extract_attributes("Black short sleeve jumpsuit with pockets")
    assert found == {"colour": {"black"}, "sleeve": {"short"}, "category": {"jumpsuit"}}
    assert extract_attributes("Grey T-shirts")["category"] == {"t shirt"}


def test_adherence_known_values():
    a = adherence("sleeveless red asymmetric dress", "Blue sleeveless dress with an asymmetric hem")
    # attributes: red (contradicted by blue), sleeveless (used), dress (used)
    assert (a.attributes, a.used, a.contradicted) == (3, 2, 1)
    assert a.adherence == pytest.approx(2 / 3) and a.usage == pytest.approx(2 / 3)
    assert a.word_usage == pytest.approx(3 / 4)  # sleeveless, asymmetric, dress of 4 content words
    silent = adherence("red dress", "Made of soft cotton")
    assert silent.adherence == 1.0 and silent.usage == 0.0
    multi = adherence("red dress", "Red and white striped dress")
    assert multi.adherence == 1.0 and multi.usage == 1.0


def test_suffix_array_matches_brute_force():
    rng = np.random.default_rng(0)
    seq = rng.integers(0, 4, size=200)
    brute = sorted(range(len(seq)), key=lambda i: tuple(seq[i:]))
    assert suffix_array(seq).tolist() == brute


def test_copy_index_known_spans_and_near_copy_rule():
    train = ["Red solid woven A-line dress, has a round neck and flared hem",
             "Blue printed casual shirt, has a spread collar and long sleeves"]
    index = CopyIndex(train, copy_fraction=0.8, max_span=30)
    m = index.match("A lovely red solid woven A-line dress for parties")
    assert (m.span, m.source) == (6, 0)  # red solid woven a line dress
    # a span never crosses two training descriptions
    assert index.match("flared hem Blue printed").span == 2
    assert index.is_near_copy("Blue printed casual shirt, has a spread collar and long sleeves!")
    assert not index.is_near_copy("Blue printed casual shirt with a ruffled hem and puff sleeves")
    stats = copy_stats(index, ["Red solid woven A-line dress, has a round neck and flared hem", "green skirt"])
    assert stats["exact_copy_rate"] == 0.5 and stats["near_copy_rate"] == 0.5 and stats["copy_span_max"] == 13


def test_output_metrics_bundle():
    report = output_metrics([("red dress", "Red dress"), ("blue shirt", "Blue shirt")])
    assert report["adherence"] == 1.0 and report["attribute_usage"] == 1.0
    assert report["distinct_1"] == 1.0 and report["mean_words"] == 2.0
