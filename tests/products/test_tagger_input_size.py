"""Images are tagged at the size the tagger learned from; a smaller generator output gets a warning."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from modiste.data.transforms import fit_image
from modiste.products.tagger.input_size import InputSize, fit_to_input, size_warning, tagger_input_size


@pytest.mark.parametrize("info, size", [
    ({"resolution": 32, "aspect": "2:3", "mode": "pad"}, InputSize((32, 48), "pad")),
    ({"resolution": 64, "aspect": "1:1", "mode": "crop"}, InputSize((64, 64), "crop")),
    ({"resolution": 32, "aspect": "2:3"}, InputSize((32, 48), "pad")),  # recorded before the mode was
    ({"resolution": None, "aspect": None}, InputSize(None)),  # full-size photos
])
def test_input_size_from_tagger_json(info, size):
    assert tagger_input_size(info) == size


def test_older_taggers_read_their_training_config(tmp_path):
    assert tagger_input_size({}, tmp_path) == InputSize(None, known=False)  # nothing recorded: no guess
    (tmp_path / "train_report.json").write_text(json.dumps({"config": {"resolution": 32, "aspect": "2:3",
                                                                       "mode": "pad"}}))
    assert tagger_input_size({}, tmp_path) == InputSize((32, 48), "pad")
    (tmp_path / "train_report.json").write_text("{not json")
    assert tagger_input_size({}, tmp_path) == InputSize(None, known=False)  # a damaged report costs the check only


def test_images_are_fitted_as_the_training_data_was():
    rng = np.random.default_rng(0)
    photo = rng.integers(0, 256, size=(96, 64, 3), dtype=np.uint8)
    batch = torch.from_numpy(photo).permute(2, 0, 1)[None]
    fitted = fit_to_input(batch, InputSize((16, 24), "pad"))
    expected = np.asarray(fit_image(Image.fromarray(photo), (16, 24), "pad"))
    assert fitted.shape == (1, 3, 24, 16) and fitted.dtype == torch.uint8
    assert np.array_equal(fitted[0].permute(1, 2, 0).numpy(), expected)
    grey = torch.from_numpy(photo[..., :1]).permute(2, 0, 1)[None]
    assert fit_to_input(grey, InputSize((16, 24), "crop")).shape == (1, 1, 24, 16)
    assert fit_to_input(batch, InputSize(None)) is batch  # full-size tagger: the photo as it is
    assert fit_to_input(batch, InputSize((64, 96))) is batch


@pytest.mark.parametrize("trained, warned", [
    (InputSize(None), True),  # sharp photos; 16x24 samples are blurred up
    (InputSize((32, 48)), True),  # a bigger canvas than the samples
    (InputSize((16, 16)), True),  # another shape
    (InputSize((16, 24)), False),
    (InputSize((8, 12)), False),  # samples are shrunk to the canvas: nothing is lost
    (InputSize(None, known=False), False),  # nothing recorded
])
def test_size_warning(trained, warned):
    note = size_warning(trained, 16, 24)
    assert (note is not None) == warned
    if warned:
        assert note.endswith("train a tagger with --resolution 16 --aspect 2:3")


def test_image_tagger_tags_a_large_photo_as_its_training_canvas(tiny_tagger):
    from modiste.products.tagging import ImageTagger

    tagger = ImageTagger(tiny_tagger, with_colour=False)
    assert tagger.input_size == InputSize(None, known=False)
    tagger.input_size = InputSize((16, 24), "pad")
    rng = np.random.default_rng(1)
    photo = torch.from_numpy(rng.integers(0, 256, size=(1, 3, 96, 64), dtype=np.uint8))
    small = fit_to_input(photo, tagger.input_size)
    big_tags, small_tags = tagger.tag(photo)[0], tagger.tag(small)[0]
    assert big_tags.tags == small_tags.tags
    tagger.input_size = InputSize(None)
    assert tagger.tag(photo)[0].tags != small_tags.tags  # the fit is what made them equal
