"""The prepared-dataset format that `modiste prepare` writes and every loader reads.

    DST/dataset.json          metadata + per-image labels; written LAST, so its presence means "complete"
    DST/shards/shard-00000.zip  uncompressed zip of 00000000.png, 00000001.png, ... (position in shard;
                                .jpg members for `--format jpg`)
    DST/progress.json         finished shards while a prepare runs (resume state)

Zip members are stored, not deflated (PNG is already compressed), so any rank on any node can read
any image with one seek: the loader shards the *indices* across ranks, not the files. Labels are
one flat list of class indices rather than StyleGAN's ``[[file, class], ...]``: at 100k+ images
it is smaller and faster to parse.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import asdict, dataclass, field

import numpy as np
from PIL import Image

from modiste.data.readers import ShardReader
from modiste.data.storage import Location
from modiste.errors import ModisteError

FORMAT = "modiste-prepared"
VERSION = 1
META_FILE = "dataset.json"
PROGRESS_FILE = "progress.json"
SHARD_DIR = "shards"


@dataclass
class PreparedMeta:
    width: int
    height: int
    channels: int
    mode: str
    aspect: tuple[int, int]
    source: str
    shards: list[dict] = field(default_factory=list)  # [{"file": ..., "count": n}]
    labels: list[int] = field(default_factory=list)  # class per image, in index order ([] = unconditional)
    class_names: list[str] = field(default_factory=list)
    label_field: str | None = None
    image_format: str = "png"
    num_skipped: int = 0
    format: str = FORMAT
    version: int = VERSION

    @property
    def count(self) -> int:
        return sum(s["count"] for s in self.shards)

    def to_json(self) -> str:
        """Readable metadata; the per-image labels go last on one line (100k+ entries)."""
        obj = asdict(self)
        labels = obj.pop("labels")
        head = json.dumps(obj, indent=1)
        return f'{head[:-2]},\n "labels": {json.dumps(labels, separators=(",", ":"))}\n}}\n'

    @classmethod
    def from_dict(cls, obj: dict) -> "PreparedMeta":
        obj = dict(obj)
        obj["aspect"] = tuple(obj["aspect"])
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in obj.items() if k in known})


def is_prepared(location: Location) -> bool:
    """True for a folder written by `modiste prepare` (complete or interrupted)."""
    return location.exists(META_FILE) or location.exists(PROGRESS_FILE)


def read_meta(location: Location) -> PreparedMeta:
    if not location.exists(META_FILE):
        raise ModisteError(
            f"prepare into '{location.url}' did not finish: rerun the same `modiste prepare` command to resume it"
        )
    try:
        obj = json.loads(location.read_bytes(META_FILE))
    except json.JSONDecodeError:
        raise ModisteError(f"'{location.join(META_FILE)}' is corrupt: rerun `modiste prepare`") from None
    if obj.get("format") != FORMAT:
        raise ModisteError(
            f"'{location.join(META_FILE)}' is not a Modiste prepared dataset: point at its folder of images instead"
        )
    if obj.get("version", 0) > VERSION:
        raise ModisteError(f"'{location.url}' was prepared by a newer Modiste: upgrade modiste")
    return PreparedMeta.from_dict(obj)


def open_shards(location: Location, meta: PreparedMeta) -> ShardReader:
    files = [f"{SHARD_DIR}/{s['file']}" for s in meta.shards]
    missing = [f for f in files if not location.exists(f)]
    if missing:
        raise ModisteError(
            f"prepared dataset '{location.url}' lacks {len(missing)} shard(s) (e.g. {missing[0]}): "
            "copy the whole folder or rerun `modiste prepare`"
        )
    return ShardReader(location, files, [s["count"] for s in meta.shards], ext=meta.image_format)


def shard_name(index: int) -> str:
    return f"shard-{index:05d}.zip"


IMAGE_FORMATS = ("png", "jpg")


def encode_image(array: np.ndarray, image_format: str = "png", compress_level: int = 1, jpeg_quality: int = 95) -> bytes:
    """uint8 [H, W, C] -> PNG or JPEG bytes.

    PNG is lossless; level 1 is ~3x faster to write than 6, <10% larger, same decode. JPEG (no
    chroma subsampling) is lossy but decodes several times faster at 1024 px, which is what keeps
    many GPUs fed from few CPU cores.
    """
    img = Image.fromarray(array[:, :, 0] if array.shape[2] == 1 else array)
    buffer = io.BytesIO()
    if image_format == "png":
        img.save(buffer, format="PNG", compress_level=compress_level)
    elif image_format == "jpg":
        img.save(buffer, format="JPEG", quality=jpeg_quality, subsampling=0)
    else:
        raise ModisteError(f"unknown image format '{image_format}': use one of {', '.join(IMAGE_FORMATS)}")
    return buffer.getvalue()


def write_shard_zip(path: str, members: list[tuple[str, bytes]]) -> None:
    """A stored (uncompressed) zip: each member is one seek + read away."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
        for name, data in members:
            zf.writestr(name, data)
