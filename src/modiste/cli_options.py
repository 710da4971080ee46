"""Click options generated from a config dataclass, so each setting is declared once.

A field `r1_gamma: float | None` becomes `--r1-gamma FLOAT`; `xflip: bool` becomes
`--xflip/--no-xflip`; `metrics: list[str]` takes a comma-separated list. A field given a set of
values in `choices` becomes a `click.Choice`, so `--help` lists the values and the parser catches a
typo. Options left out on the command line are not passed, so the dataclass default applies.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any, Callable, Iterable

import click

DEVICE_NAMES = ("auto", "cpu", "cuda")


class DeviceChoice(click.ParamType):
    """auto | cpu | cuda | cuda:N, listed in `--help` like a choice; anything else is a usage error."""

    name = "device"

    def get_metavar(self, param: click.Parameter, ctx: click.Context | None = None) -> str:
        return "[auto|cpu|cuda|cuda:N]"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value).strip()
        if text in DEVICE_NAMES or re.fullmatch(r"cuda:\d+", text):
            return text
        self.fail(f"{value!r} is not a device: use auto, cpu, cuda or cuda:N", param, ctx)


DEVICE = DeviceChoice()


def _click_type(type_text: str) -> tuple[Any, bool]:
    """(click type, is_flag) from a dataclass annotation written as text."""
    base = type_text.replace(" | None", "").replace("None | ", "").strip()
    return {"int": int, "float": float, "bool": bool}.get(base, str), base == "bool"


def dataclass_options(cls: type, help_texts: dict[str, str], skip: set[str] = frozenset(),
                      choices: dict[str, Iterable[str] | click.ParamType] | None = None) -> Callable:
    """Decorator adding one click option per dataclass field.

    `choices` maps a field name to its allowed values (the module constant that validates them,
    e.g. ASPECTS) or to a click type such as DEVICE.
    """
    choices = choices or {}

    def decorate(fn: Callable) -> Callable:
        for f in reversed(dataclasses.fields(cls)):
            if f.name in skip:
                continue
            flag = f.name.replace("_", "-")
            ctype, is_flag = _click_type(str(f.type))
            if f.name in choices:
                allowed = choices[f.name]
                ctype = allowed if isinstance(allowed, click.ParamType) else click.Choice(list(allowed))
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


def given_flags(*params: str) -> list[str]:
    """The flags among `params` (parameter names, e.g. "count") that the user typed on the command line
    of the running click command, as "--flag" (defaults and unset options are left out)."""
    from click.core import ParameterSource

    ctx = click.get_current_context()
    given = []
    for name in params:
        if ctx.get_parameter_source(name) in (ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT):
            option = next(p for p in ctx.command.params if p.name == name)
            given.append(max(option.opts, key=len))
    return given


def refuse_together(flags: list[str], why: str) -> None:
    """Raise ModisteError when `flags` (from `given_flags`) is not empty: they do not apply `why`."""
    from modiste.errors import ModisteError

    if flags:
        raise ModisteError(f"{' and '.join(flags)} {'does' if len(flags) == 1 else 'do'} not apply {why}: "
                           f"leave {'it' if len(flags) == 1 else 'them'} out")
