"""Output paths of the product commands, checked before any work: a file standing where a folder must
go, an empty name, a place this process cannot write to."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from modiste.errors import ModisteError


def blocking_file(folder: str | os.PathLike) -> Path | None:
    """The first of `folder` and its parents that exists but is not a folder (mkdir would fail on it), or None."""
    folder = Path(folder)
    return next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)


def check_output_folder(folder: str | os.PathLike, flag: str, must_hold: str | None = None,
                        shown: str | os.PathLike | None = None) -> Path:
    """Return `folder` as a Path once it can be created and written to; `flag` names the option in errors.

    `must_hold` is a subfolder the output will create (e.g. "images"): a file in its place is refused too.
    `shown` is what the user passed, when that is a file inside `folder` (errors quote it).
    Raises ModisteError for an empty name, a file where a folder goes, or a folder (or its nearest
    existing parent) this process cannot create a file in (read-only, /proc, no permission). Writes
    nothing that stays: the check creates and removes one temporary file.
    """
    if not os.fspath(folder).strip():
        raise ModisteError(f"{flag} is empty: name a folder, e.g. {flag} out/")
    folder = Path(folder)
    shown = shown if shown is not None else folder
    blocker = blocking_file(folder / must_hold if must_hold else folder)
    if blocker is not None:
        raise ModisteError(f"{flag} '{shown}': '{blocker}' is a file, not a folder: pass another {flag}")
    existing = next(p for p in (folder, *folder.parents) if p.exists())
    try:
        with tempfile.TemporaryFile(dir=existing):
            pass
    except OSError as e:
        raise ModisteError(f"{flag} '{shown}': cannot write in '{existing}' ({e.strerror or e}): pick a folder "
                           "you can write to") from None
    return folder
