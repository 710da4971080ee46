"""Names match as a person reads them: NFC in a CSV and NFD on disk (macOS) are the same file."""

from __future__ import annotations

import io
import unicodedata

import numpy as np
import pytest
from PIL import Image

from modiste.data import open_image_dataset
from modiste.data.curate import CurationConfig, curate
from modiste.data.curate.metadata import filter_metadata
from modiste.data.prepare import prepare_dataset
from modiste.data.storage import name_key

ROBE = "robe_été.jpg"
NFC, NFD = unicodedata.normalize("NFC", ROBE), unicodedata.normalize("NFD", ROBE)


def _write_image(path, colour) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    a = np.full((32, 24, 3), 245, dtype=np.uint8)
    a[6:26, 5:19] = colour
    Image.fromarray(a).save(path, "PNG")


@pytest.fixture(params=[(NFD, NFC), (NFC, NFD)], ids=["disk-NFD-csv-NFC", "disk-NFC-csv-NFD"])
def catalogue(request, tmp_path):
    on_disk, in_csv = request.param
    folder = tmp_path / "shop"
    _write_image(folder / on_disk, (200, 30, 30))
    _write_image(folder / "jupe.jpg", (30, 30, 200))
    assert on_disk in [p.name for p in folder.iterdir()]  # the disk keeps the bytes it was given
    labels = tmp_path / "labels.csv"
    labels.write_text(f"filename,articleType\n{in_csv},Robes\njupe.jpg,Jupes\n", encoding="utf-8")
    return folder, labels, in_csv


def test_name_key_is_nfc():
    assert NFC != NFD and name_key(NFD) == name_key(NFC) == NFC


def test_labels_match_across_normal_forms(catalogue):
    folder, labels, _ = catalogue
    ds = open_image_dataset(str(folder), labels=str(labels), label_field="articleType")
    assert ds.class_names == ["Jupes", "Robes"]
    by_name = {name_key(ds.item_name(i)): int(ds.labels[i]) for i in range(len(ds))}
    assert by_name == {NFC: 1, "jupe.jpg": 0}


def test_json_labels_and_ids_match_across_normal_forms(catalogue, tmp_path):
    folder, _, in_csv = catalogue
    ids = tmp_path / "ids.csv"
    ids.write_text(f"id,articleType\n{in_csv[:-4]},Robes\njupe,Jupes\n", encoding="utf-8")
    ds = open_image_dataset(str(folder), labels=str(ids), label_field="articleType")
    assert sorted(ds.labels.tolist()) == [0, 1]
    as_json = tmp_path / "labels.json"
    as_json.write_text('{"%s": "Robes", "jupe.jpg": "Jupes"}' % in_csv, encoding="utf-8")
    assert open_image_dataset(str(folder), labels=str(as_json)).class_names == ["Jupes", "Robes"]


def test_prepared_dataset_keeps_the_labels(catalogue, tmp_path):
    folder, labels, _ = catalogue
    meta = prepare_dataset(str(folder), str(tmp_path / "prepared"), resolution=24, aspect="3:4",
                           labels=str(labels), label_field="articleType", workers=0)
    assert meta.class_names == ["Jupes", "Robes"]
    reopened = open_image_dataset(str(tmp_path / "prepared"))
    reds = [int(reopened.labels[i]) for i in range(len(reopened)) if reopened.load(i)[16, 12, 0] > 150]
    assert reds == [1]  # the red dress kept its class through the shards


def test_class_folders_in_either_form_are_one_class(tmp_path):
    _write_image(tmp_path / "shop" / unicodedata.normalize("NFD", "Été") / "a.png", (200, 0, 0))
    _write_image(tmp_path / "shop" / unicodedata.normalize("NFC", "Été") / "b.png", (0, 200, 0))
    ds = open_image_dataset(str(tmp_path / "shop"), label_field="folder")
    assert ds.class_names == [unicodedata.normalize("NFC", "Été")]


def test_curation_metadata_rows_follow_their_images(catalogue, tmp_path):
    folder, labels, _ = catalogue
    out = io.StringIO()
    kept = {p.name for p in folder.iterdir()}
    assert filter_metadata(str(labels), None, kept, out) == (2, 0)
    curate(str(folder), str(tmp_path / "curated"), CurationConfig(min_side=16), mode="manifest", workers=0,
           metadata=str(labels), progress=False)
    rows = (tmp_path / "curated" / "metadata.csv").read_text(encoding="utf-8").splitlines()
    assert len(rows) == 3 and any("Robes" in r for r in rows)


def test_folder_order_does_not_depend_on_the_normal_form(tmp_path):
    """'é' composed sorts after 'f', decomposed ('e' + accent) before it: order by the NFC name."""
    orders = []
    for form in ("NFC", "NFD"):
        folder = tmp_path / form
        for name in ("été.png", "fa.png", "ez.png"):
            _write_image(folder / unicodedata.normalize(form, name), (10, 10, 10))
        ds = open_image_dataset(str(folder))
        orders.append([name_key(ds.item_name(i)) for i in range(len(ds))])
    assert orders[0] == orders[1] == ["ez.png", "fa.png", "été.png"]
