"""Rendering a batch of unrelated generate requests in one generator call.

Rows may differ in seed, class and truncation psi; each row is truncated towards its own centre
(class mean W or the global mean), exactly as `modiste.latent.map_to_ws` does for one request, so
a batched image equals the image the same request would get alone (up to float rounding).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from modiste.gan.images import latents_for_seeds, to_uint8
from modiste.latent.truncation import truncation_centres


@dataclass(frozen=True)
class RenderItem:
    seed: int
    class_index: int | None
    psi: float
    center: str  # "class" | "global" (already resolved for the model)


@torch.no_grad()
def render_items(G: torch.nn.Module, items: list[RenderItem]) -> list[np.ndarray]:
    """uint8 HxWxC arrays (C = 1 or 3), one per item, from one mapping + synthesis pass over all rows."""
    device = G.mapping.w_avg.device
    z = latents_for_seeds([it.seed for it in items], G.z_dim).to(device)
    c = torch.tensor([it.class_index for it in items], device=device) if G.c_dim > 0 else None
    ws = G.mapping(z, c)  # [N, num_ws, w_dim], untruncated
    psi = torch.tensor([it.psi for it in items], device=device).view(-1, 1, 1)
    centres = torch.empty(len(items), G.w_dim, device=device)
    for center in {it.center for it in items}:
        rows = [i for i, it in enumerate(items) if it.center == center]
        sub_c = c[rows] if c is not None else None
        centres[rows] = truncation_centres(G, sub_c, center).to(device).expand(len(rows), -1)
    ws = centres.unsqueeze(1).lerp(ws.float(), psi)
    return list(to_uint8(G.synthesis(ws, noise_mode="const")).cpu().permute(0, 2, 3, 1).numpy())
