"""`modiste curate` through the real entry point: flags reach the config, errors are one line."""

from __future__ import annotations

import csv

import pytest
from PIL import Image

import curation_cases

from modiste.cli import main
from modiste.data.curate.cli import curate as curate_command
from modiste.data.curate.config import CurationConfig


@pytest.fixture
def src(tmp_path, studio_images):
    root = tmp_path / "src"
    root.mkdir()
    for i in range(3):
        (root / f"shot_{i}.jpg").write_bytes(curation_cases.jpeg(studio_images[i]))
    (root / "blank.jpg").write_bytes(curation_cases.jpeg(Image.new("RGB", (300, 300), "white")))
    return root


def test_every_threshold_has_a_flag():
    flags = {opt for param in curate_command.params for opt in param.opts}
    for field in CurationConfig.tunable_fields():
        assert field.metadata["flag"] in flags


def test_cli_curates_with_flags(src, tmp_path, capsys):
    out = tmp_path / "out"
    main(["curate", str(src), "--out", str(out), "--min-side", "200", "--workers", "0", "--manifest",
          "--disable", "duplicate"])
    assert "3 of 4 images kept; rejected: blank 1" in capsys.readouterr().out
    rows = list(csv.DictReader(open(out / "decisions.csv")))
    assert [r["reasons"] for r in rows] == ["blank", "", "", ""]
    assert not (out / "images").exists()


def test_cli_reports_user_errors_as_one_line(src, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["curate", str(src), "--out", str(tmp_path / "out"), "--workers", "0"])  # 224 px < 300
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert err.startswith("error: no image passed curation") and "too_small 3" in err and "blank 1" in err
    assert "--min-side" in err
    with pytest.raises(SystemExit):
        main(["curate", str(tmp_path / "nowhere"), "--dry-run"])
    assert "does not exist" in capsys.readouterr().err
