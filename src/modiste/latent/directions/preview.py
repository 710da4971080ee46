"""The preview grid written next to a directions file: each direction from -3 to +3 on a few seeds."""

from __future__ import annotations

import numpy as np
import torch

from modiste.gan.images import to_uint8
from modiste.latent.directions.file import DirectionSet
from modiste.latent.labelled_grid import labelled_grid

PREVIEW_STRENGTHS = (-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0)


def direction_step(ds: DirectionSet, k: int) -> float:
    """W distance of one strength unit along direction k: its sampled spread "w_std" when the file
    records one (so +-3 spans the usual range of the data, as GANSpace's sigma units), else 1."""
    spread = ds.meta.get("w_std")
    return float(spread[k]) if isinstance(spread, list) and len(spread) == len(ds) else 1.0


@torch.no_grad()
def preview_directions(
    G: torch.nn.Module,
    ds: DirectionSet,
    ws: torch.Tensor,
    row_names: list[str],
    strengths: tuple[float, ...] = PREVIEW_STRENGTHS,
    scale: int = 2,
) -> np.ndarray:
    """A labelled RGB uint8 grid: one row per (direction, code), one column per strength.

    ws: W+ codes float [S, num_ws, w_dim] (e.g. from seeds); row_names: S labels ("seed 3").
    Row (k, s) shows ws[s] + strength * step_k * v_k on the layers [start, end) of direction k
    (step_k: direction_step). Rendered with constant noise.
    """
    device = G.mapping.w_avg.device
    rows, labels = [], []
    for k, name in enumerate(ds.names):
        start, end = ds.layers[k]
        v = ds.vectors[k].to(device) * direction_step(ds, k)
        for s, row_name in enumerate(row_names):
            batch = ws[s].to(device).unsqueeze(0).repeat(len(strengths), 1, 1)
            offsets = torch.tensor(strengths, device=device, dtype=batch.dtype).view(-1, 1) * v
            batch[:, start:end] += offsets.unsqueeze(1)
            rows.append(to_uint8(G.synthesis(batch, noise_mode="const")))
            labels.append(f"{name}: {row_name}")
    unit = "sigma" if "w_std" in ds.meta else "W units"
    title = f"{ds.method} directions, strength in {unit} along each direction"
    return labelled_grid(torch.stack(rows), labels, [f"{x:+g}" for x in strengths], title, scale)
