"""Output paths of the product commands: find a file standing where a folder must go, before any work."""

from __future__ import annotations

import os
from pathlib import Path


def blocking_file(folder: str | os.PathLike) -> Path | None:
    """The first of `folder` and its parents that exists but is not a folder (mkdir would fail on it), or None."""
    folder = Path(folder)
    return next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
