"""The training progress bar counts minutes towards --max-minutes (the demo), images otherwise."""

from __future__ import annotations

import io

import pytest

from modiste.gan.demo import DEMO_SETTINGS
from modiste.gan.training.progress import TrainingProgress


def last_line(buffer: io.StringIO) -> str:
    return buffer.getvalue().replace("\r", "\n").strip().splitlines()[-1]


def test_a_time_limited_run_shows_minutes_not_kimg_towards_the_total():
    # the demo: 1000 kimg nominally, 5 minutes in fact
    out = io.StringIO()
    bar = TrainingProgress(int(DEMO_SETTINGS["kimg"] * 1000), max_minutes=5.0, enabled=True, file=out, mininterval=0)
    bar.show({"G": "0.700"})
    bar.update(nimg=12_000, elapsed_s=90)
    line = last_line(out)
    assert "1.5/5.0 min" in line and " 30%|" in line and "kimg=12.0" in line and "G=0.700" in line
    assert "1000" not in line and "1.00M" not in line  # no count towards the nominal 1000 kimg
    bar.update(nimg=50_000, elapsed_s=400)  # past the limit (the last step overruns): capped at the total
    assert "5.0/5.0 min" in last_line(out) and "100%" in last_line(out)
    bar.close()


def test_a_run_without_a_time_limit_counts_images_towards_kimg():
    out = io.StringIO()
    bar = TrainingProgress(2000, max_minutes=None, start_nimg=400, enabled=True, file=out, mininterval=0)
    bar.update(nimg=1000, elapsed_s=90)
    line = last_line(out)
    assert "1.00k/2.00k" in line and " 50%|" in line and "min" not in line
    bar.close()


@pytest.mark.slow
def test_train_with_max_minutes_shows_the_time_bar(tmp_path, shared_data, capsys):
    from modiste.cli import main

    try:
        main(["train", "--data", str(shared_data / "fashion-mnist"), "--resolution", "16", "--preset", "tiny",
              "--batch", "8", "--workers", "0", "--aug", "none", "--kimg", "0.016", "--snap", "0.016",
              "--max-minutes", "10", "--outdir", str(tmp_path)])
    except SystemExit as e:
        assert e.code in (0, None)
    err = capsys.readouterr().err
    assert "/10.0 min" in err and "kimg=0.0" in err and "img/s" not in err
