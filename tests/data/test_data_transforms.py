import numpy as np
import pytest
import torch
from PIL import Image

from modiste.data.transforms import (
    border_colour,
    check_fit,
    decode,
    fit_image,
    parse_aspect,
    target_size,
    to_channels,
    to_model_range,
)
from modiste.errors import ModisteError

from data_test_images import product_shot


def test_pad_keeps_whole_product_and_fills_with_border_colour():
    img = product_shot(100, 50, colour=(200, 30, 30), background=(240, 240, 240))
    out = np.asarray(fit_image(img, (64, 64), "pad"))
    assert out.shape == (64, 64, 3)
    # 100x50 scaled to 64x32, centred: 16 rows of background above and below
    assert (out[:15] == 240).all() and (out[-15:] == 240).all()
    assert tuple(out[32, 32]) == (200, 30, 30)
    # the product spans the middle half of the width both before and after
    red_cols = np.where((out[32, :, 0] > 150) & (out[32, :, 1] < 100))[0]
    assert abs(red_cols[0] - 16) <= 1 and abs(red_cols[-1] - 47) <= 1


def test_pad_to_portrait_aspect():
    img = product_shot(60, 60, background=(10, 20, 30))
    out = np.asarray(fit_image(img, (32, 48), "pad"))
    assert out.shape == (48, 32, 3)
    assert (out[:7] == (10, 20, 30)).all() and (out[-7:] == (10, 20, 30)).all()


def test_crop_cuts_the_centre():
    a = np.zeros((50, 100, 3), np.uint8)
    a[:, :25] = 255  # white left quarter is cut away by a centre square crop
    out = np.asarray(fit_image(Image.fromarray(a), (50, 50), "crop"))
    assert out.shape == (50, 50, 3)
    assert out.max() <= 1
    a[:, 25:75] = 128
    out = np.asarray(fit_image(Image.fromarray(a), (20, 20), "crop"))
    # the box samples the continuous image, so Lanczos may ring slightly at the very edge
    assert np.abs(out[:, 2:-2].astype(int) - 128).max() <= 2
    assert np.abs(out.astype(int) - 128).max() <= 12


def test_fit_is_identity_at_native_size():
    img = product_shot(32, 48)
    assert fit_image(img, (32, 48), "crop") is img


def test_border_colour_is_median_of_frame():
    img = product_shot(40, 40, background=(1, 2, 3))
    assert border_colour(img) == (1, 2, 3)
    assert border_colour(img.convert("L")) == (int(round(0.299 * 1 + 0.587 * 2 + 0.114 * 3)),)


def test_transparent_pixels_become_white():
    rgba = Image.new("RGBA", (8, 8), (0, 0, 0, 0))
    assert np.asarray(to_channels(rgba, 3)).min() == 255
    assert np.asarray(to_channels(rgba, 1)).min() == 255


def test_jpeg_draft_decode_matches_full_decode(tmp_path):
    import io

    img = product_shot(800, 800)
    buf = io.BytesIO()
    img.save(buf, format="JPEG", quality=95)
    out = decode(buf.getvalue(), 3, (64, 64), "pad")
    ref = np.asarray(fit_image(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"), (64, 64), "pad"))
    assert out.shape == (64, 64, 3)
    assert np.abs(out.astype(int) - ref.astype(int)).mean() < 2.0


def test_to_model_range_maps_endpoints():
    x = to_model_range(torch.tensor([0, 255, 128], dtype=torch.uint8))
    assert x.dtype == torch.float32
    assert x[0] == -1.0 and x[1] == 1.0 and abs(float(x[2]) - (128 / 127.5 - 1)) < 1e-6


def test_sizes_and_aspects():
    assert target_size(256, (2, 3)) == (256, 384)
    assert target_size(256, (1, 2)) == (256, 512)
    assert parse_aspect("2:3") == (2, 3)
    with pytest.raises(ModisteError, match="divisible by 2"):
        target_size(255, (2, 3))
    with pytest.raises(ModisteError, match="WIDTH:HEIGHT"):
        parse_aspect("tall")
    with pytest.raises(ModisteError, match="too extreme"):
        parse_aspect((10, 1))


def test_check_fit_refuses_what_the_data_cannot_give():
    check_fit((28, 28), (32, 32), "pad")
    with pytest.raises(ModisteError, match="upscale"):
        check_fit((28, 28), (1024, 1024), "pad")
    with pytest.raises(ModisteError, match="use --mode pad"):
        check_fit((1000, 1), (64, 64), "crop")
