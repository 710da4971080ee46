"""Rule colour on plain swatches, the context builder, and the product checks (planted contradictions)."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.color import deltaE_ciede2000, rgb2lab

from modiste.products.checks import colour_words, description_category, image_category
from modiste.products.colour import PALETTE, background_mask, rule_colour
from modiste.products.context import build_context
from modiste.products.tagging import ImageTags, Tag
from modiste.products.text_taxonomy import TextLabel
from modiste.text.prompts import PromptTemplate

from product_images import swatch


@pytest.mark.parametrize("rgb, name, base", [
    ((200, 30, 40), "red", "Red"),
    ((25, 35, 75), "navy", "Navy Blue"),
    ((246, 246, 244), "white", "White"),  # a white garment on a white studio background
    ((20, 20, 20), "black", "Black"),
])
def test_plain_swatches_are_named(rgb, name, base):
    for shape in ("Tshirts", "Dresses"):
        colour = rule_colour(swatch(rgb, shape, size=(64, 96)))
        assert (colour.name, colour.base_colour) == (name, base)
        assert colour.share > 0.9


def test_garment_share_and_hex_follow_the_mask():
    img = swatch((200, 30, 40), "Tshirts", size=(32, 32))
    colour = rule_colour(img, side=32)
    assert colour.garment_share == pytest.approx(16 * 16 / (32 * 32))  # the 16x16 square, nothing else
    assert colour.hex == "#c81e28"  # the square's exact colour: rgb2lab and back round-trips


def test_background_mask_keeps_enclosed_regions():
    # a white hole inside a black garment is not border-connected: it belongs to the garment
    img = np.full((20, 20, 3), 255, np.uint8)
    img[4:16, 4:16] = 0
    img[8:12, 8:12] = 255
    mask = background_mask(rgb2lab(img / 255.0))
    assert mask[0, 0] and not mask[10, 10] and not mask[5, 5]
    assert mask.sum() == 400 - 144


def test_palette_nearest_is_ciede2000_nearest():
    # independent check: the palette entry name_lab picks is the argmin of CIEDE2000 over the palette
    from modiste.products.colour import name_lab

    rng = np.random.default_rng(0)
    names = list(PALETTE)
    rgb = np.array([[int(PALETTE[n][0][i:i + 2], 16) for i in (1, 3, 5)] for n in names]) / 255.0
    pal = rgb2lab(rgb[None])[0]
    for _ in range(20):
        lab = rgb2lab(rng.random((1, 1, 3)))[0, 0]
        d = [deltaE_ciede2000(lab, p) for p in pal]
        assert name_lab(lab) == names[int(np.argmin(d))]


def tags(article="Dresses", colour="Red", gender="Women", usage="Casual", conf=0.9, rule=None) -> ImageTags:
    t = {"articleType": Tag(article, article if article != "abstain" else "Tops", conf),
         "baseColour": Tag(colour, colour if colour != "abstain" else "Black", conf),
         "gender": Tag(gender, gender, conf), "usage": Tag(usage, usage, conf)}
    return ImageTags(t, rule)


def test_context_builder():
    ctx = build_context(tags("Dresses", "Red", "Women", "Party"))
    assert ctx.prompt_context() == "women red party dress"
    assert ctx.title() == "Women Red Party Dress"
    # "Casual" says nothing; an abstained colour falls back to the rule colour; the requested class wins
    from modiste.products.colour import RuleColour

    rule = RuleColour("navy", "Navy Blue", "#1f2a4d", 0.8, 0.3)
    ctx = build_context(tags("Tshirts", "abstain", "Men", "Casual", rule=rule), article_type="Tshirts")
    assert ctx.words() == ["Men", "Navy Blue", "t-shirt"]
    assert ctx.prompt_context(PromptTemplate(lowercase_context=True)) == "men navy blue t-shirt"
    assert build_context(tags("abstain", "abstain", "abstain", "abstain")).words() == []


def test_planted_colour_contradiction_is_flagged():
    black = tags(colour="Black")
    result = colour_words("A stunning red dress for the evening.", black)
    assert not result.passed and "red" in result.reason and "Black" in result.reason
    assert colour_words("A classic black dress.", black).passed
    assert colour_words("A charcoal dress.", black).passed  # same family
    assert colour_words("A dress with a flared hem.", black).passed  # no colour named
    assert colour_words("A navy dress.", tags(colour="Navy Blue")).passed
    assert colour_words("A blue and white striped dress.", tags(colour="Navy Blue")).passed


def test_image_category_check():
    assert image_category(tags("Dresses"), "Dresses").passed
    wrong = image_category(tags("Tops", conf=0.7), "Dresses")
    assert not wrong.passed and "Tops" in wrong.reason
    abstained = image_category(tags("abstain"), "Dresses")
    assert not abstained.passed and "abstained" in abstained.reason
    assert image_category(tags("Tops"), None).passed


def test_description_category_check():
    image = tags("Dresses")
    assert description_category({"articleType": TextLabel("Dresses", 0.9)}, image).passed
    bad = description_category({"articleType": TextLabel("Jeans", 0.8)}, image)
    assert not bad.passed and "Jeans" in bad.reason and bad.details["agrees"] is False
    unsure = description_category({"articleType": TextLabel("Jeans", 0.3)}, image)
    assert unsure.passed and unsure.reason.startswith("undetermined")
    assert description_category({"articleType": TextLabel(None, 0.0)}, image).passed


@pytest.mark.parametrize("text_label, image_class", [
    (TextLabel("Jeans", 0.3), "Dresses"),  # the classifier is unsure of the text
    (TextLabel(None, 0.0), "Dresses"),  # it makes no claim
    (TextLabel("other", 0.9), "Dresses"),  # a rare class
    (TextLabel("Dresses", 0.9), "other"),  # the image's category is a rare class
])
def test_confirm_turns_every_undetermined_case_into_a_failure(text_label, image_class):
    passes = description_category({"articleType": text_label}, tags(image_class))
    fails = description_category({"articleType": text_label}, tags(image_class), confirm=True)
    assert passes.passed and not fails.passed and fails.reason == passes.reason
    assert fails.reason.startswith("undetermined")
    assert description_category({"articleType": TextLabel("Dresses", 0.9)}, tags("Dresses"), confirm=True).passed


def test_read_image_shows_photos_as_viewers_do(tmp_path):
    """A phone photo stored sideways with EXIF orientation 6 is tagged upright (top half dark)."""
    from PIL import Image

    from modiste.products.tagging import read_image

    upright = np.zeros((96, 48, 3), dtype=np.uint8)
    upright[48:] = 255  # top half black, bottom half white
    stored = Image.fromarray(upright).transpose(Image.Transpose.ROTATE_90)  # 96 wide x 48 high on disk
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to view
    stored.save(tmp_path / "phone.jpg", exif=exif.tobytes(), quality=95)
    image = read_image(tmp_path / "phone.jpg")
    assert tuple(image.shape) == (3, 96, 48)
    assert image[:, :40].float().mean() < 20 and image[:, 56:].float().mean() > 235
