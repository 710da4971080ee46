"""Folder metrics count every image they do not use, say why, and write the counts to the JSON."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from modiste.cli import main
from modiste.metrics import evaluate as evaluate_module
from modiste.metrics.evaluate import evaluate_folders_counted

from .helpers import CountingFeatures, write_images


@pytest.fixture(autouse=True)
def _stub_extractor(monkeypatch, tmp_path):
    monkeypatch.setattr(evaluate_module, "get_extractor", lambda weights, mode, device: CountingFeatures())
    monkeypatch.setenv("MODISTE_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def mixed_reals(tmp_path):
    """15 real files of mixed sizes: 11 good images, 1 truncated after its header, 1 with no header,
    1 notes file and 1 .heic (not read) -- the issue's 15 with 12 images of which one cannot decode."""
    folder = tmp_path / "reals"
    folder.mkdir()
    rng = np.random.default_rng(0)
    sizes = [(16, 16), (24, 32), (40, 30), (20, 20)]
    for i in range(11):
        w, h = sizes[i % len(sizes)]
        Image.fromarray(rng.integers(0, 256, (h, w, 3), dtype=np.uint8)).save(folder / f"{i:02d}.png")
    whole = (folder / "00.png").read_bytes()
    big = folder / "big.jpg"
    Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(big, quality=95)
    big.write_bytes(big.read_bytes()[: len(big.read_bytes()) // 2])  # header fine, pixels cut off
    (folder / "garbage.png").write_bytes(b"not a png" + whole[:10])
    (folder / "notes.txt").write_text("shot list")
    (folder / "iphone.heic").write_bytes(b"\0" * 64)
    return folder


def test_every_real_image_is_accounted_for(mixed_reals, tmp_path):
    fakes = write_images(tmp_path / "fakes", {"a": 8}, seed=2)
    results, accounts = evaluate_folders_counted(str(mixed_reals), str(fakes), metrics="fid_full",
                                                 dataset_kwargs={"resolution": 16}, progress=False, num_workers=0,
                                                 cache_dir=tmp_path / "c")
    real = accounts["real"]
    assert real.used == 11
    assert real.skipped == {"unreadable": 1, "not an image file": 2, "failed to decode": 1}
    assert real.found == 15
    assert accounts["fake"].used == 8 and accounts["fake"].skipped == {}
    assert np.isfinite(results["fid"])


def test_sampling_fewer_reals_than_available_is_reported(mixed_reals, tmp_path):
    fakes = write_images(tmp_path / "fakes", {"a": 6}, seed=2)
    _, accounts = evaluate_folders_counted(str(mixed_reals), str(fakes), metrics="fid",
                                           dataset_kwargs={"resolution": 16}, progress=False, num_workers=0,
                                           cache_dir=tmp_path / "c")
    real = accounts["real"]
    # 12 decodable-looking images, 6 asked for (as many as the fakes), of which up to 1 fails to decode
    assert real.used + real.skipped.get("failed to decode", 0) == 6
    assert real.skipped["not sampled"] == 12 - 6
    assert real.found == 15
    assert "fid_full" in real.line()


def test_cli_prints_and_writes_the_counts(mixed_reals, tmp_path, capsys):
    fakes = write_images(tmp_path / "fakes", {"a": 8}, seed=2)
    out = tmp_path / "scores.json"
    main(["metrics", "--real", str(mixed_reals), "--fake", str(fakes), "--resolution", "16", "--metrics", "fid_full",
          "--device", "cpu", "--workers", "0", "--json", str(out)])
    printed = capsys.readouterr().out
    assert "real: 11 of 15 images used" in printed
    assert "1 failed to decode" in printed and "2 not an image file" in printed and "1 unreadable" in printed
    images = json.loads(out.read_text())["images"]
    assert images["real"] == {"source": str(mixed_reals), "found": 15, "used": 11,
                              "skipped": {"failed to decode": 1, "not an image file": 2, "unreadable": 1}}
    assert images["fake"]["used"] == 8 and images["fake"]["found"] == 8
