"""Style mixing: grid convention, self-mixing, pairs, files written, bad input."""

from __future__ import annotations

import json

import pytest
import torch

import modiste
from modiste.cli import main
from modiste.errors import ModisteError
from modiste.gan.images import latents_for_seeds, to_uint8
from modiste.latent import load_latents
from modiste.latent.inputs import ws_from_inputs
from modiste.latent.mixing import mix_pairs, mix_styles, style_mixing_grid


def _ws(G, seeds, cls="Tshirts"):
    return ws_from_inputs(G, seeds=seeds, class_name=cls)


def test_mixing_a_seed_with_itself_gives_its_own_image(tiny_run):
    G = modiste.load_generator(tiny_run)
    src = _ws(G, [7])
    result = style_mixing_grid(G, src, src, (0, 4))
    own = to_uint8(G.synthesis(G.mapping(latents_for_seeds([7], G.z_dim), torch.tensor([0])), noise_mode="const"))
    assert torch.equal(result.images[0], own[0])
    assert torch.equal(result.row_images[0], own[0]) and torch.equal(result.col_images[0], own[0])


def test_cells_are_row_ws_with_column_ws_at_the_chosen_layers(tiny_run):
    G = modiste.load_generator(tiny_run)
    rows, cols = _ws(G, [1, 2]), _ws(G, [10, 11, 12])
    result = style_mixing_grid(G, rows, cols, (4, 6))  # the 16 px layers of this 16 px generator
    for r in range(2):
        for k in range(3):
            w = result.ws[r * 3 + k]
            assert torch.equal(w[:4], rows.latents[r, :4])  # coarse layers: the row source's W
            assert torch.equal(w[4:], cols.latents[k, 4:])
            expect = torch.cat([rows.latents[r, :4], cols.latents[k, 4:]]).unsqueeze(0)
            assert torch.equal(result.images[r * 3 + k], to_uint8(G.synthesis(expect, noise_mode="const"))[0])
    assert result.figure.shape[2] == 3 and result.figure.dtype.name == "uint8"
    # four image columns (corner + 3 sources) and three image rows (sources + 2 rows) below the labels
    assert result.figure.shape[1] > 4 * G.cfg.width and result.figure.shape[0] > 3 * G.cfg.height


def test_mix_styles_checks_shapes_and_range():
    a, b = torch.zeros(2, 6, 4), torch.ones(2, 6, 4)
    assert mix_styles(a, b, (0, 2))[:, :2].eq(1).all() and mix_styles(a, b, (0, 2))[:, 2:].eq(0).all()
    with pytest.raises(ModisteError, match="outside"):
        mix_styles(a, b, (3, 7))


def test_pairs_map_a_onto_b(tiny_run):
    G = modiste.load_generator(tiny_run)
    a, b = _ws(G, [3, 4]), _ws(G, [5, 6])
    result = mix_pairs(G, a, b, (0, 4))
    assert torch.equal(result.ws[:, :4], a.latents[:, :4]) and torch.equal(result.ws[:, 4:], b.latents[:, 4:])
    with pytest.raises(ModisteError, match="as many"):
        mix_pairs(G, a, _ws(G, [5]), (0, 4))


def test_cli_writes_grid_images_and_latents(tiny_run, tmp_path):
    out = tmp_path / "mix"
    main(["mix", "--checkpoint", str(tiny_run), "--rows", "1,2", "--cols", "3,4,5", "--layers", "coarse",
          "--class", "Jeans", "--outdir", str(out)])
    assert (out / "grid.png").is_file() and len(list(out.glob("mix-seed*.png"))) == 6
    G = modiste.load_generator(tiny_run)
    mixes = load_latents(out / "mixes", G)
    assert mixes.latents.shape == (6, G.num_ws, G.w_dim) and mixes.classes == ["Jeans"] * 6
    assert json.loads((out / "mixes.json").read_text())["meta"]["layers"] == [0, 4]


@pytest.mark.parametrize("argv, message", [
    (["--class", "Coats"], "Tshirts, Dresses, Jeans"),
    (["--layers", "fine", "--class", "Jeans"], "no fine layers"),
    (["--layers", "2-9", "--class", "Jeans"], "0-5"),
    (["--rows", "nope"], "neither seeds"),
])
def test_cli_bad_input_is_one_line_and_writes_nothing(tiny_run, tmp_path, capsys, argv, message):
    out = tmp_path / "mix"
    base = ["mix", "--checkpoint", str(tiny_run), "--rows", "1", "--cols", "2", "--outdir", str(out)]
    with pytest.raises(SystemExit) as e:
        main(base + argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and err.startswith("error: ") and message in err and err.count("\n") == 1
    assert not out.exists()


def test_cli_unwritable_outdir(tiny_run, tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    with pytest.raises(SystemExit) as e:
        main(["mix", "--checkpoint", str(tiny_run), "--rows", "1", "--cols", "2", "--class", "Jeans",
              "--outdir", str(tmp_path / "file" / "mix")])
    assert e.value.code == 2 and "cannot be written" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_cli_class_on_unconditional_model(tiny_run_uncond, tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["mix", "--checkpoint", str(tiny_run_uncond), "--rows", "1", "--cols", "2", "--class", "Jeans",
              "--outdir", str(tmp_path / "o")])
    assert "drop --class" in capsys.readouterr().err and not (tmp_path / "o").exists()


def test_labelled_grid_takes_grey_images():
    from modiste.latent.labelled_grid import labelled_grid

    grey = torch.full((1, 2, 1, 8, 8), 77, dtype=torch.uint8)
    figure = labelled_grid(grey, ["row"], ["a", "b"])
    assert figure.shape[2] == 3 and (figure == 77).all(axis=2).sum() >= 2 * 8 * 8  # both tiles, grey in RGB
