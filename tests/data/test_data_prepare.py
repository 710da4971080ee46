import hashlib
import json
import zipfile

import fsspec
import numpy as np
import pytest

from modiste.data import open_image_dataset
from modiste.data.prepare import prepare_dataset
from modiste.data.shards import PROGRESS_FILE
from modiste.errors import ModisteError

from data_test_images import noise_image, write_images


def _digest(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def _assert_same(a, b):
    assert len(a) == len(b) and a.class_names == b.class_names and a.shape == b.shape
    for i in range(len(a)):
        assert np.array_equal(a[i][0].numpy(), b[i][0].numpy()) and int(a[i][1]) == int(b[i][1])


@pytest.fixture
def catalogue(tmp_path):
    src = tmp_path / "src"
    write_images(src, 11, size=(48, 36), ext="jpg", subfolders=("dress", "shoe", "top"))
    (src / "top" / "broken.png").write_bytes(b"\x89PNG garbage")
    return src


def test_prepare_round_trip_keeps_pixels_and_labels(catalogue, tmp_path):
    before = _digest(catalogue)
    opts = dict(resolution=32, aspect=(2, 3), mode="pad", label_field="folder")
    with pytest.warns(UserWarning, match="skipping 1 unreadable"):
        meta = prepare_dataset(catalogue, tmp_path / "out", shard_size=4, workers=2, **opts)
    assert meta.count == 11 and len(meta.shards) == 3 and meta.num_skipped == 1
    assert meta.class_names == ["dress", "shoe", "top"] and (meta.width, meta.height) == (32, 48)
    prepared = open_image_dataset(tmp_path / "out")
    assert prepared.name == "out" and prepared.num_skipped == 1
    with pytest.warns(UserWarning):
        direct = open_image_dataset(catalogue, **opts)
    _assert_same(prepared, direct)
    assert _digest(catalogue) == before  # the source is only read
    assert not (tmp_path / "out" / PROGRESS_FILE).exists()
    assert not (tmp_path / "out" / ".prepare-tmp").exists()


def test_jpeg_shards_round_trip_close_to_the_source_and_keep_labels(catalogue, tmp_path):
    opts = dict(resolution=32, mode="crop", label_field="folder")
    with pytest.warns(UserWarning):
        meta = prepare_dataset(catalogue, tmp_path / "jpg", shard_size=4, workers=0, image_format="jpg",
                               jpeg_quality=100, **opts)
    assert meta.image_format == "jpg"
    with zipfile.ZipFile(tmp_path / "jpg" / "shards" / "shard-00000.zip") as zf:
        assert zf.namelist()[0] == "00000000.jpg" and zf.read("00000000.jpg")[:2] == b"\xff\xd8"
    prepared = open_image_dataset(tmp_path / "jpg")
    with pytest.warns(UserWarning):
        direct = open_image_dataset(catalogue, **opts)
    assert len(prepared) == len(direct) == 11 and prepared.class_names == direct.class_names
    for i in range(len(direct)):
        lossy, exact = prepared[i][0].float(), direct[i][0].float()
        assert int(prepared[i][1]) == int(direct[i][1])
        assert (lossy - exact).abs().mean() < 4.0  # random-noise images are JPEG's worst case
    with pytest.raises(ModisteError, match="--format 'webp' is unknown"):
        prepare_dataset(catalogue, tmp_path / "bad", image_format="webp", **opts)
    with pytest.raises(ModisteError, match="--jpeg-quality 0"):
        prepare_dataset(catalogue, tmp_path / "bad", image_format="jpg", jpeg_quality=0, **opts)


def test_interrupted_prepare_resumes_and_skips_finished_shards(catalogue, tmp_path):
    out = tmp_path / "out"
    opts = dict(resolution=24, label_field="folder", shard_size=3, workers=0)

    def crash_after_two(index):
        if index == 1:
            raise KeyboardInterrupt

    with pytest.warns(UserWarning), pytest.raises(KeyboardInterrupt):
        prepare_dataset(catalogue, out, on_shard=crash_after_two, **opts)
    progress = json.loads((out / PROGRESS_FILE).read_text())
    assert sorted(progress["done"]) == ["0", "1"] and not (out / "dataset.json").exists()
    with pytest.raises(ModisteError, match="did not finish.*resume"):
        open_image_dataset(out)
    with pytest.warns(UserWarning), pytest.raises(ModisteError, match="other settings.*width"):
        prepare_dataset(catalogue, out, **{**opts, "resolution": 16})
    built = []
    with pytest.warns(UserWarning):
        prepare_dataset(catalogue, out, on_shard=built.append, **opts)
    assert built == [2, 3]  # shards 0 and 1 were reused
    with pytest.warns(UserWarning):
        _assert_same(open_image_dataset(out), open_image_dataset(catalogue, resolution=24, label_field="folder"))


def test_prepare_refuses_to_mix_or_clobber(catalogue, tmp_path):
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "notes.txt").write_text("mine")
    with pytest.warns(UserWarning), pytest.raises(ModisteError, match="not empty"):
        prepare_dataset(catalogue, busy, resolution=16)
    with pytest.raises(ModisteError, match="never modifies the source"):
        prepare_dataset(catalogue, catalogue, resolution=16)
    with pytest.warns(UserWarning):
        prepare_dataset(catalogue, tmp_path / "out", resolution=16, workers=0)
    with pytest.warns(UserWarning), pytest.raises(ModisteError, match="--overwrite"):
        prepare_dataset(catalogue, tmp_path / "out", resolution=16, workers=0)
    with pytest.warns(UserWarning):
        meta = prepare_dataset(catalogue, tmp_path / "out", resolution=8, workers=0, overwrite=True)
    assert open_image_dataset(tmp_path / "out").shape == (3, 8, 8) and meta.count == 11


def test_memory_filesystem_round_trip():
    fs = fsspec.filesystem("memory")
    for i in range(5):
        with fs.open(f"/h6cat/{'ab'[i % 2]}/{i}.png", "wb") as f:
            noise_image(20, 10, i).save(f, format="PNG")
    try:
        meta = prepare_dataset("memory://h6cat", "memory://h6out", resolution=16, mode="crop",
                               label_field="folder", shard_size=2)
        assert meta.count == 5 and fs.exists("/h6out/dataset.json") and fs.exists("/h6out/shards/shard-00002.zip")
        prepared = open_image_dataset("memory://h6out")
        _assert_same(prepared, open_image_dataset("memory://h6cat", resolution=16, mode="crop", label_field="folder"))
    finally:
        fs.rm("/h6cat", recursive=True)
        fs.rm("/h6out", recursive=True)


def test_fashion_mnist_prepare_and_reopen_at_other_resolution(shared_data, tmp_path):
    meta = prepare_dataset(shared_data / "fashion-mnist", tmp_path / "fm", resolution=32, max_images=300, split="test",
                           shard_size=128, workers=0)
    assert meta.count == 300 and meta.channels == 1 and len(meta.class_names) == 10
    ds = open_image_dataset(tmp_path / "fm")
    direct = open_image_dataset(shared_data / "fashion-mnist", resolution=32, max_images=300, split="test")
    for i in (0, 150, 299):
        assert np.array_equal(ds[i][0].numpy(), direct[i][0].numpy()) and ds[i][1] == direct[i][1]
    assert open_image_dataset(tmp_path / "fm", resolution=16)[0][0].shape == (1, 16, 16)
    with pytest.raises(ModisteError, match="fixed at prepare time"):
        open_image_dataset(tmp_path / "fm", labels="x.csv")
