"""`modiste project` end to end on a tiny generator: files that load back, and one-line refusals."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import modiste
from cli_runner import run_modiste as run_cli
from modiste.gan.images import to_uint8
from modiste.latent import load_latents
from modiste.latent.inputs import load_generator_for, read_latents_for

PHOTO = "fashion-products-224/images/10000.jpg"




@pytest.mark.slow
def test_project_writes_latents_that_reproduce_the_reconstruction(tiny_run: Path, shared_data: Path, tmp_path: Path,
                                                                   capsys):
    out = tmp_path / "out"
    code = run_cli("project", str(shared_data / PHOTO), "--checkpoint", str(tiny_run), "--steps", "8", "--pti",
                   "--pti-steps", "3", "--class", "Dresses", "--video", "--outdir", str(out))
    printed = capsys.readouterr().out
    assert code == 0
    assert "padded above and below" in printed and "psnr_db" in printed  # the square photo's fit is reported
    summary = json.loads((out / "projection.json").read_text())
    entry = summary["photos"][0]
    assert set(entry["scores_pti"]) == {"psnr_db", "ms_ssim", "perceptual"}
    for name in ("10000.safetensors", "10000.json", "10000.pti.safetensors", "10000-reconstruction.png",
                 "10000.mp4", "comparison.png"):
        assert (out / name).stat().st_size > 0, name

    G = modiste.load_generator(tiny_run)
    latents = load_latents(out / "10000.safetensors", G)  # made for this checkpoint
    assert latents.space == "w+" and latents.latents.shape == (1, G.num_ws, G.w_dim)
    assert latents.classes == ["Dresses"] and latents.meta["pti_weights"] == "10000.pti.safetensors"

    tuned = load_generator_for(tiny_run, out / "10000.safetensors")  # the shared loader applies the PTI weights
    read_latents_for(tuned, out / "10000.safetensors")
    with torch.no_grad():
        image = to_uint8(tuned.synthesis(latents.latents, noise_mode="const"))[0]
        untuned = to_uint8(G.synthesis(latents.latents, noise_mode="const"))[0]
    saved = torch.from_numpy(np.array(Image.open(out / "10000-reconstruction.png"))).permute(2, 0, 1)
    assert torch.equal(image, saved)
    assert not torch.equal(untuned, saved)


@pytest.mark.slow
def test_project_in_w_space_without_pti(tiny_run_uncond: Path, shared_data: Path, tmp_path: Path):
    out = tmp_path / "w"
    assert run_cli("project", str(shared_data / PHOTO), "--checkpoint", str(tiny_run_uncond), "--space", "w",
                   "--steps", "4", "--no-noise", "--init", "nearest", "--bank", "8", "--outdir", str(out)) == 0
    latents = load_latents(out / "10000.safetensors", modiste.load_generator(tiny_run_uncond))
    assert latents.space == "w" and latents.latents.shape[1:] == (modiste.load_generator(tiny_run_uncond).w_dim,)
    assert "pti_weights" not in latents.meta and not (out / "10000.pti.safetensors").exists()


@pytest.mark.parametrize("case", ["not_an_image", "too_small", "outdir_unwritable", "class_on_uncond",
                                  "unknown_class"])
def test_bad_input_is_one_line_and_writes_nothing(case: str, tiny_run: Path, tiny_run_uncond: Path, shared_data: Path,
                                                  tmp_path: Path, capsys):
    photo, run, extra = str(shared_data / PHOTO), tiny_run, []
    out = tmp_path / "out"
    expected = {"not_an_image": "is not an image", "too_small": "smaller than the",
                "outdir_unwritable": "cannot be written", "class_on_uncond": "unconditional",
                "unknown_class": "unknown class"}[case]
    if case == "not_an_image":
        photo = str(tmp_path / "readme.png")
        Path(photo).write_text("hello")
    elif case == "too_small":
        photo = str(tmp_path / "small.png")
        Image.fromarray(np.zeros((10, 8, 3), dtype=np.uint8)).save(photo)
    elif case == "outdir_unwritable":
        blocker = tmp_path / "a_file"
        blocker.write_text("x")
        out = blocker / "out"
    elif case == "class_on_uncond":
        run, extra = tiny_run_uncond, ["--class", "Dresses"]
    else:
        extra = ["--class", "Gowns"]
    code = run_cli("project", photo, "--checkpoint", str(run), "--steps", "2", "--outdir", str(out), *extra)
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert err.startswith("error: ") and expected in err and "\n" not in err
    if case == "unknown_class":
        assert "Tshirts, Dresses, Jeans" in err  # the classes are listed
    assert not out.exists()
