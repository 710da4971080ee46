"""Photos are fitted to the canvas with the training datasets' own code: same pixels, honest notes."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from modiste.data import open_image_dataset
from modiste.errors import ModisteError
from modiste.latent.projection.targets import fit_note, load_photo


@pytest.fixture()
def photo_folder(tmp_path: Path, shared_data: Path) -> Path:
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(shared_data / "fashion-products-224" / "images" / "10000.jpg", folder / "a_product.jpg")
    rng = np.random.default_rng(0)
    rgba = rng.integers(0, 256, (90, 40, 4), dtype=np.uint8)  # tall, transparent in places
    Image.fromarray(rgba, "RGBA").save(folder / "b_tall.png")
    Image.fromarray(rng.integers(0, 256, (30, 20, 3), dtype=np.uint8)).save(folder / "c_exact.png")
    return folder


@pytest.mark.parametrize("mode", ["pad", "crop"])
def test_fitted_pixels_equal_the_training_dataset(photo_folder: Path, mode: str):
    dataset = open_image_dataset(photo_folder, resolution=16, aspect=(2, 3), mode=mode, channels=3)
    assert len(dataset) == 3
    for i in range(len(dataset)):
        name = Path(dataset.item_name(i)).name
        image, _ = dataset[i]
        fitted = load_photo(photo_folder / name, (16, 24), mode)
        assert fitted.uint8.shape == (3, 24, 16)
        assert torch.equal(fitted.uint8, image), name
        assert torch.allclose(fitted.image, image.float() / 127.5 - 1)


def test_notes_say_how_another_aspect_is_fitted(photo_folder: Path):
    assert load_photo(photo_folder / "c_exact.png", (16, 24), "pad").note is None  # 20x30 is 2:3
    assert "padded above and below" in load_photo(photo_folder / "a_product.jpg", (16, 24), "pad").note
    assert "cropped at the top and bottom" in load_photo(photo_folder / "b_tall.png", (16, 24), "crop").note
    assert fit_note((224, 224), (64, 96), "pad").startswith("224x224 is not 2:3")


def test_photo_smaller_than_the_canvas_is_refused(photo_folder: Path):
    with pytest.raises(ModisteError, match="smaller than the 64x96 canvas"):
        load_photo(photo_folder / "c_exact.png", (64, 96), "pad")


def test_a_file_that_is_not_an_image_is_refused(tmp_path: Path):
    bogus = tmp_path / "notes.jpg"
    bogus.write_text("not a picture")
    with pytest.raises(ModisteError, match="is not an image"):
        load_photo(bogus, (16, 24), "pad")
    with pytest.raises(ModisteError, match="cannot read photo"):
        load_photo(tmp_path / "missing.png", (16, 24), "pad")
