"""`modiste directions` end to end, and supervised directions from a labels file; bad input is one line."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

import modiste
from cli_runner import run_modiste as run
from modiste.cli import main
from modiste.errors import ModisteError
from modiste.gan.images import latents_for_seeds
from modiste.latent import LatentSet, generator_identity, save_latents
from modiste.latent.directions import load_directions
from modiste.latent.directions.labels_file import label_targets, labels_directions




def test_cli_writes_file_and_labelled_preview(tiny_run, tmp_path, capsys):
    out = tmp_path / "d" / "sefa"
    assert run("directions", "--checkpoint", str(tiny_run), "--method", "sefa", "--out", str(out), "--num", "2",
               "--layers", "0-3", "--preview-seeds", "1,2") == 0
    G = modiste.load_generator(tiny_run)
    ds = load_directions(out, G)
    assert ds.names == ["sefa_0", "sefa_1"] and ds.layers == [(0, 4), (0, 4)]
    preview = Image.open(tmp_path / "d" / "sefa.preview.png")
    h = G.cfg.height * 2  # 2x enlarged tiles, 2 directions x 2 seeds rows, 7 strengths
    assert preview.height > 4 * h and preview.width > 7 * G.cfg.width * 2
    assert "wrote preview" in capsys.readouterr().out


def test_cli_hold_keeps_class_direction_orthogonal(tiny_run, tmp_path):
    assert run("directions", "--checkpoint", str(tiny_run), "--method", "sefa", "--out", str(tmp_path / "s"),
               "--num", "2", "--preview-seeds", "0") == 0
    assert run("directions", "--checkpoint", str(tiny_run), "--method", "supervised", "--classes", "Dresses",
               "--samples", "60", "--hold", f"{tmp_path / 's'}:sefa_0,sefa_1", "--out", str(tmp_path / "c"),
               "--preview-seeds", "0") == 0
    G = modiste.load_generator(tiny_run)
    held, cls = load_directions(tmp_path / "s", G), load_directions(tmp_path / "c", G)
    assert cls.names == ["Dresses"] and cls.meta["held"] == ["sefa_0", "sefa_1"]
    assert torch.allclose(held.vectors @ cls.vectors[0], torch.zeros(2), atol=1e-5)


@pytest.mark.parametrize("args, message", [
    (["--method", "supervised", "--classes", "Coats"], "Tshirts, Dresses, Jeans"),
    (["--method", "sefa", "--labels", "x.csv"], "belong to --method supervised"),
    (["--method", "supervised", "--hold", "nofile.safetensors:sefa_0"], "not found"),
    (["--method", "sefa", "--layers", "9-12"], "indices 0-"),
])
def test_cli_bad_input_is_one_line_and_writes_nothing(tiny_run, tmp_path, capsys, args, message):
    assert run("directions", "--checkpoint", str(tiny_run), "--out", str(tmp_path / "d"), *args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and "\n" not in err
    assert not list(tmp_path.iterdir())


def test_class_on_unconditional_and_unwritable_out(tiny_run_uncond, tmp_path, capsys):
    assert run("directions", "--checkpoint", str(tiny_run_uncond), "--method", "ganspace", "--class", "Dresses",
               "--out", str(tmp_path / "d")) == 2
    assert "unconditional" in capsys.readouterr().err
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert run("directions", "--checkpoint", str(tiny_run_uncond), "--method", "sefa", "--out", str(blocker / "d")) == 2
    assert "cannot be written" in capsys.readouterr().err


def test_labels_file_of_seeds_gives_a_boundary_that_sorts_them(tiny_run_uncond, tmp_path):
    G = modiste.load_generator(tiny_run_uncond)
    seeds = list(range(80))
    with torch.no_grad():
        ws = G.mapping(latents_for_seeds(seeds, G.z_dim), None)[:, 0]
    truth = ws[:, 3] > ws[:, 3].median()  # an attribute that is a linear function of W
    rows = ["seed,long_sleeves"] + [f"{s},{'yes' if t else 'no'}" for s, t in zip(seeds, truth.tolist())]
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n")
    ds = labels_directions(G, tmp_path / "labels.csv", "long_sleeves")
    assert ds.names == ["long_sleeves"] and ds.meta["fit"]["long_sleeves"]["accuracy_train"] >= 0.95
    assert float(ds.vectors[0, 3]) > 0.5  # mostly the coordinate the labels depend on, positive = "yes"


def test_labels_file_rows_of_a_latents_file_and_one_vs_rest(tiny_run_uncond, tmp_path):
    G = modiste.load_generator(tiny_run_uncond)
    g = torch.Generator().manual_seed(0)
    ws = torch.randn(400, G.w_dim, generator=g)
    colour = ["red" if w[0] > 0.5 else "blue" if w[0] < -0.5 else "green" for w in ws]
    save_latents(tmp_path / "lat", LatentSet("w", ws, generator_identity(G)))
    (tmp_path / "l.csv").write_text("row,colour\n" + "".join(f"{i},{c}\n" for i, c in enumerate(colour)))
    ds = labels_directions(G, tmp_path / "l.csv", "colour", modiste.latent.load_latents(tmp_path / "lat", G))
    assert ds.names == ["colour=blue", "colour=green", "colour=red"]
    # red = large coordinate 0, blue = small: their normals are dominated by that coordinate
    assert int(ds.vectors[2].abs().argmax()) == 0 and float(ds.vectors[2, 0]) > 0
    assert int(ds.vectors[0].abs().argmax()) == 0 and float(ds.vectors[0, 0]) < 0


def test_label_values_and_bad_labels_files(tiny_run, tmp_path):
    assert label_targets("a", ["1", "0", "1"])[0][1].tolist() == [True, False, True]
    assert label_targets("a", ["0.1", "0.5", "0.9", "0.7"])[0][1].tolist() == [False, False, True, True]
    G = modiste.load_generator(tiny_run)
    (tmp_path / "l.csv").write_text("seed,colour\n1,red\n2,blue\n")
    with pytest.raises(ModisteError, match="its columns are seed, colour"):
        labels_directions(G, tmp_path / "l.csv", "sleeves")
    with pytest.raises(ModisteError, match="conditional: add a class column"):
        labels_directions(G, tmp_path / "l.csv", "colour")
    (tmp_path / "n.csv").write_text("seed,class,score\n1,Tshirts,0.5\n2,Tshirts,nan\n")
    with pytest.raises(ModisteError, match="finite"):
        labels_directions(G, tmp_path / "n.csv", "score")
    (tmp_path / "c.csv").write_text("seed,class,score\n1,Coats,1\n2,Tshirts,0\n")
    with pytest.raises(ModisteError, match="Tshirts, Dresses, Jeans"):
        labels_directions(G, tmp_path / "c.csv", "score")


@pytest.mark.parametrize("args, words", [
    (["--out", "dirs.png"], "without a suffix"),
    (["--samples", "0"], "--samples"),
    (["--samples", "-5"], "--samples"),
])
def test_cli_refuses_a_wrong_suffix_and_no_samples(tiny_run, tmp_path, capsys, args, words):
    from modiste.cli import main

    argv = ["directions", "--checkpoint", str(tiny_run), "--method", "ganspace", "--out", str(tmp_path / "d")]
    with pytest.raises(SystemExit) as e:
        main(argv + [a if a != "dirs.png" else str(tmp_path / "dirs.png") for a in args])
    assert e.value.code == 2 and words in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
