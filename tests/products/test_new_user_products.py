"""Bad input a new user of `modiste product` / `modiste tagger predict` tried: one `error:` line, status 2,
nothing written (found by trying the commands on the real runs)."""

from __future__ import annotations

import shutil

import pytest

from cli_runner import run_modiste
from modiste.errors import ModisteError
from modiste.gan.generate import MAX_SEED
from modiste.products.generation import check_seeds



def cli(args: list[str]) -> int:
    return run_modiste(*args)


def test_check_seeds_bounds_and_repeats():
    assert MAX_SEED == 4294967295  # numpy RandomState's largest seed
    assert check_seeds([0, 7, MAX_SEED]) == [0, 7, MAX_SEED]
    with pytest.raises(ModisteError, match="seed 4294967296 is out of range"):
        check_seeds([1, MAX_SEED + 1])
    with pytest.raises(ModisteError, match="seed 3 is repeated"):
        check_seeds([3, 4, 3])


@pytest.mark.parametrize("seeds, message", [("99999999999", "out of range"), ("3,3", "seed 3 is repeated")])
def test_product_bad_seeds_refused_before_anything(tiny_run, tiny_tagger, tiny_text_model, tmp_path, capsys,
                                                   seeds, message):
    out = tmp_path / "products"
    status = cli(["product", "--generator", str(tiny_run), "--tagger", str(tiny_tagger), "--text-model",
                  str(tiny_text_model), "--seeds", seeds, "--class", "Dresses", "--outdir", str(out)])
    err = capsys.readouterr().err
    assert status == 2 and message in err and "Traceback" not in err
    assert not out.exists()


def test_product_outdir_that_is_a_file(tiny_run, tiny_tagger, tiny_text_model, tmp_path, capsys):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    for outdir in (blocker, blocker / "sub"):
        status = cli(["product", "--generator", str(tiny_run), "--tagger", str(tiny_tagger), "--text-model",
                      str(tiny_text_model), "--seeds", "1", "--class", "Dresses", "--outdir", str(outdir)])
        err = capsys.readouterr().err
        assert status == 2 and "is a file" in err and "Traceback" not in err
    assert blocker.read_text() == "x"


def test_tagger_predict_seed_out_of_range(tiny_run, tiny_tagger, tmp_path, capsys):
    status = cli(["tagger", "predict", "--checkpoint", str(tiny_run), "--seeds", "4294967296", "--class", "Dresses",
                  "--tagger", str(tiny_tagger)])
    err = capsys.readouterr().err
    assert status == 2 and "out of range" in err and "Traceback" not in err


def test_tagger_with_truncated_weights_is_refused(tiny_tagger, tmp_path, capsys):
    damaged = tmp_path / "tagger"
    shutil.copytree(tiny_tagger, damaged)
    weights = damaged / "tagger.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])
    photo = tmp_path / "p.png"
    from PIL import Image

    Image.new("RGB", (32, 48), (200, 30, 40)).save(photo)
    status = cli(["tagger", "predict", str(photo), "--tagger", str(damaged)])
    err = capsys.readouterr().err
    assert status == 2 and "is damaged" in err and "Traceback" not in err


def test_tagger_predict_out_that_cannot_be_written(tiny_tagger, tmp_path, capsys):
    from PIL import Image

    photo = tmp_path / "p.png"
    Image.new("RGB", (32, 48), (200, 30, 40)).save(photo)
    (tmp_path / "adir.csv").mkdir()
    (tmp_path / "afile").write_text("x")
    for out, message in ((tmp_path / "adir.csv", "is a folder"), (tmp_path / "afile" / "t.csv", "is a file")):
        status = cli(["tagger", "predict", str(photo), "--tagger", str(tiny_tagger), "--out", str(out)])
        err = capsys.readouterr().err
        assert status == 2 and message in err and "Traceback" not in err
    assert (tmp_path / "afile").read_text() == "x" and not any((tmp_path / "adir.csv").iterdir())


@pytest.mark.parametrize("option, value, message", [("--max-new-tokens", "0", "at least 1 token"),
                                                    ("--text-top-p", "2", "(0, 1]"),
                                                    ("--text-temperature", "-1", "greedy")])
def test_product_bad_text_sampling_refused(tiny_run, tiny_tagger, tiny_text_model, tmp_path, capsys,
                                           option, value, message):
    out = tmp_path / "products"
    status = cli(["product", "--generator", str(tiny_run), "--tagger", str(tiny_tagger), "--text-model",
                  str(tiny_text_model), "--seeds", "1", "--class", "Dresses", option, value, "--outdir", str(out)])
    err = capsys.readouterr().err
    assert status == 2 and message in err and "Traceback" not in err
    assert not out.exists()


@pytest.mark.parametrize("changes, message", [
    ({"hidden": -1}, "--hidden -1"), ({"hidden": 8, "epochs": 0}, "--epochs 0"), ({"l2": -1.0}, "--l2 -1.0"),
    ({"target_precision": 2.0}, "--target-precision 2.0"), ({"min_count": 0}, "--min-count 0"),
    ({"holdout": 0.0}, "--holdout 0.0")])
def test_tagger_train_bad_settings_refused_before_features(labelled_folder, tmp_path, changes, message):
    from modiste.products.tagger.train import TaggerConfig, train_tagger

    folder, labels = labelled_folder
    cfg = TaggerConfig(data=str(folder), labels=str(labels), attributes=["articleType"], **{"min_count": 5, **changes})
    # no fake_features: reaching feature extraction would run Inception (slow), so the refusal comes first
    with pytest.raises(ModisteError, match=message.replace(".", r"\.").replace("-", r"\-")):
        train_tagger(cfg, out=tmp_path / "tagger", progress=False)
    assert not (tmp_path / "tagger").exists()


def test_tagger_train_out_that_is_a_file(labelled_folder, tmp_path, capsys):
    folder, labels = labelled_folder
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    status = cli(["tagger", "train", "--data", str(folder), "--labels", str(labels), "--attributes", "articleType",
                  "--min-count", "5", "--out", str(blocker)])
    err = capsys.readouterr().err
    assert status == 2 and "is a file" in err and "Traceback" not in err and blocker.read_text() == "x"


def test_blocking_file(tmp_path):
    from modiste.products.outputs import blocking_file

    (tmp_path / "f").write_text("x")
    assert blocking_file(tmp_path / "f" / "a" / "b") == tmp_path / "f"
    assert blocking_file(tmp_path / "new" / "a") is None and blocking_file(tmp_path) is None


def test_tagger_eval_damaged_split_and_out_file(tiny_tagger, tmp_path, capsys):
    tagger = tmp_path / "tagger"
    shutil.copytree(tiny_tagger, tagger)
    (tagger / "split.json").write_text('{"x": 1}')
    assert cli(["tagger", "eval", "--tagger", str(tagger)]) == 2
    err = capsys.readouterr().err
    assert "no readable split.json" in err and "Traceback" not in err
    (tmp_path / "afile").write_text("x")
    assert cli(["tagger", "eval", "--tagger", str(tagger), "--out", str(tmp_path / "afile")]) == 2
    err = capsys.readouterr().err
    assert "is a file" in err and "Traceback" not in err and (tmp_path / "afile").read_text() == "x"


def test_photo_file_name_becomes_a_url_safe_handle(tiny_tagger, tiny_text_model, tmp_path, capsys):
    import json
    import unicodedata

    from PIL import Image

    name = unicodedata.normalize("NFD", "Café <b> 2")  # as macOS writes accented file names
    Image.new("RGB", (32, 48), (200, 30, 40)).save(tmp_path / f"{name}.png")
    out = tmp_path / "products"
    assert cli(["product", "--tagger", str(tiny_tagger), "--text-model", str(tiny_text_model), "--image",
                str(tmp_path / f"{name}.png"), "--outdir", str(out), "--quiet"]) == 0
    record = json.loads((out / "products.jsonl").read_text().splitlines()[0])
    assert record["handle"] == "caf\u00e9-b-2"  # NFC, lowercase, '<', '>' and spaces folded to '-'
    assert [p.name for p in (out / "images").iterdir()] == ["caf\u00e9-b-2.png"]


def test_photos_whose_handles_collide_are_refused_first(tiny_tagger, tiny_text_model, tmp_path, capsys):
    from PIL import Image

    for name in ("a b.png", "A-b.png"):
        Image.new("RGB", (32, 48), (200, 30, 40)).save(tmp_path / name)
    out = tmp_path / "products"
    status = cli(["product", "--tagger", str(tiny_tagger), "--text-model", str(tiny_text_model), "--image",
                  str(tmp_path / "a b.png"), "--image", str(tmp_path / "A-b.png"), "--outdir", str(out)])
    err = capsys.readouterr().err
    assert status == 2 and "share the handle 'a-b'" in err and "Traceback" not in err and not out.exists()
