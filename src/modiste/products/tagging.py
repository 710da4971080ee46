"""Tag images: every head's label and calibrated confidence, plus the rule colour.

    from modiste.products.tagging import ImageTagger
    tagger = ImageTagger("runs/tagger")                 # load once (server, CLI, composition)
    tags = tagger.tag(images)                           # uint8 [N, 3, H, W] -> list[ImageTags]
    tags[0].tags["articleType"].label, tags[0].tags["articleType"].confidence, tags[0].colour.name

Images of any size are accepted: each is first fitted to the canvas the tagger was trained at
(`--resolution`/`--aspect`/`--mode`; see `modiste.products.tagger.input_size`), then non-square ones
are padded to a square with their border colour before the Inception resize (see
`modiste.products.tagger.features`). The rule colour reads the image as given.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import torch

from modiste.data.storage import IMAGE_EXTENSIONS
from modiste.errors import ModisteError
from modiste.products.colour import RuleColour, rule_colour
from modiste.products.tagger.features import image_features, load_backbone
from modiste.products.tagger.input_size import fit_to_input, tagger_input_size
from modiste.products.tagger.model import ABSTAIN, Tagger, load_tagger


@dataclass(frozen=True)
class Tag:
    """One attribute's answer: `label` (a class, or "abstain" below the head's threshold), the
    arg-max class `top` and its calibrated probability `confidence` in [0, 1]."""

    label: str
    top: str
    confidence: float

    @property
    def abstained(self) -> bool:
        return self.label == ABSTAIN


@dataclass
class ImageTags:
    """All tags of one image; `colour` is the rule colour (None when not computed)."""

    tags: dict[str, Tag]
    colour: RuleColour | None = None

    def label(self, attribute: str) -> str | None:
        """The attribute's label, or None when the tagger lacks it or abstained."""
        tag = self.tags.get(attribute)
        return None if tag is None or tag.abstained else tag.label

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"tags": {k: asdict(v) for k, v in self.tags.items()}}
        out["rule_colour"] = asdict(self.colour) if self.colour is not None else None
        return out

    @classmethod
    def from_json(cls, obj: dict[str, Any]) -> "ImageTags":
        colour = obj.get("rule_colour")
        return cls({k: Tag(**v) for k, v in obj["tags"].items()}, RuleColour(**colour) if colour else None)


class ImageTagger:
    """A loaded tagger and its backbone, ready to tag batches of images."""

    def __init__(self, tagger: str | os.PathLike | Tagger, device: str = "cpu", with_colour: bool = True) -> None:
        self.backbone = load_backbone(device=device)
        self.path = None if isinstance(tagger, Tagger) else Path(tagger)
        self.tagger = tagger if isinstance(tagger, Tagger) else load_tagger(tagger, self.backbone.weights_sha256)
        self.with_colour = with_colour
        self.input_size = tagger_input_size(self.tagger.info, self.path)
        self._tuned = None
        if self.tagger.backbone_state:
            from modiste.products.tagger.finetune import fresh_extractor

            self._tuned = fresh_extractor(self.backbone, self.tagger.backbone_state)

    def features(self, images: torch.Tensor) -> torch.Tensor:
        """uint8 [N, C, H, W] -> float32 [N, 2048] through the tagger's backbone (+ [N, 178] colour
        features for a tagger trained with --colour-features)."""
        if self._tuned is None:
            feats = image_features(images, self.backbone)
        else:
            from modiste.products.tagger.features import Backbone

            feats = image_features(images, Backbone(self._tuned, self.backbone.weights_sha256, self.backbone.mode))
        if self.tagger.backbone.get("colour_features"):
            from modiste.products.tagger.colour_features import images_colour_features

            feats = torch.cat([feats, images_colour_features(images)], dim=1)
        return feats

    def tag(self, images: torch.Tensor) -> list[ImageTags]:
        """Tags of uint8 images [N, 1|3, H, W] (one size per call)."""
        if images.dtype != torch.uint8 or images.ndim != 4:
            raise ValueError(f"expected uint8 images [N, C, H, W], got {images.dtype} {tuple(images.shape)}")
        preds = self.tagger.predict_features(self.features(fit_to_input(images, self.input_size)))
        out = []
        for i in range(len(images)):
            tags = {a: Tag(p.labels[i], p.top[i], float(p.confidence[i])) for a, p in preds.items()}
            colour = rule_colour(images[i].permute(1, 2, 0).numpy()) if self.with_colour else None
            out.append(ImageTags(tags, colour))
        return out

    def tag_list(self, images: list[torch.Tensor]) -> list[ImageTags]:
        """Tags of uint8 images [C, H, W] of any sizes (grouped by size internally)."""
        out: list[ImageTags | None] = [None] * len(images)
        by_size: dict[tuple, list[int]] = {}
        for i, img in enumerate(images):
            by_size.setdefault(tuple(img.shape), []).append(i)
        for indices in by_size.values():
            for i, t in zip(indices, self.tag(torch.stack([images[i] for i in indices]))):
                out[i] = t
        return [t for t in out if t is not None]


def image_paths(paths: Iterable[str | os.PathLike]) -> list[Path]:
    """Image files named by `paths` (files, or folders searched recursively), sorted per folder; a file
    named twice (directly and through its folder, or by two spellings) is listed once, where first named.

    Raises ModisteError for a missing path or when no image is found.
    """
    found: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            found.extend(sorted(f for f in p.rglob("*") if f.suffix.lower() in IMAGE_EXTENSIONS and f.is_file()))
        elif p.is_file():
            found.append(p)
        else:
            raise ModisteError(f"'{p}' does not exist: pass image files or folders")
    if not found:
        raise ModisteError("no images found in the given paths: pass .jpg/.png/.webp files or folders of them")
    first: dict[Path, Path] = {}
    for f in found:
        first.setdefault(f.resolve(), f)
    return list(first.values())


def read_image(path: str | os.PathLike) -> torch.Tensor:
    """uint8 [3, H, W] RGB of an image file as a viewer shows it (modiste.data.image_file: EXIF
    orientation, ICC profile to sRGB, transparency on white, first frame of an animation).

    Raises ModisteError if the file is missing or unreadable.
    """
    from modiste.data.image_file import UnreadableImage, open_image

    try:
        opened = open_image(Path(path).read_bytes())
    except (OSError, UnreadableImage) as e:
        raise ModisteError(f"cannot read image '{path}' ({e}): pass a .jpg/.png/.webp file") from None
    arr = np.asarray(opened.image.convert("RGB"))
    return torch.from_numpy(arr.copy()).permute(2, 0, 1)
