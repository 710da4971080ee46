import gzip
import shutil

import numpy as np
import pytest

from modiste.data.fashion_mnist import FILES, ensure_fashion_mnist, is_fashion_mnist_folder, load_split
from modiste.errors import ModisteError


def _serve_from(folder):
    calls = []

    def fetch(url: str) -> bytes:
        calls.append(url)
        return (folder / url.rsplit("/", 1)[1]).read_bytes()

    return fetch, calls


def test_download_is_verified_and_skipped_when_present(shared_data, tmp_path):
    fetch, calls = _serve_from(shared_data / "fashion-mnist")
    folder = ensure_fashion_mnist(tmp_path / "fm", fetch=fetch)
    assert len(calls) == 4 and all(c.startswith("http://fashion-mnist.s3-website") for c in calls)
    assert is_fashion_mnist_folder(folder) and not list(folder.glob(".*tmp"))
    ensure_fashion_mnist(folder, fetch=fetch)
    assert len(calls) == 4  # nothing fetched the second time
    images, labels = load_split(folder, "test")
    assert images.shape == (10000, 28, 28) and np.bincount(labels).tolist() == [1000] * 10


def test_download_through_file_url(shared_data, tmp_path):
    folder = ensure_fashion_mnist(tmp_path / "fm", base_url=(shared_data / "fashion-mnist").as_uri() + "/")
    assert is_fashion_mnist_folder(folder)


def test_corrupt_download_is_rejected_and_not_kept(shared_data, tmp_path):
    def fetch(url: str) -> bytes:
        return gzip.compress(b"\0\0\x08\x01\0\0\0\x01x")

    with pytest.raises(ModisteError, match="MD5 check"):
        ensure_fashion_mnist(tmp_path / "fm", fetch=fetch)
    assert not list((tmp_path / "fm").glob("*"))  # nothing half-written left behind


def test_offline_error_names_the_fix(tmp_path):
    def fetch(url: str) -> bytes:
        raise OSError("no network")

    with pytest.raises(ModisteError, match="copy the four Fashion-MNIST"):
        ensure_fashion_mnist(tmp_path / "fm", fetch=fetch)


def test_raw_idx_files_and_env_lookup(shared_data, tmp_path, monkeypatch):
    raw = tmp_path / "raw"
    raw.mkdir()
    for stem in FILES:
        with gzip.open(shared_data / "fashion-mnist" / f"{stem}.gz") as src, open(raw / stem, "wb") as dst:
            shutil.copyfileobj(src, dst)
    assert ensure_fashion_mnist(raw, fetch=None) == raw  # verified from the uncompressed files
    monkeypatch.setenv("MODISTE_DATA", str(shared_data))
    assert ensure_fashion_mnist(fetch=None) == shared_data / "fashion-mnist"
