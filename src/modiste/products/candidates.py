"""Pick the description of a product among K sampled candidates by the product's own checks.

A small text model trained from scratch follows the article type of a short context loosely ("women
blue jeans" -> "A pair of blue walking sports sandals ..."), and formulaic copy (T-shirts) is often
a near-copy that the copy guard drops. Sampling K descriptions with the product's seed and keeping
the one that passes most checks (generate, then verify) turns many such products from flagged into
usable ones; every candidate still passes through the copy guard, and the record keeps K, the index
chosen and how many candidates survived, so `--seeds` reproduces the choice.

Order of preference: fewest failed checks; a description category the text classifier confirms
over an undetermined one; the classifier's probability for the image's category; the earliest
candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from modiste.products.checks import CheckResult, is_confirmed

MAX_CANDIDATES = 32


@dataclass(frozen=True)
class Choice:
    """The chosen description (`text`, "" when the copy guard left none), its `checks`, its `index`
    among the candidates kept (-1 when none), and `kept` = how many candidates survived the guard."""

    text: str
    checks: list[CheckResult]
    index: int
    kept: int


def check_candidates(count: int, flag: str = "--text-candidates") -> int:
    """Return `count` when it is 1 .. MAX_CANDIDATES; else raise ModisteError naming `flag`."""
    from modiste.errors import ModisteError

    if not 1 <= count <= MAX_CANDIDATES:
        raise ModisteError(f"{flag} {count}: sample 1 to {MAX_CANDIDATES} descriptions per product (4 usual; "
                           "1 keeps the first)")
    return count


def _preference(checks: list[CheckResult], index: int) -> tuple[Any, ...]:
    failed = sum(not c.passed for c in checks)
    category = next((c for c in checks if c.name == "description_category"), None)
    confirmed = category is not None and is_confirmed(category)
    agreement = float((category.details or {}).get("text_probability", 0.0)) if confirmed else 0.0
    return failed, not confirmed, -agreement, index


def choose_description(texts: Sequence[str], check: Callable[[str], list[CheckResult]]) -> Choice:
    """The preferred of `texts` (the candidates the copy guard kept) by `check` (text -> its checks)."""
    if not texts:
        return Choice("", check(""), -1, 0)
    scored = [(text, check(text)) for text in texts]
    best = min(range(len(scored)), key=lambda i: _preference(scored[i][1], i))
    return Choice(scored[best][0], scored[best][1], best, len(texts))
