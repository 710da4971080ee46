"""The nearest-class-mean scorer, diversity and the synthesize report; `modiste synthesize` end to end."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from PIL import Image

from cli_runner import run_modiste as run
from modiste.errors import ModisteError
from modiste.latent.synthesis_quality import (
    ClassFeatures, NearestClassMeanScorer, mean_pairwise_distance, per_class_indices, synthesis_report)




def mean_colour(images_u8: torch.Tensor) -> torch.Tensor:
    return images_u8.float().mean(dim=(2, 3))


def test_nearest_class_mean_scorer_follows_the_class_means():
    reals = ClassFeatures(torch.tensor([[0.0, 0], [0, 2], [10, 10], [10, 12]]), torch.tensor([0, 0, 1, 1]),
                          ["Tshirts", "Dresses"])
    scorer = NearestClassMeanScorer(reals, "Dresses", lambda im: im)
    assert scorer.predict(torch.tensor([[1.0, 1], [9, 9]])) == ["Tshirts", "Dresses"]
    assert scorer.in_class(torch.tensor([[1.0, 1], [9, 9]])).tolist() == [False, True]
    # as a scorer of generator output: [-1, 1] images -> uint8 -> features -> in class?
    red, blue = torch.full((1, 3, 4, 4), -1.0), torch.full((1, 3, 4, 4), -1.0)
    red[:, 0], blue[:, 2] = 1.0, 1.0
    colours = ClassFeatures(torch.tensor([[255.0, 0, 0], [0, 0, 255]]), torch.tensor([0, 1]), ["red", "blue"])
    assert NearestClassMeanScorer(colours, "red", mean_colour)(torch.cat([red, blue])).tolist() == [True, False]
    with pytest.raises(ModisteError, match="Tshirts, Dresses"):
        NearestClassMeanScorer(reals, "Coats", lambda im: im)


def test_diversity_and_report_against_direct_arithmetic():
    f = torch.tensor([[0.0, 0], [3, 4], [6, 8]])
    assert mean_pairwise_distance(f) == pytest.approx((5 + 10 + 5) / 3)
    g = torch.Generator().manual_seed(0)
    reals = ClassFeatures(torch.randn(40, 8, generator=g), torch.tensor([0] * 20 + [1] * 20), ["a", "b"])
    same = reals.of("b") + 0.01 * torch.randn(20, 8, generator=g)
    far = reals.of("b") + 5
    near_report, far_report = synthesis_report(same, reals, "b"), synthesis_report(far, reals, "b")
    assert far_report["kid_mean"] > 10 * max(near_report["kid_mean"], 1e-3)
    assert near_report["real_images"] == 20 and near_report["diversity"] == pytest.approx(
        near_report["real_diversity"], rel=0.05)


def test_per_class_indices_caps_each_class():
    labels = np.array([0] * 10 + [1] * 3 + [2] * 7)
    idx = per_class_indices(labels, 4)
    assert np.bincount(labels[idx]).tolist() == [4, 3, 4] and list(idx) == sorted(idx)
    assert np.bincount(labels[per_class_indices(labels, 4, keep_all=(2,))]).tolist() == [4, 3, 7]


def test_cli_synthesize_with_report(tiny_run, tmp_path, capsys):
    """Real images of three colours as the 'real data'; the report's KID/diversity come from Inception features."""
    reals = tmp_path / "reals"
    reals.mkdir()
    rows = ["filename,articleType"]
    for k, (name, colour) in enumerate([("Tshirts", (200, 30, 30)), ("Dresses", (30, 200, 30)), ("Jeans", (30, 30, 200))]):
        for i in range(2):
            Image.new("RGB", (16, 24), tuple(c + 20 * i for c in colour)).save(reals / f"{name}{i}.png")
            rows.append(f"{name}{i}.png,{name}")
    (tmp_path / "labels.csv").write_text("\n".join(rows) + "\n")
    assert run("synthesize", "--checkpoint", str(tiny_run), "--class", "Dresses", "--n", "3", "--outdir",
               str(tmp_path / "d"), "--real-data", str(reals), "--real-labels", str(tmp_path / "labels.csv"),
               "--label-field", "articleType") == 0
    report = json.loads((tmp_path / "d" / "report.json").read_text())
    assert report["real_images"] == 2 and report["fake_images"] == 3 and report["yield"] == 1.0
    assert report["kid_mean"] > 0 and report["diversity"] > 0 and 0 <= report["in_class_rate"] <= 1
    top = report["scorer_top_classes"]
    assert set(top) <= {"Tshirts", "Dresses", "Jeans"} and 0 < sum(top.values()) <= 1 + 1e-9
    assert report["in_class_rate"] == top.get("Dresses", 0.0)
    assert len(list((tmp_path / "d" / "images" / "Dresses").glob("*.png"))) == 3
    assert "wrote report" in capsys.readouterr().out


@pytest.mark.parametrize("args, message", [
    (["--class", "Coats"], "Tshirts, Dresses, Jeans"),
    (["--class", "Dresses", "--method", "filter"], "need real images"),
    (["--class", "Dresses", "--truncation", "nan", "--no-report"], "finite"),
    (["--class", "Dresses", "--direction", "x.safetensors:a", "--no-report"], "--method direction"),
])
def test_cli_bad_input_is_one_line_and_writes_nothing(tiny_run, tmp_path, capsys, args, message):
    assert run("synthesize", "--checkpoint", str(tiny_run), "--n", "2", "--outdir", str(tmp_path / "d"), *args) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and message in err and "\n" not in err
    assert not (tmp_path / "d").exists() or not any((tmp_path / "d").iterdir())


def test_cli_refuses_unconditional_and_unwritable(tiny_run_uncond, tiny_run, tmp_path, capsys):
    assert run("synthesize", "--checkpoint", str(tiny_run_uncond), "--class", "Dresses", "--outdir", str(tmp_path / "d")) == 2
    assert "unconditional" in capsys.readouterr().err
    (tmp_path / "f").write_text("x")
    assert run("synthesize", "--checkpoint", str(tiny_run), "--class", "Dresses", "--outdir", str(tmp_path / "f" / "d"),
               "--no-report") == 2
    assert "cannot be written" in capsys.readouterr().err


def test_scorer_means_use_at_most_max_per_class_images():
    reals = ClassFeatures(torch.tensor([[0.0], [10], [20], [100]]), torch.tensor([0, 0, 0, 1]), ["a", "b"])
    assert NearestClassMeanScorer(reals, "a", lambda im: im).means[0].item() == 10
    assert NearestClassMeanScorer(reals, "a", lambda im: im, max_per_class=1).means[0].item() == 0
