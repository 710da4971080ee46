"""A grid of images with a label left of each row and above each column, for figures people read
(direction previews, synthesized data sets) rather than for pixel comparisons."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

_PAD = 4
_BACKGROUND = (255, 255, 255)
_INK = (20, 20, 20)


def labelled_grid(
    images: torch.Tensor,
    row_labels: list[str] | None = None,
    col_labels: list[str] | None = None,
    title: str | None = None,
    scale: int = 1,
) -> np.ndarray:
    """uint8 images [R, C, 3 or 1, H, W] -> an RGB uint8 array [H', W', 3] with the labels drawn in.

    row_labels: R strings (left margin); col_labels: C strings (top margin); title: one line above
    everything. scale: integer nearest-neighbour enlargement of each image (small 64 px samples are
    hard to see at 1x). Uses Pillow's built-in bitmap font, so nothing is downloaded.
    """
    rows, cols, _, h, w = images.shape
    h, w = h * scale, w * scale
    font = ImageFont.load_default()
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    text_w = lambda s: int(probe.textlength(s, font=font))  # noqa: E731
    line_h = 12
    left = (max(text_w(s) for s in row_labels) + 2 * _PAD) if row_labels else 0
    top = (line_h + 2 * _PAD if col_labels else 0) + (line_h + _PAD if title else 0)
    width = max(left + cols * (w + _PAD) + _PAD, text_w(title) + 2 * _PAD if title else 0)
    canvas = Image.new("RGB", (width, top + rows * (h + _PAD) + _PAD), _BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    if title:
        draw.text((_PAD, _PAD), title, fill=_INK, font=font)
    for j, label in enumerate(col_labels or []):
        x = left + _PAD + j * (w + _PAD) + (w - text_w(label)) // 2
        draw.text((x, top - line_h - _PAD), label, fill=_INK, font=font)
    for i in range(rows):
        y = top + _PAD + i * (h + _PAD)
        if row_labels:
            draw.text((_PAD, y + (h - line_h) // 2), row_labels[i], fill=_INK, font=font)
        for j in range(cols):
            tile = Image.fromarray(images[i, j].expand(3, -1, -1).permute(1, 2, 0).cpu().numpy())  # grey -> RGB
            if scale != 1:
                tile = tile.resize((w, h), Image.NEAREST)
            canvas.paste(tile, (left + _PAD + j * (w + _PAD), y))
    return np.asarray(canvas)
