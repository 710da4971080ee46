"""Files and folders written atomically get the mode a plain write would give, under any umask."""

from __future__ import annotations

import os
import stat
import tempfile

import pytest

from modiste.atomic import atomic_path, atomic_write_bytes, atomic_write_json, current_umask, respect_umask
from modiste.data.storage import Location


@pytest.fixture(params=[0o022, 0o027, 0o002])
def umask(request):
    old = os.umask(request.param)
    yield request.param
    os.umask(old)


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_current_umask_reads_without_changing(umask):
    assert current_umask() == umask
    assert current_umask() == umask


def test_atomic_files_follow_the_umask_like_open(tmp_path, umask):
    with open(tmp_path / "plain.txt", "w") as f:
        f.write("x")
    atomic_write_bytes(tmp_path / "a.bin", b"abc")
    atomic_write_json(tmp_path / "a.json", {"a": 1})
    with atomic_path(tmp_path / "reopened.bin") as tmp:
        with open(tmp, "wb") as f:  # torch.save / PIL reopen the temporary path
            f.write(b"xyz")
    expected = 0o666 & ~umask  # 0644 under 022, 0640 under 027, 0664 under 002
    assert _mode(tmp_path / "plain.txt") == expected
    for name in ("a.bin", "a.json", "reopened.bin"):
        assert _mode(tmp_path / name) == expected, name
    assert (tmp_path / "a.bin").read_bytes() == b"abc"


def test_respect_umask_on_mkdtemp_folder(tmp_path, umask):
    folder = tempfile.mkdtemp(dir=tmp_path)
    assert _mode(folder) == 0o700
    respect_umask(folder)
    assert _mode(folder) == 0o777 & ~umask


def test_location_put_file_gives_a_shared_mode(tmp_path, umask):
    fd, local = tempfile.mkstemp(dir=tmp_path)
    os.close(fd)
    Location(str(tmp_path / "out")).put_file(local, "shards/x.zip")
    Location(str(tmp_path / "out")).write_bytes("meta.json", b"{}")
    assert _mode(tmp_path / "out" / "shards" / "x.zip") == 0o666 & ~umask
    assert _mode(tmp_path / "out" / "meta.json") == 0o666 & ~umask


def test_failed_write_leaves_nothing(tmp_path, umask):
    with pytest.raises(RuntimeError):
        with atomic_path(tmp_path / "x.bin") as tmp:
            tmp.write_bytes(b"half")
            raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []


def test_text_model_folders_follow_the_umask(tmp_path, umask):
    from modiste.text.checkpoint import write_model_dir

    class Saves:
        def save_pretrained(self, folder):
            with open(os.path.join(folder, f"{id(self)}.json"), "w") as f:
                f.write("{}")

    write_model_dir(tmp_path / "model", Saves(), Saves(), files={"meta.json": {"a": 1}})
    assert _mode(tmp_path / "model") == 0o777 & ~umask
    assert _mode(tmp_path / "model" / "meta.json") == 0o666 & ~umask


def test_safetensors_written_through_atomic_path_get_the_umask_mode(tmp_path):
    """safetensors' save_file replaces the temporary file with a 0600 file of its own."""
    import os

    import torch
    from safetensors.torch import save_file

    from modiste.atomic import atomic_path, current_umask

    target = tmp_path / "latents.safetensors"
    with atomic_path(target) as tmp:
        save_file({"x": torch.zeros(2)}, str(tmp))
    assert os.stat(target).st_mode & 0o777 == 0o666 & ~current_umask()
