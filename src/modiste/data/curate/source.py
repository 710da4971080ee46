"""Read a catalogue from a folder or a zip, local or on any fsspec filesystem (s3://, az://, memory://).

Listing streams (one directory at a time, sorted for a stable order) and files are read one at a
time, so a catalogue of any size is never held in memory. The source is only ever opened for reading.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import Iterator

import fsspec
from fsspec.implementations.zip import ZipFileSystem

from modiste.data.storage import IMAGE_EXTENSIONS
from modiste.errors import ModisteError


@dataclass
class Catalogue:
    """A folder-like tree of images: `fs` plus the `root` inside it."""

    url: str
    fs: fsspec.AbstractFileSystem
    root: str

    @property
    def is_local(self) -> bool:
        return "file" in _protocols(self.fs)

    def local_path(self, relative: str) -> str:
        return posixpath.join(self.root, relative)

    def images(self) -> Iterator[str]:
        """Relative paths of image files, depth first, sorted by name at each level."""
        for directory, dirs, files in self.fs.walk(self.root, topdown=True):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith(".") or posixpath.splitext(name)[1].lower() not in IMAGE_EXTENSIONS:
                    continue
                full = posixpath.join(directory, name) if directory else name
                yield _relative(full, self.root)

    def read(self, relative: str) -> bytes:
        return self.fs.cat_file(self.local_path(relative))

    def size(self, relative: str) -> int:
        return int(self.fs.size(self.local_path(relative)) or 0)


def _protocols(fs: fsspec.AbstractFileSystem) -> tuple[str, ...]:
    protocol = fs.protocol
    return (protocol,) if isinstance(protocol, str) else tuple(protocol)


def _relative(path: str, root: str) -> str:
    root = root.rstrip("/")
    if root and path.startswith(root + "/"):
        return path[len(root) + 1 :]
    return path.lstrip("/")


def open_catalogue(url: str) -> Catalogue:
    """Open SRC: a folder, or a .zip file, at a local path or an fsspec URL."""
    try:
        fs, root = fsspec.core.url_to_fs(url)
    except (ImportError, ValueError) as e:
        raise ModisteError(f"cannot open '{url}' ({e}): install the fsspec backend for this URL or check its spelling") from e
    try:
        exists = fs.exists(root)
        is_dir = exists and fs.isdir(root)
    except PermissionError as e:
        raise ModisteError(f"permission denied reading '{url}': grant read access or choose another SRC") from e
    if not exists:
        raise ModisteError(f"source '{url}' does not exist: pass a folder or .zip of catalogue images")
    if is_dir:
        return Catalogue(url, fs, root.rstrip("/"))
    if root.lower().endswith(".zip"):
        try:
            zip_fs = ZipFileSystem(fs.open(root, "rb"))
        except Exception as e:  # BadZipFile, truncated archives, permission errors
            raise ModisteError(f"cannot read zip '{url}' ({e}): check the file is a complete .zip archive") from e
        return Catalogue(url, zip_fs, "")
    raise ModisteError(f"source '{url}' is a file, not a folder or .zip: pass the folder that holds the images")
