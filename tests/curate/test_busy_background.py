"""busy_background on product shots whose studio backdrop was replaced by a real photo (a room, a
floor, a street), built like benchmarks/busy_background_eval.py from the shared data."""

from __future__ import annotations

import random

import busy_background_eval as busy_eval
import numpy as np
import pytest
from PIL import Image

from modiste.data.curate import CurationConfig
from modiste.data.curate.filters import measures, score_image
from modiste.data.curate.filters.regions import find_regions


@pytest.fixture(scope="module")
def composites(shared_data):
    rng = random.Random(7)
    products = rng.sample(sorted((shared_data / "fashion-products-224" / "images").glob("*.jpg")), 40)
    photos = rng.sample(sorted((shared_data / "clothing-cc0").glob("*/*/*.jpg")), 40)
    return busy_eval.make_split(products, photos, rng, 16, None)


def test_real_backgrounds_are_caught_and_studio_shots_kept(composites):
    clean, busy = composites
    assert len(busy) == len(clean) == 16
    config = CurationConfig()
    caught = [("busy_background" in score_image(d, config).reasons) for d in busy]
    false = [("busy_background" in score_image(d, config).reasons) for d in clean]
    assert np.mean(caught) >= 0.8 and np.mean(false) <= 0.1


def test_a_smooth_floor_without_edges_is_busy():
    """A soft colour gradient (a lit floor) has no edges; its colours still are not a backdrop."""
    h, w = 256, 256
    ramp = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    floor = (np.array([170, 120, 80]) * (1 - ramp) + np.array([90, 60, 40]) * ramp) * np.ones((1, w, 1))
    pixels = floor.astype(np.float32)
    pixels[64:192, 80:176] = (20, 40, 160)  # the product
    regions = find_regions(pixels, 0.08, 28.0)
    edges = measures.edge_map(pixels)
    band_edges = sorted(float(edges[side].mean()) for side in regions.sides)
    assert (band_edges[1] + band_edges[2]) / 2 < 0.14  # the old edge-only rule saw nothing
    far = regions.distance > 28.0
    expected = sorted(float(far[side].mean()) for side in regions.sides)
    assert measures.background_busyness(edges, regions, 28.0) == pytest.approx((expected[1] + expected[2]) / 2)
    assert measures.background_busyness(edges, regions, 28.0) > CurationConfig().max_background_busyness


def test_backdrop_mask_finds_the_studio_white():
    a = np.full((40, 30, 3), 250, dtype=np.uint8)
    a[10:30, 8:22] = (30, 30, 200)
    a[18:22, 13:17] = 250  # a white hole inside the product is not backdrop (not connected to the border)
    mask = busy_eval.backdrop_mask(a.astype(np.float32))
    assert mask.sum() == 40 * 30 - 20 * 14
    assert not mask[20, 15]
    assert Image.fromarray(a).size == (30, 40)
