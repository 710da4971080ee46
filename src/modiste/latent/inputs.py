"""What every latent command starts from: a generator (PTI-tuned where the latents say so) and W+ codes
from seeds or from a latents file, with class and truncation applied.

Pivotal tuning (Roich et al. 2021) fine-tunes the generator for one projected photo. `modiste
project --pti` writes the tuned weights beside the latents as `<latents stem>.pti.safetensors`
(a generator state dict, all or part of it) and names that file in the latents' meta under
"pti_weights" (a path relative to the latents file). `load_generator_for` loads the checkpoint and
then those weights, so `mix`, `walk` and `edit` reproduce the photo, not the untuned pivot.
The tuned generator remembers the identity of the checkpoint it was tuned from
(`base_identity(G)`): directions found on the checkpoint apply to it unchanged, since PTI keeps
the W space (the mapping network) as it was.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file

from modiste.errors import ModisteError
from modiste.gan.checkpoint import load_generator
from modiste.gan.generate import check_seeds, check_truncation_psi, class_index
from modiste.gan.images import latents_for_seeds
from modiste.latent.identity import GeneratorIdentity, generator_identity
from modiste.latent.latents import LatentSet, latents_paths, load_latents
from modiste.latent.truncation import map_to_ws, resolve_center, truncate_ws

PTI_META_KEY = "pti_weights"
_PTI_ATTR = "_modiste_pti"  # (identity before tuning, absolute path of the weights applied)


def pti_weights_path(latents_path: str | Path) -> Path | None:
    """The PTI weights file a latents file names in its meta (resolved beside it), or None."""
    tensors_path, sidecar_path = latents_paths(latents_path)
    try:
        meta = json.loads(sidecar_path.read_text()).get("meta") or {}
    except (OSError, json.JSONDecodeError, AttributeError):
        return None  # load_latents reports the damaged or missing file with the right message
    name = meta.get(PTI_META_KEY)
    return None if not name else (tensors_path.parent / name)


def apply_pti_weights(G: torch.nn.Module, weights_path: str | Path) -> torch.nn.Module:
    """Load pivotal-tuning weights (a state dict of G, all or some entries: tuned synthesis weights,
    optimised noise maps) into G in place.

    Raises ModisteError if the file is missing or damaged, was tuned from another generator (its
    header's "base_checkpoint_hash"), or does not fit G (unknown names, other shapes).
    """
    base = generator_identity(G)
    weights_path = Path(weights_path)
    if not weights_path.is_file():
        raise ModisteError(f"the latents name PTI weights {weights_path} but the file is missing: copy it next to "
                           f"the latents file, or re-run `modiste project --pti`")
    try:
        tuned = load_file(str(weights_path))
        with safe_open(str(weights_path), "pt") as f:
            header = f.metadata() or {}
    except (OSError, SafetensorError) as e:
        raise ModisteError(f"PTI weights {weights_path} are damaged ({e}): re-run `modiste project --pti`") from e
    tuned_from = header.get("base_checkpoint_hash")
    if tuned_from and tuned_from != base.checkpoint_hash:
        raise ModisteError(f"PTI weights {weights_path.name} were tuned from another generator (weights "
                           f"{tuned_from[:12]}, this one {base.checkpoint_hash[:12]}): use the checkpoint the photo "
                           f"was projected with")
    own = G.state_dict()
    wrong = [k for k, v in tuned.items() if k not in own or own[k].shape != v.shape]
    if wrong:
        raise ModisteError(f"PTI weights {weights_path.name} do not fit this generator ({wrong[:3]}): use the "
                           f"checkpoint the photo was projected with")
    G.load_state_dict(tuned, strict=False)
    object.__setattr__(G, _PTI_ATTR, (base, str(weights_path.resolve())))
    generator_identity(G, refresh=True)
    return G


def base_identity(G: torch.nn.Module) -> GeneratorIdentity:
    """The identity of the checkpoint G was loaded from (before pivotal tuning, if any)."""
    pti = getattr(G, _PTI_ATTR, None)
    return pti[0] if pti else generator_identity(G)


def provenance_meta(G: torch.nn.Module) -> dict:
    """Meta for latents G produced: {"pti_weights": absolute path} for a PTI-tuned G, else {}.

    Latents written from a tuned generator carry the checkpoint's identity (base_identity) and this
    key, so any command given them loads the same tuned weights again.
    """
    pti = getattr(G, _PTI_ATTR, None)
    return {PTI_META_KEY: pti[1]} if pti else {}


def load_generator_for(checkpoint: str | Path, latents_path: str | Path | None = None,
                       device: str | torch.device = "cpu") -> torch.nn.Module:
    """modiste.load_generator(checkpoint, device), plus the PTI weights the latents file names (if any).

    Returns the EMA generator in eval mode. Raises ModisteError for a missing checkpoint or bad PTI weights.
    """
    G = load_generator(checkpoint, device)
    if latents_path is not None:
        weights = pti_weights_path(latents_path)
        if weights is not None:
            apply_pti_weights(G, weights)
    return G


def read_latents_for(G: torch.nn.Module, latents_path: str | Path) -> LatentSet:
    """load_latents checked against G, or against the checkpoint G was tuned from.

    Raises ModisteError naming both when the latents come from another generator.
    """
    latent_set = load_latents(latents_path)
    if latent_set.identity.checkpoint_hash != generator_identity(G).checkpoint_hash:
        latent_set.identity.require_same(base_identity(G), f"latents file {Path(latents_path).name}")
    return latent_set


def class_indices(G: torch.nn.Module, classes: list[str | None], class_name: str | None) -> torch.Tensor | None:
    """Class index per row: the row's own class, else `class_name`; None for an unconditional G.

    Raises ModisteError for an unknown class (listing them), --class on an unconditional model, a
    conditional model without a class, or --class contradicting a class the latents file records.
    """
    default = class_index(G, class_name)  # validates the name whatever the model
    if G.c_dim == 0:
        return None
    out = []
    for i, row_class in enumerate(classes):
        if row_class is not None and class_name is not None and row_class != class_name:
            raise ModisteError(f"the latents file says row {i} is {row_class!r}, not {class_name!r}: drop --class")
        k = class_index(G, row_class) if row_class is not None else default
        if k is None:
            raise ModisteError(f"this generator is conditional: pass --class, one of {', '.join(G.cfg.class_names)}")
        out.append(k)
    return torch.tensor(out, dtype=torch.long)


@torch.no_grad()
def ws_from_inputs(
    G: torch.nn.Module,
    seeds: list[int] | None = None,
    latents: LatentSet | None = None,
    class_name: str | None = None,
    truncation_psi: float = 1.0,
    center: str | None = None,
) -> LatentSet:
    """Seeds or a latents set -> a "w+" LatentSet ([N, num_ws, w_dim], on G's device).

    Seeds: z from `latents_for_seeds` (as `modiste generate`), class `class_name`. A latents set:
    z rows are mapped with their class (or `class_name`); W rows are broadcast to every layer; W+
    rows are used as they are. Truncation psi (towards `center`: "class" | "global", default class
    for conditional generators) applies to every row; psi = 1 changes nothing. Exactly one of
    seeds / latents. Raises ModisteError for bad classes, a non-finite psi, or neither/both inputs.
    """
    if (seeds is None) == (latents is None):
        raise ModisteError("pass exactly one of --seeds and --latents")
    truncation_psi = check_truncation_psi(truncation_psi)
    device = next(G.parameters()).device
    center = resolve_center(G, center) if truncation_psi != 1.0 else center
    meta = {"truncation_psi": float(truncation_psi), "truncation_center": center, **provenance_meta(G)}
    if seeds is not None:
        if not seeds:
            raise ModisteError("no seeds given: pass --seeds like 0-7 or 1,5,9")
        check_seeds(seeds)
        c = class_indices(G, [None] * len(seeds), class_name)
        c = None if c is None else c.to(device)
        ws = map_to_ws(G, latents_for_seeds(seeds, G.z_dim).to(device), c, truncation_psi, center)
        classes = [class_name] * len(seeds) if c is not None else []
        return LatentSet("w+", ws.float(), base_identity(G), classes, list(seeds), meta)
    class_index(G, class_name)  # an unknown --class, or one on an unconditional model, fails even if unused
    classes = list(latents.classes)
    needs_class = latents.space == "z" or (truncation_psi != 1.0 and center == "class")
    c = class_indices(G, classes, class_name) if needs_class else None
    if c is not None:
        c = c.to(device)
        classes = [G.cfg.class_names[k] for k in c.tolist()]
    codes = latents.latents.to(device)
    if latents.space == "z":
        ws = G.mapping(codes, c, truncation_psi=1.0)
    elif latents.space == "w":
        ws = codes.unsqueeze(1).expand(-1, G.num_ws, -1)
    else:
        ws = codes
    ws = truncate_ws(G, ws, c, truncation_psi, center)
    meta.update({"source_meta": latents.meta})
    return LatentSet("w+", ws.float().contiguous(), base_identity(G), classes, list(latents.seeds), meta)


def open_inputs(
    checkpoint: str | Path,
    seeds: list[int] | None = None,
    latents_path: str | Path | None = None,
    class_name: str | None = None,
    truncation_psi: float = 1.0,
    center: str | None = None,
    device: str | torch.device = "cpu",
) -> tuple[torch.nn.Module, LatentSet]:
    """(generator, W+ LatentSet) for seeds or a latents file: what every latent command starts with.

    Loads the checkpoint (plus PTI weights named by the latents), refuses latents from another
    generator, and applies class and truncation as `ws_from_inputs`. Raises ModisteError.
    """
    if (seeds is None) == (latents_path is None):
        raise ModisteError("pass exactly one of --seeds and --latents")
    if latents_path is not None:
        load_latents(latents_path)  # a missing or damaged file fails before the generator is loaded
    G = load_generator_for(checkpoint, latents_path, device)
    latent_set = read_latents_for(G, latents_path) if latents_path is not None else None
    return G, ws_from_inputs(G, seeds, latent_set, class_name, truncation_psi, center)


def parse_source(text: str, option: str) -> tuple[list[int] | None, Path | None]:
    """A source given as seeds ("1,5,9", "0-4") or as a latents file path -> (seeds, None) or (None, path).

    Raises ModisteError when the text is neither a seed list nor an existing latents file.
    """
    import re

    from modiste.gan.images import parse_seeds

    text = text.strip()
    if not text:
        raise ModisteError(f"{option} is empty: pass seeds (like 1,5,9 or 0-4) or a latents file")
    if re.fullmatch(r"[\d\s,-]+", text):
        return check_seeds(parse_seeds(text), option), None
    if Path(text).is_dir():
        raise ModisteError(f"{option} {text!r} is a folder: pass the latents file in it (e.g. {text}/latents.safetensors)")
    tensors_path, sidecar_path = latents_paths(text)
    if not tensors_path.is_file():
        raise ModisteError(f"{option} {text!r} is neither seeds (like 1,5,9 or 0-4) nor a latents file")
    return None, Path(text)


def resolve_center_for(G: torch.nn.Module, truncation_psi: float, center: str | None) -> str | None:
    """The truncation centre actually used: None when psi = 1 (no truncation), else resolve_center."""
    return None if truncation_psi == 1.0 else resolve_center(G, center)
