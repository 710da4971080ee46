"""Editing along directions: identity at strength 0, held directions, layers, files, PTI latents, bad input."""

from __future__ import annotations

import imageio_ffmpeg
import pytest
import torch
from safetensors.torch import save_file

import modiste
from modiste.cli import main
from modiste.errors import ModisteError
from modiste.gan.images import to_uint8
from modiste.latent import LatentSet, generator_identity, load_latents, save_latents
from modiste.latent.directions import DirectionSet, load_directions, save_directions
from modiste.latent.edit import apply_direction, edit_grid, parse_strengths
from modiste.latent.inputs import ws_from_inputs


def _directions(G, path=None, w_std=None):
    torch.manual_seed(3)
    meta = {"w_std": w_std} if w_std else {}
    ds = DirectionSet(["sleeves", "colour", "length"], torch.randn(3, G.w_dim), [(0, G.num_ws), (2, 4), (0, 2)],
                      "test", generator_identity(G), meta)
    if path is not None:
        save_directions(path, ds)
    return ds


def test_apply_direction_is_w_plus_strength_times_unit_direction_on_the_layers():
    torch.manual_seed(0)
    ws, d = torch.randn(2, 6, 8), torch.randn(8)
    out = apply_direction(ws, d, 2.5, (1, 3))
    unit = d / d.norm()
    assert torch.allclose(out[:, 1:3], ws[:, 1:3] + 2.5 * unit, atol=1e-6)
    assert torch.equal(out[:, :1], ws[:, :1]) and torch.equal(out[:, 3:], ws[:, 3:])
    assert torch.equal(apply_direction(ws, d, 0.0), ws)
    per_row = apply_direction(ws, d, torch.tensor([1.0, -1.0]))
    assert torch.allclose(per_row[1] - ws[1], -(per_row[0] - ws[0]), atol=1e-6)


def test_holding_a_direction_removes_its_component():
    torch.manual_seed(1)
    ws, d, h1, h2 = torch.randn(3, 6, 16), torch.randn(16), torch.randn(16), torch.randn(16)
    out = apply_direction(ws, d, 3.0, hold=[h1, h2])
    step = (out - ws)[:, 0]
    assert step.norm(dim=1).sub(3.0).abs().max() < 1e-5  # still a full-length step
    assert (step @ h1).abs().max() < 1e-4 and (step @ h2).abs().max() < 1e-4
    # independent Gram-Schmidt
    e1 = h1 / h1.norm()
    e2 = h2 - (h2 @ e1) * e1
    e2 = e2 / e2.norm()
    v = d - (d @ e1) * e1 - (d @ e2) * e2
    assert torch.allclose(step[0], 3.0 * v / v.norm(), atol=1e-5)
    with pytest.raises(ModisteError, match="span"):
        apply_direction(ws, h1, 1.0, hold=[h1])


def test_strengths():
    assert parse_strengths("-3,3", 7) == [-3, -2, -1, 0, 1, 2, 3]
    assert parse_strengths("-2,0,5") == [-2, 0, 5]
    for bad in ("nan,3", "-inf,3", "x", ""):
        with pytest.raises(ModisteError):
            parse_strengths(bad, 7)
    with pytest.raises(ModisteError, match="finite"):
        apply_direction(torch.zeros(1, 2, 3), torch.ones(3), float("nan"))


def test_strength_zero_is_the_identity_and_sigma_units_scale_the_step(tiny_run):
    G = modiste.load_generator(tiny_run)
    inputs = ws_from_inputs(G, seeds=[2, 6], class_name="Dresses")
    ds = _directions(G, w_std=[0.5, 2.0, 1.0])
    result = edit_grid(G, inputs, ds, "colour", [-1.0, 0.0, 2.0])
    own = to_uint8(G.synthesis(inputs.latents, noise_mode="const"))
    assert torch.equal(result.images[:, 1], own) and torch.equal(result.ws[:, 1], inputs.latents)
    unit = ds.vectors[1] / ds.vectors[1].norm()
    assert torch.allclose(result.ws[0, 2, 2:4], inputs.latents[0, 2:4] + 2.0 * 2.0 * unit, atol=1e-5)
    assert torch.equal(result.ws[0, 2, 4:], inputs.latents[0, 4:])  # the direction's own layers only
    assert result.latents.latents.shape == (6, G.num_ws, G.w_dim) and result.latents.classes == ["Dresses"] * 6
    with pytest.raises(ModisteError, match="sleeves, colour, length"):
        edit_grid(G, inputs, ds, "collar", [1.0])
    with pytest.raises(ModisteError, match="sleeves, colour, length"):
        edit_grid(G, inputs, ds, "colour", [1.0], hold=["collar"])


def test_cli_edit_writes_grid_latents_and_video(tiny_run, tmp_path):
    G = modiste.load_generator(tiny_run)
    _directions(G, tmp_path / "dirs")
    out = tmp_path / "edit"
    main(["edit", "--checkpoint", str(tiny_run), "--seeds", "1,2", "--class", "Jeans", "--direction",
          f"{tmp_path / 'dirs'}:sleeves", "--strength", "-2,2", "--steps", "5", "--layers", "0-3", "--hold", "colour",
          "--outdir", str(out), "--video", "--frames", "6", "--quiet"])
    assert (out / "grid.png").is_file()
    edited = load_latents(out / "edited", G)
    assert edited.latents.shape == (10, G.num_ws, G.w_dim) and edited.meta["layers"] == [0, 4]
    assert edited.meta["hold"] == ["colour"] and edited.meta["strengths"] == [-2, -1, 0, 1, 2]
    reader = imageio_ffmpeg.read_frames(str(out / "edit.mp4"))
    meta = next(reader)
    assert meta["size"] == (2 * G.cfg.width, G.cfg.height) and sum(1 for _ in reader) == 6


def test_edit_of_projected_latents_uses_their_pti_generator(tiny_run, tmp_path):
    G = modiste.load_generator(tiny_run)
    _directions(G, tmp_path / "dirs")
    ws = ws_from_inputs(G, seeds=[9], class_name="Tshirts").latents
    tuned = {f"synthesis.{k}": (v * 1.1).contiguous() for k, v in G.synthesis.state_dict().items() if k.endswith("weight")}
    save_file(tuned, str(tmp_path / "photo.pti.safetensors"))
    save_latents(tmp_path / "photo", LatentSet("w+", ws, generator_identity(G), meta={"pti_weights": "photo.pti.safetensors"}))
    out = tmp_path / "edit"
    main(["edit", "--checkpoint", str(tiny_run), "--latents", str(tmp_path / "photo"), "--direction",
          f"{tmp_path / 'dirs'}:length", "--strength", "0", "--outdir", str(out), "--quiet"])
    edited = load_latents(out / "edited", G)  # recorded with the checkpoint's identity ...
    assert torch.equal(edited.latents, ws)
    assert edited.meta["pti_weights"].endswith("photo.pti.safetensors")  # ... and the tuned weights it needs
    from modiste.latent.inputs import open_inputs

    T, again = open_inputs(tiny_run, latents_path=out / "edited")
    assert not torch.equal(T.synthesis(ws, noise_mode="const"), G.synthesis(ws, noise_mode="const"))


@pytest.mark.parametrize("extra, message", [
    (["--direction", "DIRS:collar"], "sleeves, colour, length"),
    (["--strength", "nan,3"], "not finite"),
    (["--strength", "-3,inf"], "not finite"),
    (["--class", "Coats"], "Tshirts, Dresses, Jeans"),
    (["--hold", "sleeves"], "itself"),
])
def test_cli_edit_bad_input_is_one_line_and_writes_nothing(tiny_run, tmp_path, capsys, extra, message):
    G = modiste.load_generator(tiny_run)
    _directions(G, tmp_path / "dirs")
    out = tmp_path / "edit"
    argv = ["edit", "--checkpoint", str(tiny_run), "--seeds", "1", "--class", "Jeans", "--direction",
            f"{tmp_path / 'dirs'}:sleeves", "--outdir", str(out), "--quiet"]
    argv += [e.replace("DIRS", str(tmp_path / "dirs")) for e in extra]
    with pytest.raises(SystemExit) as e:
        main(argv)
    err = capsys.readouterr().err
    assert e.value.code == 2 and message in err and err.count("\n") == 1 and err.startswith("error: ")
    assert not out.exists()


def test_cli_edit_refuses_other_generators_and_unwritable_folders(tiny_run, tiny_run_uncond, tmp_path, capsys,
                                                                 monkeypatch):
    monkeypatch.chdir(tmp_path)
    G, U = modiste.load_generator(tiny_run), modiste.load_generator(tiny_run_uncond)
    _directions(G, tmp_path / "dirs")
    _directions(U, tmp_path / "udirs")
    save_latents(tmp_path / "u", LatentSet("z", torch.zeros(1, U.z_dim), generator_identity(U)))
    base = ["edit", "--checkpoint", str(tiny_run), "--quiet"]
    cases = [
        (["--latents", str(tmp_path / "u"), "--direction", f"{tmp_path / 'dirs'}:sleeves", "--outdir", "o1"],
         "another generator"),
        (["--seeds", "1", "--class", "Jeans", "--direction", f"{tmp_path / 'udirs'}:sleeves", "--outdir", "o2"],
         "another generator"),
        (["--seeds", "1", "--class", "Jeans", "--direction", f"{tmp_path / 'dirs'}:sleeves", "--outdir",
          str(tmp_path / "dirs.json" / "o3")], "cannot be written"),
    ]
    for extra, message in cases:
        with pytest.raises(SystemExit):
            main(base + extra)
        assert message in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["edit", "--checkpoint", str(tiny_run_uncond), "--seeds", "1", "--class", "Jeans", "--direction",
              f"{tmp_path / 'udirs'}:sleeves", "--outdir", str(tmp_path / "o4"), "--quiet"])
    assert "drop --class" in capsys.readouterr().err
    assert not any((tmp_path / n).exists() for n in ("o1", "o2", "o4"))


def test_edit_reproduces_a_real_projection_with_its_pti_weights(tiny_run, tmp_path):
    """End to end with `modiste project --pti`: strength 0 gives back the saved reconstruction."""
    import numpy as np
    from PIL import Image

    from modiste.latent.inputs import open_inputs

    G = modiste.load_generator(tiny_run)
    photo = tmp_path / "photo.png"
    Image.fromarray(to_uint8(G(torch.randn(1, G.z_dim), torch.tensor([1]), noise_mode="const"))[0]
                    .permute(1, 2, 0).numpy()).save(photo)
    main(["project", str(photo), "--checkpoint", str(tiny_run), "--space", "w+", "--steps", "2", "--pti",
          "--pti-steps", "2", "--class", "Dresses", "--outdir", str(tmp_path / "proj")])
    _directions(G, tmp_path / "dirs")
    T, inputs = open_inputs(tiny_run, latents_path=tmp_path / "proj" / "photo")
    result = edit_grid(T, inputs, load_directions(tmp_path / "dirs"), "sleeves", [0.0, 1.0])
    reconstruction = np.asarray(Image.open(tmp_path / "proj" / "photo-reconstruction.png"))
    assert np.array_equal(result.images[0, 0].permute(1, 2, 0).numpy(), reconstruction)
    assert not np.array_equal(result.images[0, 1].permute(1, 2, 0).numpy(), reconstruction)


def test_cli_edit_needs_exactly_one_input(tiny_run, tmp_path, capsys):
    G = modiste.load_generator(tiny_run)
    _directions(G, tmp_path / "dirs")
    for extra in ([], ["--seeds", "1", "--latents", str(tmp_path / "dirs")]):
        with pytest.raises(SystemExit) as e:
            main(["edit", "--checkpoint", str(tiny_run), "--direction", f"{tmp_path / 'dirs'}:sleeves",
                  "--outdir", str(tmp_path / "o"), "--quiet"] + extra)
        assert e.value.code == 2 and "exactly one of --seeds" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
