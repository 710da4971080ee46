"""`synthesize` writes exactly N labelled images whose manifest regenerates them; bad input writes nothing."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
import torch
from PIL import Image

import modiste
from modiste.errors import ModisteError
from modiste.latent import load_latents
from modiste.latent.synthesize import regenerate, synthesize


def _read_pngs(outdir, manifest) -> torch.Tensor:
    return torch.stack([torch.from_numpy(np.array(Image.open(outdir / item["file"]))).permute(2, 0, 1)
                        for item in manifest["images"]])


@pytest.mark.parametrize("method", ["conditional", "direction", "filter"])
def test_synthesize_writes_n_images_that_the_manifest_regenerates(tiny_run, tmp_path, method):
    G = modiste.load_generator(tiny_run)
    scorer = (lambda images: images[:, 0].mean(dim=(1, 2)) > images[:, 0].mean()) if method == "filter" else None
    result = synthesize(G, "Dresses", 7, method, tmp_path / "d", truncation_psi=0.8, scorer=scorer, seed_start=100,
                        batch=4)
    out = tmp_path / "d"
    pngs = sorted((out / "images" / "Dresses").glob("*.png"))
    assert len(pngs) == 7 and len(result.images) == 7
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["count"] == 7 and manifest["method"] == method and manifest["truncation_center"] == "class"
    with open(out / "labels.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["filename"] for r in rows] == [i["file"] for i in manifest["images"]]
    assert {r["class"] for r in rows} == {"Dresses"}
    saved = _read_pngs(out, manifest)
    assert torch.equal(saved, result.images)
    # a fresh generator from the checkpoint renders the same pixels from the manifest alone
    again = regenerate(modiste.load_generator(manifest["checkpoint"]), manifest)
    assert torch.equal(again, saved)
    latents = load_latents(out / "latents", G)
    assert latents.seeds == [i["seed"] for i in manifest["images"]] and len(latents) == 7
    if method == "direction":
        assert {i["source_class"] for i in manifest["images"]} == {"Tshirts", "Jeans"}
    if method == "filter":
        assert manifest["sampled"] >= 7 and manifest["yield"] == 7 / manifest["sampled"]
    else:
        assert [i["seed"] for i in manifest["images"]] == list(range(100, 107))


def test_direction_method_moves_samples_to_the_class_level(tiny_run, tmp_path):
    G = modiste.load_generator(tiny_run)
    n = torch.zeros(G.w_dim)
    n[0] = 1.0
    synthesize(G, "Jeans", 4, "direction", tmp_path / "d", direction=n, strength=0.5)
    ws = load_latents(tmp_path / "d" / "latents", G).latents[:, 0]
    from modiste.latent.truncation import class_centres

    target = float(class_centres(G)[2, 0]) + 0.5
    assert torch.allclose(ws[:, 0], torch.full((4,), target), atol=1e-4)  # psi 1: exactly on the level


def test_output_is_readable_as_training_data(tiny_run, tmp_path):
    from modiste.data import open_image_dataset

    G = modiste.load_generator(tiny_run)
    synthesize(G, "Jeans", 3, "conditional", tmp_path / "d", attribute="articleType")
    ds = open_image_dataset(str(tmp_path / "d"), labels=str(tmp_path / "d" / "labels.csv"), label_field="articleType")
    assert len(ds) == 3 and ds.class_names == ["Jeans"]


def test_bad_input_writes_nothing(tiny_run, tiny_run_uncond, tmp_path):
    G = modiste.load_generator(tiny_run)
    with pytest.raises(ModisteError, match="Tshirts, Dresses, Jeans"):
        synthesize(G, "Coats", 3, "conditional", tmp_path / "a")
    with pytest.raises(ModisteError, match="conditional generator"):
        synthesize(modiste.load_generator(tiny_run_uncond), "Dresses", 3, "conditional", tmp_path / "a")
    with pytest.raises(ModisteError, match="scorer"):
        synthesize(G, "Dresses", 3, "filter", tmp_path / "a")
    with pytest.raises(ModisteError, match="finite"):
        synthesize(G, "Dresses", 3, "conditional", tmp_path / "a", truncation_psi=float("nan"))
    with pytest.raises(ModisteError, match="passed the scorer"):
        synthesize(G, "Dresses", 3, "filter", tmp_path / "b", scorer=lambda im: torch.zeros(len(im), dtype=torch.bool),
                   max_samples=10)
    assert not (tmp_path / "a").exists() and not any((tmp_path / "b").iterdir())
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ModisteError, match="is a file"):
        synthesize(G, "Dresses", 3, "conditional", blocker)
    synthesize(G, "Dresses", 2, "conditional", tmp_path / "c")
    with pytest.raises(ModisteError, match="already holds"):
        synthesize(G, "Dresses", 2, "conditional", tmp_path / "c")


@pytest.mark.parametrize("args, words", [
    (["--n", "0"], "at least 1"),
    (["--n", "-5"], "at least 1"),
    (["--n", "1000000000"], "GiB"),
    (["--truncation", "nan"], "finite"),
])
def test_cli_bad_numbers_leave_no_folder(tiny_run, tmp_path, capsys, args, words):
    from modiste.cli import main

    out = tmp_path / "never"
    with pytest.raises(SystemExit) as e:
        main(["synthesize", "--checkpoint", str(tiny_run), "--class", "Dresses", "--method", "conditional",
              "--no-report", "--outdir", str(out), *args])
    assert e.value.code == 2 and words in capsys.readouterr().err
    assert not out.exists()
