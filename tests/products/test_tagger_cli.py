"""`modiste tagger train | eval | predict` end to end on a small labelled folder, and its bad input."""

from __future__ import annotations

import csv
import json
import os

import numpy as np
import pytest

from cli_runner import run_modiste
from modiste.products.tagger.model import META_FILE
from modiste.products.tagger.train import TaggerConfig, train_tagger



def cli(args: list[str]) -> int:
    return run_modiste(*args)


def test_train_and_eval(labelled_folder, fake_features, tmp_path, capsys):
    folder, labels = labelled_folder
    out = tmp_path / "tagger"
    cfg = TaggerConfig(data=str(folder), labels=str(labels), attributes=["articleType", "baseColour", "gender"],
                       min_count=5, holdout=0.25, val=0.2)
    result = train_tagger(cfg, out=out, progress=False)
    assert (out / META_FILE).is_file() and (out / "split.json").is_file()
    split = json.loads((out / "split.json").read_text())
    assert len(split["holdout"]) == 18 and not set(split["holdout"]) & set(split["train"])
    for head in result.report["heads"].values():
        assert head["val_accuracy"] == 1.0  # pixels separate plain swatches perfectly
    from modiste.products.tagger.evaluate import evaluate_tagger

    results, data = evaluate_tagger(out, progress=False)
    assert results["articleType"].accuracy == 1.0 and results["articleType"].macro_f1 == 1.0
    assert results["articleType"].confusion.trace() == 18


def test_cli_train_eval(labelled_folder, fake_features, tmp_path, capsys):
    folder, labels = labelled_folder
    out = tmp_path / "t"
    assert cli(["tagger", "train", "--data", str(folder), "--labels", str(labels), "--attributes",
                "articleType,baseColour", "--min-count", "5", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "articleType: 3 classes" in printed
    assert cli(["tagger", "eval", "--tagger", str(out), "--quiet"]) == 0
    summary = json.loads((out / "eval" / "eval.json").read_text())
    assert summary["baseColour"]["accuracy"] == 1.0
    assert (out / "eval" / "confusion_articleType.png").is_file()
    page = (out / "eval" / "report.html").read_text()
    assert "articleType" in page and "http" not in page
    again = ["tagger", "train", "--data", str(folder), "--labels", str(labels), "--attributes", "articleType",
             "--min-count", "5", "--out", str(out), "--quiet"]
    err = _error(again, capsys)  # the tagger and its evaluation are kept
    assert "already holds a tagger (tagger.json): pick a new --out, or pass --overwrite" in err
    assert (out / "eval" / "eval.json").is_file() and "baseColour" in (out / META_FILE).read_text()
    assert cli(again + ["--overwrite"]) == 0
    assert not (out / "eval").exists()  # the evaluation of the replaced tagger went with it
    assert "baseColour" not in (out / META_FILE).read_text()


@pytest.mark.skipif(not os.path.isdir("/proc/self"), reason="needs Linux's /proc, where no file can be created")
def test_every_output_that_cannot_be_written_is_one_line_before_any_work(labelled_folder, tiny_tagger, tmp_path,
                                                                        capsys):
    folder, labels = labelled_folder
    train = ["tagger", "train", "--data", str(folder), "--labels", str(labels), "--attributes", "articleType"]
    predict = ["tagger", "predict", str(folder / "0000.png"), "--tagger", str(tiny_tagger)]
    evaluate = ["tagger", "eval", "--tagger", str(tiny_tagger)]
    for args, named in ((train + ["--out", "/proc/modiste-t"], "/proc/modiste-t"),
                        (predict + ["--out", "/proc/modiste.csv"], "/proc/modiste.csv"),
                        (evaluate + ["--out", "/proc/modiste-eval"], "/proc/modiste-eval")):
        err = _error(args, capsys)
        assert f"--out '{named}': cannot write in '/proc'" in err, err
    for args in (train + ["--out", ""], evaluate + ["--out", " "]):
        assert "--out is empty: name a folder" in _error(args, capsys)
    assert "--out is empty: name a file, e.g. --out tags.csv" in _error(predict + ["--out", ""], capsys)


def _error(args, capsys) -> str:
    assert cli(args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and "\n" not in err
    return err


def test_missing_attribute_lists_columns(labelled_folder, fake_features, tmp_path, capsys):
    folder, labels = labelled_folder
    err = _error(["tagger", "train", "--data", str(folder), "--labels", str(labels), "--attributes",
                  "articleType,season", "--out", str(tmp_path / "t")], capsys)
    assert "season" in err and "articleType, baseColour, gender, usage" in err
    assert not (tmp_path / "t").exists()


def test_single_class_attribute(labelled_folder, fake_features, tmp_path, capsys):
    folder, labels = labelled_folder
    err = _error(["tagger", "train", "--data", str(folder), "--labels", str(labels), "--attributes", "usage",
                  "--out", str(tmp_path / "t")], capsys)
    assert "single class" in err and "Casual" in err
    assert not (tmp_path / "t").exists()


def test_images_without_labels(labelled_folder, fake_features, tmp_path, capsys):
    folder, labels = labelled_folder
    rows = list(csv.DictReader(open(labels)))
    with open(labels, "w", newline="") as f:  # forget the first 3 images
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows[3:])
    args = ["tagger", "train", "--data", str(folder), "--labels", str(labels), "--attributes", "articleType",
            "--min-count", "5", "--out", str(tmp_path / "t"), "--quiet"]
    err = _error(args, capsys)
    assert "3 image(s) have no labels" in err and "--drop-unlabelled" in err
    assert cli(args + ["--drop-unlabelled"]) == 0
    assert json.loads((tmp_path / "t" / "train_report.json").read_text())["images"] == len(rows) - 3


def test_tagger_from_another_backbone_is_refused(labelled_folder, fake_features, tmp_path, capsys):
    folder, labels = labelled_folder
    out = tmp_path / "t"
    train_tagger(TaggerConfig(data=str(folder), labels=str(labels), attributes=["articleType"], min_count=5),
                 out=out, progress=False)
    meta = json.loads((out / META_FILE).read_text())
    meta["backbone"]["weights_sha256"] = "0" * 64
    (out / META_FILE).write_text(json.dumps(meta))
    err = _error(["tagger", "predict", str(folder / "0000.png"), "--tagger", str(out)], capsys)
    assert "another backbone" in err and "retrain" in err
    for text, message in (("{}", 'no "format" field'), ("[1, 2]", 'no "format" field'),
                          ('{"format": "modiste-tagger", "version": 99}', "holds format 'modiste-tagger' v99")):
        (out / META_FILE).write_text(text)
        assert message in _error(["tagger", "predict", str(folder / "0000.png"), "--tagger", str(out)], capsys)


def test_predict_real_photos_and_generated_seeds(tiny_tagger, tiny_run, shared_data, tmp_path, capsys):
    photos = shared_data / "fashion-products-224" / "images"
    out = tmp_path / "tags.csv"
    assert cli(["tagger", "predict", str(photos / "10000.jpg"), str(photos / "10001.jpg"), "--tagger",
                str(tiny_tagger), "--out", str(out)]) == 0
    rows = list(csv.DictReader(open(out)))
    assert [r["image"] for r in rows] == [str(photos / "10000.jpg"), str(photos / "10001.jpg")]
    assert set(rows[0]) >= {"articleType", "articleType_confidence", "baseColour", "rule_colour", "rule_hex"}
    assert rows[0]["rule_base_colour"] == "White" and rows[1]["rule_base_colour"] == "Blue"  # labels: White, Blue
    for r in rows:
        assert 0.0 <= float(r["articleType_confidence"]) <= 1.0
    out = tmp_path / "gen.jsonl"
    assert cli(["tagger", "predict", "--checkpoint", str(tiny_run), "--seeds", "0-1", "--class", "Dresses",
                "--tagger", str(tiny_tagger), "--out", str(out), "--no-colour"]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [r["image"] for r in lines] == ["seed0000", "seed0001"] and "rule_colour" not in lines[0]


def test_predict_needs_paths_or_checkpoint(tiny_tagger, capsys):
    err = _error(["tagger", "predict", "--tagger", str(tiny_tagger)], capsys)
    assert "PATHS" in err
    err = _error(["tagger", "predict", "x.png", "--tagger", str(tiny_tagger), "--out", "tags.txt"], capsys)
    assert ".csv or .jsonl" in err


def test_predict_refuses_flags_that_do_not_apply_and_too_many_seeds(tiny_tagger, tiny_run, shared_data, capsys):
    photo = str(shared_data / "fashion-products-224" / "images" / "10000.jpg")
    for flags, named in ((["--seeds", "0-1"], "--seeds does"), (["--class", "Dresses"], "--class does"),
                         (["--truncation", "0.5", "--seeds", "1"], "--seeds and --truncation do")):
        err = _error(["tagger", "predict", photo, "--tagger", str(tiny_tagger), *flags], capsys)
        assert f"{named} not apply to image PATHS (only to --checkpoint G --seeds S): leave" in err, err
    err = _error(["tagger", "predict", "--checkpoint", str(tiny_run), "--seeds", "0-99999999999", "--tagger",
                  str(tiny_tagger)], capsys)  # refused before a single image is made
    assert "names 100000000000 seeds: use at most 100000 per run" in err


def test_predict_tags_a_photo_named_twice_once(tiny_tagger, shared_data, tmp_path, capsys):
    folder = tmp_path / "photos"
    folder.mkdir()
    (folder / "a.jpg").write_bytes((shared_data / "fashion-products-224" / "images" / "10000.jpg").read_bytes())
    out = tmp_path / "tags.csv"
    assert cli(["tagger", "predict", str(folder / "a.jpg"), str(folder), str(folder / ".." / "photos" / "a.jpg"),
                "--tagger", str(tiny_tagger), "--out", str(out), "--no-colour"]) == 0
    assert [r["image"] for r in csv.DictReader(open(out))] == [str(folder / "a.jpg")]


def test_predict_warns_when_generated_images_are_smaller_than_the_training_photos(tiny_tagger, tiny_run, tmp_path,
                                                                                 capsys):
    import shutil

    tagger = tmp_path / "full-size-tagger"
    shutil.copytree(tiny_tagger, tagger)
    meta = json.loads((tagger / META_FILE).read_text())
    meta["info"] = {"resolution": None, "aspect": None}  # trained on photos at their own size
    (tagger / META_FILE).write_text(json.dumps(meta))
    assert cli(["tagger", "predict", "--checkpoint", str(tiny_run), "--seeds", "0", "--class", "Dresses",
                "--tagger", str(tagger), "--no-colour"]) == 0
    err = capsys.readouterr().err
    assert "warning: the tagger learned from photos at their own size, these images are 16x24" in err


def test_unknown_device_is_refused_by_every_tagger_command(tiny_tagger, capsys):
    for args in (["predict", "x.png", "--tagger", str(tiny_tagger)], ["train", "--data", "d", "--out", "o"]):
        status = cli(["tagger", *args, "--device", "tpu"])
        err = capsys.readouterr().err
        assert status == 2 and "'tpu' is not a device: use auto, cpu, cuda or cuda:N" in err, err


def test_colour_features_are_appended_and_used_at_prediction(labelled_folder, fake_features, tiny_tagger, tmp_path):
    from modiste.products.tagger.colour_features import DIM, HIST_DIM, colour_features
    from modiste.products.tagger.model import load_tagger
    from modiste.products.tagging import ImageTagger, read_image

    folder, labels = labelled_folder
    cfg = TaggerConfig(data=str(folder), labels=str(labels), attributes=["baseColour"], min_count=5,
                       colour_features=True, cache_dir=str(tmp_path / "cache"))
    result = train_tagger(cfg, out=tmp_path / "t", progress=False)
    assert result.tagger.heads["baseColour"].mean.numel() == 2048 + DIM
    assert list((tmp_path / "cache").glob("colour-*.safetensors"))  # cached beside the features
    loaded = load_tagger(tmp_path / "t")
    assert loaded.backbone["colour_features"] == "colour-v2"
    image = read_image(folder / "0000.png")
    feats = ImageTagger(loaded).features(image.unsqueeze(0))
    assert feats.shape == (1, 2048 + DIM)
    # the appended part is the garment colour vector: a plain red square has all its pixels in one bin
    colour = colour_features(image.permute(1, 2, 0).numpy())
    assert np.allclose(feats[0, 2048:].numpy(), colour)
    hist = colour[:HIST_DIM]
    assert np.isclose((hist ** 2).sum(), 1.0) and (hist > 0).sum() <= 2


def test_head_options_give_one_head_a_pca_projection(labelled_folder, fake_features, tmp_path, capsys):
    from modiste.products.tagger.colour_features import DIM
    from modiste.products.tagger.model import load_tagger

    folder, labels = labelled_folder
    args = ["tagger", "train", "--data", str(folder), "--labels", str(labels), "--attributes",
            "articleType,baseColour", "--min-count", "5", "--colour-features", "--cache-dir", str(tmp_path / "c"),
            "--out", str(tmp_path / "t"), "--quiet"]
    assert cli(args + ["--head-options", "baseColour:hidden=0,class_weight=none,pca_dims=4"]) == 0
    tagger = load_tagger(tmp_path / "t")
    assert tagger.specs["baseColour"].pca_dims == 4 and tagger.specs["articleType"].pca_dims == 0
    assert tagger.heads["baseColour"].mean.numel() == 4 + DIM  # 2048 Inception dims -> 4 components
    assert tagger.heads["articleType"].mean.numel() == 2048 + DIM
    report = json.loads((tmp_path / "t" / "train_report.json").read_text())
    assert report["heads"]["baseColour"]["options"]["class_weight"] == "none"
    assert tagger.info["resolution"] is None and tagger.info["aspect"] is None  # read at native size
    err = _error(args + ["--head-options", "gender:hidden=0"], capsys)
    assert "'gender', which is not among --attributes (articleType, baseColour)" in err


def test_train_warns_about_a_head_that_abstains_on_every_image(labelled_folder, fake_features, tmp_path, capsys,
                                                                monkeypatch):
    import modiste.products.tagger.train as train_module

    real = train_module.train_tagger

    def hopeless(*args, **kwargs):  # what 9 photos of 3 classes gave: no threshold reaches the precision
        result = real(*args, **kwargs)
        result.report["heads"]["articleType"]["abstain_threshold"] = 1.0
        return result

    monkeypatch.setattr(train_module, "train_tagger", hopeless)
    folder, labels = labelled_folder
    assert cli(["tagger", "train", "--data", str(folder), "--labels", str(labels), "--attributes", "articleType",
                "--min-count", "5", "--out", str(tmp_path / "t"), "--quiet"]) == 0
    assert "(warning: it abstains on every image: add data or lower --target-precision)" in capsys.readouterr().out
