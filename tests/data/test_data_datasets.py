import json
import zipfile

import numpy as np
import pytest
from PIL import Image

from modiste.data import open_image_dataset
from modiste.data.fashion_mnist import CLASS_NAMES, load_split
from modiste.errors import ModisteError

from data_test_images import noise_image, write_images


def test_folder_native_size_pixels_and_name(tmp_path):
    paths = write_images(tmp_path / "catalogue" / "images", 6)
    ds = open_image_dataset(tmp_path / "catalogue" / "images")
    assert len(ds) == 6 and (ds.num_channels, ds.height, ds.width) == (3, 30, 40)
    assert ds.class_names == [] and ds.num_classes == 0 and ds.name == "catalogue"
    image, label = ds[0]
    assert image.dtype.is_floating_point is False and tuple(image.shape) == (3, 30, 40)
    assert np.array_equal(image.permute(1, 2, 0).numpy(), np.asarray(Image.open(paths[0])))
    assert int(label) == 0


def test_folder_labels_and_grey_channels(tmp_path):
    for i, cls in enumerate(["tops", "shoes", "tops"]):
        (tmp_path / cls).mkdir(exist_ok=True)
        noise_image(16, 16, seed=i, mode="L").save(tmp_path / cls / f"{i}.png")
    ds = open_image_dataset(tmp_path, label_field="folder")
    assert ds.num_channels == 1 and ds.class_names == ["shoes", "tops"]
    assert [int(ds[i][1]) for i in range(3)] == [0, 1, 1]  # shoes/1.png, tops/0.png, tops/2.png
    assert open_image_dataset(tmp_path, channels=3)[0][0].shape[0] == 3


def test_mixed_sizes_need_a_resolution(tmp_path):
    noise_image(20, 20, 0).save(tmp_path / "a.png")
    noise_image(30, 20, 1).save(tmp_path / "b.png")
    with pytest.raises(ModisteError, match="2 different sizes.*--resolution"):
        open_image_dataset(tmp_path)
    ds = open_image_dataset(tmp_path, resolution=16, aspect=(2, 3), mode="crop")
    assert ds[1][0].shape == (3, 24, 16)


def test_unreadable_files_are_skipped_and_counted(tmp_path):
    write_images(tmp_path, 3)
    (tmp_path / "tops" / "broken.jpg").write_bytes(b"not an image at all")
    with pytest.warns(UserWarning, match="skipping 1 unreadable"):
        ds = open_image_dataset(tmp_path)
    assert len(ds) == 3 and ds.num_skipped == 1


def test_truncated_file_is_substituted_at_load_time(tmp_path):
    write_images(tmp_path, 4, ext="jpg")
    victim = sorted(tmp_path.rglob("*.jpg"))[0]
    data = victim.read_bytes()
    victim.write_bytes(data[: len(data) // 2])  # header intact, pixels cut off
    ds = open_image_dataset(tmp_path)
    assert len(ds) == 4
    with pytest.warns(UserWarning, match="skipping unreadable image"):
        image, _ = ds[0]
    assert image.shape == (3, 30, 40)


def test_bad_paths_raise_one_line(tmp_path):
    with pytest.raises(ModisteError, match="does not exist"):
        open_image_dataset(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModisteError, match="has no images"):
        open_image_dataset(tmp_path / "empty")
    with pytest.raises(ModisteError, match="unknown mode"):
        open_image_dataset(tmp_path, mode="stretch")


def test_zip_matches_folder(tmp_path):
    write_images(tmp_path / "src", 5)
    with zipfile.ZipFile(tmp_path / "cat.zip", "w") as zf:
        for p in sorted((tmp_path / "src").rglob("*.png")):
            zf.write(p, p.relative_to(tmp_path / "src").as_posix())
    a = open_image_dataset(tmp_path / "src", resolution=32, label_field="folder")
    b = open_image_dataset(tmp_path / "cat.zip", resolution=32, label_field="folder")
    assert len(a) == len(b) == 5 and a.class_names == b.class_names and b.name == "cat"
    for i in range(5):
        assert np.array_equal(a[i][0], b[i][0]) and a[i][1] == b[i][1]


def _labelled_folder(tmp_path):
    tmp_path.mkdir()
    for i in range(4):
        noise_image(8, 8, i).save(tmp_path / f"p{i}.png")
    return tmp_path


def test_labels_csv_json_and_stylegan(tmp_path):
    folder = _labelled_folder(tmp_path / "imgs")
    csv = tmp_path / "labels.csv"
    csv.write_text("filename,colour,type\np0.png,Red,Dress\np1.png,Blue,Top\np2.png,Red,Top\np3.png,Blue,Dress\n")
    ds = open_image_dataset(folder, labels=csv, label_field="type")
    assert ds.class_names == ["Dress", "Top"] and [int(ds[i][1]) for i in range(4)] == [0, 1, 1, 0]
    with pytest.raises(ModisteError, match="pick one with --label-field"):
        open_image_dataset(folder, labels=csv)
    with pytest.raises(ModisteError, match="no attribute 'size'"):
        open_image_dataset(folder, labels=csv, label_field="size")
    js = tmp_path / "labels.json"
    js.write_text(json.dumps({f"p{i}.png": {"colour": c} for i, c in enumerate("RBRB")}))
    assert open_image_dataset(folder, labels=js, label_field="colour").class_names == ["B", "R"]
    sg = tmp_path / "dataset.json"
    sg.write_text(json.dumps({"labels": [[f"p{i}.png", i % 2 * 10] for i in range(4)]}))
    ds = open_image_dataset(folder, labels=sg)
    assert ds.class_names == ["0", "10"] and int(ds[1][1]) == 1


def test_labels_naming_unknown_files_or_missing_images(tmp_path):
    folder = _labelled_folder(tmp_path / "imgs")
    csv = tmp_path / "labels.csv"
    csv.write_text("filename,type\np0.png,A\np1.png,B\nghost.png,A\n")
    with pytest.raises(ModisteError, match="names 1 image.*ghost.png"):
        open_image_dataset(folder, labels=csv, label_field="type")
    csv.write_text("filename,type\np0.png,A\np1.png,B\n")
    with pytest.raises(ModisteError, match="2 image.*no label.*--drop-unlabelled"):
        open_image_dataset(folder, labels=csv, label_field="type")
    with pytest.warns(UserWarning, match="dropping 2"):
        ds = open_image_dataset(folder, labels=csv, label_field="type", drop_unlabelled=True)
    assert len(ds) == 2 and ds.class_names == ["A", "B"]


def test_real_catalogue_labels(shared_data):
    root = shared_data / "fashion-products-224"
    ds = open_image_dataset(root / "images", labels=root / "labels.csv", label_field="articleType", max_images=40)
    assert len(ds) == 40 and ds.shape == (3, 224, 224) and ds.name == "fashion-products-224"
    rows = {l.split(",")[0]: l.split(",")[5] for l in (root / "labels.csv").read_text().splitlines()[1:]}
    for i in range(0, 40, 13):
        name = ds.item_name(i)
        assert ds.class_names[int(ds.labels[i])] == rows[name]
    assert len(set(ds.class_names)) == len(ds.class_names) and ds.class_names == sorted(ds.class_names)


def test_fashion_mnist_pixels_labels_and_resize(shared_data):
    folder = shared_data / "fashion-mnist"
    images, labels = load_split(folder, "test")
    ds = open_image_dataset(folder, split="test", max_images=100)
    assert ds.class_names == CLASS_NAMES and ds.shape == (1, 28, 28) and ds.name == "fashion-mnist-test"
    # max_images takes a seeded random subset, kept in file order
    subset = np.sort(np.random.default_rng(0).choice(10000, 100, replace=False))
    for i in (0, 57, 99):
        image, label = ds[i]
        assert np.array_equal(image[0].numpy(), images[subset[i]]) and int(label) == labels[subset[i]]
    big = open_image_dataset(folder, resolution=32, max_images=10)
    assert big[0][0].shape == (1, 32, 32)
    assert big[0][0][0, 0, 0] <= 2  # black background stays black after the resize


def test_labels_keyed_by_id_match_file_stems(tmp_path):
    folder = _labelled_folder(tmp_path / "imgs")
    csv = tmp_path / "styles.csv"
    csv.write_text("id,season\np0,Summer\np1,Winter\np2,Summer\np3,Fall\n")
    ds = open_image_dataset(folder, labels=csv, label_field="season")
    assert ds.class_names == ["Fall", "Summer", "Winter"] and [int(ds[i][1]) for i in range(4)] == [1, 2, 1, 0]
