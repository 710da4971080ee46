"""`modiste generate`: one PNG per seed and a grid, from a checkpoint's EMA generator."""

from __future__ import annotations

from pathlib import Path

import torch

from modiste.errors import ModisteError
from modiste.gan.checkpoint import load_generator
from modiste.gan.images import latents_for_seeds, make_grid, save_image, save_png, to_uint8


def class_index(G: torch.nn.Module, name: str | None) -> int | None:
    names = list(G.cfg.class_names)
    if name is None:
        return None
    if not names:
        raise ModisteError(f"--class {name!r} was given but this generator is unconditional: drop --class")
    if name not in names:
        raise ModisteError(f"unknown class {name!r}: this generator knows {', '.join(names)}")
    return names.index(name)


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

    if not seeds:
        raise ModisteError("no seeds given: pass --seeds like 0-63")
    G = load_generator(checkpoint, device)
    c_index = class_index(G, class_name)
    if G.c_dim > 0 and c_index is None:
        raise ModisteError(f"this generator is conditional: pass --class, one of {', '.join(G.cfg.class_names)}")
    center = resolve_center(G, truncation_center)
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths, all_images, all_ws = [], [], []
    for start in range(0, len(seeds), batch):
        chunk = seeds[start:start + batch]
        z = latents_for_seeds(chunk, G.z_dim).to(device)
        c = torch.full((len(chunk),), c_index, dtype=torch.long, device=device) if c_index is not None else None
        ws = map_to_ws(G, z, c, truncation, center)
        images = to_uint8(G.synthesis(ws, noise_mode=noise_mode)).cpu()
        for seed, image in zip(chunk, images):
            path = outdir / f"seed{seed:04d}.png"
            save_image(image, path)
            paths.append(path)
        all_images.append(images)
        all_ws.append(ws.float().cpu())
    save_png(make_grid(torch.cat(all_images)), outdir / "grid.png")
    meta = {"command": "generate", "truncation_psi": float(truncation), "truncation_center": center,
            "noise_mode": noise_mode}
    save_latents(outdir / "latents", LatentSet("w+", torch.cat(all_ws), generator_identity(G),
                                               [class_name] * len(seeds) if c_index is not None else [], seeds, meta))
    return paths
