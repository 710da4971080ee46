"""The latents file: a set of z, W or W+ codes with the identity of the generator they belong to.

    name.safetensors   {"latents": float32 [N, z_dim] (z) | [N, w_dim] (w) | [N, num_ws, w_dim] (w+)}
    name.json          {"format": "modiste-latents/1", "space", "count", "generator": identity,
                        "classes": [class name or null per row], "seeds": [seed or null per row],
                        "meta": {how they were made: truncation, command, projection scores, ...}}

Both files are written atomically (the sidecar last, so a reader never sees a JSON without its
tensors). Nothing is unpickled. `load_latents(path, G)` refuses latents made by another generator.
"""

from __future__ import annotations

import json
import numbers
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from modiste.errors import ModisteError
from modiste.latent.identity import GeneratorIdentity, generator_identity
from modiste.latent.sidecar_file import read_tensor_with_sidecar, sidecar_paths, write_tensor_with_sidecar

FORMAT = "modiste-latents/1"
SPACES = ("z", "w", "w+")


@dataclass
class LatentSet:
    """N latent codes in one space, with a class (or None) and a seed (or None) per row.

    latents: float32 [N, z_dim] for "z", [N, w_dim] for "w", [N, num_ws, w_dim] for "w+".
    meta: free JSON-able facts about how they were made (truncation psi, centre, method, scores).
    """

    space: str
    latents: torch.Tensor
    identity: GeneratorIdentity
    classes: list[str | None] = field(default_factory=list)
    seeds: list[int | None] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.space not in SPACES:
            raise ModisteError(f"unknown latent space {self.space!r}: use one of {', '.join(SPACES)}")
        n = self.latents.shape[0]
        self.classes = list(self.classes) if self.classes else [None] * n
        self.seeds = list(self.seeds) if self.seeds else [None] * n
        want = {"z": (self.identity.z_dim,), "w": (self.identity.w_dim,),
                "w+": (self.identity.num_ws, self.identity.w_dim)}[self.space]
        if tuple(self.latents.shape[1:]) != want or len(self.classes) != n or len(self.seeds) != n:
            raise ModisteError(
                f"{self.space} latents must have shape [N, {', '.join(map(str, want))}] with one class and seed "
                f"per row, got {list(self.latents.shape)} with {len(self.classes)} classes, {len(self.seeds)} seeds")
        bad_seed = [s for s in self.seeds if s is not None and (
            isinstance(s, bool) or not isinstance(s, numbers.Integral) or not 0 <= s < 2**32)]
        if bad_seed:
            raise ModisteError(f"latents seeds must be whole numbers from 0 to 2^32 - 1 or null, got {bad_seed[0]!r}: "
                               f"re-create the file (or set that row's seed to null)")
        bad_class = [c for c in self.classes if c is not None and not isinstance(c, str)]
        if bad_class:
            raise ModisteError(f"latents classes must be class names or null, got {bad_class[0]!r}: re-create the file")
        if not torch.isfinite(self.latents).all():
            raise ModisteError("latents contain NaN or infinite values: re-create them")
        unknown = {c for c in self.classes if c is not None} - set(self.identity.class_names)
        if unknown:
            raise ModisteError(f"latents name classes {sorted(unknown)} that the generator does not know "
                               f"({', '.join(self.identity.class_names) or 'it is unconditional'})")

    def __len__(self) -> int:
        return int(self.latents.shape[0])

    def select(self, rows: list[int]) -> "LatentSet":
        return LatentSet(self.space, self.latents[rows], self.identity, [self.classes[i] for i in rows],
                         [self.seeds[i] for i in rows], dict(self.meta))


latents_paths = sidecar_paths  # `x`, `x.safetensors` or `x.json` -> (x.safetensors, x.json)


def save_latents(path: str | Path, latent_set: LatentSet) -> Path:
    """Write `path` (.safetensors + .json sidecar) atomically; return the .safetensors path."""
    sidecar = {
        "format": FORMAT,
        "space": latent_set.space,
        "count": len(latent_set),
        "generator": latent_set.identity.to_json(),
        "classes": latent_set.classes,
        "seeds": latent_set.seeds,
        "meta": latent_set.meta,
    }
    return write_tensor_with_sidecar(path, "latents", latent_set.latents, sidecar, "latents")


def load_latents(path: str | Path, G: torch.nn.Module | None = None) -> LatentSet:
    """Read a latents file; with `G`, refuse it unless G is the generator it was made by.

    Raises ModisteError for a missing or damaged file, another format, or another generator.
    """
    tensor, sidecar, tensors_path = read_tensor_with_sidecar(
        path, "latents", FORMAT, "latents",
        "pass a latents file written by modiste (project, mix, walk, edit, synthesize)")
    sidecar_path = sidecar_paths(path)[1]
    if sidecar.get("space") not in SPACES:
        raise ModisteError(f"{sidecar_path} has no valid \"space\" (one of {', '.join(SPACES)}, got "
                           f"{sidecar.get('space')!r}): re-create the file")
    identity = GeneratorIdentity.from_json(sidecar.get("generator", {}))
    if G is not None:
        identity.require_same(generator_identity(G), f"latents file {tensors_path.name}")
    return LatentSet(sidecar["space"], tensor.float(), identity, sidecar.get("classes") or [],
                     sidecar.get("seeds") or [], sidecar.get("meta") or {})
