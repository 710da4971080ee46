"""Content identities of the models a product was made with (sha256 of their weight files)."""

from __future__ import annotations

import hashlib
from pathlib import Path


def files_sha256(paths: list[Path]) -> str:
    """sha256 over the names and bytes of `paths` (in the given order)."""
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode() + b"\0")
        with open(path, "rb") as f:
            while chunk := f.read(1 << 22):
                digest.update(chunk)
    return digest.hexdigest()


def folder_identity(folder: Path, patterns: tuple[str, ...] = ("*.safetensors", "*.json", "*.txt")) -> str:
    """sha256 of a model folder's weight and config files (sorted by name)."""
    files = sorted({p for pattern in patterns for p in folder.glob(pattern) if p.is_file()})
    return files_sha256(files)
