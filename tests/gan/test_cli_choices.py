"""`modiste train/generate/demo`: options with a fixed set of values are click choices (help lists them,
the parser catches a typo before anything is loaded), from the constants that validate them."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from modiste.cli_options import DEVICE
from modiste.data.transforms import MODES
from modiste.gan.cli import demo, generate, train
from modiste.gan.networks.config import ARCHS, ASPECTS, PRESETS
from modiste.gan.training.config import AUGMENTS, PRECISIONS

CHOICES = {"--mode": MODES, "--aspect": tuple(ASPECTS), "--preset": tuple(PRESETS), "--arch": ARCHS,
           "--aug": AUGMENTS, "--precision": PRECISIONS}


def help_text(command) -> str:
    result = CliRunner().invoke(command, ["--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("flag, values", CHOICES.items())
def test_train_help_lists_the_values(flag, values):
    assert re.search(rf"{flag} \[{re.escape('|'.join(values))}\]", help_text(train))


def test_device_help_lists_the_forms():
    for command in (train, generate, demo):
        assert "--device [auto|cpu|cuda|cuda:N]" in help_text(command)
    assert f"--preset [{'|'.join(PRESETS)}]" in help_text(demo)


@pytest.mark.parametrize("flag, typo", [("--aspect", "2x3"), ("--preset", "Tiny"), ("--arch", "stylegan3"),
                                        ("--aug", "adaa"), ("--precision", "fp8"), ("--mode", "fit"),
                                        ("--device", "gpu"), ("--device", "cuda:x")])
def test_a_typo_is_a_usage_error_before_anything_runs(tmp_path, flag, typo):
    result = CliRunner().invoke(train, ["--data", str(tmp_path / "missing"), "--outdir", str(tmp_path / "runs"),
                                        flag, typo])
    assert result.exit_code == 2
    assert f"Invalid value for '{flag}'" in result.output and repr(typo) in result.output
    assert not (tmp_path / "runs").exists()


def test_device_type_accepts_every_valid_form():
    for value in ("auto", "cpu", "cuda", "cuda:0", "cuda:12"):
        assert DEVICE.convert(value, None, None) == value
