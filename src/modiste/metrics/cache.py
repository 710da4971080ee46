"""Reference features, computed once per dataset and cached.

The real side of FID/KID/PR is the same at every evaluation of a training run, so its Inception
features (float32 [N, 2048] plus class labels) are stored as one safetensors file whose name is a
hash of everything that changes them:

- the data's *content*: sha256 of the bytes of every file under the source (plus the labels and
  item names the dataset resolved), so a copied or moved dataset still hits and an edited one misses;
- how images were read: size, channels, pad/crop, the number of images and which ones;
- the preprocessing mode (clean/legacy) and the Inception weights' sha256.

Hashing a dataset's bytes is fast (~0.5 GB/s) but not free, so the content hash is remembered by a
cheap stat signature (paths, sizes, mtimes) in `content_hashes.json` beside the cache files. Remote
(fsspec) sources are identified by their listing (paths, sizes, ETags/mtimes) instead of bytes.
Features rather than mean/covariance are kept because KID and precision/recall need them.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from modiste.atomic import atomic_path, atomic_write_json
from modiste.metrics.inception import modiste_cache_dir

CACHE_FORMAT = 1


def default_cache_dir() -> Path:
    return modiste_cache_dir() / "metrics"


def _local_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    files = []
    for dirpath, dirnames, filenames in os.walk(path, followlinks=True):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        files.extend(Path(dirpath) / n for n in sorted(filenames) if not n.startswith("."))
    return sorted(files)


def _stat_signature(root: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for f in files:
        st = f.stat()
        digest.update(f"{f.relative_to(root) if f != root else f.name}\0{st.st_size}\0{st.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _bytes_hash(root: Path, files: list[Path]) -> str:
    digest = hashlib.sha256()
    for f in files:
        digest.update(f"{f.relative_to(root) if f != root else f.name}\0".encode())
        with open(f, "rb") as handle:
            while chunk := handle.read(1 << 22):
                digest.update(chunk)
    return digest.hexdigest()


def local_content_hash(path: str | os.PathLike, cache_dir: Path) -> str:
    """sha256 of the names and bytes of every file under `path`, memoised by its stat signature."""
    root = Path(path).resolve()
    files = _local_files(root)
    signature = _stat_signature(root, files)
    memo_file = cache_dir / "content_hashes.json"
    try:
        memo = json.loads(memo_file.read_text())
    except (OSError, ValueError):
        memo = {}
    if signature in memo:
        return str(memo[signature])
    content = _bytes_hash(root, files)
    memo[signature] = content
    try:
        atomic_write_json(memo_file, memo)
    except OSError:
        pass  # a read-only cache folder only costs a re-hash next time
    return content


def remote_listing_hash(url: str) -> str:
    """Hash of an object-store listing: names, sizes and ETags/mtimes (no bytes are read)."""
    import fsspec

    fs, path = fsspec.core.url_to_fs(url)
    info = fs.find(path, detail=True) if fs.isdir(path) else {path: fs.info(path)}
    digest = hashlib.sha256()
    for name in sorted(info):
        entry = info[name]
        stamp = entry.get("ETag") or entry.get("etag") or entry.get("mtime") or entry.get("LastModified") or ""
        digest.update(f"{name}\0{entry.get('size')}\0{stamp}\n".encode())
    return digest.hexdigest()


def source_content_hash(source: str, cache_dir: Path) -> str:
    if "://" in source and not source.startswith("file://"):
        return remote_listing_hash(source)
    return local_content_hash(source.removeprefix("file://"), cache_dir)


def dataset_identity(dataset: Any, indices: np.ndarray, cache_dir: Path) -> dict[str, Any]:
    """What determines the images (and labels) a dataset yields at `indices`."""
    names = getattr(getattr(dataset, "reader", None), "names", None)
    labels = np.asarray(dataset.labels)[indices]
    item_names = "\n".join(names[int(i)] for i in indices) if names else ""
    return {
        "content": source_content_hash(str(dataset.source), cache_dir) if getattr(dataset, "source", "") else "",
        "name": getattr(dataset, "name", ""),
        "shape": [dataset.num_channels, dataset.height, dataset.width],
        "fit": [bool(getattr(dataset, "resize", False)), getattr(dataset, "mode", "")],
        "count": int(len(indices)),
        "of": int(len(dataset)),
        "indices": hashlib.sha256(np.asarray(indices, dtype=np.int64).tobytes()).hexdigest(),
        "items": hashlib.sha256(item_names.encode()).hexdigest(),
        "labels": hashlib.sha256(labels.astype(np.int64).tobytes()).hexdigest(),
        "classes": list(getattr(dataset, "class_names", [])),
    }


@dataclass(frozen=True)
class CachedFeatures:
    features: torch.Tensor  # float32 [N, 2048]
    labels: torch.Tensor  # int64 [N]
    meta: dict[str, Any]


class FeatureCache:
    """Reference features on disk, one safetensors file per key."""

    def __init__(self, cache_dir: str | os.PathLike | None = None) -> None:
        self.dir = Path(cache_dir) if cache_dir is not None else default_cache_dir()

    @staticmethod
    def key(identity: dict[str, Any], mode: str, weights_sha256: str) -> str:
        blob = json.dumps({"format": CACHE_FORMAT, "data": identity, "mode": mode, "weights": weights_sha256},
                          sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]

    def path(self, key: str) -> Path:
        return self.dir / f"reference-{key}.safetensors"

    def load(self, key: str) -> CachedFeatures | None:
        path = self.path(key)
        if not path.is_file():
            return None
        try:
            tensors = load_file(str(path))
            from safetensors import safe_open

            with safe_open(str(path), framework="pt") as f:
                meta = json.loads((f.metadata() or {}).get("modiste", "{}"))
        except (OSError, ValueError, RuntimeError, json.JSONDecodeError):
            return None  # a damaged cache file is recomputed, never trusted
        return CachedFeatures(tensors["features"], tensors["labels"], meta)

    def save(self, key: str, features: torch.Tensor, labels: torch.Tensor, meta: dict[str, Any]) -> Path:
        path = self.path(key)
        tensors = {"features": features.float().contiguous(), "labels": labels.long().contiguous()}
        with atomic_path(path) as tmp:
            save_file(tensors, str(tmp), metadata={"modiste": json.dumps(meta, sort_keys=True)})
        return path
