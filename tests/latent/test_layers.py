"""Coarse / middle / fine W+ bands follow the synthesis network's blocks; layer ranges parse strictly."""

from __future__ import annotations

import pytest

import modiste
from modiste.errors import ModisteError
from modiste.latent.layers import describe_layers, layer_range, layers_table, w_widths


def test_bands_at_1024_px_are_the_stylegan_paper_ranges():
    # Karras et al. 2019: 18 ws at 1024 px; coarse 4^2-8^2, middle 16^2-32^2, fine 64^2-1024^2
    assert layer_range("coarse", 18) == (0, 4)
    assert layer_range("middle", 18) == (4, 8)
    assert layer_range("fine", 18) == (8, 18)
    assert layer_range("all", 18) == (0, 18)


def test_bands_at_64_px():
    assert [layer_range(b, 10) for b in ("coarse", "middle", "fine")] == [(0, 4), (4, 8), (8, 10)]


def test_widths_follow_the_synthesis_blocks_of_a_real_generator(tiny_run):
    G = modiste.load_generator(tiny_run)  # 16 px wide: blocks 4, 8, 16
    block_widths = [b.shape[1] for b in G.synthesis.blocks]
    assert G.num_ws == 2 * len(block_widths)  # what the index convention relies on
    # each block owns two consecutive indices, named after its width (the papers' convention)
    assert w_widths(G.num_ws) == [px for px in block_widths for _ in range(2)]


def test_a_16_px_generator_has_no_fine_band_and_says_so():
    assert layer_range("middle", 6) == (4, 6)
    with pytest.raises(ModisteError, match="no fine layers"):
        layer_range("fine", 6)


def test_index_ranges_are_inclusive_and_checked():
    assert layer_range("2-5", 10) == (2, 6)
    assert layer_range("7", 10) == (7, 8)
    assert layer_range(" 0 - 9 ", 10) == (0, 10)
    for bad in ("5-2", "0-10", "x", "-1", "1-2-3", ""):
        with pytest.raises(ModisteError):
            layer_range(bad, 10)


def test_describe_layers_and_table():
    rows = describe_layers(10, 64)
    assert [r["band"] for r in rows] == ["coarse"] * 4 + ["middle"] * 4 + ["fine"] * 2
    assert rows[9]["px"] == 64 and "output_px" not in rows[9]
    swagan = describe_layers(8, 64)  # SWAGAN 64 px: blocks 4..32, wavelets double the last
    assert swagan[-1]["output_px"] == 64
    assert layers_table(10, 64) == ("W+ has 10 entries for a 64 px wide image: coarse 0-3 (4-8 px), "
                                    "middle 4-7 (16-32 px), fine 8-9 (64 px)")
