"""Catalogue data: datasets, loaders, curation and preparation.

    from modiste.data import open_image_dataset, infinite_loader, to_model_range
    ds = open_image_dataset("catalogue/", resolution=256, aspect=(2, 3), mode="pad")
    images, labels = next(infinite_loader(ds, batch_size=32))
    x = to_model_range(images)  # float32 in [-1, 1]
"""

from modiste.data.dataset import ImageDataset
from modiste.data.loader import InfiniteShardedSampler, infinite_loader
from modiste.data.open_dataset import open_image_dataset
from modiste.data.transforms import to_model_range

__all__ = ["ImageDataset", "InfiniteShardedSampler", "infinite_loader", "open_image_dataset", "to_model_range"]
