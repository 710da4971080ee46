"""Fixtures for the text tests: a few hundred real Myntra descriptions and a tiny trained run."""

from __future__ import annotations

from pathlib import Path

import pytest

from modiste.text.train import train
from text_fixtures import tiny_config  # a uniquely named module: `conftest` is ambiguous across test folders


@pytest.fixture(scope="session")
def myntra(shared_data: Path) -> Path:
    return shared_data / "text" / "myntra_products_catalog.csv"


@pytest.fixture(scope="session")
def gpt2_tokenizer_dir(shared_data: Path) -> Path:
    return shared_data / "gpt2-tokenizer"


@pytest.fixture(scope="session")
def tiny_run(myntra: Path, tmp_path_factory) -> tuple[Path, dict]:
    """A scratch-tiny model trained for 12 steps on 300 real descriptions (a few seconds)."""
    import torch

    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("text-run") / "run"
    return out, train(tiny_config(myntra, out))
