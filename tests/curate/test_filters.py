"""Each per-image filter on made cases, both ways: the bad kind is rejected, clean shots are kept."""

from __future__ import annotations

import random
from collections import defaultdict

import numpy as np
import pytest
from PIL import Image

import curation_cases
from curate_settings import TEST_CONFIG

from modiste.data.curate import CurationConfig
from modiste.data.curate.filters import score_image
from modiste.data.curate.filters.decode import decode


@pytest.fixture(scope="module")
def scored(cases):
    by_kind = defaultdict(list)
    for case in cases:
        by_kind[case.name.split("/")[0]].append((case, score_image(case.data, TEST_CONFIG)))
    return by_kind


# kind -> (filter it must trip, minimum share of that kind it must catch)
EXPECTED = {
    "blank": ("blank", 1.0),
    "tiny": ("too_small", 1.0),
    "strip": ("aspect", 1.0),
    "off_centre": ("off_centre", 1.0),
    "busy": ("busy_background", 0.8),
    "fabric_photo": ("not_product", 0.5),
    "unreadable": ("unreadable", 1.0),
}


@pytest.mark.parametrize("kind", sorted(EXPECTED))
def test_bad_kind_is_rejected_by_its_filter(scored, kind):
    name, share = EXPECTED[kind]
    hits = [name in result.reasons for _, result in scored[kind]]
    assert np.mean(hits) >= share, [(c.name, r.reasons, r.scores) for c, r in scored[kind]]


def test_clean_studio_shots_are_mostly_kept(scored):
    kept = [not result.reasons for _, result in scored["clean_studio"]]
    assert np.mean(kept) >= 0.75, [(c.name, r.reasons, r.scores) for c, r in scored["clean_studio"] if r.reasons]


def test_real_photos_pass_every_filter_but_the_background_one(scored):
    """Clothes photographed on floors, beds and in rooms are products (kept by the content filters),
    on exactly the backgrounds busy_background exists to catch in a studio catalogue."""
    results = [result for _, result in scored["clean_photo"]]
    kept = [not (set(r.reasons) - {"busy_background"}) for r in results]
    assert np.mean(kept) >= 0.75, [r.reasons for r in results]
    assert np.mean(["busy_background" in r.reasons for r in results]) >= 0.5


def test_clean_studio_shots_pass_every_content_filter(studio_images):
    for image in studio_images:
        result = score_image(curation_cases.jpeg(image), TEST_CONFIG)
        assert not set(result.reasons) & {"blank", "not_product", "busy_background"}, result.scores


def test_size_and_aspect_scores_are_exact():
    result = score_image(curation_cases.jpeg(Image.new("RGB", (1200, 299), "white")), CurationConfig())
    assert result.scores["short_side"] == 299
    assert result.scores["aspect_ratio"] == pytest.approx(1200 / 299, abs=1e-4)
    assert {"too_small", "aspect", "blank"} <= set(result.reasons)
    assert "off_centre" not in result.reasons  # a blank frame is reported once, as blank


def test_thresholds_move_decisions(studio_images):
    data = curation_cases.jpeg(studio_images[0])
    assert "too_small" in score_image(data, CurationConfig()).reasons  # 224 < 300
    assert "too_small" not in score_image(data, CurationConfig(min_side=224)).reasons
    assert "too_small" not in score_image(data, CurationConfig(disabled=("too_small",))).reasons


def test_off_centre_score_tracks_the_shift(studio_images):
    image = studio_images[1]
    canvas = Image.new("RGB", (448, 448), "white")
    offsets = []
    for x in (112, 180, 240):
        frame = canvas.copy()
        frame.paste(image, (x, 112))
        offsets.append(score_image(curation_cases.jpeg(frame), CurationConfig()).scores["centre_offset"])
    assert offsets[0] < 0.05 and offsets[0] < offsets[1] < offsets[2]
    assert offsets[2] > CurationConfig().max_centre_offset


def test_stationary_texture_is_not_a_product_shot():
    rng = np.random.default_rng(0)
    weave = np.kron(rng.integers(60, 200, (40, 40, 1)), np.ones((10, 10, 3))).astype(np.uint8)
    result = score_image(curation_cases.jpeg(Image.fromarray(weave)), CurationConfig())
    assert result.scores["object_contrast"] < 0.2
    assert "not_product" in result.reasons


def test_truncated_and_garbage_files_are_unreadable(studio_images):
    data = curation_cases.jpeg(studio_images[2])
    for bad in (data[: len(data) // 2], b"", b"not an image at all", bytes(random.Random(0).getrandbits(8) for _ in range(999))):
        result = score_image(bad, CurationConfig())
        assert result.reasons == ["unreadable"] and result.error and result.phash is None


def test_decode_reads_full_size_but_scores_small(studio_images):
    big = studio_images[3].resize((2000, 2000))
    decoded = decode(curation_cases.jpeg(big), 256)
    assert (decoded.width, decoded.height) == (2000, 2000)
    assert max(decoded.pixels.shape[:2]) <= 256


def test_transparent_png_is_flattened_onto_white():
    import io

    rgba = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    rgba.paste(Image.new("RGBA", (200, 200), (200, 30, 30, 255)), (100, 100))
    buffer = io.BytesIO()
    rgba.save(buffer, "PNG")
    result = score_image(buffer.getvalue(), CurationConfig())
    assert result.reasons == [], result.scores
