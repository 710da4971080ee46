"""Click options generated from a config dataclass, so each setting is declared once.

A field `r1_gamma: float | None` becomes `--r1-gamma FLOAT`; `xflip: bool` becomes
`--xflip/--no-xflip`; `metrics: list[str]` takes a comma-separated list. Options left out on the
command line are not passed, so the dataclass default applies.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

import click


def _click_type(type_text: str) -> tuple[Any, bool]:
    """(click type, is_flag) from a dataclass annotation written as text."""
    base = type_text.replace(" | None", "").replace("None | ", "").strip()
    return {"int": int, "float": float, "bool": bool}.get(base, str), base == "bool"


def dataclass_options(cls: type, help_texts: dict[str, str], skip: set[str] = frozenset()) -> Callable:
    """Decorator adding one click option per dataclass field."""

    def decorate(fn: Callable) -> Callable:
        for f in reversed(dataclasses.fields(cls)):
            if f.name in skip:
                continue
            flag = f.name.replace("_", "-")
            ctype, is_flag = _click_type(str(f.type))
            default = f.default if f.default is not dataclasses.MISSING else None
            text = help_texts.get(f.name, "")
            if is_flag:
                opt = click.option(f"--{flag}/--no-{flag}", f.name, default=None, help=f"{text} [default: {default}]")
            else:
                shown = "" if default in (None, "") else f" [default: {default}]"
                opt = click.option(f"--{flag}", f.name, type=ctype, default=None, help=f"{text}{shown}")
            fn = opt(fn)
        return fn

    return decorate


def build_dataclass(cls: type, values: dict[str, Any]) -> Any:
    """The dataclass from the options actually given (None = not given, keep the default)."""
    kwargs: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        value = values.get(f.name)
        if value is None:
            continue
        if str(f.type).startswith("list[") and isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        kwargs[f.name] = value
    return cls(**kwargs)
