"""prepare, the training dataset, curation and metrics all read files as a viewer shows them."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
from image_cases import animation, encode, red_green_swapped_profile, with_orientation
from PIL import Image

from modiste.data import open_image_dataset
from modiste.data.curate.filters.decode import decode as curate_decode
from modiste.data.prepare import prepare_dataset
from modiste.metrics.evaluate import open_data


def _portrait_dark_top() -> np.ndarray:
    """The issue's case: 48 wide x 96 tall, top half black, bottom half white."""
    upright = np.zeros((96, 48, 3), dtype=np.uint8)
    upright[48:] = 255
    return upright


@pytest.fixture
def phone_folder(tmp_path):
    folder = tmp_path / "phone"
    folder.mkdir()
    data = with_orientation(_portrait_dark_top(), 6, "JPEG")
    assert Image.open(io.BytesIO(data)).size == (96, 48)  # stored landscape
    (folder / "portrait.jpg").write_bytes(data)
    return folder


def _top_and_bottom(image: np.ndarray) -> tuple[float, float]:
    """Mean of the top and bottom quarter of a [H, W, C] or [C, H, W] uint8 image, as [H, W, C]."""
    h = image.shape[0]
    return float(image[: h // 4].mean()), float(image[h - h // 4:].mean())


def test_prepare_packs_an_exif_rotated_photo_upright(phone_folder, tmp_path):
    prepare_dataset(str(phone_folder), str(tmp_path / "prepared"), resolution=32, aspect="1:2", mode="pad", workers=0)
    ds = open_image_dataset(str(tmp_path / "prepared"))
    assert ds.shape == (3, 64, 32)
    image, _ = ds[0]
    top, bottom = _top_and_bottom(image.permute(1, 2, 0).numpy())
    assert top < 30 and bottom > 225


def test_training_dataset_reads_native_size_upright(phone_folder):
    ds = open_image_dataset(str(phone_folder))
    assert (ds.width, ds.height) == (48, 96)  # the header scan reports the upright size
    image = ds.load(0)
    assert image.shape == (96, 48, 3)
    top, bottom = _top_and_bottom(image)
    assert top < 30 and bottom > 225


def test_metrics_folder_reading_is_upright(phone_folder):
    ds = open_data(str(phone_folder), {"resolution": 16, "aspect": "1:2"})
    top, bottom = _top_and_bottom(ds.load(0))
    assert top < 30 and bottom > 225


def test_curation_measures_the_upright_image():
    decoded = curate_decode(with_orientation(_portrait_dark_top(), 6, "JPEG"), 256)
    assert (decoded.width, decoded.height) == (48, 96)
    top, bottom = _top_and_bottom(decoded.pixels)
    assert top < 30 and bottom > 225


def test_curation_sees_profiles_and_first_frames():
    shown = curate_decode(encode(Image.new("RGB", (8, 8), (255, 0, 0)), "PNG", icc_profile=red_green_swapped_profile()), 64)
    assert shown.pixels[4, 4, 1] > 240 and shown.pixels[4, 4, 0] < 20
    first = curate_decode(animation("GIF", [(0, 0, 250), (250, 0, 0)]), 64)
    assert first.pixels[4, 4, 2] > 200 and first.pixels[4, 4, 0] < 40


def test_dataset_warns_about_animations_and_reads_gifs(tmp_path):
    folder = tmp_path / "anim"
    folder.mkdir()
    (folder / "spin.gif").write_bytes(animation("GIF", [(250, 0, 0), (0, 250, 0)]))
    (folder / "still.png").write_bytes(encode(Image.new("RGB", (16, 16), (0, 0, 250)), "PNG"))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ds = open_image_dataset(str(folder))
    assert len(ds) == 2
    assert any("1 animated image(s)" in str(w.message) and "first frame" in str(w.message) for w in caught)
    assert ds.load(0)[8, 8, 0] > 200  # spin.gif sorts first: its first, red frame


def test_grey_16_bit_folder_is_one_channel_and_scaled(tmp_path):
    folder = tmp_path / "deep"
    folder.mkdir()
    value = 40000
    Image.fromarray(np.full((8, 8), value, dtype=np.uint16)).save(folder / "a.png")
    ds = open_image_dataset(str(folder))
    assert ds.num_channels == 1
    assert int(ds.load(0)[0, 0, 0]) == round(value * 255 / 65535)
