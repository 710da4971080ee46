"""The default R1 gamma grows with the canvas's pixel count (width x height), not with the width alone."""

from __future__ import annotations

import pytest

from modiste.gan.training.config import TrainConfig


@pytest.mark.parametrize("aspect, height", [("1:1", 64), ("2:3", 96), ("1:2", 128)])
def test_default_gamma_uses_width_times_height(aspect, height):
    cfg = TrainConfig(data="x", resolution=64, aspect=aspect, batch=16).resolve()
    assert cfg.canvas_size() == (64, height)
    assert cfg.r1_gamma == pytest.approx(0.0002 * 64 * height / 16)


def test_portrait_gamma_is_the_square_one_times_the_aspect():
    square = TrainConfig(data="x", resolution=256, batch=32).resolve().r1_gamma
    assert TrainConfig(data="x", resolution=256, aspect="2:3", batch=32).resolve().r1_gamma == pytest.approx(1.5 * square)
    assert TrainConfig(data="x", resolution=256, aspect="1:2", batch=32).resolve().r1_gamma == pytest.approx(2.0 * square)


def test_explicit_gamma_is_kept():
    assert TrainConfig(data="x", aspect="1:2", r1_gamma=0.7).resolve().r1_gamma == 0.7
