"""Faults a new user met trying issue 11's features from the CLI (see the report of that session)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from modiste.cli import main
from modiste.errors import ModisteError
from modiste.gan.checkpoint import resolve_checkpoint


def test_a_stray_file_is_named_in_the_checkpoint_error(tmp_path: Path) -> None:
    # `--init-from notes.txt` used to say "no checkpoint found in .", naming the folder, not the file
    stray = tmp_path / "notes.txt"
    stray.write_text("hi")
    with pytest.raises(ModisteError, match=r"notes\.txt is a file but not part of a checkpoint"):
        resolve_checkpoint(stray)


def test_a_file_inside_a_snapshot_still_resolves(tiny_run: Path) -> None:
    snapshot = resolve_checkpoint(tiny_run)
    assert resolve_checkpoint(snapshot / "state.json") == snapshot


def test_init_from_a_text_file_is_one_error_line_and_writes_no_run(tmp_path: Path, capsys) -> None:
    data = tmp_path / "photos"
    data.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(data / f"{i}.png")
    stray = tmp_path / "notes.txt"
    stray.write_text("hi")
    out = tmp_path / "runs"
    with pytest.raises(SystemExit) as exited:
        main(["train", "--data", str(data), "--outdir", str(out), "--preset", "tiny", "--resolution", "16",
              "--batch", "4", "--kimg", "0.01", "--workers", "0", "--device", "cpu", "--init-from", str(stray)])
    assert exited.value.code == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines[-1].startswith("error: ") and "notes.txt is a file but not part of a checkpoint" in lines[-1]
    assert not out.exists() or not any(out.iterdir())  # no run folder begun


def test_the_divergence_error_starts_its_own_line_after_the_progress_bar(tmp_path: Path, capsys) -> None:
    # the bar was left open, so `error: training diverged ...` trailed "train: 98%|...|" on one line
    data = tmp_path / "photos"
    data.mkdir()
    rng = np.random.default_rng(0)
    for i in range(4):
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(data / f"{i}.png")
    with pytest.raises(SystemExit) as exited:
        main(["train", "--data", str(data), "--outdir", str(tmp_path / "runs"), "--preset", "tiny",
              "--resolution", "16", "--batch", "4", "--kimg", "0.008", "--workers", "0", "--device", "cpu",
              "--lr-g", "1e6", "--lr-d", "1e6"])
    assert exited.value.code == 2
    last = capsys.readouterr().err.replace("\r", "\n").strip().splitlines()[-1]
    assert last.startswith("error: training diverged at "), last


def test_resume_without_data_says_to_repeat_the_original_command(tiny_run: Path, capsys) -> None:
    # the divergence message says "continue from it with --resume RUN"; alone that only said "pass --data"
    with pytest.raises(SystemExit) as exited:
        main(["train", "--resume", str(tiny_run), "--lr-g", "0.001"])
    assert exited.value.code == 2
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert last.startswith("error: no training data") and "repeat that command's --data" in last
