"""Choosing a product's description among sampled candidates by the product's own checks."""

from __future__ import annotations

import pytest

from modiste.errors import ModisteError
from modiste.products.candidates import check_candidates, choose_description
from modiste.products.checks import CheckResult


def checks_for(verdicts: dict[str, tuple[bool, str, float]]):
    """text -> [description_category, colour_words] from a table: text -> (category passed, reason, p)."""

    def check(text: str) -> list[CheckResult]:
        passed, reason, p = verdicts.get(text, (True, "undetermined: no text", 0.0))
        colour_ok = "red" not in text  # the image is black
        return [CheckResult("description_category", passed, reason, {"text_probability": p}),
                CheckResult("colour_words", colour_ok, "" if colour_ok else "the description says red")]

    return check


def test_fewest_failures_then_confirmed_then_probability_then_first():
    table = {"black jeans": (True, "", 0.7), "black jeans, slim": (True, "", 0.9),
             "black sandals": (False, "reads as Sandals", 0.8), "red jeans": (True, "", 0.95),
             "a black thing": (True, "undetermined: p=0.3", 0.3)}
    check = checks_for(table)
    assert choose_description(["black sandals", "black jeans", "black jeans, slim"], check).index == 2
    assert choose_description(["red jeans", "a black thing"], check).text == "a black thing"  # 0 failures wins
    assert choose_description(["a black thing", "black jeans"], check).text == "black jeans"  # confirmed wins
    tie = choose_description(["black jeans", "black jeans"], check)
    assert tie.index == 0 and tie.kept == 2


def test_no_candidate_left_by_the_copy_guard():
    choice = choose_description([], checks_for({}))
    assert choice.text == "" and choice.index == -1 and choice.kept == 0
    assert [c.name for c in choice.checks] == ["description_category", "colour_words"]


@pytest.mark.parametrize("count", [0, -1, 33])
def test_candidate_count_out_of_range(count):
    with pytest.raises(ModisteError, match=f"--text-candidates {count}: sample 1 to 32 descriptions per product"):
        check_candidates(count)
