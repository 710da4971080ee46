"""`open_image_dataset`: recognise a source, check it once, and build an `ImageDataset`.

Sources, tried in this order: a prepared dataset (dataset.json from `modiste prepare`), a
Fashion-MNIST folder (the four idx files), a .zip of images, a folder of images (recursive).
Folders and zips get a cheap header scan (PIL reads a few KB per file, 16 threads for object
stores): files that are not images are skipped with one warning and counted, and the sizes and
colour modes found decide the native size and the channel count.
"""

from __future__ import annotations

import os
import re
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
from tqdm import tqdm

from modiste.data import fashion_mnist, shards
from modiste.data.dataset import ImageDataset
from modiste.data.image_file import ImageHeader, read_header
from modiste.data.labels import load_labels
from modiste.data.readers import ArrayReader, FolderReader, ZipReader
from modiste.data.storage import Location, list_images
from modiste.data.transforms import MODES, check_fit, parse_aspect, target_size
from modiste.errors import ModisteError

SCAN_THREADS = 16
GENERIC_FOLDER_NAMES = {"images", "image", "img", "imgs", "train", "data", "photos", "raw"}


def slug(location: Location) -> str:
    """Short run-dir-friendly name: 'fashion-products-224' for .../fashion-products-224/images."""
    parts = [p for p in location.path.replace(os.sep, "/").split("/") if p]
    name = Path(parts[-1]).stem if parts else "data"
    if name.lower() in GENERIC_FOLDER_NAMES and len(parts) > 1:
        name = parts[-2]
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "data"


def _header(open_stream) -> ImageHeader | None:
    try:
        with open_stream() as f:
            return read_header(f)
    except Exception:  # noqa: BLE001 - any failure to parse a header means "not a readable image"
        return None


def scan_headers(reader: FolderReader | ZipReader, desc: str) -> list[ImageHeader | None]:
    """Upright size, mode and animation per image, None for unreadable ones; reads only each file's header."""
    if isinstance(reader, ZipReader):
        handle = reader._handles.get(reader.location, "")
        streams = [lambda n=n: handle.open(n) for n in reader.names]
        threads = 1  # one zip handle: members are read through one shared file position
    else:
        streams = [lambda n=n: reader.location.open(n) for n in reader.names]
        threads = 1 if reader.location.is_local and len(streams) < 2000 else SCAN_THREADS
    bar = dict(desc=desc, unit="img", disable=len(streams) < 2000, leave=False)
    if threads == 1:
        return [_header(s) for s in tqdm(streams, **bar)]
    with ThreadPoolExecutor(threads) as pool:
        return list(tqdm(pool.map(_header, streams, chunksize=64), total=len(streams), **bar))


def _subset(n: int, max_images: int | None) -> np.ndarray:
    """Indices of a seeded random subset, kept in source order (sorted-first would pick one class)."""
    if max_images is None or max_images >= n:
        return np.arange(n)
    if max_images <= 0:
        raise ModisteError(f"max_images={max_images} leaves no images: use a positive number or none")
    return np.sort(np.random.default_rng(0).choice(n, size=max_images, replace=False))


def _decide_size(sizes: list[tuple[int, int]], resolution: int | None, aspect, mode: str, where: str):
    """(size, resize?) from the images found and the requested resolution."""
    if resolution is None:
        distinct = sorted(set(sizes))
        if len(distinct) > 1:
            a, b = distinct[0], distinct[-1]
            raise ModisteError(
                f"images in '{where}' have {len(distinct)} different sizes (e.g. {a[0]}x{a[1]} and {b[0]}x{b[1]}): "
                "pass --resolution to resize them"
            )
        return distinct[0], False
    size = target_size(resolution, aspect)
    areas = sorted(sizes, key=lambda s: s[0] * s[1])
    check_fit(areas[len(areas) // 2], size, mode)
    return size, True


def _open_files(location, reader, *, resolution, aspect, mode, channels, labels, label_field, max_images,
                drop_unlabelled, xflip, others: int = 0) -> ImageDataset:
    all_names = reader.names
    num_unlabelled = 0
    label_info = load_labels(all_names, labels, label_field)  # checked against ALL files, before subsetting
    keep = _subset(len(all_names), max_images)
    headers = scan_headers(_restrict(reader, keep), desc=f"scanning {location.name}")
    bad = [i for i, h in zip(keep, headers) if h is None]
    if bad:
        warnings.warn(f"skipping {len(bad)} unreadable image(s) in '{location.url}', e.g. {all_names[bad[0]]}",
                      stacklevel=3)
    good = [(i, h) for i, h in zip(keep, headers) if h is not None]
    if not good:
        raise ModisteError(f"none of the {len(keep)} images in '{location.url}' can be read: check the files")
    class_names: list[str] = []
    label_array = None
    if label_info is not None:
        unlabelled = [i for i, _ in good if label_info.indices[i] is None]
        if unlabelled and not drop_unlabelled:
            raise ModisteError(
                f"{len(unlabelled)} image(s) have no label (e.g. {all_names[unlabelled[0]]}): "
                "add them to the labels file or pass --drop-unlabelled"
            )
        if unlabelled:
            warnings.warn(f"dropping {len(unlabelled)} unlabelled image(s)", stacklevel=3)
            num_unlabelled = len(unlabelled)
            good = [(i, h) for i, h in good if label_info.indices[i] is not None]
        used = sorted({label_info.indices[i] for i, _ in good})
        remap = {old: new for new, old in enumerate(used)}  # classes of dropped images disappear
        class_names = [label_info.class_names[c] for c in used]
        label_array = np.array([remap[label_info.indices[i]] for i, _ in good], dtype=np.int64)
    animated = [i for i, h in good if h.animated]
    if animated:
        warnings.warn(f"{len(animated)} animated image(s) in '{location.url}' (e.g. {all_names[animated[0]]}): "
                      "their first frame is used", stacklevel=3)
    sizes = [h.size for _, h in good]
    if channels is None:
        channels = 1 if all(h.grey for _, h in good) else 3
    size, resize = _decide_size(sizes, resolution, aspect, mode, location.url)
    reader = _restrict(reader, [i for i, _ in good])
    return ImageDataset(reader, size=size, resize=resize, mode=mode, channels=channels, labels=label_array,
                        class_names=class_names, xflip=xflip, name=slug(location), num_skipped=len(bad),
                        source=location.url,
                        skipped={"unreadable": len(bad), "not an image file": others, "unlabelled": num_unlabelled})


def _restrict(reader, indices) -> FolderReader | ZipReader:
    names = [reader.names[int(i)] for i in indices]
    if isinstance(reader, ZipReader):
        return ZipReader(reader.location, names)
    return FolderReader(reader.location, names)


def _open_fashion_mnist(folder: Path, *, resolution, aspect, mode, channels, labels, label_field, max_images,
                        split, xflip) -> ImageDataset:
    if labels is not None or label_field not in (None, "class"):
        raise ModisteError("Fashion-MNIST brings its own 10 classes: drop --labels/--label-field")
    images, classes = fashion_mnist.load_split(folder, split)
    keep = _subset(len(images), max_images)
    images, classes = images[keep], classes[keep].astype(np.int64)
    size, resize = (28, 28), False
    if resolution is not None:
        size, resize = target_size(resolution, aspect), True
        check_fit((28, 28), size, mode)
    return ImageDataset(ArrayReader(images), size=size, resize=resize and size != (28, 28), mode=mode,
                        channels=channels or 1, labels=classes, class_names=list(fashion_mnist.CLASS_NAMES),
                        xflip=xflip, name="fashion-mnist" if split == "train" else "fashion-mnist-test",
                        source=str(folder))


def _open_prepared(location: Location, *, resolution, aspect, mode, channels, labels, label_field, max_images,
                   xflip) -> ImageDataset:
    meta = shards.read_meta(location)
    if labels is not None:
        raise ModisteError("labels of a prepared dataset are fixed at prepare time: pass --labels to `modiste prepare`")
    if label_field not in (None, meta.label_field):
        raise ModisteError(
            f"'{location.url}' was prepared with label field {meta.label_field!r}: prepare again with "
            f"--label-field {label_field}"
        )
    reader = shards.open_shards(location, meta)
    size, resize = (meta.width, meta.height), False
    if resolution is not None and target_size(resolution, aspect) != size:
        size, resize = target_size(resolution, aspect), True
        check_fit((meta.width, meta.height), size, mode)
    label_array = np.asarray(meta.labels, dtype=np.int64) if meta.labels else None
    ds = ImageDataset(reader, size=size, resize=resize, mode=mode, channels=channels or meta.channels,
                      labels=label_array, class_names=meta.class_names, xflip=xflip, name=slug(location),
                      num_skipped=meta.num_skipped, source=location.url)
    if max_images is not None and max_images < len(ds):
        return _Subset.wrap(ds, _subset(len(ds), max_images))
    return ds


class _Subset:
    """Restrict a prepared dataset to some indices without copying its shards."""

    def __init__(self, reader, indices: np.ndarray) -> None:
        self.reader, self.indices = reader, indices

    def __len__(self) -> int:
        return len(self.indices)

    def read(self, index: int):
        return self.reader.read(int(self.indices[index]))

    @classmethod
    def wrap(cls, ds: ImageDataset, indices: np.ndarray) -> ImageDataset:
        ds.reader = cls(ds.reader, indices)
        ds.labels = ds.labels[indices]
        return ds


def open_image_dataset(
    source: str | os.PathLike,
    resolution: int | None = None,
    aspect: tuple[int, int] | str = (1, 1),
    mode: str = "pad",
    channels: int | None = None,
    labels: str | os.PathLike | None = None,
    label_field: str | None = None,
    xflip: bool = False,
    max_images: int | None = None,
    split: str = "train",
    drop_unlabelled: bool = False,
) -> ImageDataset:
    """Open a folder, .zip, Fashion-MNIST folder or prepared dataset (local path or fsspec URL).

    ``resolution`` is the target width (None = native size), ``aspect`` width:height, ``mode``
    "pad" or "crop". Labels come from a CSV/JSON file (``labels``) and an attribute
    (``label_field``), or ``label_field="folder"`` for the parent folder name. Images without a
    label raise, unless ``drop_unlabelled``.
    """
    if mode not in MODES:
        raise ModisteError(f"unknown mode {mode!r}: use pad or crop")
    if channels not in (None, 1, 3):
        raise ModisteError(f"channels={channels} is not supported: use 1 (grey) or 3 (RGB)")
    aspect = parse_aspect(aspect)
    labels = None if labels is None else os.fspath(labels)
    common = dict(resolution=resolution, aspect=aspect, mode=mode, channels=channels, labels=labels,
                  label_field=label_field, max_images=max_images, xflip=xflip)
    location = Location(source)
    if location.isdir() and shards.is_prepared(location):
        return _open_prepared(location, **common)
    if location.is_local and fashion_mnist.is_fashion_mnist_folder(location.path):
        return _open_fashion_mnist(Path(location.path), split=split, **common)
    if location.path.lower().endswith(".zip") and location.exists() and not location.isdir():
        return _open_files(location, ZipReader(location), drop_unlabelled=drop_unlabelled, **common)
    others: list[str] = []
    names = list_images(location, others)
    return _open_files(location, FolderReader(location, names), drop_unlabelled=drop_unlabelled,
                       others=len(others), **common)
