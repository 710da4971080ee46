"""Bad input a new user tried on generate / mix / walk / edit: each must end with one `error:` line,
exit status 2, and nothing written."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import torch

import modiste
from modiste.cli import main
from modiste.errors import ModisteError
from modiste.gan.generate import MAX_SEED, check_seeds, check_truncation_psi, class_index
from modiste.latent import LatentSet, generator_identity, load_latents, save_latents
from modiste.latent.directions import DirectionSet, save_directions
from modiste.latent.edit import parse_strengths
from modiste.latent.outputs import MAX_OUTPUT_BYTES, check_output_size
from modiste.latent.truncation import truncate_ws
from modiste.latent.walks import grid_seeds


def run_cli(capsys, *args: str) -> tuple[int, str]:
    """Run the CLI; (exit status, stderr)."""
    try:
        main(list(args))
        code = 0
    except SystemExit as e:
        code = int(e.code or 0)
    return code, capsys.readouterr().err


def assert_one_error_line(code: int, err: str, *fragments: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err, err
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_seed_range_is_numpys_randomstate_range():
    assert check_seeds([0, MAX_SEED]) == [0, 2**32 - 1]
    with pytest.raises(ModisteError, match="4294967296 is out of range"):
        check_seeds([1, 2**32])


def test_grid_of_walks_refuses_cells_whose_seeds_pass_the_range():
    # cell i walks s + i * (max + 1): the 2nd cell of seeds [2^31] walks 2^31 + 2^31 + 1 > 2^32 - 1
    assert grid_seeds([1, 5], 3) == [[1, 5], [7, 11], [13, 17]]
    assert grid_seeds([2**31 - 1], 2) == [[2**31 - 1], [2**32 - 1]]
    with pytest.raises(ModisteError, match="out of range"):
        grid_seeds([2**31], 2)


@pytest.mark.parametrize("psi", [float("nan"), float("inf"), -float("inf"), 1e300])
def test_non_finite_or_beyond_float32_truncation_is_refused(psi):
    with pytest.raises(ModisteError, match="--truncation must be a finite number"):
        check_truncation_psi(psi)
    assert check_truncation_psi(0.7) == 0.7


def test_truncation_that_overflows_w_is_refused(tiny_run):
    G = modiste.load_generator(tiny_run, "cpu")
    ws = G.mapping(torch.randn(2, G.z_dim), torch.nn.functional.one_hot(torch.tensor([0, 1]), G.c_dim).float())
    assert torch.isfinite(truncate_ws(G, ws, torch.tensor([0, 1]), 3.0e38 / 1e30, "global")).all()
    with pytest.raises(ModisteError, match="out of float32's range"):
        truncate_ws(G, ws, torch.tensor([0, 1]), 3.0e38, "global")
    with pytest.raises(ModisteError, match="must be a finite number"):  # not "out of range" for NaN
        truncate_ws(G, ws, torch.tensor([0, 1]), float("nan"), "global")


def test_unknown_class_suggests_the_name_differing_in_case_or_spaces(tiny_run):
    G = modiste.load_generator(tiny_run, "cpu")
    assert class_index(G, "Dresses") == 1
    with pytest.raises(ModisteError, match="did you mean 'Dresses'"):
        class_index(G, " dresses ")
    with pytest.raises(ModisteError) as e:
        class_index(G, "Gowns")
    assert "did you mean" not in str(e.value) and "Tshirts, Dresses, Jeans" in str(e.value)


def test_output_size_limit_counts_codes_and_pixels(tiny_run):
    G = modiste.load_generator(tiny_run, "cpu")
    per_image = G.num_ws * G.w_dim * 4 + 3 * G.cfg.height * G.cfg.width
    fits = MAX_OUTPUT_BYTES // per_image
    check_output_size(G, fits, "x", "y")
    with pytest.raises(ModisteError, match="the limit is 4 GiB"):
        check_output_size(G, fits + 1, "x", "y")
    with pytest.raises(ModisteError, match="at most 16384 px"):
        check_output_size(G, 1, "x", "y", frame_px=(16385, 10))


def test_generate_with_nan_truncation_or_big_seed_writes_nothing(tiny_run, tmp_path, capsys):
    out = tmp_path / "gen"
    code, err = run_cli(capsys, "generate", "--checkpoint", str(tiny_run), "--seeds", "1", "--class", "Dresses",
                        "--truncation", "nan", "--outdir", str(out))
    assert_one_error_line(code, err, "--truncation")
    code, err = run_cli(capsys, "generate", "--checkpoint", str(tiny_run), "--seeds", "4294967296", "--class",
                        "Dresses", "--outdir", str(out))
    assert_one_error_line(code, err, "out of range")
    assert not out.exists()  # the old code wrote grey PNGs (NaN images) before failing on the latents


def test_generate_still_writes_its_documented_files(tiny_run, tmp_path, capsys):
    out = tmp_path / "gen"
    code, _ = run_cli(capsys, "generate", "--checkpoint", str(tiny_run), "--seeds", "3-4", "--class", "Jeans",
                      "--truncation", "0.7", "--outdir", str(out))
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "grid.png", "latents.json", "latents.safetensors", "seed0003.png", "seed0004.png"]


@pytest.mark.parametrize("argv,fragments", [
    (["mix", "--rows", "", "--cols", "2"], ["--rows is empty"]),
    (["mix", "--rows", "4294967296", "--cols", "2"], ["--rows", "out of range"]),
    (["mix", "--rows", "1,2,3", "--cols", "1,2", "--pairs"], ["--pairs needs as many"]),
    (["mix", "--rows", "0-9999", "--cols", "0-9999"], ["makes 100,000,000 images", "fewer --rows"]),
    (["walk", "--seeds", "1,5", "--frames", "100000000"], ["makes 100,000,000 images", "fewer --frames"]),
    (["walk", "--seeds", "1,5", "--frames", "2", "--grid", "1000x1"], ["px video frames", "smaller --grid"]),
    (["walk", "--seeds", "2147483648,1", "--frames", "3", "--grid", "1x2"], ["--grid with 2 cells", "out of range"]),
    (["walk", "--seeds", "4294967296,1", "--frames", "3"], ["--seeds", "out of range"]),
    (["edit", "--seeds", "1", "--direction", "DIRS:d0", "--steps", "100000000"], ["makes 100,000,000", "--steps"]),
    (["edit", "--seeds", "4294967296", "--direction", "DIRS:d0"], ["out of range"]),
])
def test_cli_bad_input_is_one_error_line_and_writes_nothing(tiny_run, tmp_path, capsys, argv, fragments):
    G = modiste.load_generator(tiny_run, "cpu")
    dirs = tmp_path / "dirs"
    save_directions(dirs, DirectionSet(["d0"], torch.nn.functional.normalize(torch.randn(1, G.w_dim), dim=1),
                                       [(0, G.num_ws)], "sefa", generator_identity(G)))
    out = tmp_path / "out"
    target = ["--out", str(out / "walk.mp4")] if argv[0] == "walk" else ["--outdir", str(out)]
    argv = [a.replace("DIRS", str(dirs)) for a in argv]
    code, err = run_cli(capsys, *argv, "--checkpoint", str(tiny_run), "--class", "Dresses", *target)
    assert_one_error_line(code, err, *fragments)
    assert not out.exists()


def test_mix_rows_given_a_folder_names_the_latents_file_in_it(tiny_run, tmp_path, capsys):
    code, err = run_cli(capsys, "mix", "--checkpoint", str(tiny_run), "--rows", str(tmp_path), "--cols", "1",
                        "--class", "Dresses", "--outdir", str(tmp_path / "out"))
    assert_one_error_line(code, err, "is a folder", "latents.safetensors")
    assert not (tmp_path / "out").exists()



@pytest.mark.parametrize("edit,message", [
    (lambda j: j.pop("space"), 'has no valid "space"'),
    (lambda j: j.update(space="w++"), 'has no valid "space"'),
    (lambda j: j["seeds"].__setitem__(0, "abc"), "seeds must be whole numbers"),
    (lambda j: j["seeds"].__setitem__(0, -7), "seeds must be whole numbers"),
    (lambda j: j["seeds"].__setitem__(0, 2**32), "seeds must be whole numbers"),
    (lambda j: j["classes"].__setitem__(0, 5), "classes must be class names"),
    (lambda j: j["generator"].pop("width"), "malformed (missing ['width'], unknown none)"),
    (lambda j: j["generator"].update(bogus=1), "malformed (missing none, unknown ['bogus'])"),
])
def test_hand_edited_latents_sidecars_are_refused_in_one_line(tiny_run, tmp_path, capsys, edit, message):
    G = modiste.load_generator(tiny_run, "cpu")
    path = tmp_path / "codes"
    save_latents(path, LatentSet("w+", torch.randn(2, G.num_ws, G.w_dim), generator_identity(G),
                                 ["Dresses", "Jeans"], [3, 2**32 - 1], {}))
    assert load_latents(path, G).seeds == [3, 2**32 - 1]  # the whole seed range is accepted
    sidecar = tmp_path / "codes.json"
    data = json.loads(sidecar.read_text())
    edit(data)
    sidecar.write_text(json.dumps(data))
    with pytest.raises(ModisteError, match=re.escape(message)):
        load_latents(path, G)
    out = tmp_path / "out"
    code, err = run_cli(capsys, "mix", "--checkpoint", str(tiny_run), "--rows", str(tmp_path / "codes.safetensors"),
                        "--cols", "1", "--class", "Dresses", "--outdir", str(out))
    assert_one_error_line(code, err, message)
    assert not out.exists()


def test_strengths_one_step_one_value_and_float32_range():
    assert parse_strengths("2", 7) == [2.0] and parse_strengths("2,", 7) == [2.0]  # was 7 copies of 2
    assert parse_strengths("1.5,1.5", 1) == [1.5]
    with pytest.raises(ModisteError, match="only edit by their midpoint"):
        parse_strengths("-3,3", 1)  # was [0.0]: a silent identity "edit"
    with pytest.raises(ModisteError, match="beyond float32"):
        parse_strengths("-1e300,1e300", 7)  # was inf after the float32 cast
