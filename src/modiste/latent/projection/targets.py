"""Photos -> projection targets, fitted to the generator's canvas exactly as its training data was.

The training datasets decode each file with `modiste.data.transforms.decode` (RGB conversion with
transparent pixels on white, JPEG draft decoding, then `fit_image`: pad with the border colour or
centre-crop, Lanczos resampling). A target goes through the same function, so a catalogue photo
projected here has the very pixels the generator was trained on. Nothing is square-cropped
silently: when the photo's aspect differs from the canvas, `FittedPhoto.note` says how it was fitted.

A photo smaller than the canvas (on the side that sets the scale) is refused rather than upscaled:
the projection would otherwise chase interpolation blur that no catalogue photo has.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import torch
from modiste.data.transforms import MODES, decode, to_model_range, to_tensor
from modiste.errors import ModisteError


@dataclass
class FittedPhoto:
    """A photo on the canvas: `image` float32 [3, H, W] in [-1, 1]; `uint8` the same as [3, H, W] bytes."""

    path: Path
    image: torch.Tensor
    uint8: torch.Tensor
    source_size: tuple[int, int]  # (width, height) upright
    mode: str
    note: str | None  # how a photo of another aspect was fitted; None when the aspect matches


def training_mode(G: torch.nn.Module) -> str:
    """The fit mode ("pad" / "crop") the generator's run was trained with, "pad" if unrecorded."""
    snapshot = getattr(G, "source_path", None)
    for folder in ([Path(snapshot).parent.parent, Path(snapshot).parent] if snapshot else []):
        try:
            mode = json.loads((folder / "config.json").read_text())["config"]["mode"]
        except (OSError, ValueError, KeyError, TypeError):
            continue
        if mode in MODES:
            return mode
    return "pad"


def fit_note(src: tuple[int, int], dst: tuple[int, int], mode: str) -> str | None:
    """A sentence saying how a `src` (w, h) photo is fitted to the `dst` canvas, None if same aspect."""
    (sw, sh), (dw, dh) = src, dst
    aspect = Fraction(dw, dh)
    if Fraction(sw, sh) == aspect:
        return None
    ratio = f"{aspect.numerator}:{aspect.denominator}"
    wider = Fraction(sw, sh) > Fraction(dw, dh)
    if mode == "pad":
        bars = "above and below" if wider else "left and right"
        return f"{sw}x{sh} is not {ratio}: scaled to fit and padded {bars} with its border colour (--mode pad)"
    cut = "left and right" if wider else "top and bottom"
    return f"{sw}x{sh} is not {ratio}: scaled to cover and cropped at the {cut} (--mode crop)"


def load_photo(path: str | Path, size: tuple[int, int], mode: str = "pad", channels: int = 3) -> FittedPhoto:
    """Read one photo and fit it to `size` = (width, height) as the training datasets do, with the
    generator's `channels` (3 RGB, 1 grey: a colour photo is converted as the datasets convert it).

    Raises ModisteError for a missing file, a file that is not an image, an unknown mode, or a
    photo smaller than the canvas (it would have to be upscaled).
    """
    path = Path(path)
    if mode not in MODES:
        raise ModisteError(f"unknown mode {mode!r}: use pad or crop")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise ModisteError(f"cannot read photo {path} ({e.strerror or e}): check the path") from None
    try:  # full decode first: the upright size (EXIF orientation applied) decides the fit
        src = decode(data, channels, None, mode).shape[1::-1]
    except Exception as e:  # noqa: BLE001 - any decoder failure means "not an image we can read"
        raise ModisteError(f"{path} is not an image that can be read ({type(e).__name__}): "
                           f"pass a PNG, JPEG or WebP photo") from None
    (sw, sh), (dw, dh) = src, size
    scale = max(dw / sw, dh / sh) if mode == "crop" else min(dw / sw, dh / sh)
    if scale > 1.0:
        need = f"{dw}x{dh}" if mode == "crop" else f"{dw} wide or {dh} high"
        raise ModisteError(f"photo {path} is {sw}x{sh}, smaller than the {dw}x{dh} canvas (--mode {mode} needs at "
                           f"least {need}): use a larger photo, or upscale it yourself if that is what you want")
    array = decode(data, channels, size, mode)  # the very call the training datasets make
    uint8 = to_tensor(array)
    return FittedPhoto(path, to_model_range(uint8), uint8, src, mode, fit_note(src, size, mode))
