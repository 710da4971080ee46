"""The tuned-generator file beside a latents file: `<latents stem>.pti.safetensors`.

It holds only the generator state-dict entries that a projection changed (names as in
`G.state_dict()`): the photo's optimised noise maps (`synthesis.blocks.*.noise_const`) and, after
pivotal tuning, the tuned synthesis weights. Its safetensors header records the format and the
content hash of the generator it was tuned from. The latents sidecar names the file (relative to
itself) in its meta key "pti_weights", which `modiste.latent.inputs.load_generator_for` follows for
every command that takes --latents, and `apply_pti_weights` loads.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import save_file

from modiste.atomic import atomic_path
from modiste.latent.identity import generator_identity
from modiste.latent.inputs import PTI_META_KEY
from modiste.latent.latents import latents_paths

FORMAT = "modiste-pti/1"
META_KEY = PTI_META_KEY


def tuned_weights_path(latents_path: str | Path) -> Path:
    """`out/photo.safetensors` (or `out/photo`) -> `out/photo.pti.safetensors`."""
    tensors, _ = latents_paths(latents_path)
    return tensors.with_name(tensors.name[: -len(".safetensors")] + ".pti.safetensors")


def save_tuned_weights(path: str | Path, changed: dict[str, torch.Tensor], G: torch.nn.Module) -> Path:
    """Write the changed tensors (state-dict name -> tensor) atomically, with the hash of the
    generator `G` they were tuned from in the header metadata. Returns the path."""
    base = generator_identity(G).checkpoint_hash
    with atomic_path(Path(path)) as tmp:
        save_file({k: v.detach().cpu().contiguous() for k, v in changed.items()}, str(tmp),
                  metadata={"format": FORMAT, "base_checkpoint_hash": base})
    return Path(path)
