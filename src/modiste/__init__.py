"""Modiste: fashion products that don't exist.

The Python API that the `modiste` CLI wraps. Heavy modules are imported on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from modiste.errors import ModisteError

__version__ = "0.1.0"
__all__ = ["ModisteError", "load_generator", "__version__"]

if TYPE_CHECKING:
    from modiste.gan.checkpoint import load_generator


def __getattr__(name: str) -> Any:
    if name == "load_generator":
        from modiste.gan.checkpoint import load_generator

        return load_generator
    raise AttributeError(f"module 'modiste' has no attribute {name!r}")
