"""End to end: outputs, modes, sources (folder, zip, memory://), atomicity and bad input."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import zipfile
from pathlib import Path

import fsspec
import pytest
from PIL import Image

import curation_cases
from curate_settings import TEST_CONFIG

from modiste.data.curate import CurationConfig, curate
from modiste.data.curate.decisions import COLUMNS
from modiste.data.curate.output import Destination
from modiste.errors import ModisteError

KEPT = {"a/clean_0.jpg", "a/clean_1.jpg", "a/clean_2.jpg", "a/clean_3.jpg"}
REJECTED = {
    "a/copy_of_0.jpg": "duplicate",
    "b/blank.jpg": "blank",
    "b/tiny.jpg": "too_small",
    "b/broken.jpg": "unreadable",
}


def _catalogue_files(studio_images) -> dict[str, bytes]:
    files = {f"a/clean_{i}.jpg": curation_cases.jpeg(studio_images[i], 95) for i in range(4)}
    smaller = studio_images[0].resize((200, 200), Image.BILINEAR)
    files["a/copy_of_0.jpg"] = curation_cases.jpeg(smaller, 50)
    files["b/blank.jpg"] = curation_cases.jpeg(Image.new("RGB", (400, 500), (245, 245, 245)))
    files["b/tiny.jpg"] = curation_cases.jpeg(studio_images[4].resize((120, 120)))
    files["b/broken.jpg"] = curation_cases.jpeg(studio_images[5])[:1500]
    files["notes.txt"] = b"not an image, ignored"
    return files


@pytest.fixture
def src(tmp_path, studio_images) -> Path:
    root = tmp_path / "catalogue"
    for name, data in _catalogue_files(studio_images).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    return root


def _tree_digest(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()}


def _rows(path: Path) -> dict[str, dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return {row["path"]: row for row in csv.DictReader(f)}


def _run(src, out, **kwargs):
    return curate(str(src), str(out), kwargs.pop("config", TEST_CONFIG), progress=False, **kwargs)


def test_copy_mode_writes_every_output_and_leaves_source_alone(src, tmp_path):
    before = _tree_digest(src)
    out = tmp_path / "out"
    result = _run(src, out)
    assert _tree_digest(src) == before
    assert (result.total, result.kept) == (8, 4)
    with open(out / "decisions.csv", newline="") as f:
        assert tuple(csv.DictReader(f).fieldnames) == COLUMNS
    rows = _rows(out / "decisions.csv")
    assert set(rows) == KEPT | set(REJECTED)
    for path in KEPT:
        assert rows[path]["kept"] == "true" and rows[path]["reasons"] == ""
        assert (out / "images" / path).read_bytes() == (src / path).read_bytes()
    for path, reason in REJECTED.items():
        assert rows[path]["kept"] == "false" and reason in rows[path]["reasons"].split(";")
        assert not (out / "images" / path).exists()
    assert rows["a/copy_of_0.jpg"]["duplicate_of"] == "a/clean_0.jpg"
    assert rows["b/broken.jpg"]["error"] and rows["b/broken.jpg"]["short_side"] == ""
    assert float(rows["b/tiny.jpg"]["short_side"]) == 120
    assert (out / "manifest.txt").read_text().split() == sorted(KEPT)
    summary = json.loads((out / "curation.json").read_text())
    assert summary["status"] == "complete" and summary["kept"] == 4
    assert summary["rejected_by"]["duplicate"] == 1 and summary["config"]["min_side"] == 200


def test_report_shows_counts_thresholds_and_thumbnails(src, tmp_path):
    _run(src, tmp_path / "out")
    page = (tmp_path / "out" / "report.html").read_text()
    counts = dict(re.findall(r"<tr><td>(?:<a href='#\w+'>)?(\w+)(?:</a>)?</td><td>(\d+)</td></tr>", page))
    assert counts["kept"] == "4" and counts["duplicate"] == "1" and counts["blank"] == "1"
    assert counts["too_small"] == "1" and counts["unreadable"] == "1" and counts["off_centre"] == "0"
    assert page.count("data:image/jpeg;base64,") == 4 + 3  # kept + duplicate, blank, tiny (broken has none)
    assert "copy of a/clean_0.jpg" in page and "short_side = 120 (&lt; 200)" in page
    assert "<td>min_side</td><td>200</td>" in page


def test_link_and_manifest_modes(src, tmp_path):
    _run(src, tmp_path / "linked", mode="link")
    for path in KEPT:
        assert os.stat(tmp_path / "linked" / "images" / path).st_ino == os.stat(src / path).st_ino
    _run(src, tmp_path / "listed", mode="manifest")
    assert not (tmp_path / "listed" / "images").exists()
    assert (tmp_path / "listed" / "manifest.txt").read_text().split() == sorted(KEPT)


def test_dry_run_writes_nothing(src, tmp_path):
    result = curate(str(src), str(tmp_path / "out"), TEST_CONFIG, dry_run=True, progress=False)
    assert result.kept == 4 and result.counts["blank"] == 1
    assert not (tmp_path / "out").exists()


def test_worker_processes_give_the_same_decisions(src, tmp_path):
    _run(src, tmp_path / "serial", workers=0)
    _run(src, tmp_path / "parallel", workers=2)
    assert (tmp_path / "serial" / "decisions.csv").read_bytes() == (tmp_path / "parallel" / "decisions.csv").read_bytes()


def test_zip_source(src, tmp_path):
    archive = tmp_path / "catalogue.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(src.rglob("*")):
            if path.is_file():
                z.write(path, path.relative_to(src).as_posix())
    _run(archive, tmp_path / "out")
    rows = _rows(tmp_path / "out" / "decisions.csv")
    assert {p for p, r in rows.items() if r["kept"] == "true"} == KEPT
    assert (tmp_path / "out" / "images" / "a" / "clean_1.jpg").read_bytes() == (src / "a" / "clean_1.jpg").read_bytes()


def test_memory_filesystem_round_trip(studio_images):
    fs = fsspec.filesystem("memory")
    for name, data in _catalogue_files(studio_images).items():
        fs.pipe_file(f"/h5src/{name}", data)
    try:
        curate("memory://h5src", "memory://h5out", TEST_CONFIG, progress=False)
        rows = list(csv.DictReader(io.StringIO(fs.cat_file("/h5out/decisions.csv").decode())))
        assert {r["path"] for r in rows if r["kept"] == "true"} == KEPT
        assert fs.cat_file("/h5out/images/a/clean_2.jpg") == fs.cat_file("/h5src/a/clean_2.jpg")
        assert b"kept" in fs.cat_file("/h5out/report.html")
        with pytest.raises(ModisteError, match="--link needs"):
            curate("memory://h5src", "memory://h5link", TEST_CONFIG, mode="link", progress=False)
    finally:
        for root in ("/h5src", "/h5out"):
            if fs.exists(root):
                fs.rm(root, recursive=True)


def test_metadata_rows_follow_the_kept_images(src, tmp_path):
    labels = tmp_path / "labels.csv"
    names = sorted(KEPT | set(REJECTED))
    labels.write_text("filename,colour\n" + "".join(f"{os.path.basename(n)},red\n" for n in names) + "gone.jpg,blue\n")
    _run(src, tmp_path / "out", metadata=str(labels))
    kept_rows = list(csv.DictReader(open(tmp_path / "out" / "metadata.csv")))
    assert sorted(r["filename"] for r in kept_rows) == sorted(os.path.basename(n) for n in KEPT)
    with pytest.raises(ModisteError, match="--metadata-key 'sku'"):
        _run(src, tmp_path / "out2", metadata=str(labels), metadata_key="sku")


def test_empty_result_says_which_filters_rejected_what(src, tmp_path):
    with pytest.raises(ModisteError) as error:
        _run(src, tmp_path / "out", config=CurationConfig(min_side=5000))
    message = str(error.value)
    assert "no image passed curation" in message and "too_small 7" in message and "unreadable 1" in message
    assert "\n" not in message
    assert len(_rows(tmp_path / "out" / "decisions.csv")) == 8  # still written, to inspect


def test_killed_run_leaves_no_result_files(src, tmp_path, monkeypatch):
    calls = {"n": 0}
    original = Destination.place_image

    def dies_on_third(self, relative):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        original(self, relative)

    monkeypatch.setattr(Destination, "place_image", dies_on_third)
    out = tmp_path / "out"
    with pytest.raises(KeyboardInterrupt):
        _run(src, out)
    assert not (out / "decisions.csv").exists() and not (out / "report.html").exists()
    assert json.loads((out / "curation.json").read_text())["status"] == "running"
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    monkeypatch.setattr(Destination, "place_image", original)
    with pytest.raises(ModisteError, match="--overwrite"):
        _run(src, out)
    assert _run(src, out, overwrite=True).kept == 4


def test_permission_denied_file_is_unreadable(src, tmp_path, monkeypatch):
    from modiste.data.curate.source import Catalogue

    read = Catalogue.read

    def guarded(self, relative):
        if relative == "a/clean_3.jpg":
            raise PermissionError(13, "Permission denied")
        return read(self, relative)

    monkeypatch.setattr(Catalogue, "read", guarded)  # chmod 000 does not stop root, which CI may be
    _run(src, tmp_path / "out")
    row = _rows(tmp_path / "out" / "decisions.csv")["a/clean_3.jpg"]
    assert row["reasons"] == "unreadable" and row["error"] == "permission denied"


def test_bad_paths_raise_one_line_errors(src, tmp_path):
    bad = [
        (tmp_path / "missing", tmp_path / "o1", "does not exist"),
        (src / "a" / "clean_0.jpg", tmp_path / "o2", "is a file, not a folder"),
        (src, src / "curated", "inside the source folder"),
        (tmp_path / "empty_src", tmp_path / "o3", "no images found"),
    ]
    (tmp_path / "empty_src").mkdir()
    (tmp_path / "busy_out").mkdir()
    (tmp_path / "busy_out" / "thesis.docx").write_text("keep me")
    bad.append((src, tmp_path / "busy_out", "not empty"))
    for source, out, message in bad:
        with pytest.raises(ModisteError, match=message) as error:
            _run(source, out)
        assert "\n" not in str(error.value) and ":" in str(error.value)
    assert (tmp_path / "busy_out" / "thesis.docx").read_text() == "keep me"
    with pytest.raises(ModisteError, match="--max-aspect"):
        CurationConfig(max_aspect=0.5)
