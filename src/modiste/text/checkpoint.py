"""Atomic checkpoint directories: `save_pretrained` model + tokenizer + exact training state.

A checkpoint is written into a hidden temporary folder next to its final place and renamed into
place only when complete, so a crash or kill never leaves a half-written model directory. The
training state (optimiser moments, RNG states, schedule and data position) is safetensors + JSON,
never a pickle, so loading a checkpoint someone sent you cannot run code.

Layout of a run folder `out/`:
    run.json                 the training options (for resume and for `generate`/`eval`)
    data/train.jsonl         the cleaned training and validation records (copy check, perplexity)
    data/validation.jsonl
    checkpoints/step-000500/ model.safetensors, config.json, tokenizer files, trainer_state.json,
                             optimizer.safetensors, rng.safetensors  (the last K are kept)
    best/                    the checkpoint with the lowest validation loss (model + tokenizer)
"""

from __future__ import annotations

import json
import random
import shutil
import tempfile
import uuid
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from modiste.atomic import atomic_write_json, respect_umask
from modiste.errors import ModisteError

STATE_FILE = "trainer_state.json"
OPTIMIZER_FILE = "optimizer.safetensors"
RNG_FILE = "rng.safetensors"


def replace_dir(tmp: Path, final: Path) -> None:
    """Move the finished folder `tmp` onto `final`, replacing an older `final` if there is one."""
    old = None
    if final.exists():
        old = final.with_name(f".old-{final.name}-{uuid.uuid4().hex[:8]}")
        final.rename(old)
    tmp.rename(final)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_model_dir(final: Path, model, tokenizer, files: dict[str, Any] | None = None,
                    optimizer: torch.optim.Optimizer | None = None) -> None:
    """Write model, tokenizer, JSON `files` and optionally the optimiser + RNG state to `final`, atomically."""
    final = Path(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{final.name}-", dir=final.parent))
    try:
        respect_umask(tmp)  # mkdtemp makes 0700: the renamed model folder must read like a mkdir'd one
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        for name, obj in (files or {}).items():
            atomic_write_json(tmp / name, obj)
        if optimizer is not None:
            tensors, groups = _flatten_optimizer(optimizer)
            save_file(tensors, str(tmp / OPTIMIZER_FILE))
            atomic_write_json(tmp / "optimizer_groups.json", groups)
            save_file(_rng_tensors(), str(tmp / RNG_FILE))
            atomic_write_json(tmp / "python_rng.json", _python_rng())
        replace_dir(tmp, final)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _flatten_optimizer(optimizer: torch.optim.Optimizer) -> tuple[dict[str, torch.Tensor], list[dict]]:
    sd = optimizer.state_dict()
    tensors: dict[str, torch.Tensor] = {}
    for idx, slots in sd["state"].items():
        for name, value in slots.items():
            t = value if torch.is_tensor(value) else torch.tensor(value)
            tensors[f"{idx}.{name}"] = t.detach().cpu().contiguous()
    return tensors, sd["param_groups"]


def load_optimizer(optimizer: torch.optim.Optimizer, folder: Path) -> None:
    tensors = load_file(str(folder / OPTIMIZER_FILE))
    state: dict[int, dict[str, torch.Tensor]] = {}
    for key, t in tensors.items():
        idx, name = key.split(".", 1)
        state.setdefault(int(idx), {})[name] = t
    groups = json.loads((folder / "optimizer_groups.json").read_text())
    optimizer.load_state_dict({"state": state, "param_groups": groups})


def _rng_tensors() -> dict[str, torch.Tensor]:
    out = {"torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        for i, s in enumerate(torch.cuda.get_rng_state_all()):
            out[f"cuda.{i}"] = s
    return out


def _python_rng() -> list:
    version, state, gauss = random.getstate()
    return [version, list(state), gauss]


def restore_rng(folder: Path) -> None:
    tensors = load_file(str(folder / RNG_FILE))
    torch.set_rng_state(tensors["torch"])
    cuda = [tensors[k] for k in sorted(k for k in tensors if k.startswith("cuda."))]
    if cuda and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)
    version, state, gauss = json.loads((folder / "python_rng.json").read_text())
    random.setstate((version, tuple(state), gauss))


def checkpoint_dirs(out: Path) -> list[Path]:
    folder = Path(out) / "checkpoints"
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_dir() and p.name.startswith("step-") and (p / STATE_FILE).is_file())


def prune_checkpoints(out: Path, keep_last: int) -> None:
    for old in checkpoint_dirs(out)[: -keep_last or None] if keep_last > 0 else []:
        shutil.rmtree(old, ignore_errors=True)


def read_state(folder: Path) -> dict[str, Any]:
    return json.loads((Path(folder) / STATE_FILE).read_text())


def resolve_model_dir(path: str | Path, flag: str = "--model") -> Path:
    """A folder to load for generation: a model folder itself, or a run folder's best/latest checkpoint.

    Raises ModisteError naming `flag` (the option the path came from) when `path` holds no model.
    """
    path = Path(path)
    if (path / "config.json").is_file():
        return path
    if (path / "best" / "config.json").is_file():
        return path / "best"
    latest = checkpoint_dirs(path)
    if latest:
        return latest[-1]
    raise ModisteError(f"no trained model in '{path}': pass {flag} a run folder from `modiste text train` or a "
                       "save_pretrained folder")
