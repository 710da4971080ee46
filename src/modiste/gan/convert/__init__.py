"""Convert published StyleGAN2 weights into Modiste runs (`modiste import`).

    network, tensors = read_foreign_model("stylegan2-ffhq-config-f.pt")   # rosinality, or a .pkl
    run_dir = import_model("network-snapshot-025000.pkl", "runs/imported")  # a run folder
    G = modiste.load_generator(run_dir)         # same image as the original for the same z

Formats: rosinality/stylegan2-pytorch checkpoints (`.pt`/`.pth`, read with
`torch.load(weights_only=True)`) and stylegan2-ada-pytorch / stylegan3 network pickles (`.pkl`,
read by `safe_pickle`, which runs nothing from the file). See docs/networks.md for which
published models convert.
"""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import torch
from safetensors.torch import save_file

from modiste.atomic import atomic_write_json
from modiste.errors import ModisteError
from modiste.gan.checkpoint import snapshot_name
from modiste.gan.convert.layout import Tensors, check_complete
from modiste.gan.networks.config import NetworkConfig

FORMATS = {".pt": "rosinality", ".pth": "rosinality", ".pkl": "stylegan2-ada-pytorch"}


def read_foreign_model(path: str | Path) -> tuple[NetworkConfig, dict[str, Tensors]]:
    """(config, {"G_ema", "G", "D"} state dicts in Modiste names) of a published file.

    G is G_ema when the file has no separate training generator; D is absent when the file has none.
    Every converted network is checked to fit Modiste's (names and shapes). Raises ModisteError
    for a missing, unreadable, unsafe or unsupported file.
    """
    from modiste.gan.networks import build_discriminator, build_generator

    path = Path(path)
    if not path.is_file():
        raise ModisteError(f"{path} does not exist: pass a rosinality .pt or an NVlabs network .pkl")
    kind = FORMATS.get(path.suffix.lower())
    if kind is None:
        raise ModisteError(f"{path.name}: unknown format; pass a rosinality .pt/.pth or an NVlabs .pkl")
    if kind == "rosinality":
        from modiste.gan.convert.rosinality import convert
    else:
        from modiste.gan.convert.nvlabs import convert
    cfg, nets = convert(path)
    nets.setdefault("G", nets["G_ema"])
    for name in ("G", "G_ema"):
        check_complete(build_generator(cfg), nets[name], name)
    if "D" in nets:
        check_complete(build_discriminator(cfg), nets["D"], "D")
    return cfg, nets


def import_model(src: str | Path, out: str | Path) -> Path:
    """Convert `src` and write the Modiste run folder `out` (checkpoints/snapshot-000000.000/ with
    G, D, G_ema safetensors and state.json; config.json names the source). Returns `out`.

    A discriminator missing from the file is written freshly initialised (seed 0) so that
    `modiste train --init-from` has one; state.json says so. Nothing is written if conversion fails,
    and an existing non-empty `out` is refused.
    """
    from modiste.gan.networks import build_discriminator
    from modiste.gan.training.init_from import file_sha256

    src, out = Path(src), Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ModisteError(f"{out} already exists and is not empty: choose a new --out folder")
    cfg, nets = read_foreign_model(src)
    has_d = "D" in nets
    if not has_d:
        torch.manual_seed(0)
        nets["D"] = build_discriminator(cfg).state_dict()
    origin = {"path": str(src.resolve()), "sha256": file_sha256([src]), "format": FORMATS[src.suffix.lower()],
              "discriminator": "converted" if has_d else "fresh (the file has none)"}
    _write_run(out, cfg, nets, origin)
    return out


def _write_run(out: Path, cfg: NetworkConfig, nets: dict[str, Tensors], origin: dict) -> None:
    """Write into a hidden sibling folder, then rename: `out` appears complete or not at all."""
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex}"
    snapshot = tmp / "checkpoints" / snapshot_name(0.0)
    try:
        snapshot.mkdir(parents=True)
        for name in ("G", "D", "G_ema"):
            save_file({k: v.detach().cpu().contiguous() for k, v in nets[name].items()},
                      str(snapshot / f"{name}.safetensors"))
        atomic_write_json(snapshot / "state.json", {"network": cfg.to_dict(), "kimg": 0.0, "imported_from": origin})
        atomic_write_json(tmp / "config.json", {"network": cfg.to_dict(), "imported_from": origin})
        if out.exists():
            out.rmdir()  # empty (checked above)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
