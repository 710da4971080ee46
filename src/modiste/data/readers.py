"""Random access to the encoded images of one source: a folder, a zip, prepared shards, an array.

A reader maps an index to the bytes of one image (or, for arrays, its pixels). Readers are pickled
into DataLoader workers; open zip handles are per process (re-opened after fork), because a zip
handle shared across processes would interleave seeks.
"""

from __future__ import annotations

import bisect
import os
import zipfile
from typing import Any

import numpy as np

from modiste.data.storage import Location, is_image_name, name_key
from modiste.errors import ModisteError

REMOTE_BLOCK = 1 << 20


class FolderReader:
    def __init__(self, location: Location, names: list[str]) -> None:
        self.location = location
        self.names = names

    def __len__(self) -> int:
        return len(self.names)

    def read(self, index: int) -> bytes:
        return self.location.read_bytes(self.names[index])


class _ZipHandles:
    """Lazily opened zip files, one set per process."""

    def __init__(self) -> None:
        self._pid = -1
        self._open: dict[str, zipfile.ZipFile] = {}

    def get(self, location: Location, path: str) -> zipfile.ZipFile:
        if self._pid != os.getpid():
            self._pid, self._open = os.getpid(), {}
        handle = self._open.get(path)
        if handle is None:
            try:
                # 1 MiB remote blocks: one image per read, not the object store's default 5+ MiB
                parts = (path,) if path else ()
                handle = zipfile.ZipFile(location.open(*parts, block_size=REMOTE_BLOCK))
            except zipfile.BadZipFile:
                raise ModisteError(f"'{location.join(path)}' is not a valid zip file: re-create it") from None
            self._open[path] = handle
        return handle

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__()


class ZipReader:
    """Images inside one .zip archive (any folder structure inside)."""

    def __init__(self, location: Location, names: list[str] | None = None) -> None:
        self.location = location
        self._handles = _ZipHandles()
        if names is None:
            members = self._handles.get(location, "").namelist()
            names = sorted((n for n in members if is_image_name(n) and not n.startswith("__MACOSX/")),
                           key=lambda n: (name_key(n), n))  # the order a folder of the same files has
            if not names:
                raise ModisteError(f"zip '{location.url}' holds no images: add .jpg/.jpeg/.png/.webp files to it")
        self.names = names

    def __len__(self) -> int:
        return len(self.names)

    def read(self, index: int) -> bytes:
        return self._handles.get(self.location, "").read(self.names[index])


class ShardReader:
    """A prepared dataset: image i is member ``{i - start:08d}.png`` of the shard whose range holds i."""

    def __init__(self, location: Location, shard_files: list[str], counts: list[int], ext: str = "png") -> None:
        self.location = location
        self.shard_files = shard_files
        self.starts = np.cumsum([0, *counts]).tolist()
        self.ext = ext
        self._handles = _ZipHandles()

    def __len__(self) -> int:
        return int(self.starts[-1])

    def read(self, index: int) -> bytes:
        if not 0 <= index < len(self):
            raise IndexError(index)
        shard = bisect.bisect_right(self.starts, index) - 1
        member = member_name(index - self.starts[shard], self.ext)
        return self._handles.get(self.location, self.shard_files[shard]).read(member)


def member_name(position: int, ext: str = "png") -> str:
    """Name of the image at ``position`` inside its shard."""
    return f"{position:08d}.{ext}"


class ArrayReader:
    """Images already decoded in memory (Fashion-MNIST): uint8 [N, H, W] or [N, H, W, C]."""

    def __init__(self, images: np.ndarray, names: list[str] | None = None) -> None:
        self.images = images
        self.names = names

    def __len__(self) -> int:
        return int(self.images.shape[0])

    def read(self, index: int) -> np.ndarray:
        return self.images[index]
