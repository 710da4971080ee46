"""Turn optimiser state and RNG states into flat tensors + JSON, and back (no pickles).

safetensors stores only tensors, so an optimiser's `state_dict()` is split: its tensors go to
`"<prefix>/state/<param>/<key>"` entries and everything else (param groups, python scalars) to a
JSON-able dict. `unflatten_optimizer` reverses it exactly.
"""

from __future__ import annotations

from typing import Any

import torch


def flatten_optimizer(prefix: str, state_dict: dict[str, Any]) -> tuple[dict[str, torch.Tensor], dict[str, Any]]:
    tensors: dict[str, torch.Tensor] = {}
    scalars: dict[str, dict[str, Any]] = {}
    for param_id, entry in state_dict["state"].items():
        for key, value in entry.items():
            if isinstance(value, torch.Tensor):
                tensors[f"{prefix}/state/{param_id}/{key}"] = value.detach().cpu().contiguous()
            else:
                scalars.setdefault(str(param_id), {})[key] = value
    meta = {"param_groups": state_dict["param_groups"], "scalars": scalars}
    return tensors, meta


def unflatten_optimizer(prefix: str, tensors: dict[str, torch.Tensor], meta: dict[str, Any]) -> dict[str, Any]:
    state: dict[int, dict[str, Any]] = {}
    lead = f"{prefix}/state/"
    for name, value in tensors.items():
        if name.startswith(lead):
            param_id, key = name[len(lead):].split("/", 1)
            state.setdefault(int(param_id), {})[key] = value
    for param_id, entry in meta["scalars"].items():
        state.setdefault(int(param_id), {}).update(entry)
    return {"state": state, "param_groups": meta["param_groups"]}


def capture_rng(device: torch.device) -> torch.Tensor:
    """This process's torch RNG state (CPU, and the current CUDA device's when on GPU) as uint8."""
    parts = [torch.get_rng_state()]
    if device.type == "cuda":
        parts.append(torch.cuda.get_rng_state(device))
    return torch.cat([p.to(torch.uint8).cpu() for p in parts])


def restore_rng(state: torch.Tensor, device: torch.device) -> None:
    cpu_len = torch.get_rng_state().numel()
    torch.set_rng_state(state[:cpu_len].clone())
    if device.type == "cuda" and state.numel() > cpu_len:
        torch.cuda.set_rng_state(state[cpu_len:].clone(), device)
