"""Every way a file can differ from what a viewer shows: the one decoder gets each right or refuses it."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageCms

from modiste.data.image_file import UnreadableImage, open_image, read_header
from image_cases import (
    STORE_FOR_ORIENTATION,
    animation,
    encode,
    png_rgb16,
    red_green_swapped_profile,
    with_orientation,
)

SRC = Path(__file__).resolve().parents[2] / "src" / "modiste"


def _upright_pattern() -> np.ndarray:
    """12 wide x 20 tall, four distinct quadrant colours: every flip and turn gives another array."""
    a = np.zeros((20, 12, 3), dtype=np.uint8)
    a[:10, :6] = (255, 0, 0)
    a[:10, 6:] = (0, 255, 0)
    a[10:, :6] = (0, 0, 255)
    a[10:, 6:] = (255, 255, 0)
    return a


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_comes_out_upright(orientation):
    upright = _upright_pattern()
    data = with_orientation(upright, orientation)
    stored = Image.open(io.BytesIO(data))
    assert stored.size == STORE_FOR_ORIENTATION[orientation](upright).shape[1::-1]
    opened = open_image(data)
    np.testing.assert_array_equal(np.asarray(opened.image), upright)
    assert opened.size == (12, 20)
    assert read_header(io.BytesIO(data)).size == (12, 20)
    assert any("orientation" in n for n in opened.notes) == (orientation != 1)


def test_orientation_6_jpeg_with_draft_decoding_is_upright():
    upright = np.zeros((480, 240, 3), dtype=np.uint8)
    upright[240:] = 255  # top half black, bottom half white
    opened = open_image(with_orientation(upright, 6, "JPEG"), fit_to=(32, 64))
    image = np.asarray(opened.image, dtype=np.float32)
    assert opened.size == (240, 480)
    assert image.shape[1] < image.shape[0]  # portrait
    assert image.shape[1] < 240  # decoded at a reduced DCT scale
    half = image.shape[0] // 2
    assert image[: half - 4].mean() < 20 and image[half + 4:].mean() > 235


def test_16_bit_grey_png_is_scaled_not_clipped():
    values = np.linspace(0, 65535, 64 * 4).round().astype(np.uint16).reshape(4, 64)
    data = encode(Image.fromarray(values), "PNG")
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    image = open_image(data).image
    assert image.mode == "L"
    np.testing.assert_allclose(np.asarray(image, dtype=np.float64), values * 255.0 / 65535.0, atol=0.51)


def test_16_bit_colour_png_keeps_its_colours():
    pixels = np.zeros((4, 4, 3), dtype=np.uint16)
    pixels[..., 0], pixels[..., 1], pixels[..., 2] = 65535, 32896, 0  # 32896 = 128 * 257
    image = open_image(png_rgb16(pixels)).image
    assert image.mode == "RGB"
    np.testing.assert_allclose(np.asarray(image)[0, 0], (255, 128, 0), atol=1)


def test_32_bit_integer_and_float_images_scale_by_their_range():
    ints16 = np.array([[0, 1000, 65535]], dtype=np.int32)
    opened = open_image(encode(Image.fromarray(ints16, "I"), "TIFF")).image
    np.testing.assert_allclose(np.asarray(opened, dtype=float), ints16 * 255 / 65535, atol=0.51)
    ints8 = np.array([[0, 100, 255]], dtype=np.int32)
    np.testing.assert_array_equal(np.asarray(open_image(encode(Image.fromarray(ints8, "I"), "TIFF")).image), ints8)
    unit = np.array([[0.0, 0.25, 1.0]], dtype=np.float32)
    np.testing.assert_allclose(np.asarray(open_image(encode(Image.fromarray(unit, "F"), "TIFF")).image, dtype=float),
                               unit * 255, atol=0.51)
    negative = np.array([[-1.0, 0.5]], dtype=np.float32)
    with pytest.raises(UnreadableImage, match="re-save the file as 8-bit"):
        open_image(encode(Image.fromarray(negative, "F"), "TIFF"))


def test_palette_images_with_and_without_transparency():
    p = Image.new("P", (4, 2))
    p.putpalette([10, 20, 30, 200, 100, 50] + [0] * (256 * 3 - 6))
    p.putpixel((0, 0), 1)
    plain = np.asarray(open_image(encode(p, "PNG")).image)
    assert tuple(plain[0, 0]) == (200, 100, 50) and tuple(plain[1, 1]) == (10, 20, 30)
    see_through = np.asarray(open_image(encode(p, "PNG", transparency=0)).image)
    assert tuple(see_through[1, 1]) == (255, 255, 255)  # transparent index -> white page
    assert tuple(see_through[0, 0]) == (200, 100, 50)


def test_transparency_is_composited_onto_white():
    rgba = np.zeros((2, 2, 4), dtype=np.uint8)
    rgba[0, 0] = (0, 0, 0, 0)  # fully transparent black
    rgba[0, 1] = (0, 0, 0, 255)  # opaque black
    rgba[1, 0] = (0, 0, 0, 128)  # half transparent black: about half grey on white
    rgba[1, 1] = (100, 150, 200, 255)
    image = np.asarray(open_image(encode(Image.fromarray(rgba, "RGBA"), "PNG")).image, dtype=int)
    assert tuple(image[0, 0]) == (255, 255, 255) and tuple(image[0, 1]) == (0, 0, 0)
    np.testing.assert_allclose(image[1, 0], 255 * (1 - 128 / 255), atol=1.5)
    assert tuple(image[1, 1]) == (100, 150, 200)
    la = Image.fromarray(np.array([[[0, 0], [0, 255]]], dtype=np.uint8), "LA")
    grey = open_image(encode(la, "PNG")).image
    assert grey.mode == "L" and list(np.asarray(grey)[0]) == [255, 0]
    rgb_key = Image.new("RGB", (2, 1), (1, 2, 3))  # tRNS colour key on a truecolour PNG
    rgb_key.putpixel((1, 0), (9, 9, 9))
    keyed = np.asarray(open_image(encode(rgb_key, "PNG", transparency=(1, 2, 3))).image)
    assert tuple(keyed[0, 0]) == (255, 255, 255) and tuple(keyed[0, 1]) == (9, 9, 9)


def test_grey_and_bilevel_stay_grey():
    bilevel = Image.new("1", (3, 1))
    bilevel.putpixel((1, 0), 1)
    assert list(np.asarray(open_image(encode(bilevel, "PNG")).image)[0]) == [0, 255, 0]
    grey = open_image(encode(Image.new("L", (2, 2), 77), "PNG")).image
    assert grey.mode == "L" and np.asarray(grey).max() == 77
    assert read_header(io.BytesIO(encode(bilevel, "PNG"))).grey


def test_cmyk_jpeg_and_ycbcr_become_rgb():
    cmyk = Image.new("CMYK", (16, 16), (0, 255, 255, 0))  # no cyan/black, full magenta+yellow = red
    image = np.asarray(open_image(encode(cmyk, "JPEG", quality=95)).image, dtype=int)
    np.testing.assert_allclose(image[8, 8], (255, 0, 0), atol=8)
    ycbcr = Image.new("RGB", (8, 8), (30, 160, 90)).convert("YCbCr")
    back = np.asarray(open_image(encode(ycbcr, "TIFF")).image, dtype=int)
    np.testing.assert_allclose(back[0, 0], (30, 160, 90), atol=3)


def test_cielab_tiff_is_converted_not_reinterpreted():
    # Pillow's LAB: L* scaled to 0-255, a* and b* offset by 128
    grey = np.asarray(open_image(encode(Image.new("LAB", (2, 2), (127, 128, 128)), "TIFF")).image, dtype=int)[0, 0]
    assert abs(grey[0] - grey[1]) <= 2 and abs(grey[1] - grey[2]) <= 2  # a* = b* = 0 is neutral
    assert 110 <= grey[0] <= 125  # L* = 50 is sRGB ~119 (Pillow's channel copy would give (127, 128, 128))
    bluish = np.asarray(open_image(encode(Image.new("LAB", (2, 2), (127, 148, 98)), "TIFF")).image, dtype=int)[0, 0]
    assert bluish[2] > bluish[0] > bluish[1]  # a* = +20, b* = -30: violet-blue (skimage: 127, 109, 170)
    np.testing.assert_allclose(bluish, (127, 109, 170), atol=12)


def test_non_srgb_profile_is_converted_to_srgb():
    profile = red_green_swapped_profile()
    assert "swapped" in ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(profile)))
    stored_red = Image.new("RGB", (4, 4), (255, 0, 0))
    opened = open_image(encode(stored_red, "PNG", icc_profile=profile))
    np.testing.assert_allclose(np.asarray(opened.image, dtype=int)[0, 0], (0, 255, 0), atol=3)  # shows green
    assert any("converted to sRGB" in n for n in opened.notes)
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    as_srgb = open_image(encode(Image.new("RGB", (4, 4), (200, 30, 60)), "PNG", icc_profile=srgb))
    assert tuple(np.asarray(as_srgb.image)[0, 0]) == (200, 30, 60) and as_srgb.notes == ()


def test_unusable_profile_is_refused_not_ignored():
    data = encode(Image.new("RGB", (4, 4), (1, 2, 3)), "PNG", icc_profile=b"not an icc profile at all" * 8)
    with pytest.raises(UnreadableImage, match="colour profile"):
        open_image(data)


@pytest.mark.parametrize("fmt", ["GIF", "WEBP", "PNG"])
def test_animations_use_their_first_frame_and_say_so(fmt):
    data = animation(fmt, [(250, 0, 0), (0, 250, 0), (0, 0, 250)])
    assert read_header(io.BytesIO(data)).animated
    opened = open_image(data)
    pixel = np.asarray(opened.image, dtype=int)[8, 8]
    assert pixel[0] > 200 and pixel[1] < 40 and pixel[2] < 40
    assert any("first of 3 frames" in n for n in opened.notes)


@pytest.mark.parametrize("cut", [0.0, 0.5, 0.9])
def test_truncated_and_empty_files_are_unreadable(cut):
    data = encode(Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), dtype=np.uint8)), "JPEG")
    with pytest.raises(UnreadableImage):
        open_image(data[: int(len(data) * cut)])


def test_garbage_is_unreadable():
    with pytest.raises(UnreadableImage):
        open_image(b"\x00\x01 definitely not an image" * 50)
    with pytest.raises(UnreadableImage):
        read_header(io.BytesIO(b"nope"))


def test_one_decoder_for_data_curation_and_metrics():
    """Nothing under data/ or metrics/ opens image files except image_file.py."""
    offenders = []
    for folder in ("data", "metrics"):
        for path in (SRC / folder).rglob("*.py"):
            if path.name != "image_file.py" and re.search(r"Image\.open\(", path.read_text()):
                offenders.append(str(path.relative_to(SRC)))
    assert offenders == []
