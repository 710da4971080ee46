"""Style mixing (Karras et al. 2019, "A Style-Based Generator Architecture for GANs", sec. 3.1, fig. 3).

A mixed image takes one source's W+ and replaces the ws of a layer range by another source's. As
in the official StyleGAN scripts that draw the paper's figure (StyleGAN's
`draw_style_mixing_figure`, stylegan2-ada-pytorch's `style_mixing.py`), the grid's cell in row r,
column k is **row r's W+ with column k's ws at the chosen layers**: with coarse layers the cell
keeps the row source's colours and details and takes the column source's silhouette and pose;
with fine layers it keeps the row source's shape and takes the column source's colours.

"A mapped onto B" (`mix_pairs`): B's W+ with A's ws at the chosen layers, i.e. the grid cell with
B as the row source and A as the column source.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from modiste.errors import ModisteError
from modiste.latent.latents import LatentSet
from modiste.latent.labelled_grid import labelled_grid
from modiste.latent.render import blank_like, figure_scale, rgb, synthesize_images


def mix_styles(base_ws: torch.Tensor, style_ws: torch.Tensor, layers: tuple[int, int]) -> torch.Tensor:
    """base_ws [N, num_ws, w_dim] with style_ws [N, num_ws, w_dim] at W+ indices [start, end) -> [N, num_ws, w_dim].

    Raises ModisteError for mismatched shapes or a layer range outside [0, num_ws].
    """
    if base_ws.shape != style_ws.shape or base_ws.dim() != 3:
        raise ModisteError(f"style mixing needs two W+ batches of one shape, got {list(base_ws.shape)} "
                           f"and {list(style_ws.shape)}")
    start, end = layers
    if not 0 <= start < end <= base_ws.shape[1]:
        raise ModisteError(f"layer range {start}-{end - 1} is outside W+ indices 0-{base_ws.shape[1] - 1}")
    mixed = base_ws.clone()
    mixed[:, start:end] = style_ws[:, start:end]
    return mixed


def source_label(latents: LatentSet, i: int) -> str:
    """'seed 12' for a seeded row, else '#i' (its row in the latents file)."""
    seed = latents.seeds[i]
    return f"seed {seed}" if seed is not None else f"#{i}"


@dataclass
class MixResult:
    """A style-mixing grid or pair figure and what made it.

    ws: W+ of the mixes, [R * K, num_ws, w_dim] row-major (row source r, column source k at r * K + k)
    for a grid, [P, num_ws, w_dim] for pairs; images: uint8 [same N, C, H, W]; row_images / col_images:
    the sources' images; figure: the labelled PNG as uint8 [H', W', 3]; names: a file stem per mix.
    """

    ws: torch.Tensor
    images: torch.Tensor
    row_images: torch.Tensor
    col_images: torch.Tensor
    figure: np.ndarray
    names: list[str]
    latents: LatentSet
    meta: dict = field(default_factory=dict)


def _stem(latents: LatentSet, i: int) -> str:
    seed = latents.seeds[i]
    return f"seed{seed:04d}" if seed is not None else f"row{i:04d}"


@torch.no_grad()
def style_mixing_grid(G: torch.nn.Module, rows: LatentSet, cols: LatentSet, layers: tuple[int, int],
                      layers_name: str = "") -> MixResult:
    """The style-mixing grid: cell (r, k) = rows[r]'s W+ with cols[k]'s ws at W+ indices [start, end).

    rows, cols: "w+" LatentSets of G (from `ws_from_inputs`). The figure has an empty top-left
    corner, the column sources along the top, the row sources down the left, labelled with seeds.
    """
    for ls in (rows, cols):
        if ls.space != "w+" or len(ls) == 0:
            raise ModisteError("style mixing needs at least one row and one column source in W+")
    R, K = len(rows), len(cols)
    base = rows.latents.unsqueeze(1).expand(-1, K, -1, -1).reshape(R * K, *rows.latents.shape[1:])
    style = cols.latents.unsqueeze(0).expand(R, -1, -1, -1).reshape(R * K, *cols.latents.shape[1:])
    ws = mix_styles(base, style, layers)
    images = synthesize_images(G, ws)
    row_images, col_images = synthesize_images(G, rows.latents), synthesize_images(G, cols.latents)
    corner = blank_like(col_images[0])  # the top-left cell stays empty
    cells = torch.stack([torch.stack([corner, *col_images])] +
                        [torch.stack([row_images[r], *images[r * K:(r + 1) * K]]) for r in range(R)])
    span = f"{layers_name} {layers[0]}-{layers[1] - 1}".strip()
    figure = labelled_grid(rgb(cells), [""] + [source_label(rows, r) for r in range(R)],
                           [""] + [source_label(cols, k) for k in range(K)],
                           title=f"rows with the columns' layers {span}", scale=figure_scale(G.cfg.width))
    names = [f"mix-{_stem(rows, r)}-{_stem(cols, k)}" for r in range(R) for k in range(K)]
    meta = {"kind": "style-mixing grid", "layers": list(layers), "layers_name": layers_name,
            "row_seeds": rows.seeds, "col_seeds": cols.seeds,
            "cells": "row r's W+ with column k's ws at layers [start, end); row-major",
            "truncation_psi": rows.meta.get("truncation_psi"), "truncation_center": rows.meta.get("truncation_center")}
    meta.update({k: v for k, v in rows.meta.items() if k == "pti_weights"})
    classes = [rows.classes[r] for r in range(R) for _ in range(K)]
    out = LatentSet("w+", ws.cpu(), rows.identity, classes, [None] * (R * K), meta)
    return MixResult(ws, images, row_images, col_images, figure, names, out, meta)


@torch.no_grad()
def mix_pairs(G: torch.nn.Module, a: LatentSet, b: LatentSet, layers: tuple[int, int], layers_name: str = "") -> MixResult:
    """"A mapped onto B" for pairs (a[i], b[i]): B's W+ with A's ws at [start, end).

    The figure has one row per pair: A | B | mix, labelled. Raises ModisteError unless len(a) == len(b).
    """
    if len(a) != len(b) or len(a) == 0:
        raise ModisteError(f"--pairs needs as many column sources (A) as row sources (B), got {len(a)} and {len(b)}")
    ws = mix_styles(b.latents, a.latents, layers)
    images = synthesize_images(G, ws)
    a_images, b_images = synthesize_images(G, a.latents), synthesize_images(G, b.latents)
    span = f"{layers_name} {layers[0]}-{layers[1] - 1}".strip()
    cells = torch.stack([a_images, b_images, images], dim=1)
    figure = labelled_grid(rgb(cells), [f"{source_label(a, i)} onto {source_label(b, i)}" for i in range(len(a))],
                           ["A", "B", f"mix ({span})"], scale=figure_scale(G.cfg.width))
    names = [f"mix-{_stem(a, i)}-onto-{_stem(b, i)}" for i in range(len(a))]
    meta = {"kind": "A mapped onto B", "layers": list(layers), "layers_name": layers_name,
            "a_seeds": a.seeds, "b_seeds": b.seeds, "cells": "B's W+ with A's ws at layers [start, end)",
            "truncation_psi": b.meta.get("truncation_psi"), "truncation_center": b.meta.get("truncation_center")}
    meta.update({k: v for k, v in b.meta.items() if k == "pti_weights"})
    out = LatentSet("w+", ws.cpu(), b.identity, list(b.classes), [None] * len(b), meta)
    return MixResult(ws, images, a_images, b_images, figure, names, out, meta)


def write_mix(result: MixResult, outdir) -> dict[str, object]:
    """Write the figure (`grid.png` or `pairs.png`), one PNG per mix and `mixes.safetensors/.json` (W+).

    outdir must exist and be writable (modiste.latent.outputs.prepare_outdir). Returns
    {"figure": path, "images": [paths], "latents": path}.
    """
    from pathlib import Path

    from modiste.gan.images import save_image, save_png
    from modiste.latent.latents import save_latents

    outdir = Path(outdir)
    figure = outdir / ("pairs.png" if result.meta["kind"] == "A mapped onto B" else "grid.png")
    images = []
    for name, image in zip(result.names, result.images):
        save_image(image, outdir / f"{name}.png")
        images.append(outdir / f"{name}.png")
    latents = save_latents(outdir / "mixes", result.latents)
    save_png(result.figure, figure)
    return {"figure": figure, "images": images, "latents": latents}
