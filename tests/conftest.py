"""Shared test fixtures. Real data comes from ../shared/data (or $MODISTE_DATA); tests never download."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def shared_data_dir() -> Path:
    return Path(os.environ.get("MODISTE_DATA", ROOT.parent / "shared" / "data")).resolve()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = shared_data_dir()
    if not path.is_dir():
        pytest.fail(f"shared data not found at {path}: set MODISTE_DATA to the shared/data folder")
    return path


@pytest.fixture(autouse=True)
def _small_torch_threads():
    """Keep each test on one intra-op thread: pytest-xdist already runs one worker per core."""
    import torch

    torch.set_num_threads(1)
    yield
