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
                    noise_mode: str = "const") -> list[Path]:
    """Write `seed0000.png`... and `grid.png` into `outdir`; return the image paths."""
    if not seeds:
        raise ModisteError("no seeds given: pass --seeds like 0-63")
    G = load_generator(checkpoint, device)
    c_index = class_index(G, class_name)
    if G.c_dim > 0 and c_index is None:
        raise ModisteError(f"this generator is conditional: pass --class, one of {', '.join(G.cfg.class_names)}")
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths, all_images = [], []
    for start in range(0, len(seeds), batch):
        chunk = seeds[start:start + batch]
        z = latents_for_seeds(chunk, G.z_dim).to(device)
        c = torch.full((len(chunk),), c_index, dtype=torch.long, device=device) if c_index is not None else None
        images = to_uint8(G(z, c, truncation_psi=truncation, noise_mode=noise_mode)).cpu()
        for seed, image in zip(chunk, images):
            path = outdir / f"seed{seed:04d}.png"
            save_image(image, path)
            paths.append(path)
        all_images.append(images)
    save_png(make_grid(torch.cat(all_images)), outdir / "grid.png")
    return paths
