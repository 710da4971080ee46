"""`modiste generate`: one PNG per seed and a grid, from a checkpoint's EMA generator."""

from __future__ import annotations

import math
from pathlib import Path

import torch

from modiste.errors import ModisteError
from modiste.gan.checkpoint import load_generator
from modiste.gan.images import latents_for_seeds, make_grid, save_image, save_png, to_uint8


MAX_SEED = 2**32 - 1  # numpy's RandomState, which latents_for_seeds uses, takes seeds 0 .. 2^32 - 1


def check_seeds(seeds: list[int], option: str = "--seeds") -> list[int]:
    """Return `seeds` if every one fits numpy's RandomState (0 .. 2^32 - 1); else raise ModisteError."""
    bad = [s for s in seeds if not 0 <= s <= MAX_SEED]
    if bad:
        raise ModisteError(f"{option}: seed {bad[0]} is out of range: seeds go from 0 to {MAX_SEED} (2^32 - 1)")
    return seeds


def class_index(G: torch.nn.Module, name: str | None) -> int | None:
    """The index of class `name` in G.cfg.class_names; None for no class.

    Names match exactly (they are the labels the model was trained on). Raises ModisteError for a
    class on an unconditional model, or an unknown name (listing the classes, and suggesting the
    one that differs only in case or surrounding spaces).
    """
    names = list(G.cfg.class_names)
    if name is None:
        return None
    if not names:
        raise ModisteError(f"--class {name!r} was given but this generator is unconditional: drop --class")
    if name not in names:
        raise ModisteError(f"unknown class {name!r}: {close_name_hint(name, names)}this generator knows "
                           f"{', '.join(names)}")
    return names.index(name)


def close_name_hint(name: str, names: list[str]) -> str:
    """"did you mean 'Jeans'? (names are case-sensitive) " when `name` differs from one of `names` only in
    case or surrounding spaces, else ""."""
    close = [n for n in names if n.casefold() == name.strip().casefold()]
    return f"did you mean {close[0]!r}? (names are case-sensitive) " if close else ""


def check_truncation_psi(truncation_psi: float) -> float:
    """Return psi if it is a finite float32 number; else raise ModisteError (NaN, inf, or beyond float32)."""
    psi = float(truncation_psi)
    if not math.isfinite(psi) or abs(psi) > torch.finfo(torch.float32).max:
        raise ModisteError(f"--truncation must be a finite number (1 = none, 0.5-0.8 usual), got {truncation_psi}")
    return psi


@torch.no_grad()
def generate_images(checkpoint: str | Path, seeds: list[int], outdir: str | Path, truncation: float = 1.0,
                    class_name: str | None = None, device: str = "cpu", batch: int = 16,
                    noise_mode: str = "const", truncation_center: str | None = None) -> list[Path]:
    """Write `seed0000.png`... and `grid.png` into `outdir`; return the image paths.

    Truncation pulls each w towards `truncation_center` ("class": the requested class's mean W,
    the default for conditional models; "global": the overall mean W; modiste.latent.truncation).
    Also writes `latents.safetensors` + `latents.json`: the W+ of every image (a modiste latents
    file, so mix / walk / edit can start from them).
    """
    from modiste.latent import LatentSet, generator_identity, map_to_ws, save_latents
    from modiste.latent.truncation import resolve_center

    from modiste.latent.outputs import prepare_outdir

    if not seeds:
        raise ModisteError("no seeds given: pass --seeds like 0-63")
    check_seeds(seeds)
    truncation = check_truncation_psi(truncation)
    G = load_generator(checkpoint, device)
    c_index = class_index(G, class_name)
    if G.c_dim > 0 and c_index is None:
        raise ModisteError(f"this generator is conditional: pass --class, one of {', '.join(G.cfg.class_names)}")
    center = resolve_center(G, truncation_center)
    # Render everything before writing anything, so a failure leaves no half set of images behind.
    all_images, all_ws = [], []
    for start in range(0, len(seeds), batch):
        chunk = seeds[start:start + batch]
        z = latents_for_seeds(chunk, G.z_dim).to(device)
        c = torch.full((len(chunk),), c_index, dtype=torch.long, device=device) if c_index is not None else None
        ws = map_to_ws(G, z, c, truncation, center)
        all_images.append(to_uint8(G.synthesis(ws, noise_mode=noise_mode)).cpu())
        all_ws.append(ws.float().cpu())
    outdir = prepare_outdir(outdir)
    paths = []
    for seed, image in zip(seeds, torch.cat(all_images)):
        path = outdir / f"seed{seed:04d}.png"
        save_image(image, path)
        paths.append(path)
    save_png(make_grid(torch.cat(all_images)), outdir / "grid.png")
    meta = {"command": "generate", "truncation_psi": float(truncation), "truncation_center": center,
            "noise_mode": noise_mode}
    save_latents(outdir / "latents", LatentSet("w+", torch.cat(all_ws), generator_identity(G),
                                               [class_name] * len(seeds) if c_index is not None else [], seeds, meta))
    return paths
