"""`modiste train --init-from`: a new run starts from another model's weights (issue 11, item 7)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import modiste
from cli_runner import run_modiste as run_cli
from modiste.errors import ModisteError
from modiste.gan.checkpoint import list_checkpoints, read_state
from modiste.gan.networks import build_discriminator, build_generator
from modiste.gan.networks.config import NetworkConfig
from modiste.gan.training.init_from import copy_class_columns, initialise_from, read_source

TINY = ["--resolution", "16", "--aspect", "2:3", "--preset", "tiny", "--batch", "8", "--workers", "0", "--quiet",
        "--aug", "none"]


TINY_CLASSES = ["Tshirts", "Dresses", "Jeans"]  # the classes of tests/conftest.py's tiny runs




def write_folder_data(root: Path, classes: list[str], per_class: int = 4) -> Path:
    """16x24 RGB images in one sub-folder per class (for --cond folder)."""
    rng = np.random.default_rng(0)
    for name in classes:
        (root / name).mkdir(parents=True)
        for i in range(per_class):
            pixels = rng.integers(0, 256, (24, 16, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{i}.png")
    return root


def outputs(G, classes: list[str], z: torch.Tensor) -> dict[str, torch.Tensor]:
    with torch.no_grad():
        return {name: G(z, torch.full((z.shape[0],), G.cfg.class_names.index(name)), noise_mode="const")
                for name in classes}


@pytest.mark.slow
def test_a_new_run_starts_at_the_source_models_outputs(tmp_path, tiny_run):
    # Adam's first step moves every parameter by the full learning rate, which on a random tiny model
    # changes the images a lot; a small rate isolates "where the run starts" from "how far it moved"
    data = write_folder_data(tmp_path / "data", sorted(TINY_CLASSES))  # the data orders the classes differently
    out = tmp_path / "runs"
    assert run_cli("train", "--data", str(data), "--cond", "folder", *TINY, "--kimg", "0.016", "--snap", "0.008",
                   "--lr-g", "1e-5", "--lr-d", "1e-5", "--init-from", str(tiny_run), "--outdir", str(out)) == 0
    (run,) = out.iterdir()
    first = list_checkpoints(run)[0]
    source, tuned = modiste.load_generator(tiny_run), modiste.load_generator(first)
    assert tuned.cfg.class_names != source.cfg.class_names and sorted(tuned.cfg.class_names) == sorted(TINY_CLASSES)
    z = torch.randn(6, source.z_dim, generator=torch.Generator().manual_seed(1))
    want, got = outputs(source, TINY_CLASSES, z), outputs(tuned, TINY_CLASSES, z)
    torch.manual_seed(0)  # the weights the run would have started from without --init-from
    fresh = build_generator(NetworkConfig(**read_state(first)["network"])).eval()
    fresh.load_state_dict({**fresh.state_dict(), "mapping.w_avg": tuned.mapping.w_avg})
    scratch = outputs(fresh, TINY_CLASSES, z)
    for name in TINY_CLASSES:
        moved = (got[name] - want[name]).abs().mean()
        random_gap = (scratch[name] - want[name]).abs().mean()
        assert moved < 0.02 * random_gap, (name, moved, random_gap)  # one small Adam step from the source
    config = json.loads((run / "config.json").read_text())["config"]
    source_snapshot = read_source(tiny_run)
    assert config["init_from"] == str(source_snapshot.path) and source_snapshot.path.parent.parent == tiny_run.resolve()
    assert config["init_from_sha256"] == source_snapshot.sha256 and len(config["init_from_sha256"]) == 64
    state = read_state(list_checkpoints(run)[-1])
    assert state["trainer"]["step"] == 2 and state["kimg"] == 0.016  # fresh progress, not the source's


def test_matching_names_and_shapes_are_copied_and_the_rest_stays_fresh(tiny_run):
    source = read_source(tiny_run)
    cfg = NetworkConfig.from_preset("tiny", resolution=16, aspect=(2, 3), c_dim=2, class_names=["Jeans", "Skirts"])
    torch.manual_seed(5)
    G, D = build_generator(cfg), build_discriminator(cfg)
    G_ema = build_generator(cfg)
    fresh_embed = G.mapping.embed.weight.detach().clone()
    report = initialise_from(G, D, G_ema, source)
    src = source.tensors["G_ema"]
    torch.testing.assert_close(G_ema.synthesis.blocks[1].conv0.weight, src["synthesis.blocks.1.conv0.weight"])
    torch.testing.assert_close(G_ema.mapping.w_avg, src["mapping.w_avg"])
    torch.testing.assert_close(D.epilogue.out.weight, source.tensors["D"]["epilogue.out.weight"])
    # "Jeans" keeps its column, rescaled by sqrt(2/3) for the equalised-LR gain; "Skirts" stays fresh
    jeans = TINY_CLASSES.index("Jeans")
    torch.testing.assert_close(G.mapping.embed.weight[:, 0], src["mapping.embed.weight"][:, jeans] * (2 / 3) ** 0.5)
    torch.testing.assert_close(G.mapping.embed.weight[:, 1], fresh_embed[:, 1])
    with torch.no_grad():  # the run-time class embedding of Jeans is the source's
        onehot_new = torch.tensor([[1.0, 0.0]])
        onehot_src = torch.nn.functional.one_hot(torch.tensor([jeans]), 3).float()
        source_G = modiste.load_generator(tiny_run)
        torch.testing.assert_close(G.mapping.embed(onehot_new), source_G.mapping.embed(onehot_src))
    assert report.loaded["G"] == len(G.state_dict()) and report.fresh["G"] == []


def test_copy_class_columns_by_hand():
    target, source = torch.zeros(2, 3), torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert copy_class_columns(target, source, ["b", "new", "a"], ["a", "b"]) == 2
    s = (3 / 2) ** 0.5
    torch.testing.assert_close(target, torch.tensor([[2 * s, 0.0, 1 * s], [4 * s, 0.0, 3 * s]]))


def test_a_different_canvas_is_refused_in_one_line(tmp_path, tiny_run):
    cfg = NetworkConfig.from_preset("tiny", resolution=32, aspect=(2, 3), c_dim=3, class_names=TINY_CLASSES)
    G = build_generator(cfg)
    with pytest.raises(ModisteError, match=r"16x24 model but this run's canvas is 32x48") as info:
        initialise_from(G, build_discriminator(cfg), build_generator(cfg), read_source(tiny_run))
    assert "\n" not in str(info.value)


def test_cli_refuses_a_missing_source_before_creating_a_run(tmp_path, capsys):
    data = write_folder_data(tmp_path / "data", ["a"], per_class=2)
    out = tmp_path / "runs"
    code = run_cli("train", "--data", str(data), *TINY, "--kimg", "0.008", "--init-from", str(tmp_path / "nope"),
                   "--outdir", str(out))
    assert code == 2 and "error:" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_a_wrong_expected_hash_is_refused(tmp_path, tiny_run, capsys):
    data = write_folder_data(tmp_path / "data", ["a"], per_class=2)
    code = run_cli("train", "--data", str(data), *TINY, "--kimg", "0.008", "--init-from", str(tiny_run),
                   "--init-from-sha256", "0" * 64, "--outdir", str(tmp_path / "runs"))
    assert code == 2 and "sha256" in capsys.readouterr().err


@pytest.mark.slow
def test_resume_keeps_the_record_of_where_the_run_started(tmp_path, tiny_run):
    data = write_folder_data(tmp_path / "data", TINY_CLASSES, per_class=3)
    out = tmp_path / "runs"
    common = ["--data", str(data), "--cond", "folder", *TINY, "--snap", "0.008", "--outdir", str(out)]
    assert run_cli("train", *common, "--kimg", "0.008", "--init-from", str(tiny_run)) == 0
    (run,) = out.iterdir()
    first = json.loads((run / "config.json").read_text())["config"]
    assert run_cli("train", *common, "--kimg", "0.016", "--resume", str(run)) == 0  # no --init-from needed
    config = json.loads((run / "config.json").read_text())["config"]
    assert (config["init_from"], config["init_from_sha256"]) == (first["init_from"], first["init_from_sha256"])
    assert config["init_from"] is not None and read_state(list_checkpoints(run)[-1])["trainer"]["step"] == 2
