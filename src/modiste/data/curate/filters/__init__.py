"""Score one image with every per-image filter (everything except duplicates, which need the whole set).

`score_image` runs in worker processes: it takes the file's bytes and returns an `ImageScores`, a
small record with the measurements, the reasons they trigger, and the perceptual hash that the
duplicate pass needs. No pixels leave the worker.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import imagehash
from PIL import Image

from modiste.data.curate.config import CurationConfig
from modiste.data.curate.filters import measures
from modiste.data.curate.filters.decode import UnreadableImage, decode
from modiste.data.curate.filters.regions import find_regions

SIGNATURE_SIDE = 12


@dataclass
class ImageScores:
    width: int = 0
    height: int = 0
    scores: dict[str, float] = field(default_factory=dict)  # score column -> value (see SCORE_COLUMNS)
    reasons: list[str] = field(default_factory=list)
    phash: int | None = None  # 64-bit perceptual hash; None when unreadable
    signature: bytes = b""  # tiny RGB thumbnail that confirms hash matches (see duplicates.py)
    error: str = ""  # why an unreadable file could not be decoded

    @property
    def readable(self) -> bool:
        return self.phash is not None


def score_image(data: bytes, config: CurationConfig) -> ImageScores:
    try:
        decoded = decode(data, config.analysis_size)
    except UnreadableImage as e:
        return ImageScores(reasons=["unreadable"], error=str(e))
    width, height = decoded.width, decoded.height
    pixels = decoded.pixels
    regions = find_regions(pixels, config.border_fraction, config.background_tolerance)
    edges = measures.edge_map(pixels)
    content = measures.content_mask(regions, config.background_tolerance)
    scores = {
        "short_side": float(min(width, height)),
        "aspect_ratio": round(max(width, height) / min(width, height), 4),
        "content_fraction": round(measures.content_fraction(content), 4),
        "object_contrast": round(measures.object_contrast(pixels, regions, content), 4),
        "background_busyness": round(measures.background_busyness(edges, regions, config.background_tolerance), 4),
        "centre_offset": round(measures.centre_offset(regions), 4),
    }
    blank = scores["content_fraction"] <= config.blank_max_content
    failed = {
        "too_small": scores["short_side"] < config.min_side,
        "aspect": scores["aspect_ratio"] > config.max_aspect,
        "blank": blank,
        # The content filters below describe an object; a blank frame has none, so it only counts once.
        "not_product": not blank and scores["object_contrast"] < config.min_object_contrast,
        "busy_background": not blank and scores["background_busyness"] > config.max_background_busyness,
        "off_centre": not blank and scores["centre_offset"] > config.max_centre_offset,
    }
    reasons = [name for name, bad in failed.items() if bad and config.enabled(name)]
    phash = int(str(imagehash.phash(decoded.image)), 16)
    # 12x12 RGB = 432 bytes: the only per-image data the duplicate pass keeps besides the hash.
    thumbnail = decoded.image.resize((SIGNATURE_SIDE, SIGNATURE_SIDE), Image.Resampling.BOX).tobytes()
    return ImageScores(width, height, scores, reasons, phash, thumbnail)

