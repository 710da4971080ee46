"""Where images live: local paths and fsspec URLs (s3://, az://, gs://, memory://, file://).

Everything that lists or reads catalogue files goes through here, so local folders and object
stores behave the same. Listings stream (``fs.find`` / ``os.walk``) and only names are kept in
memory, never image bytes.
"""

from __future__ import annotations

import os
import posixpath
import unicodedata
from pathlib import Path
from typing import Iterator

import fsspec
from fsspec.implementations.local import LocalFileSystem

from modiste.atomic import atomic_path, respect_umask
from modiste.errors import ModisteError

# every format image_file.open_image reads as a viewer shows it (GIF/WebP/APNG animations: first frame)
IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff")


def name_key(name: str) -> str:
    """The form in which file names are compared: Unicode NFC, as a person reads them.

    macOS stores names decomposed (NFD: 'e' + combining accent), spreadsheets and most other
    systems type them composed (NFC: 'é'); both are the same name to a reader. Files are still
    opened by their on-disk name; only matching (labels, metadata, class folders) uses this key.
    """
    return unicodedata.normalize("NFC", name)


def is_image_name(name: str) -> bool:
    base = posixpath.basename(name)
    return not base.startswith(".") and base.lower().endswith(IMAGE_EXTENSIONS)


class Location:
    """A path on some filesystem: ``Location("s3://bucket/catalogue")`` or a plain local path."""

    def __init__(self, url: str | os.PathLike) -> None:
        text = os.fspath(url)
        self.url = text
        self.fs, path = fsspec.core.url_to_fs(text)
        self.is_local = isinstance(self.fs, LocalFileSystem)
        self.path = str(Path(path).resolve()) if self.is_local else path.rstrip("/")

    def __repr__(self) -> str:
        return f"Location({self.url!r})"

    def join(self, *parts: str) -> str:
        """Full path (in this filesystem) of a file under this location."""
        if self.is_local:
            return os.path.join(self.path, *parts)
        return posixpath.join(self.path, *parts)

    def child(self, *parts: str) -> "Location":
        if self.is_local:
            return Location(self.join(*parts))
        return Location(self.fs.unstrip_protocol(self.join(*parts)))

    @property
    def name(self) -> str:
        return posixpath.basename(self.path.replace(os.sep, "/").rstrip("/"))

    def exists(self, *parts: str) -> bool:
        return self.fs.exists(self.join(*parts))

    def isdir(self) -> bool:
        return self.fs.isdir(self.path)

    def read_bytes(self, *parts: str) -> bytes:
        path = self.join(*parts)
        if self.is_local:
            with open(path, "rb") as f:
                return f.read()
        return self.fs.cat_file(path)

    def open(self, *parts: str, mode: str = "rb", block_size: int | None = None):
        """Open a file; ``block_size`` bounds each remote read (small for random access into shards)."""
        path = self.join(*parts)
        if self.is_local:
            return open(path, mode)
        return self.fs.open(path, mode, **({"block_size": block_size} if block_size else {}))

    def write_bytes(self, name: str, data: bytes) -> None:
        """Write a file so that readers see the old one or the whole new one, never half."""
        if self.is_local:
            with atomic_path(self.join(name)) as tmp:
                tmp.write_bytes(data)
        else:
            # object stores publish an object only once its upload completes
            self.fs.pipe_file(self.join(name), data)

    def put_file(self, local_file: str | os.PathLike, name: str) -> None:
        """Upload/move a finished local file to ``name`` under this location, atomically."""
        dest = self.join(name)
        if self.is_local:
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            respect_umask(local_file)  # temp files are created 0600; datasets are meant to be shared
            os.replace(local_file, dest)
        else:
            self.fs.put_file(os.fspath(local_file), dest)

    def makedirs(self) -> None:
        self.fs.makedirs(self.path, exist_ok=True)

    def remove(self, *parts: str) -> None:
        path = self.join(*parts)
        if self.fs.exists(path):
            self.fs.rm(path)

    def iter_files(self) -> Iterator[str]:
        """Relative posix paths of all files below this folder, recursively (unsorted)."""
        if self.is_local:
            for dirpath, dirnames, filenames in os.walk(self.path, followlinks=True):
                dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                rel = os.path.relpath(dirpath, self.path)
                for name in filenames:
                    yield name if rel == "." else f"{rel}/{name}".replace(os.sep, "/")
            return
        prefix = self.path.rstrip("/") + "/"
        for full in self.fs.find(self.path):
            stripped = self.fs._strip_protocol(full)
            yield stripped[len(prefix) :] if stripped.startswith(prefix) else posixpath.basename(stripped)


def list_images(location: Location, others: list[str] | None = None) -> list[str]:
    """Sorted relative paths of the image files (IMAGE_EXTENSIONS) under a folder (recursive).

    Files with other names (not hidden ones) are appended to ``others`` when it is given, so
    callers can say how many files they did not use and why.
    """
    if not location.exists():
        raise ModisteError(f"data path '{location.url}' does not exist: check the path or URL")
    if not location.isdir():
        raise ModisteError(
            f"'{location.url}' is neither a folder, a .zip, a Fashion-MNIST folder nor a prepared dataset: "
            "point it at a folder of .jpg/.png/.webp images"
        )
    try:
        files = list(location.iter_files())
    except PermissionError as e:
        raise ModisteError(f"cannot read '{location.url}' ({e.strerror}): fix its permissions") from None
    # sorted as read (NFC), so a copy of the data on a disk that decomposes names keeps the same order
    names = sorted((n for n in files if is_image_name(n)), key=lambda n: (name_key(n), n))
    if others is not None:
        others.extend(sorted(n for n in files if not is_image_name(n) and not posixpath.basename(n).startswith(".")))
    if not names:
        raise ModisteError(
            f"data folder '{location.url}' has no images: point it at a folder of .jpg/.jpeg/.png/.webp files"
        )
    return names
