"""The curated output folder: kept images (copied, hard-linked or listed) and atomic result files.

Every file appears whole or not at all: local files go through `modiste.atomic` (temp file +
rename), object stores get one PUT per file (atomic there). The source is never written to.
"""

from __future__ import annotations

import contextlib
import errno
import os
import posixpath
import tempfile
from pathlib import Path
from typing import IO, Iterator

import fsspec

from modiste.atomic import atomic_path, atomic_write_bytes
from modiste.data.curate.source import Catalogue
from modiste.errors import ModisteError

MODES = ("copy", "link", "manifest")
IMAGES_DIR = "images"
DECISIONS = "decisions.csv"
# Written first ("running") and last ("complete"): marks a folder as curate's own output.
SUMMARY = "curation.json"


class Destination:
    def __init__(self, url: str, catalogue: Catalogue, mode: str, overwrite: bool) -> None:
        if mode not in MODES:
            raise ModisteError(f"unknown output mode '{mode}': use --copy, --link or --manifest")
        self.url = url
        self.mode = mode
        self.fs, self.root = fsspec.core.url_to_fs(url)
        self.is_local = "file" in ((self.fs.protocol,) if isinstance(self.fs.protocol, str) else self.fs.protocol)
        self._check_not_inside(catalogue)
        self._check_empty(overwrite)
        if mode == "link" and not (self.is_local and catalogue.is_local):
            raise ModisteError("--link needs SRC and DST folders on the same local disk: use --copy instead")
        self.catalogue = catalogue

    def mark_running(self) -> None:
        self.write_text(SUMMARY, '{"status": "running"}\n')

    def _check_not_inside(self, catalogue: Catalogue) -> None:
        if not (self.is_local and catalogue.is_local):
            return
        src, dst = os.path.realpath(catalogue.root), os.path.realpath(self.root)
        if os.path.commonpath([src, dst]) == src:
            raise ModisteError(f"--out '{self.url}' is inside the source folder: choose a folder outside SRC")

    def _check_empty(self, overwrite: bool) -> None:
        if not self.fs.exists(self.root):
            return
        if not self.fs.isdir(self.root):
            raise ModisteError(f"--out '{self.url}' is a file: pass a folder path for the curated output")
        entries = self.fs.ls(self.root, detail=False)
        if not entries:
            return
        ours = self.fs.exists(self.path(SUMMARY))
        if not ours:
            raise ModisteError(f"--out '{self.url}' is not empty and holds no previous curation: choose an empty folder")
        if not overwrite:
            raise ModisteError(f"--out '{self.url}' holds a previous curation: pass --overwrite to replace it")
        # Only remove what curate itself writes; anything else the user put there stays.
        for name in (IMAGES_DIR, DECISIONS, SUMMARY, "report.html", "manifest.txt", "metadata.csv"):
            if self.fs.exists(self.path(name)):
                self.fs.rm(self.path(name), recursive=True)

    def path(self, relative: str) -> str:
        return posixpath.join(self.root, relative)

    def write_bytes(self, relative: str, data: bytes) -> None:
        if self.is_local:
            atomic_write_bytes(self.path(relative), data)
        else:
            self.fs.pipe_file(self.path(relative), data)

    def write_text(self, relative: str, text: str) -> None:
        self.write_bytes(relative, text.encode("utf-8"))

    @contextlib.contextmanager
    def open_text(self, relative: str) -> Iterator[IO[str]]:
        """A text stream that becomes `relative` only when the block finishes without error."""
        if self.is_local:
            with atomic_path(self.path(relative)) as tmp, open(tmp, "w", encoding="utf-8", newline="") as f:
                yield f
            return
        with tempfile.TemporaryDirectory() as scratch:
            local = Path(scratch) / "part"
            with open(local, "w", encoding="utf-8", newline="") as f:
                yield f
            self.fs.put_file(str(local), self.path(relative))

    def place_image(self, relative: str) -> None:
        """Put one kept image under images/, keeping its relative path."""
        target = posixpath.join(IMAGES_DIR, relative)
        if self.mode == "manifest":
            return
        if self.mode == "copy":
            self.write_bytes(target, self.catalogue.read(relative))
            return
        destination = Path(self.path(target))
        destination.parent.mkdir(parents=True, exist_ok=True)
        tmp = destination.with_name(f".{destination.name}.link")
        try:
            if tmp.exists():
                tmp.unlink()
            os.link(self.catalogue.local_path(relative), tmp)
            os.replace(tmp, destination)
        except OSError as e:
            if e.errno in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                raise ModisteError(f"cannot hard-link '{relative}' into --out ({e.strerror}): use --copy instead") from e
            raise
