"""End-to-end: the CLI trains, snapshots, resumes exactly, generates and runs the demo (tiny models)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from modiste.cli import main
from modiste.gan.checkpoint import list_checkpoints, read_tensors

pytestmark = pytest.mark.slow

TINY = ["--resolution", "16", "--preset", "tiny", "--batch", "8", "--workers", "0", "--quiet"]


def run_cli(*args: str) -> None:
    try:
        main(list(args))
    except SystemExit as e:  # click's standalone exit on success
        assert e.code in (0, None), f"modiste {' '.join(args)} exited with {e.code}"


def records(run_dir: Path) -> list[dict]:
    return [json.loads(line) for line in (run_dir / "log.jsonl").read_text().splitlines()]


@pytest.fixture(scope="module")
def fmnist(shared_data) -> str:
    return str(shared_data / "fashion-mnist")


def only_run(outdir: Path) -> Path:
    (run,) = [p for p in outdir.iterdir() if p.is_dir()]
    return run


def test_train_then_generate(tmp_path, fmnist):
    out = tmp_path / "runs"
    run_cli("train", "--data", fmnist, *TINY, "--kimg", "0.064", "--snap", "0.032", "--log-every", "0.016",
            "--aug", "ada", "--outdir", str(out))
    run = only_run(out)
    assert run.name == "00000-fashion-mnist-16-stylegan2"
    config = json.loads((run / "config.json").read_text())
    assert config["network"]["img_channels"] == 1 and config["config"]["r1_gamma"] == pytest.approx(0.0002 * 256 / 8)
    logs = records(run)
    steps = [r for r in logs if "loss/G" in r]
    assert len(steps) == 4 and all(np.isfinite(r["loss/G"]) and np.isfinite(r["loss/D"]) for r in steps)
    assert "augment/p" in steps[-1]
    assert [r["kimg"] for r in logs if r.get("event") == "snapshot"] == [0.032, 0.064]
    assert len(list_checkpoints(run)) == 2
    assert (run / "fakes-latest.png").is_file() and (run / "reals.png").is_file()
    assert any((run / "tensorboard").iterdir())

    import modiste

    G = modiste.load_generator(run, device="cpu")
    assert (G.z_dim, G.c_dim, G.img_shape) == (128, 0, (1, 16, 16)) and not G.training
    z = torch.randn(3, G.z_dim)
    ws = G.mapping(z, None, truncation_psi=0.5)
    assert ws.shape == (3, G.num_ws, G.w_dim)
    images = G.synthesis(ws, noise_mode="const")
    assert images.shape == (3, 1, 16, 16) and images.abs().max() < 10
    assert torch.equal(G(z, None, truncation_psi=0.5, noise_mode="const"), images)

    samples = tmp_path / "samples"
    run_cli("generate", "--checkpoint", str(run), "--seeds", "0-3", "--truncation", "0.7", "--outdir", str(samples))
    pngs = sorted(p.name for p in samples.glob("seed*.png"))
    assert pngs == ["seed0000.png", "seed0001.png", "seed0002.png", "seed0003.png"]
    image = np.asarray(Image.open(samples / "seed0002.png"))
    assert image.shape == (16, 16) and image.std() > 0
    grid = Image.open(samples / "grid.png")
    assert grid.size == (32, 32)
    # the same seed gives the same image again
    run_cli("generate", "--checkpoint", str(run), "--seeds", "2", "--truncation", "0.7", "--outdir", str(tmp_path / "again"))
    assert np.array_equal(np.asarray(Image.open(tmp_path / "again" / "seed0002.png")), image)


def test_stopped_and_resumed_run_equals_uninterrupted_run(tmp_path, fmnist):
    common = [*TINY, "--aug", "ada", "--ada-interval", "4", "--snap", "0.024", "--log-every", "0.024", "--seed", "3",
              "--xflip"]
    run_cli("train", "--data", fmnist, *common, "--kimg", "0.096", "--outdir", str(tmp_path / "a"))
    # 6 steps, stop (mid ADA interval), then resume to 12 steps
    run_cli("train", "--data", fmnist, *common, "--kimg", "0.048", "--outdir", str(tmp_path / "b"))
    run_cli("train", "--data", fmnist, *common, "--kimg", "0.096", "--outdir", str(tmp_path / "b"), "--resume", "auto")
    a, b = list_checkpoints(only_run(tmp_path / "a"))[-1], list_checkpoints(only_run(tmp_path / "b"))[-1]
    assert a.name == b.name == "snapshot-000000.096"
    assert any(r.get("event") == "resume" for r in records(only_run(tmp_path / "b")))
    for name in ("G", "D", "G_ema", "train_state"):
        ta, tb = read_tensors(a, name), read_tensors(b, name)
        assert ta.keys() == tb.keys()
        for key in ta:
            assert torch.equal(ta[key], tb[key]), f"{name}/{key} differs after resume"


def test_portrait_swagan_conditional(tmp_path):
    data = tmp_path / "data"
    rng = np.random.default_rng(0)
    for cls, colour in (("dress", (200, 30, 30)), ("skirt", (30, 30, 200))):
        (data / cls).mkdir(parents=True)
        for i in range(6):
            pixels = np.full((36, 24, 3), 255, np.uint8)
            pixels[6:30, 6:18] = np.array(colour) + rng.integers(0, 20, 3)
            Image.fromarray(pixels).save(data / cls / f"{i}.png")
    (data / "dress" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")  # skipped, counted
    out = tmp_path / "runs"
    run_cli("train", "--data", str(data), *TINY, "--aspect", "2:3", "--arch", "swagan", "--cond", "folder",
            "--kimg", "0.016", "--snap", "0.016", "--aug", "diffaugment", "--outdir", str(out))
    run = only_run(out)
    assert run.name.endswith("-16-2x3-swagan")
    config = json.loads((run / "config.json").read_text())
    assert config["network"]["class_names"] == ["dress", "skirt"]
    assert config["dataset"]["images"] == 12 and config["dataset"]["skipped_unreadable"] == 1
    run_cli("generate", "--checkpoint", str(run), "--seeds", "0-1", "--class", "skirt", "--outdir", str(tmp_path / "g"))
    assert np.asarray(Image.open(tmp_path / "g" / "seed0000.png")).shape == (24, 16, 3)


def test_dry_run_prints_config_and_parameter_counts(tmp_path, fmnist, capsys):
    run_cli("train", "--data", fmnist, *TINY, "--dry-run", "--outdir", str(tmp_path / "runs"))
    summary = json.loads(capsys.readouterr().out)
    assert summary["parameters"]["G"] > 0 and summary["image_shape"] == [1, 16, 16]
    assert not (tmp_path / "runs").exists()


def test_demo_writes_grid_and_report(tmp_path, fmnist):
    run_cli("demo", "--data", fmnist, "--minutes", "0.05", "--outdir", str(tmp_path), "--preset", "tiny", "--quiet")
    run = only_run(tmp_path)
    report = (run / "report.html").read_text()
    assert report.count("data:image/png;base64,") == 2 and "Modiste demo" in report
    assert Image.open(run / "samples" / "grid.png").size == (256, 256)


@pytest.mark.parametrize(
    "args, fragment",
    [
        (["--data", "/nonexistent/folder"], "/nonexistent/folder"),
        (["--resolution", "48"], "power of two"),
        (["--batch", "6", "--grad-accum", "4"], "not divisible"),
    ],
)
def test_bad_input_is_one_clear_line(tmp_path, fmnist, capsys, args, fragment):
    argv = ["train", "--data", fmnist, *TINY, "--outdir", str(tmp_path), *args]
    with pytest.raises(SystemExit) as e:
        main(argv)
    assert e.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and fragment in err and "\n" not in err
    assert not list(tmp_path.glob("0*"))  # nothing half-written


def test_metrics_during_training_reach_the_log(tmp_path, fmnist, capsys):
    out = tmp_path / "runs"
    run_cli("train", "--data", fmnist, *TINY, "--kimg", "0.016", "--snap", "0.016", "--aug", "none",
            "--metrics", "fid16,kid16", "--outdir", str(out))
    snap = next(r for r in records(only_run(out)) if r.get("event") == "snapshot")
    assert snap["metrics/fid"] > 0 and np.isfinite(snap["metrics/kid_mean"])
    with pytest.raises(SystemExit) as e:
        main(["train", "--data", fmnist, *TINY, "--metrics", "fidd", "--outdir", str(out)])
    assert e.value.code == 2 and "unknown metric 'fidd'" in capsys.readouterr().err
