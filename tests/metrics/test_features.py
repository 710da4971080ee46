"""The real FID Inception on a handful of images (each forward pass is ~0.1-1 s on a CPU core)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from modiste.metrics.features import InceptionFeatures


@pytest.fixture(scope="module")
def inception() -> InceptionFeatures:
    return InceptionFeatures(mode="clean")


@pytest.fixture(scope="module")
def fmnist_images(shared_data) -> torch.Tensor:
    from modiste.data.fashion_mnist import load_split

    images, _ = load_split(shared_data / "fashion-mnist", "test")
    return torch.from_numpy(np.array(images[:3])).reshape(3, 1, 28, 28)


def test_batch_size_does_not_change_features(inception, fmnist_images):
    together = inception(fmnist_images)
    one_by_one = torch.cat([inception(fmnist_images[i : i + 1]) for i in range(3)])
    assert together.shape == (3, 2048) and together.dtype == torch.float32
    torch.testing.assert_close(together, one_by_one, rtol=1e-5, atol=1e-5)
    assert (together >= 0).all() and together.mean() > 0.05  # ReLU'd pool features of real content
    assert not torch.allclose(together[0], together[1])


def test_channels_last_input_matches_the_contiguous_one(inception, fmnist_images):
    plain = InceptionFeatures(mode="clean", channels_last=False)
    torch.testing.assert_close(inception(fmnist_images[:1]), plain(fmnist_images[:1]), rtol=1e-5, atol=1e-5)


def test_grey_images_equal_rgb_repetition(inception, fmnist_images):
    rgb = fmnist_images[:1].expand(-1, 3, -1, -1).contiguous()
    torch.testing.assert_close(inception(fmnist_images[:1]), inception(rgb), rtol=0, atol=0)
