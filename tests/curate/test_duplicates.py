"""Duplicate detection: exact pair search, best copy kept, robust to re-encoding and resizing."""

from __future__ import annotations

import io
import random

import numpy as np
from PIL import Image

import curation_cases

from modiste.data.curate import CurationConfig
from modiste.data.curate.duplicates import DuplicateFinder, near_pairs
from modiste.data.curate.filters import score_image


def test_near_pairs_matches_brute_force():
    rng = np.random.default_rng(0)
    hashes = rng.integers(0, 2**63, 400, dtype=np.uint64) * np.uint64(2)
    for i in range(0, 60, 2):  # plant neighbours at distances 0..11
        flips = rng.choice(64, size=i % 12, replace=False)
        hashes[i + 1] = hashes[i] ^ np.uint64(sum(1 << int(b) for b in flips))
    for max_distance in (0, 3, 6, 11):
        left, right, distances = near_pairs(hashes, max_distance)
        found = {(int(a), int(b)): int(d) for a, b, d in zip(left, right, distances)}
        expected = {
            (a, b): int(np.bitwise_count(hashes[a] ^ hashes[b]))
            for a in range(len(hashes))
            for b in range(a + 1, len(hashes))
            if int(np.bitwise_count(hashes[a] ^ hashes[b])) <= max_distance
        }
        assert found == expected


def _finder(entries, max_distance=6):
    finder = DuplicateFinder(max_distance, 3.0)
    for index, phash, passes, pixels, size in entries:
        finder.add(index, phash, bytes(12 * 12 * 3), passes, pixels, size)
    return finder.resolve()


def test_best_copy_is_kept_whatever_the_order():
    # index 0 is small, 1 is the full-size export, 2 failed another filter despite being larger
    matches = _finder([(0, 0xFF, True, 100, 10), (1, 0xFE, True, 400, 10), (2, 0xFF, False, 900, 10)])
    assert set(matches) == {0, 2}
    assert matches[0].original == 1 and matches[0].distance == 1
    assert matches[2].original == 1


def test_chains_do_not_merge_distinct_images():
    # 0 -> 1 -> 2 each 4 bits apart, but 0 and 2 are 8 apart: 2 must stay its own original
    matches = _finder([(0, 0x0, True, 900, 1), (1, 0xF, True, 800, 1), (2, 0xFF, True, 700, 1)])
    assert set(matches) == {1}


def test_thumbnail_check_separates_look_alikes():
    finder = DuplicateFinder(6, 3.0)
    finder.add(0, 0xABC, bytes([10] * 432), True, 100, 1)
    finder.add(1, 0xABC, bytes([40] * 432), True, 100, 1)  # same hash, other colour
    finder.add(2, 0xABD, bytes([11] * 432), True, 50, 1)  # same picture, smaller
    matches = finder.resolve()
    assert set(matches) == {2} and matches[2].original == 0


def test_reencoded_and_resized_copies_are_caught(studio_images):
    config = CurationConfig()
    finder = DuplicateFinder(config.duplicate_max_distance, config.duplicate_max_pixel_difference)
    rng = random.Random(0)
    originals = studio_images[:8]
    for i, image in enumerate(originals):
        result = score_image(curation_cases.jpeg(image, quality=95), config)
        finder.add(i, result.phash, result.signature, True, image.width * image.height, 10**6)
    for i, image in enumerate(originals[:4]):
        scale = rng.uniform(0.5, 0.8)
        small = image.resize((round(image.width * scale), round(image.height * scale)), Image.BILINEAR)
        buffer = io.BytesIO()
        small.save(buffer, "JPEG", quality=40)
        result = score_image(buffer.getvalue(), config)
        finder.add(100 + i, result.phash, result.signature, True, small.width * small.height, len(buffer.getvalue()))
    matches = finder.resolve()
    assert {k: m.original for k, m in matches.items()} == {100 + i: i for i in range(4)}
