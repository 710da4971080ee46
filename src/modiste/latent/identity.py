"""Who made a latent: the identity of a generator, so latents are never used with the wrong one.

A latent code means something only to the generator that it was found for. The identity is a
content hash of the generator's weights and buffers (not of a file path, so a copied or renamed
run keeps it, and a fine-tuned copy gets a new one) plus the shapes a latent must have.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import torch

from modiste.errors import ModisteError

_CACHE_ATTR = "_modiste_identity"


@dataclass(frozen=True)
class GeneratorIdentity:
    """What a latents file records about its generator.

    checkpoint_hash: sha256 (hex) of the generator's state dict (names, dtypes, shapes, bytes).
    z_dim, w_dim, num_ws: latent sizes; class_names: the conditioning classes ([] unconditional);
    width, height: the canvas in pixels.
    """

    checkpoint_hash: str
    z_dim: int
    w_dim: int
    num_ws: int
    width: int
    height: int
    class_names: tuple[str, ...] = field(default_factory=tuple)

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["class_names"] = list(self.class_names)
        return d

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> "GeneratorIdentity":
        names = [f.name for f in fields(cls)]
        if not isinstance(d, dict):
            raise ModisteError("the latents file's generator identity is not an object: re-create the file")
        missing = [n for n in names if n not in d and n != "class_names"]
        unknown = sorted(set(d) - set(names))
        if missing or unknown:
            raise ModisteError(f"the latents file's generator identity is malformed (missing {missing or 'none'}, "
                               f"unknown {unknown or 'none'}): re-create the file")
        try:
            return cls(**{**d, "class_names": tuple(d.get("class_names", ()))})
        except TypeError as e:
            raise ModisteError(f"the latents file's generator identity is malformed ({e}): re-create the file") from e

    def require_same(self, other: "GeneratorIdentity", what: str) -> None:
        """Raise ModisteError unless `other` (the generator at hand) is the one `what` was made by."""
        if self.checkpoint_hash == other.checkpoint_hash:
            return
        shape = "" if (self.num_ws, self.w_dim) == (other.num_ws, other.w_dim) else (
            f" (num_ws {self.num_ws} vs {other.num_ws}, w_dim {self.w_dim} vs {other.w_dim})")
        raise ModisteError(
            f"{what} was made by another generator (weights {self.checkpoint_hash[:12]}, this one "
            f"{other.checkpoint_hash[:12]}){shape}: use the checkpoint it was made with, or re-project/"
            f"re-sample with this one")


def state_dict_hash(module: torch.nn.Module) -> str:
    """sha256 of a module's state dict, independent of device and of the order keys were added."""
    h = hashlib.sha256()
    for name, tensor in sorted(module.state_dict().items()):
        t = tensor.detach().to("cpu").contiguous().reshape(-1)
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def generator_identity(G: torch.nn.Module, refresh: bool = False) -> GeneratorIdentity:
    """The identity of a generator (computed once per module, ~0.2 s per 100 MB of weights).

    Pass refresh=True after changing the weights in place (pivotal tuning works on a copy instead).
    """
    cached = getattr(G, _CACHE_ATTR, None)
    if cached is not None and not refresh:
        return cached
    cfg = G.cfg
    identity = GeneratorIdentity(
        checkpoint_hash=state_dict_hash(G),
        z_dim=int(G.z_dim),
        w_dim=int(G.w_dim),
        num_ws=int(G.num_ws),
        width=int(cfg.width),
        height=int(cfg.height),
        class_names=tuple(cfg.class_names),
    )
    object.__setattr__(G, _CACHE_ATTR, identity)  # a plain attribute, not a submodule or buffer
    return identity
