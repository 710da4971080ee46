"""W+ codes -> uint8 images in bounded batches, and labelled figure grids drawn with Pillow."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from modiste.gan.images import to_uint8

MIN_CELL_WIDTH = 96  # small generators' images are enlarged (nearest) so labels fit under them
LABEL_HEIGHT = 18
BACKGROUND = (255, 255, 255)
INK = (20, 20, 20)


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


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has one bitmap size
        return ImageFont.load_default()


def _fit_text(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> str:
    """Shorten `text` with an ellipsis until it fits `width` px."""
    if draw.textlength(text, font=font) <= width:
        return text
    while text and draw.textlength(text + "…", font=font) > width:
        text = text[:-1]
    return text + "…"


def labelled_grid(cells: list[list[torch.Tensor | None]], row_labels: list[str], col_labels: list[str],
                  title: str = "", row_label_width: int | None = None) -> np.ndarray:
    """A figure: a band of column labels on top, a band of row labels on the left, images in a grid.

    cells: rows of uint8 [C, H, W] images (all the same size) or None for an empty (white) cell.
    row_labels / col_labels: one per row / column ("" for none); title: drawn in the top-left corner.
    Returns uint8 [H', W', 3]. Images narrower than MIN_CELL_WIDTH are enlarged by an integer factor
    (nearest neighbour, so pixels stay visible).
    """
    first = next(img for row in cells for img in row if img is not None)
    c, h, w = first.shape
    scale = max(1, -(-MIN_CELL_WIDTH // w))
    ch, cw = h * scale, w * scale
    n_rows, n_cols = len(cells), max(len(r) for r in cells)
    font = _font(12)
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    widest = max([probe.textlength(t, font=font) for t in row_labels + [title]] + [0])
    left = row_label_width if row_label_width is not None else int(min(max(widest + 10, 40), 2 * cw))
    canvas = Image.new("RGB", (left + n_cols * cw, LABEL_HEIGHT + n_rows * ch), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    for i, row in enumerate(cells):
        for j, img in enumerate(row):
            if img is None:
                continue
            arr = img.permute(1, 2, 0).numpy()
            tile = Image.fromarray(arr[:, :, 0] if c == 1 else arr).convert("RGB")
            if scale > 1:
                tile = tile.resize((cw, ch), Image.NEAREST)
            canvas.paste(tile, (left + j * cw, LABEL_HEIGHT + i * ch))
    for j, text in enumerate(col_labels):
        text = _fit_text(draw, text, font, cw - 4)
        x = left + j * cw + (cw - draw.textlength(text, font=font)) / 2
        draw.text((x, 3), text, fill=INK, font=font)
    for i, text in enumerate(row_labels):
        text = _fit_text(draw, text, font, left - 6)
        draw.text((4, LABEL_HEIGHT + i * ch + ch / 2 - 7), text, fill=INK, font=font)
    if title:
        draw.text((4, 3), _fit_text(draw, title, font, left - 6), fill=INK, font=font)
    return np.asarray(canvas)
