"""W+ codes -> uint8 images in bounded batches; cells for labelled figures (modiste.latent.labelled_grid)."""

from __future__ import annotations

import torch

from modiste.gan.images import to_uint8

MIN_CELL_WIDTH = 96  # figures enlarge small generators' images (nearest) to at least this width


@torch.no_grad()
def synthesize_images(G: torch.nn.Module, ws: torch.Tensor, batch: int = 16, noise_mode: str = "const") -> torch.Tensor:
    """ws [N, num_ws, w_dim] -> uint8 [N, C, H, W] on the CPU, exactly as saved PNGs hold them.

    noise_mode "const" (default) makes the same ws give the same image every time.
    """
    device = next(G.parameters()).device
    out = [to_uint8(G.synthesis(ws[i:i + batch].to(device), noise_mode=noise_mode)).cpu()
           for i in range(0, ws.shape[0], batch)]
    return torch.cat(out) if out else torch.zeros(0, G.synthesis.img_channels, G.cfg.height, G.cfg.width,
                                                  dtype=torch.uint8)


def figure_scale(width: int) -> int:
    """Integer enlargement that makes a `width` px image at least MIN_CELL_WIDTH px wide in a figure."""
    return max(1, -(-MIN_CELL_WIDTH // width))


def rgb(images: torch.Tensor) -> torch.Tensor:
    """uint8 [..., C, H, W] with C = 1 or 3 -> [..., 3, H, W] (grey repeated)."""
    return images.expand(*images.shape[:-3], 3, *images.shape[-2:]) if images.shape[-3] == 1 else images


def blank_like(image: torch.Tensor) -> torch.Tensor:
    """A white uint8 image of the same shape (an empty figure cell)."""
    return torch.full_like(image, 255)
