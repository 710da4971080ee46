"""Fashion-MNIST: read the four idx files (gzip or raw) and fetch them from the official source.

Downloads are verified against the MD5 of the *uncompressed* files (the official ones; recompressed
copies differ in their .gz bytes but not in content) and written atomically, so an interrupted
download never leaves a file that later looks valid.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import struct
import urllib.request
from pathlib import Path
from typing import Callable

import numpy as np

from modiste.atomic import atomic_write_bytes
from modiste.errors import ModisteError

CLASS_NAMES = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
BASE_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
FILES = {  # stem -> MD5 of the uncompressed idx file
    "train-images-idx3-ubyte": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
    "train-labels-idx1-ubyte": "9018921c3c673c538a1fc5bad174d6f9",
    "t10k-images-idx3-ubyte": "8181f5470baa50b63fa0f6fddb340f0a",
    "t10k-labels-idx1-ubyte": "15d484375f8d13e6eb1aabb0c3f46965",
}
SPLITS = {"train": "train", "test": "t10k"}


def _fetch_url(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - fixed official URL
        return response.read()


def find_idx_file(folder: Path, stem: str) -> Path | None:
    for name in (stem + ".gz", stem, stem.replace("-idx", ".idx")):
        if (folder / name).is_file():
            return folder / name
    return None


def is_fashion_mnist_folder(folder: str | os.PathLike) -> bool:
    folder = Path(folder)
    return folder.is_dir() and all(find_idx_file(folder, stem) for stem in FILES)


def _read_raw(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def parse_idx(data: bytes) -> np.ndarray:
    """An idx file's bytes -> uint8 array (images [N, 28, 28] or labels [N])."""
    if len(data) < 8 or data[:2] != b"\0\0" or data[2] != 0x08:
        raise ModisteError("not an unsigned-byte idx file: re-download Fashion-MNIST (delete the folder)")
    ndim = data[3]
    dims = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    body = np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim)
    if body.size != int(np.prod(dims)):
        raise ModisteError("truncated idx file: re-download Fashion-MNIST (delete the folder)")
    return body.reshape(dims)


def load_split(folder: str | os.PathLike, split: str = "train") -> tuple[np.ndarray, np.ndarray]:
    """(images uint8 [N, 28, 28], labels uint8 [N]) of the train or test split."""
    if split not in SPLITS:
        raise ModisteError(f"unknown Fashion-MNIST split {split!r}: use train or test")
    folder = Path(folder)
    prefix = SPLITS[split]
    paths = [find_idx_file(folder, f"{prefix}-{kind}") for kind in ("images-idx3-ubyte", "labels-idx1-ubyte")]
    if None in paths:
        raise ModisteError(f"'{folder}' lacks the Fashion-MNIST {split} idx files: run ensure_fashion_mnist")
    images, labels = (parse_idx(_read_raw(p)) for p in paths)
    if images.shape[0] != labels.shape[0]:
        raise ModisteError(f"Fashion-MNIST {split} images and labels disagree in count: re-download them")
    return images, labels


def _verified(path: Path, md5: str) -> bool:
    return hashlib.md5(_read_raw(path)).hexdigest() == md5


def ensure_fashion_mnist(
    data_dir: str | os.PathLike | None = None,
    fetch: Callable[[str], bytes] = _fetch_url,
    base_url: str = BASE_URL,
) -> Path:
    """A folder holding the four verified Fashion-MNIST files.

    ``data_dir`` if given (downloading into it what is missing), else ``$MODISTE_DATA/fashion-mnist``
    when complete, else ``~/.cache/modiste/fashion-mnist`` (downloaded once). ``fetch`` maps a URL
    to bytes (swap it in tests; this never touches the network when the files are present).
    """
    if data_dir is not None:
        folder = Path(data_dir)
    else:
        shared = Path(os.environ["MODISTE_DATA"]) / "fashion-mnist" if "MODISTE_DATA" in os.environ else None
        if shared is not None and is_fashion_mnist_folder(shared):
            return shared
        folder = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "modiste" / "fashion-mnist"
    for stem, md5 in FILES.items():
        present = find_idx_file(folder, stem)
        if present is not None:
            if not _verified(present, md5):
                raise ModisteError(f"'{present}' fails its MD5 check: delete it and rerun to download it again")
            continue
        url = base_url + stem + ".gz"
        try:
            data = fetch(url)
        except OSError as e:
            raise ModisteError(
                f"cannot download {url} ({e}): copy the four Fashion-MNIST .gz files into '{folder}'"
            ) from None
        if hashlib.md5(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data).hexdigest() != md5:
            raise ModisteError(f"download of {url} fails its MD5 check: retry, or copy the files into '{folder}'")
        atomic_write_bytes(folder / (stem + ".gz"), data)
    return folder
