"""Per-head overrides of the head settings: `--head-options 'baseColour:hidden=0,class_weight=none,pca_dims=32'`.

Heads differ in what helps them. A colour head drowns its 178 colour features among 2048 Inception
shape features; seeing the Inception features through their top principal components (`pca_dims`)
and no class weighting (accuracy rewards the common colours) lifts baseColour by 3 points on the
shared product photos (docs/products.md), while the type heads want all 2048 dimensions.
"""

from __future__ import annotations

from typing import Any

from modiste.errors import ModisteError

HEAD_KEYS: dict[str, type] = {"hidden": int, "class_weight": str, "l2": float, "epochs": int, "max_iter": int,
                              "pca_dims": int}
FORMAT_HINT = "use 'ATTRIBUTE:key=value,key=value' with heads separated by ';', e.g. " \
              "'baseColour:hidden=0,class_weight=none,pca_dims=32'"


def parse_head_options(text: str | None, attributes: list[str]) -> dict[str, dict[str, Any]]:
    """{attribute: {key: value}} from the --head-options text (None or "" -> {}).

    Keys: hidden, class_weight, l2, epochs, max_iter (as the global options) and pca_dims (0 = all
    Inception dimensions). Raises ModisteError naming the offending part: an attribute not among
    `attributes`, an unknown key, a value of the wrong type or range.
    """
    out: dict[str, dict[str, Any]] = {}
    for part in (p.strip() for p in (text or "").split(";")):
        if not part:
            continue
        name, sep, body = part.partition(":")
        name = name.strip()
        if not sep or not body.strip():
            raise ModisteError(f"--head-options {part!r}: {FORMAT_HINT}")
        if name not in attributes:
            raise ModisteError(f"--head-options names {name!r}, which is not among --attributes "
                               f"({', '.join(attributes)}): use one of those")
        values = out.setdefault(name, {})
        for item in body.split(","):
            key, eq, raw = (s.strip() for s in item.partition("="))
            key = key.replace("-", "_")
            if not eq or key not in HEAD_KEYS:
                raise ModisteError(f"--head-options {name}: {item.strip()!r} is not key=value with a key among "
                                   f"{', '.join(HEAD_KEYS)}")
            try:
                value = HEAD_KEYS[key](raw)
            except ValueError:
                raise ModisteError(f"--head-options {name}: {key}={raw!r} is not a valid "
                                   f"{HEAD_KEYS[key].__name__}") from None
            check_value(name, key, value)
            values[key] = value
    return out


def check_value(head: str, key: str, value: Any) -> None:
    """Refuse an out-of-range head setting before any feature is computed (ModisteError)."""
    from modiste.products.tagger.heads import CLASS_WEIGHTS

    rules: dict[str, tuple[bool, str]] = {
        "hidden": (value >= 0 if key == "hidden" else True, "0 (logistic regression) or a positive width"),
        "pca_dims": (value >= 0 if key == "pca_dims" else True, "0 (all dimensions) or a positive count like 32"),
        "epochs": (value >= 1 if key == "epochs" else True, "at least 1"),
        "max_iter": (value >= 1 if key == "max_iter" else True, "at least 1"),
        "l2": (value >= 0 if key == "l2" else True, "a penalty >= 0"),
        "class_weight": (value in CLASS_WEIGHTS, " | ".join(CLASS_WEIGHTS)),
    }
    ok, allowed = rules[key]
    if not ok:
        raise ModisteError(f"--head-options {head}: {key}={value}: use {allowed}")
