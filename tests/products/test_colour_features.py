"""The tagger's garment colour vector: histogram, CIELAB statistics and k-means colours."""

from __future__ import annotations

import numpy as np

from modiste.products.tagger.colour_features import (CLUSTERS, DIM, HIST_DIM, STATS_DIM, colour_features,
                                                     lab_clusters, lab_statistics)


def swatch(rgb: tuple[int, int, int], size: int = 60, border: int = 10) -> np.ndarray:
    """A plain square of colour `rgb` on a white studio backdrop, uint8 [size, size, 3]."""
    image = np.full((size, size, 3), 255, dtype=np.uint8)
    image[border:-border, border:-border] = rgb
    return image


def stats_of(image: np.ndarray) -> np.ndarray:
    return colour_features(image)[HIST_DIM:HIST_DIM + STATS_DIM]


def test_layout_and_determinism():
    v = colour_features(swatch((200, 30, 40)))
    assert v.shape == (DIM,) and v.dtype == np.float32 and DIM == 144 + 22 + 12
    assert np.array_equal(v, colour_features(swatch((200, 30, 40))))


def test_lightness_percentiles_separate_black_charcoal_and_grey():
    # the three fall into the same or neighbouring 25-unit L bins of the histogram; the median L* does not
    medians = [stats_of(swatch((g, g, g)))[2] * 100 for g in (20, 55, 120)]
    assert medians[0] < medians[1] < medians[2]
    assert abs(medians[0] - 6.5) < 2 and abs(medians[1] - 22.8) < 2 and abs(medians[2] - 50.6) < 2


def test_hue_vector_points_at_the_garment_hue_and_vanishes_for_greys():
    red, blue, grey = (stats_of(swatch(c))[-2:] for c in ((200, 30, 40), (40, 60, 200), (128, 128, 128)))
    assert red[0] > 0.7 and abs(red[1]) < 0.6          # red: hue angle near 0-40 degrees (+a*)
    assert blue[1] < -0.5                              # blue: -b*
    assert np.allclose(grey, 0, atol=1e-3)


def test_clusters_of_a_flat_swatch_and_a_two_colour_print():
    flat = lab_clusters(np.tile([[50.0, 10.0, -20.0]], (400, 1)))
    assert flat.shape == (4 * CLUSTERS,)
    assert np.isclose(flat[3], 1.0) and flat[7] == 0 and flat[11] == 0  # one colour: the others have no share
    two = np.vstack([np.tile([[30.0, 40.0, 20.0]], (300, 1)), np.tile([[90.0, 0.0, 0.0]], (100, 1))])
    out = lab_clusters(two)
    assert np.isclose(out[3], 0.75) and np.isclose(out[7], 0.25)    # largest first
    assert np.allclose(out[:3], [0.3, 40 / 60, 20 / 60], atol=1e-6)


def test_statistics_of_pixels_are_scaled_to_unit_ranges():
    s = lab_statistics(np.tile([[100.0, 60.0, -60.0]], (10, 1)))
    assert np.allclose(s[:5], 1.0) and np.allclose(s[5:10], 1.0) and np.allclose(s[10:15], -1.0)
    assert np.allclose(s[15:20], np.hypot(60, 60) / 60)
