"""The size a tagger learned from, so images are tagged as the tagger saw its training images.

A tagger trained with `--resolution 32 --aspect 2:3` saw every photo shrunk to 32x48 (padded or
cropped by `--mode`) before the Inception resize; a sharp 224 px photo tagged as is looks nothing
like that (the 32x48 tagger calls a skirt "Accessories" at full size and "Skirts" at 32x48). So
`ImageTagger` fits every image to the training canvas first, the way `modiste.data` did in training.
A generated image smaller than the canvas cannot gain the detail the tagger learned from: that case
gets `size_warning`.

The size comes from tagger.json's info (`resolution`, `aspect`, `mode`, recorded since the tagger
format recorded them) or, for older taggers, from the training config in train_report.json beside it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

@dataclass(frozen=True)
class InputSize:
    """How a tagger's training images were read: `size` (width, height) of the canvas, or None for
    photos at their own size; `mode` "pad" or "crop"; `known` False when nothing recorded it."""

    size: tuple[int, int] | None
    mode: str = "pad"
    known: bool = True


def tagger_input_size(info: dict[str, Any], folder: Path | None = None) -> InputSize:
    """The training canvas from tagger.json's `info`, else from `folder`/train_report.json's config."""
    from modiste.data.transforms import parse_aspect, target_size

    source = info if "resolution" in info else _report_config(folder)
    if source is None:
        return InputSize(None, known=False)
    if source.get("resolution") is None:
        return InputSize(None)
    size = target_size(int(source["resolution"]), parse_aspect(source.get("aspect") or "1:1"))
    return InputSize(size, source.get("mode") or "pad")


def _report_config(folder: Path | None) -> dict[str, Any] | None:
    from modiste.products.tagger.train import REPORT_FILE

    if folder is None or not (folder / REPORT_FILE).is_file():
        return None
    try:
        config = json.loads((folder / REPORT_FILE).read_text(encoding="utf-8")).get("config")
    except (OSError, ValueError, AttributeError):
        return None  # a damaged report only costs the size check, never the tagging
    return config if isinstance(config, dict) and "resolution" in config else None


def fit_to_input(images: torch.Tensor, input_size: InputSize) -> torch.Tensor:
    """uint8 [N, C, H, W] -> uint8 [N, C, h, w] fitted to the training canvas (unchanged when the tagger
    learned from photos at their own size or the images already have the canvas size)."""
    from PIL import Image

    from modiste.data.transforms import fit_image

    if input_size.size is None or tuple(images.shape[-1:-3:-1]) == input_size.size:
        return images
    fitted = []
    for image in images:
        array = image.permute(1, 2, 0).numpy()
        pil = Image.fromarray(array[..., 0] if array.shape[2] == 1 else array)
        out = torch.from_numpy(np.array(fit_image(pil, input_size.size, input_size.mode)))
        fitted.append(out.unsqueeze(-1) if out.ndim == 2 else out)
    return torch.stack(fitted).permute(0, 3, 1, 2).contiguous()


def size_warning(input_size: InputSize, width: int, height: int) -> str | None:
    """A one-line note when images of `width` x `height` px are smaller than, or shaped unlike, what the
    tagger learned from (their tags abstain and err more), else None. Unknown sizes give no note."""
    if not input_size.known or input_size.size == (width, height):
        return None
    if input_size.size is not None and input_size.size[0] <= width and \
            input_size.size[0] * height == input_size.size[1] * width:
        return None  # larger images of the same shape are shrunk to the canvas: nothing is lost
    seen = "photos at their own size" if input_size.size is None else \
        f"images of {input_size.size[0]}x{input_size.size[1]} px"
    g = math.gcd(width, height)
    return (f"the tagger learned from {seen}, these images are {width}x{height}: their tags will abstain and err "
            f"more; train a tagger with --resolution {width} --aspect {width // g}:{height // g}")
