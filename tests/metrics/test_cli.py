"""`modiste metrics` end to end through the real CLI entry point (stand-in extractor and generator)."""

from __future__ import annotations

import json

import pytest

import modiste
from modiste.cli import main
from modiste.metrics import evaluate as evaluate_module

from .helpers import CountingFeatures, TinyGenerator, write_images


@pytest.fixture(autouse=True)
def _stub_extractor(monkeypatch, tmp_path):
    monkeypatch.setattr(evaluate_module, "get_extractor", lambda weights, mode, device: CountingFeatures())
    monkeypatch.setenv("MODISTE_CACHE", str(tmp_path / "cache"))


def test_folders_print_a_table_and_write_json(tmp_path, capsys):
    reals = write_images(tmp_path / "reals", {"a": 6}, seed=1)
    fakes = write_images(tmp_path / "fakes", {"a": 6}, seed=2)
    out = tmp_path / "scores.json"
    main(["metrics", "--real", str(reals), "--fake", str(fakes), "--metrics", "fid,kid,pr", "--device", "cpu",
          "--workers", "0", "--json", str(out)])
    printed = capsys.readouterr().out
    values = json.loads(out.read_text())
    assert set(values) == {"fid", "kid_mean", "kid_std", "precision", "recall", "images"}
    assert values["images"]["real"]["used"] == values["images"]["fake"]["used"] == 6
    assert values["kid_std"] is None  # 6 vs 6 images: no spread to report, written as null (strict JSON)
    assert printed.splitlines()[:2] == ["real: 6 of 6 images used", "fake: 6 of 6 images used"]
    assert printed.splitlines()[2].split() == ["metric", "value"]
    assert f"fid        {values['fid']:.6g}" in printed


def test_checkpoint_mode_samples_the_generator(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(modiste, "load_generator", lambda path, device: TinyGenerator(), raising=False)
    reals = write_images(tmp_path / "reals", {"a": 6}, seed=1)
    main(["metrics", "--checkpoint", "run", "--data", str(reals), "--metrics", "fid", "--num", "5",
          "--device", "cpu", "--workers", "0"])
    assert capsys.readouterr().out.splitlines()[2].startswith("fid ")


@pytest.mark.parametrize("args", [["--real", "x"], ["--checkpoint", "c", "--real", "r", "--fake", "f"], []])
def test_wrong_argument_combinations_are_one_line_errors(args, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["metrics", *args])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.strip() == "error: give either --checkpoint CKPT --data DATA, or --real DIR --fake DIR"


def test_an_unknown_metric_fails_before_any_data_is_read(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["metrics", "--real", "no-such-folder", "--fake", "no-such-folder", "--metrics", "fidd"])
    assert exit_info.value.code == 2
    assert "unknown metric 'fidd'" in capsys.readouterr().err
