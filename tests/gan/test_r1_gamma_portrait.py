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


@pytest.mark.slow
def test_a_resumed_run_keeps_the_gamma_of_its_snapshot_unless_given(tmp_path, shared_data):
    """A run trained with another gamma (e.g. the width-only default of older versions) resumes with it."""
    import json

    from modiste.cli import main
    from modiste.gan.checkpoint import list_checkpoints, read_state

    args = ["train", "--data", str(shared_data / "fashion-mnist"), "--resolution", "16", "--preset", "tiny",
            "--batch", "8", "--workers", "0", "--quiet", "--aug", "none", "--snap", "0.008",
            "--outdir", str(tmp_path)]
    for extra in (["--kimg", "0.008", "--r1-gamma", "0.5"], ["--kimg", "0.016", "--resume", "auto"],
                  ["--kimg", "0.024", "--resume", "auto", "--r1-gamma", "0.25"]):
        try:
            main([*args, *extra])
        except SystemExit as e:  # click's standalone exit on success
            assert e.code in (0, None)
    (run,) = tmp_path.iterdir()
    gammas = [read_state(s)["config"]["r1_gamma"] for s in list_checkpoints(run)]
    assert gammas == [0.5, 0.5, 0.25]
    assert json.loads((run / "config.json").read_text())["config"]["r1_gamma"] == 0.25
