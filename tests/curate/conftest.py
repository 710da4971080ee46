"""Fixtures for the curation tests: labelled cases made from the shared data by the benchmark's builder."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))

import curation_cases  # noqa: E402


from curate_settings import TEST_CONFIG  # noqa: E402,F401  (re-exported for the fixtures)


@pytest.fixture(scope="session")
def cases(shared_data: Path) -> list[curation_cases.Case]:
    return list(curation_cases.make_cases(shared_data, per_kind=6, seed=1))


@pytest.fixture(scope="session")
def studio_images(shared_data: Path):
    from PIL import Image

    return [Image.open(p).convert("RGB") for p in curation_cases.studio_paths(shared_data)[:12]]
