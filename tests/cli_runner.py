"""`run_modiste(*args)`: the CLI's exit status as a number (tests/ is on sys.path via its conftest).

A uniquely named module rather than `conftest`, which is ambiguous across test folders.
"""

from __future__ import annotations

from modiste.cli import main


def run_modiste(*args: str) -> int:
    """Run `modiste ARGS...` in this process; 0 on success, else the status it exited with."""
    try:
        main(list(args))
    except SystemExit as e:
        return int(e.code or 0)
    return 0
