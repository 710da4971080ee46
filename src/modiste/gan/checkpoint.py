"""Checkpoints: one folder per snapshot, safetensors for tensors and JSON for everything else.

    <run>/checkpoints/snapshot-000012.288/
        G.safetensors  D.safetensors  G_ema.safetensors   network weights and buffers
        train_state.safetensors                           optimiser moments, RNG states, ADA p, ...
        state.json                                        config, network config, progress, scalars

A snapshot is written into a hidden temporary folder and renamed into place, so a crash or kill
leaves either a complete snapshot or none. Only the last `keep` snapshots are kept. Nothing is
ever unpickled: a checkpoint downloaded from anywhere is safe to load.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from modiste.atomic import atomic_write_json
from modiste.errors import ModisteError

PREFIX = "snapshot-"


def snapshot_name(kimg: float) -> str:
    return f"{PREFIX}{kimg:010.3f}"


def save_checkpoint(
    run_dir: Path, kimg: float, tensor_files: dict[str, dict[str, torch.Tensor]], state: dict[str, Any], keep: int
) -> Path:
    root = Path(run_dir) / "checkpoints"
    root.mkdir(parents=True, exist_ok=True)
    final = root / snapshot_name(kimg)
    tmp = root / f".tmp-{uuid.uuid4().hex}"
    tmp.mkdir()
    try:
        for name, tensors in tensor_files.items():
            save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, str(tmp / f"{name}.safetensors"))
        atomic_write_json(tmp / "state.json", state)
        if final.exists():  # re-saving the same kimg (e.g. final snapshot == periodic one)
            shutil.rmtree(final)
        tmp.rename(final)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    prune_checkpoints(root, keep)
    return final


def list_checkpoints(run_dir: Path) -> list[Path]:
    root = Path(run_dir) / "checkpoints"
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.name.startswith(PREFIX) and (p / "state.json").is_file())


def prune_checkpoints(root: Path, keep: int) -> None:
    snapshots = sorted(p for p in root.iterdir() if p.name.startswith(PREFIX))
    for old in snapshots[: max(0, len(snapshots) - keep)]:
        shutil.rmtree(old, ignore_errors=True)
    for stale in root.glob(".tmp-*"):  # left by a killed run
        shutil.rmtree(stale, ignore_errors=True)


def resolve_checkpoint(path: str | Path) -> Path:
    """A snapshot folder, a file inside one, or a run folder (its latest snapshot)."""
    path = Path(path)
    if not path.exists():
        raise ModisteError(f"checkpoint {path} does not exist: pass a run folder or a checkpoints/snapshot-* folder")
    if path.is_file():
        if not (path.parent / "state.json").is_file():  # name the file, not its folder
            raise ModisteError(f"{path} is a file but not part of a checkpoint: pass a run folder or a "
                               "checkpoints/snapshot-* folder")
        path = path.parent
    if (path / "state.json").is_file():
        return path
    snapshots = list_checkpoints(path)
    if not snapshots:
        raise ModisteError(f"no checkpoint found in {path}: pass a run folder that has checkpoints/snapshot-*")
    return snapshots[-1]


def read_state(snapshot: Path) -> dict[str, Any]:
    try:
        return json.loads((snapshot / "state.json").read_text())
    except (OSError, json.JSONDecodeError) as e:
        raise ModisteError(f"checkpoint {snapshot} is damaged ({e}): resume from an earlier snapshot") from e


def read_tensors(snapshot: Path, name: str) -> dict[str, torch.Tensor]:
    path = snapshot / f"{name}.safetensors"
    try:
        return load_file(str(path))
    except (OSError, SafetensorError) as e:
        raise ModisteError(f"checkpoint file {path} is missing or damaged ({e}): resume from an earlier snapshot") from e


def load_generator(path: str | Path, device: str | torch.device = "cpu") -> torch.nn.Module:
    """The EMA generator of a checkpoint, in eval mode: `G(z, c, truncation_psi)` -> images in [-1, 1].

    `path` is a run folder (latest snapshot), a snapshot folder or a file in one.
    """
    from modiste.gan.networks.config import NetworkConfig
    from modiste.gan.networks import build_generator

    snapshot = resolve_checkpoint(path)
    state = read_state(snapshot)
    G = build_generator(NetworkConfig(**state["network"]))
    missing, unexpected = G.load_state_dict(read_tensors(snapshot, "G_ema"), strict=False)
    if missing or unexpected:
        raise ModisteError(
            f"checkpoint {snapshot} does not match this version's generator (missing {missing[:3]}, "
            f"unexpected {unexpected[:3]}): load it with the modiste version that wrote it"
        )
    G.source_path = snapshot  # where it came from: run-folder caches (class centres) live beside it
    return G.to(device).eval().requires_grad_(False)
