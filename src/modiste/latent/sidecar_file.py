"""One tensor in a safetensors file with a JSON sidecar: the shape of latents and directions files.

    name.safetensors   {key: float32 tensor}
    name.json          {"format": "<kind>/<version>", ...what the tensor means}

Written atomically, tensors first and sidecar last, so a reader never sees a sidecar without its
tensors; nothing is unpickled when reading.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from modiste.atomic import atomic_path, atomic_write_json
from modiste.errors import ModisteError


def sidecar_paths(path: str | Path) -> tuple[Path, Path]:
    """`x`, `x.safetensors` or `x.json` -> (x.safetensors, x.json)."""
    path = Path(path)
    stem = path.with_suffix("") if path.suffix in (".safetensors", ".json") else path
    return stem.with_name(stem.name + ".safetensors"), stem.with_name(stem.name + ".json")


def write_tensor_with_sidecar(path: str | Path, key: str, tensor: torch.Tensor, sidecar: dict[str, Any],
                              what: str, allow_nan: bool = True) -> Path:
    """Write `tensor` (as float32 under `key`) and `sidecar`; return the .safetensors path.

    Raises ModisteError, before writing anything, if the sidecar is not JSON (what: "latents", ...;
    allow_nan=False also refuses NaN / infinite numbers in it).
    """
    tensors_path, sidecar_path = sidecar_paths(path)
    try:
        json.dumps(sidecar, allow_nan=allow_nan)
    except (TypeError, ValueError) as e:
        raise ModisteError(f"{what} metadata is not JSON ({e}): this is a bug, please report it") from e
    with atomic_path(tensors_path) as tmp:
        save_file({key: tensor.detach().float().cpu().contiguous()}, str(tmp))
    atomic_write_json(sidecar_path, sidecar)
    return tensors_path


def read_tensor_with_sidecar(path: str | Path, key: str, fmt: str, what: str,
                             missing_fix: str) -> tuple[torch.Tensor, dict[str, Any], Path]:
    """(tensor, sidecar, .safetensors path) of a file written by `write_tensor_with_sidecar`.

    Raises ModisteError for a missing file (with `missing_fix`), a damaged one, or a sidecar whose
    "format" is not `fmt`.
    """
    tensors_path, sidecar_path = sidecar_paths(path)
    if not tensors_path.is_file() or not sidecar_path.is_file():
        raise ModisteError(f"{what} file {tensors_path} (with its sidecar {sidecar_path.name}) not found: "
                           f"{missing_fix}")
    try:
        sidecar = json.loads(sidecar_path.read_text())
        tensor = load_file(str(tensors_path))[key]
    except (OSError, json.JSONDecodeError, SafetensorError, KeyError) as e:
        raise ModisteError(f"{what} file {tensors_path} is damaged ({e}): re-create it") from e
    if not isinstance(sidecar, dict) or sidecar.get("format") != fmt:
        raise ModisteError(f"{sidecar_path} is not a modiste {what} sidecar (format {fmt}): re-create it")
    return tensor, sidecar, tensors_path
