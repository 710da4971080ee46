"""Small stand-ins for the metrics tests: a generator with the GAN's interface, a cheap feature
extractor, and image folders written on the fly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image


class TinyGenerator(torch.nn.Module):
    """Same interface as `modiste.load_generator`'s EMA generator, a few hundred parameters."""

    def __init__(self, c_dim: int = 0, channels: int = 3, size: int = 16, class_names: list[str] | None = None) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.z_dim, self.c_dim, self.num_ws = 8, c_dim, 4
        self.img_shape = (channels, size, size)
        self.cfg = type("Cfg", (), {"class_names": class_names or []})()
        self.lin = torch.nn.Linear(self.z_dim + max(c_dim, 1), channels * 4 * 4)

    def forward(self, z, c=None, truncation_psi=1.0, noise_mode="random"):
        cond = F.one_hot(c, self.c_dim).float() * 2 if c is not None else torch.zeros(len(z), 1)
        x = torch.tanh(self.lin(torch.cat([z * truncation_psi, cond], 1))).view(len(z), *self.img_shape[:1], 4, 4)
        return F.interpolate(x, size=self.img_shape[1:], mode="nearest")


class CountingFeatures:
    """A cheap, pixel-dependent stand-in for InceptionFeatures that counts the images it sees."""

    mode = "clean"
    device = torch.device("cpu")
    dim = 16

    def __init__(self) -> None:
        self.images_seen = 0

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        self.images_seen += len(images)
        grey = images.float().mean(1, keepdim=True) / 255
        return F.adaptive_avg_pool2d(grey, 4).flatten(1)


def write_images(folder: Path, classes: dict[str, int], size: int = 16, seed: int = 0, grey: bool = False) -> Path:
    """PNG files in folder/<class>/<i>.png with random content."""
    rng = np.random.default_rng(seed)
    for name, count in classes.items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            shape = (size, size) if grey else (size, size, 3)
            Image.fromarray(rng.integers(0, 256, shape, dtype=np.uint8)).save(folder / name / f"{i}.png")
    return folder
