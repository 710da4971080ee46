"""The directions file: named unit directions in W, each with the W+ layers it acts on.

    name.safetensors   {"vectors": float32 [K, w_dim], unit L2 norm per row}
    name.json          {"format": "modiste-directions/1", "count", "names": [K names],
                        "layers": [[start, end) per direction, W+ indices, end exclusive],
                        "method": "sefa" | "ganspace" | "supervised" | ..., "generator": identity,
                        "meta": {how they were found: layer range, eigenvalues, explained variance,
                                 classifier accuracy, ...}}

Written atomically like the latents file (tensors first, sidecar last). `load_directions(path, G)`
refuses directions found for another generator: a direction means something only in the W space
it was found in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from modiste.errors import ModisteError
from modiste.latent.identity import GeneratorIdentity, generator_identity
from modiste.latent.sidecar_file import read_tensor_with_sidecar, sidecar_paths, write_tensor_with_sidecar

FORMAT = "modiste-directions/1"
_NORM_TOLERANCE = 1e-3


@dataclass
class DirectionSet:
    """K named directions in W.

    names: K distinct names (e.g. "sefa_0", "pc_3", "Dresses").
    vectors: float32 [K, w_dim], each row of unit L2 norm (rows are normalised on construction;
        a zero or non-finite row raises ModisteError).
    layers: per direction the W+ index range [start, end) it is applied to (0 <= start < end <= num_ws).
    method: how they were found; identity: the generator they belong to; meta: JSON-able facts.
    """

    names: list[str]
    vectors: torch.Tensor
    layers: list[tuple[int, int]]
    method: str
    identity: GeneratorIdentity
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.names = [str(n) for n in self.names]
        self.layers = [(int(a), int(b)) for a, b in self.layers]
        v = self.vectors.detach().float().cpu()
        k = len(self.names)
        if v.ndim != 2 or v.shape != (k, self.identity.w_dim) or len(self.layers) != k:
            raise ModisteError(
                f"directions must be float [K, {self.identity.w_dim}] with one name and layer range each, got "
                f"{list(v.shape)} with {k} names and {len(self.layers)} layer ranges")
        if len(set(self.names)) != k:
            raise ModisteError(f"direction names must be distinct, got {self.names}")
        if not torch.isfinite(v).all():
            raise ModisteError("directions contain NaN or infinite values: re-create them")
        norms = v.norm(dim=1, keepdim=True)
        if k and float(norms.min()) < 1e-8:
            raise ModisteError("a direction has zero length: re-create the directions")
        self.vectors = (v / norms).contiguous() if k else v
        for name, (a, b) in zip(self.names, self.layers):
            if not 0 <= a < b <= self.identity.num_ws:
                raise ModisteError(f"direction {name!r} has layer range {a}-{b} outside the generator's "
                                   f"W+ indices 0-{self.identity.num_ws - 1} (end exclusive)")

    def __len__(self) -> int:
        return len(self.names)

    def index(self, name: str) -> int:
        """Row of direction `name`; ModisteError listing the known names if there is none."""
        try:
            return self.names.index(name)
        except ValueError:
            raise ModisteError(f"no direction named {name!r}: this file has {', '.join(self.names)}") from None

    def vector(self, name: str) -> torch.Tensor:
        """The unit direction `name`: float32 [w_dim]."""
        return self.vectors[self.index(name)]

    def select(self, names: list[str]) -> "DirectionSet":
        rows = [self.index(n) for n in names]
        return DirectionSet([self.names[i] for i in rows], self.vectors[rows], [self.layers[i] for i in rows],
                            self.method, self.identity, dict(self.meta))


def save_directions(path: str | Path, ds: DirectionSet) -> Path:
    """Write `path` (.safetensors + .json sidecar) atomically; return the .safetensors path.

    Raises ModisteError if meta is not JSON-able (before anything is written).
    """
    sidecar = {
        "format": FORMAT,
        "count": len(ds),
        "names": ds.names,
        "layers": [list(r) for r in ds.layers],
        "method": ds.method,
        "generator": ds.identity.to_json(),
        "meta": ds.meta,
    }
    return write_tensor_with_sidecar(path, "vectors", ds.vectors, sidecar, "directions", allow_nan=False)


def load_directions(path: str | Path, G: torch.nn.Module | None = None) -> DirectionSet:
    """Read a directions file; with `G`, refuse it unless G is the generator it was made for.

    Raises ModisteError for a missing or damaged file, another format, or another generator.
    """
    vectors, sidecar, tensors_path = read_tensor_with_sidecar(
        path, "vectors", FORMAT, "directions", "make one with `modiste directions --out FILE`")
    sidecar_path = sidecar_paths(path)[1]
    identity = GeneratorIdentity.from_json(sidecar.get("generator", {}))
    if G is not None:
        identity.require_same(generator_identity(G), f"directions file {tensors_path.name}")
    try:
        return DirectionSet(list(sidecar["names"]), vectors.float(), [tuple(r) for r in sidecar["layers"]],
                            str(sidecar["method"]), identity, sidecar.get("meta") or {})
    except (KeyError, TypeError, ValueError) as e:
        raise ModisteError(f"directions sidecar {sidecar_path} is malformed ({e}): re-create it") from e


def parse_direction_ref(text: str) -> tuple[Path, str]:
    """"FILE:NAME" -> (Path(FILE), NAME); the last colon separates (paths may contain colons)."""
    path, sep, name = text.rpartition(":")
    if not sep or not path or not name:
        raise ModisteError(f"direction {text!r} must be FILE:NAME, e.g. dirs.safetensors:sefa_0")
    return Path(path), name
