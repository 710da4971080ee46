"""The clean (clean-fid) and legacy (pytorch-fid) resizes to the Inception's input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from modiste.errors import ModisteError
from modiste.metrics.preprocess import clean_resize, legacy_resize, to_inception_input


def _images(n: int = 2, channels: int = 3, size: int = 28) -> torch.Tensor:
    return torch.randint(0, 256, (n, channels, size, size), dtype=torch.uint8, generator=torch.Generator().manual_seed(0))


def test_clean_resize_is_pil_float_bicubic_per_channel():
    images = _images()
    out = clean_resize(images)
    assert out.shape == (2, 3, 299, 299) and out.dtype == torch.float32
    plane = Image.fromarray(images[1, 2].numpy().astype(np.float32), mode="F").resize((299, 299), Image.BICUBIC)
    np.testing.assert_array_equal(out[1, 2].numpy(), np.clip(np.asarray(plane), 0, 255))
    assert out.min() >= 0 and out.max() <= 255  # bicubic overshoot is clipped


def test_inception_input_ranges_and_constant_images():
    white = torch.full((1, 3, 28, 28), 255, dtype=torch.uint8)
    clean = to_inception_input(white, "clean")
    legacy = to_inception_input(white, "legacy")
    assert clean.shape == legacy.shape == (1, 3, 299, 299)
    assert torch.allclose(clean, torch.tensor(127 / 128))  # TF graph: (x - 128) / 128
    assert torch.allclose(legacy, torch.tensor(1.0))  # pytorch-fid: 2 * x / 255 - 1


def test_legacy_is_pytorch_fid_bilinear():
    images = _images(size=64)
    expected = F.interpolate(images.float() / 255, size=(299, 299), mode="bilinear", align_corners=False)
    torch.testing.assert_close(legacy_resize(images), expected)


@pytest.mark.parametrize("mode", ["clean", "legacy"])
def test_grey_images_equal_their_rgb_repetition(mode):
    grey = _images(channels=1)
    rgb = grey.expand(-1, 3, -1, -1).contiguous()
    exact = mode == "clean"  # clean resizes one plane and repeats it; interpolate's kernels may round differently
    torch.testing.assert_close(to_inception_input(grey, mode), to_inception_input(rgb, mode), rtol=0,
                               atol=0 if exact else 1e-6)


def test_unknown_mode_is_a_user_error():
    with pytest.raises(ModisteError, match="clean, legacy"):
        to_inception_input(_images(), "bicubic")
