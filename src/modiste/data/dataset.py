"""`ImageDataset`: index -> (uint8 image [C, H, W], int64 class), from any reader.

Decoding and resizing happen here, per item, so they run in DataLoader workers. An image that
fails to decode (a truncated file the header scan could not see) is replaced by another image of
the set and reported once, so one bad file never stops a week-long training run.
"""

from __future__ import annotations

import random
import warnings
from typing import Any

import numpy as np
import torch
from PIL import Image

from modiste.data.transforms import decode, fit_image, to_channels, to_tensor

MAX_SUBSTITUTIONS = 16  # a whole run of broken files means a broken dataset, not a bad file


class ImageDataset(torch.utils.data.Dataset):
    """A map-style dataset of catalogue images; build it with `open_image_dataset`."""

    def __init__(
        self,
        reader: Any,
        *,
        size: tuple[int, int],
        resize: bool,
        mode: str,
        channels: int,
        labels: np.ndarray | None = None,
        class_names: list[str] | None = None,
        xflip: bool = False,
        name: str = "dataset",
        num_skipped: int = 0,
        source: str = "",
        skipped: dict[str, int] | None = None,
    ) -> None:
        self.reader = reader
        self.width, self.height = size
        self.resize = resize
        self.mode = mode
        self.num_channels = channels
        self.labels = labels if labels is not None else np.zeros(len(reader), dtype=np.int64)
        self.class_names = list(class_names or [])
        self.xflip = xflip
        self.name = name
        self.num_skipped = num_skipped  # unreadable files left out when the source was opened
        # every file of the source left out, by reason ("unreadable", "not an image file", "unlabelled")
        self.skipped = {k: v for k, v in (skipped or {"unreadable": num_skipped}).items() if v}
        self.source = source
        self._warned: set[int] = set()

    def __len__(self) -> int:
        return len(self.reader)

    def __repr__(self) -> str:
        return (
            f"ImageDataset({self.source!r}, n={len(self)}, {self.num_channels}x{self.height}x{self.width}, "
            f"classes={self.num_classes}, skipped={self.num_skipped})"
        )

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def resolution(self) -> int:
        return self.width

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.num_channels, self.height, self.width

    def item_name(self, index: int) -> str:
        names = getattr(self.reader, "names", None)
        return names[index] if names else f"#{index}"

    def load(self, index: int) -> np.ndarray:
        """Decode image ``index`` to uint8 [H, W, C] at the dataset size; raises if unreadable."""
        raw = self.reader.read(index)
        size = (self.width, self.height) if self.resize else None
        if isinstance(raw, np.ndarray):
            if size is None and raw.ndim == 3 and raw.shape[2] == self.num_channels:
                return raw
            img = to_channels(Image.fromarray(raw), self.num_channels)
            a = np.asarray(fit_image(img, size, self.mode) if size else img)
            return a[:, :, None] if a.ndim == 2 else a
        array = decode(raw, self.num_channels, size, self.mode)
        if array.shape[:2] != (self.height, self.width):
            raise ValueError(f"is {array.shape[1]}x{array.shape[0]}, not {self.width}x{self.height}")
        return array

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        for _ in range(MAX_SUBSTITUTIONS):
            try:
                array = self.load(index)
                break
            except Exception as e:  # noqa: BLE001 - any decoder failure means "skip this file"
                if index not in self._warned:
                    self._warned.add(index)
                    warnings.warn(f"skipping unreadable image {self.item_name(index)}: {e}", stacklevel=2)
                index = random.randrange(len(self))
        else:
            raise RuntimeError(f"{MAX_SUBSTITUTIONS} unreadable images in a row in {self.source}: check the data")
        image = to_tensor(array)
        if self.xflip and random.random() < 0.5:
            image = image.flip(-1)
        return image, torch.tensor(int(self.labels[index]), dtype=torch.int64)
