"""`modiste product` against bad input and lost work: one `error:` line and nothing written for a bad
flag, file or --outdir; an interrupted run keeps its finished products in products.jsonl.partial."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image

from cli_runner import run_modiste
from modiste.products.export.jsonl import read_jsonl

# refused before any model is loaded, so the model paths need not exist
NO_MODELS = ["--tagger", "no-tagger", "--text-model", "no-text-model"]


def refused(args: list[str], capsys) -> str:
    """The error line of a `modiste product` call that must exit with status 2."""
    status = run_modiste("product", *args)
    err = capsys.readouterr().err.strip()
    assert status == 2, err
    assert err.startswith("error: ") and "\n" not in err and "Traceback" not in err, err
    return err


def photos(folder: Path, names: tuple[str, ...] = ("red", "navy")) -> list[str]:
    folder.mkdir(parents=True, exist_ok=True)
    colours = {"red": (200, 30, 40), "navy": (25, 35, 75), "black": (20, 20, 20)}
    for name in names:
        Image.new("RGB", (32, 48), colours[name]).save(folder / f"{name}.png")
    return [str(folder / f"{name}.png") for name in names]


@pytest.mark.parametrize("option, value, message", [
    ("--n", "0", "--n 0: ask for 1 to 100000 products per run"),
    ("--n", "-3", "--n -3: ask for 1 to 100000 products per run"),
    ("--n", "100001", "--n 100001: ask for 1 to 100000 products per run"),
    ("--seeds", "a-b", "bad seed list 'a-b': use ranges and numbers like 0-63 or 1,5,9"),
    ("--seeds", "", "bad seed list '': use ranges and numbers like 0-63 or 1,5,9"),
    ("--seeds", "1,,2", "bad seed list '1,,2': use ranges and numbers like 0-63 or 1,5,9"),
    ("--seeds", "-1", "bad seed list '-1': use ranges and numbers like 0-63 or 1,5,9"),
    ("--seeds", "5-2", "bad seed range '5-2': the end must not be below the start, e.g. 2-5"),
    ("--seeds", "0-4294967295", "seed list '0-4294967295' names 4294967296 seeds: use at most 100000 per run"),
    ("--seeds", "4294967296", "seed 4294967296 is out of range"),
    ("--truncation", "nan", "--truncation must be a finite number (1 = none, 0.5-0.8 usual), got nan"),
    ("--truncation", "inf", "--truncation must be a finite number (1 = none, 0.5-0.8 usual), got inf"),
    ("--truncation", "-inf", "--truncation must be a finite number (1 = none, 0.5-0.8 usual), got -inf"),
    ("--text-temperature", "-0.5", "--text-temperature -0.5: use 0 (greedy) or a positive finite temperature"),
    ("--text-temperature", "nan", "--text-temperature nan: use 0 (greedy) or a positive finite temperature"),
    ("--text-temperature", "inf", "--text-temperature inf: use 0 (greedy) or a positive finite temperature"),
    ("--text-top-p", "0", "--text-top-p 0.0: nucleus sampling keeps a probability mass in (0, 1]"),
    ("--text-top-p", "1.5", "--text-top-p 1.5: nucleus sampling keeps a probability mass in (0, 1]"),
    ("--text-top-p", "nan", "--text-top-p nan: nucleus sampling keeps a probability mass in (0, 1]"),
    ("--max-new-tokens", "0", "--max-new-tokens 0: a description needs at least 1 token"),
    ("--max-new-tokens", "-5", "--max-new-tokens -5: a description needs at least 1 token"),
    ("--text-candidates", "0", "--text-candidates 0: sample 1 to 32 descriptions per product"),
    ("--text-candidates", "33", "--text-candidates 33: sample 1 to 32 descriptions per product"),
    ("--formats", "jsonl,csv", "unknown export format 'csv': use one or more of jsonl, html, shopify, comma-separated"),
    ("--formats", "", "--formats '' names no export: use one or more of jsonl, html, shopify, comma-separated"),
    ("--formats", " , ", "--formats ' , ' names no export"),
    ("--image-base-url", "cdn.example.com", "--image-base-url 'cdn.example.com' is not an absolute http(s) address"),
    ("--image-base-url", "ftp://cdn.example.com", "is not an absolute http(s) address"),
    ("--image-base-url", "https://x.com/?v=1", "without ?query or #fragment"),
    ("--image-base-url", "https://", "is not an absolute http(s) address"),
    ("--image-base-url", "https://host:99999/x", "has an invalid port or host name"),
    ("--image-base-url", "https://host:abc/x", "has an invalid port or host name"),
    ("--image-base-url", "https://exa mple.com/x", "has an invalid host name"),
    ("--image-base-url", "https://-bad-.com/x", "has an invalid host name"),
    ("--image-base-url", "https://cdn.example.com/x\ny", "holds a control character"),
    ("--image-base-url", "https://user:pw@cdn.example.com/x", "holds a user name or password"),
    ("--image-base-url", "https://cdn.example.com/x%zz", "has a broken %-escape"),
])
def test_bad_flag_is_one_line_before_anything(tmp_path, capsys, option, value, message):
    out = tmp_path / "products"
    err = refused(["--generator", "no-generator", *NO_MODELS, "--class", "Dresses", option, value,
                   "--outdir", str(out)], capsys)
    assert message in err
    assert not out.exists()


@pytest.mark.parametrize("outdir, message", [
    ("", "--outdir is empty: name a folder, e.g. --outdir out/"),
    ("  ", "--outdir is empty"),
    pytest.param("/proc/modiste-products", "--outdir '/proc/modiste-products': cannot write in '/proc'",
                 marks=pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux's /proc")),
])
def test_outdir_that_cannot_be_written_is_refused_before_the_models_load(outdir, message, capsys):
    assert message in refused(["--generator", "g", *NO_MODELS, "--outdir", outdir], capsys)


@pytest.mark.parametrize("flags, message", [
    (["--seeds", "1", "--n", "5"], "--n does not apply with --seeds (the seeds choose the products): leave it out"),
    (["--image", "x.png", "--n", "5"], "--n does not apply with --image (each photo is one product;"),
    (["--latents", "w.safetensors", "--seeds", "3", "--n", "2"], "--n and --seeds do not apply with --latents"),
    (["--image", "x.png", "--truncation", "0.5"], "--truncation does not apply with --image (each photo is one"),
    (["--image", "x.png", "--generator", "g"], "--generator does not apply with --image (the photos are the"),
    (["--latents", "w.safetensors", "--truncation-center", "global"], "--truncation-center does not apply with"),
])
def test_flags_that_would_be_ignored_are_refused(flags, message, tmp_path, capsys):
    generator = [] if "--image" in flags else ["--generator", "g"]  # photos need none
    assert message in refused([*generator, *NO_MODELS, *flags, "--outdir", str(tmp_path / "o")], capsys)


def test_confirm_category_without_a_text_taxonomy_is_refused(tmp_path, capsys):
    err = refused(["--generator", "g", *NO_MODELS, "--confirm-category", "--outdir", str(tmp_path / "o")], capsys)
    assert "--confirm-category needs --text-taxonomy" in err


def test_unknown_device_is_a_usage_error(tmp_path, capsys):
    status = run_modiste("product", "--generator", "g", *NO_MODELS, "--device", "gpu", "--outdir", str(tmp_path / "o"))
    err = capsys.readouterr().err
    assert status == 2 and "'gpu' is not a device: use auto, cpu, cuda or cuda:N" in err and "Traceback" not in err


@pytest.mark.skipif(__import__("torch").cuda.is_available(), reason="needs a machine without CUDA")
def test_cuda_without_a_gpu_is_one_line_before_the_models_load(tmp_path, capsys):
    err = refused(["--generator", "g", *NO_MODELS, "--device", "cuda", "--outdir", str(tmp_path / "o")], capsys)
    assert "no CUDA GPU is visible: use --device cpu" in err


@pytest.mark.parametrize("name, content, message", [
    ("missing.png", None, "missing.png' does not exist: pass image files or folders"),
    ("notes.png", b"not a picture", "notes.png' ("),
    ("empty.jpg", b"", "empty.jpg' ("),
])
def test_bad_image_is_one_line_before_the_models_load(tmp_path, capsys, name, content, message):
    bad = tmp_path / name
    if content is not None:
        bad.write_bytes(content)
    out = tmp_path / "products"
    err = refused([*NO_MODELS, "--image", photos(tmp_path / "photos")[0], "--image", str(bad), "--outdir", str(out)],
                  capsys)
    assert message in err
    assert content is None or (err.startswith("error: cannot read image")
                               and err.endswith("pass a .jpg/.png/.webp file"))
    assert not out.exists()


def test_bad_latents_are_one_line_before_the_models_load(tmp_path, capsys):
    out = tmp_path / "products"
    base = ["--generator", "no-generator", *NO_MODELS, "--outdir", str(out)]
    err = refused([*base, "--latents", str(tmp_path / "missing.safetensors")], capsys)
    assert "missing.safetensors" in err and "not found" in err
    (tmp_path / "bad.safetensors").write_bytes(b"\x00" * 20)
    (tmp_path / "bad.json").write_text('{"format": "modiste-latents/1"}')
    err = refused([*base, "--latents", str(tmp_path / "bad.safetensors")], capsys)
    assert "is damaged" in err and "re-create it" in err
    err = refused([*base, "--latents", str(tmp_path / "bad.safetensors"), "--image", photos(tmp_path / "p")[0]],
                  capsys)
    assert "--image and --latents were both given" in err
    assert not out.exists()


@pytest.mark.parametrize("previous", ["products.jsonl", "products.jsonl.partial", "catalogue.html",
                                      "shopify_products.csv", "images/dresses-seed-0000.png"])
def test_outdir_holding_a_previous_export_is_refused(tmp_path, capsys, previous):
    out = tmp_path / "products"
    (out / previous).parent.mkdir(parents=True)
    (out / previous).write_text("old run")
    err = refused(["--generator", "no-generator", *NO_MODELS, "--class", "Dresses", "--n", "1",
                   "--outdir", str(out)], capsys)
    assert f"output folder '{out}' already holds a product export" in err
    assert "pick a new --outdir or move those files away" in err
    assert ("interrupted run" in err) == previous.endswith(".partial")
    assert (out / previous).read_text() == "old run"


def test_strict_run_where_every_product_fails_writes_nothing(tiny_tagger, tiny_text_model, tmp_path, capsys):
    # the tiny tagger calls neither swatch Jeans (it answers Dresses or Tshirts), so every image check fails
    out = tmp_path / "products"
    err = refused(["--tagger", str(tiny_tagger), "--text-model", str(tiny_text_model), "--max-new-tokens", "8",
                   *sum((["--image", p] for p in photos(tmp_path / "photos")), []), "--class", "Jeans",
                   "--strict", "--quiet", "--outdir", str(out)], capsys)
    assert "--strict dropped every product: all 2 were flagged (image_category failed on 2, e.g. '" in err
    assert "not Jeans" in err and err.endswith("run without --strict to keep them, flagged, and inspect their reasons")
    assert not out.exists()  # no empty exports, no half files


def test_finished_products_survive_an_interruption(tiny_tagger, tiny_text_model, tmp_path, capsys, monkeypatch):
    from modiste.products.compose import ProductComposer

    out = tmp_path / "products"
    real = ProductComposer.from_image
    calls = []

    def interrupted_on_the_third(self, image, name, *args, **kwargs):
        calls.append(name)
        if len(calls) == 2:  # records are on disk as each product finishes, not at the end
            assert len((out / "products.jsonl.partial").read_text().splitlines()) == 1
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real(self, image, name, *args, **kwargs)

    monkeypatch.setattr(ProductComposer, "from_image", interrupted_on_the_third)
    args = ["product", "--tagger", str(tiny_tagger), "--text-model", str(tiny_text_model), "--max-new-tokens", "8",
            "--quiet", "--outdir", str(out)]
    args += sum((["--image", p] for p in photos(tmp_path / "photos", ("black", "navy", "red"))), [])
    assert run_modiste(*args) == 130  # Ctrl-C: `interrupted` and the shell's status 130, as in every command
    err = capsys.readouterr().err
    assert f"kept the 2 finished products: records in {out / 'products.jsonl.partial'}" in err
    assert err.strip().endswith("interrupted") and "Traceback" not in err
    kept = read_jsonl(out / "products.jsonl.partial", with_images=True)
    assert [p.handle for p in kept] == ["black", "navy"] and kept[1].image.shape == (3, 48, 32)
    assert sorted(f.name for f in out.iterdir()) == ["images", "products.jsonl.partial"]  # no half exports
    assert sorted(f.name for f in (out / "images").iterdir()) == ["black.png", "navy.png"]
    monkeypatch.setattr(ProductComposer, "from_image", real)
    err = refused(args[1:], capsys)  # the same --outdir again: the finished products are not overwritten
    assert "products.jsonl.partial" in err and "interrupted run" in err


def test_sigterm_keeps_the_finished_products_and_exits_143(tiny_tagger, tiny_text_model, tmp_path, capsys,
                                                            monkeypatch):
    from modiste.interrupts import Terminated
    from modiste.products.compose import ProductComposer

    real, calls = ProductComposer.from_image, []

    def terminated_on_the_second(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise Terminated("signal 15")  # what SIGTERM raises inside the run (tests/test_interrupts.py)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(ProductComposer, "from_image", terminated_on_the_second)
    out = tmp_path / "products"
    args = ["product", "--tagger", str(tiny_tagger), "--text-model", str(tiny_text_model), "--max-new-tokens", "8",
            "--quiet", "--outdir", str(out), *sum((["--image", p] for p in photos(tmp_path / "photos")), [])]
    assert run_modiste(*args) == 143
    err = capsys.readouterr().err
    assert "kept the 1 finished product: records in" in err and err.strip().endswith("terminated")
    assert len((out / "products.jsonl.partial").read_text().splitlines()) == 1


def test_a_finished_run_leaves_no_partial_file(tiny_tagger, tiny_text_model, tmp_path, capsys):
    base = ["product", "--tagger", str(tiny_tagger), "--text-model", str(tiny_text_model), "--max-new-tokens", "8",
            "--quiet", "--image", photos(tmp_path / "photos", ("red",))[0]]
    assert run_modiste(*base, "--outdir", str(tmp_path / "all")) == 0
    assert sorted(f.name for f in (tmp_path / "all").iterdir()) == [
        "catalogue.html", "images", "products.jsonl", "shopify_products.csv"]
    assert json.loads((tmp_path / "all" / "products.jsonl").read_text())["image_file"] == "images/red.png"
    assert run_modiste(*base, "--formats", "html", "--outdir", str(tmp_path / "html")) == 0
    assert sorted(f.name for f in (tmp_path / "html").iterdir()) == ["catalogue.html", "images"]
    capsys.readouterr()


def test_negative_truncation_is_accepted_as_everywhere_else(tiny_run, tiny_tagger, tiny_text_model, tmp_path):
    # psi < 0 mirrors w through the centre; `modiste generate`, synthesize and the studio (-1 .. 2) accept it
    assert run_modiste("product", "--generator", str(tiny_run), "--tagger", str(tiny_tagger), "--text-model",
                       str(tiny_text_model), "--class", "Dresses", "--seeds", "3", "--truncation", "-0.5",
                       "--max-new-tokens", "8", "--formats", "jsonl", "--quiet", "--outdir", str(tmp_path / "o")) == 0
    record = read_jsonl(tmp_path / "o" / "products.jsonl")[0]
    assert record.provenance["truncation"]["truncation_psi"] == -0.5


def test_partial_file_with_a_cut_off_last_line_is_read(tmp_path):
    from test_exports import planted_products

    from modiste.products.export.jsonl import record_line

    lines = [record_line(p) for p in planted_products()]
    partial = tmp_path / "products.jsonl.partial"
    partial.write_text(lines[0] + lines[1][:40], encoding="utf-8")  # killed in the middle of the second record
    assert [p.handle for p in read_jsonl(partial)] == ["dresses-seed-0007"]
