"""A studio over two tiny runs (conditional "cond", unconditional "uncond") for the serve tests."""

from __future__ import annotations

from pathlib import Path

import pytest

TOKEN = "s3cret-token"


@pytest.fixture(scope="session")
def runs_dir(tmp_path_factory, make_tiny_run) -> Path:
    root = tmp_path_factory.mktemp("studio-runs")
    make_tiny_run(root / "cond", ["Tshirts", "Dresses", "Jeans"])
    make_tiny_run(root / "uncond", None, seed=1)
    return root


def make_client(runs_dir: Path, tmp_path: Path, **overrides):
    from fastapi.testclient import TestClient

    from modiste.serve.app import create_app
    from modiste.serve.config import ServeConfig

    config = ServeConfig(runs=runs_dir, storage=tmp_path / "storage", **overrides)
    return TestClient(create_app(config), raise_server_exceptions=False)


@pytest.fixture
def client(runs_dir, tmp_path):
    with make_client(runs_dir, tmp_path) as c:
        yield c


@pytest.fixture
def token_client(runs_dir, tmp_path):
    with make_client(runs_dir, tmp_path, token=TOKEN) as c:
        yield c
