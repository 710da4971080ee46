"""A diverging run stops with one line naming the last good snapshot; nothing broken is written;
--resume continues from that snapshot with retuned settings (tiny models, through the CLI)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from modiste.cli import main
from modiste.gan.checkpoint import list_checkpoints, read_state, read_tensors
from modiste.gan.training.divergence import non_finite_stats, non_finite_tensors

pytestmark = pytest.mark.slow

TINY = ["--resolution", "16", "--preset", "tiny", "--batch", "8", "--workers", "0", "--quiet", "--aug", "none",
        "--log-every", "0.008"]


def cli(capsys, *args: str) -> tuple[int, str]:
    try:
        main(list(args))
        code = 0
    except SystemExit as e:
        code = e.code or 0
    return code, capsys.readouterr().err.strip()


def records(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]


def all_finite(snapshot: Path) -> bool:
    return all(torch.isfinite(t).all() for name in ("G", "D", "G_ema") for t in read_tensors(snapshot, name).values()
               if t.is_floating_point())


def test_divergence_stops_keeps_the_good_snapshot_and_resume_continues(tmp_path, shared_data, capsys):
    data, out = str(shared_data / "fashion-mnist"), tmp_path / "runs"
    code, _ = cli(capsys, "train", "--data", data, *TINY, "--kimg", "0.032", "--snap", "0.016", "--outdir", str(out))
    assert code == 0
    (run,) = out.iterdir()
    good = list_checkpoints(run)
    assert [p.name for p in good] == ["snapshot-000000.016", "snapshot-000000.032"]
    before = {p.name: sorted((f.name, f.stat().st_mtime_ns) for f in p.iterdir()) for p in good}

    # the recipe: learning rates of 1e6 blow up within a step or two
    code, err = cli(capsys, "train", "--data", data, *TINY, "--kimg", "0.2", "--snap", "0.016", "--outdir", str(out),
                    "--resume", str(run), "--lr-g", "1e6", "--lr-d", "1e6")
    assert code != 0
    assert err.startswith("error: training diverged at 0.0") and "\n" not in err
    assert f"the last good snapshot is {good[-1]}" in err and f"--resume {run}" in err
    for advice in ("--lr-g", "--r1-gamma", "--precision fp32"):
        assert advice in err
    assert list_checkpoints(run) == good  # no broken snapshot, the good ones untouched
    assert {p.name: sorted((f.name, f.stat().st_mtime_ns) for f in p.iterdir()) for p in good} == before
    event = records(run)[-1]
    assert event["event"] == "diverged" and event["non_finite"]

    # resume from the last good snapshot with a sane learning rate: it continues and ends finite
    code, err = cli(capsys, "train", "--data", data, *TINY, "--kimg", "0.048", "--snap", "0.016", "--outdir",
                    str(out), "--resume", str(run), "--lr-g", "0.001", "--lr-d", "0.001")
    assert code == 0, err
    resumed = [r for r in records(run) if r.get("event") == "resume"]
    assert resumed[-1]["from"] == str(good[-1])
    last = list_checkpoints(run)[-1]
    assert last.name == "snapshot-000000.048" and all_finite(last)
    state = read_state(last)
    assert state["config"]["lr_g"] == 0.001
    assert state["trainer"]["opt_G"]["param_groups"][0]["lr"] == pytest.approx(0.001 * 4 / 5)


def test_a_run_that_diverges_before_any_snapshot_says_so(tmp_path, shared_data, capsys):
    out = tmp_path / "runs"
    code, err = cli(capsys, "train", "--data", str(shared_data / "fashion-mnist"), *TINY, "--kimg", "0.2",
                    "--snap", "0.1", "--outdir", str(out), "--lr-g", "1e6", "--lr-d", "1e6")
    assert code != 0 and "no snapshot was written before it" in err and "\n" not in err
    (run,) = out.iterdir()
    assert list_checkpoints(run) == []


def test_checks_name_what_is_not_finite():
    assert non_finite_stats({"loss/G": 0.7, "loss/D": float("nan"), "pl_mean": float("inf"), "steps": 3}) == \
        ["loss/D", "pl_mean"]
    good, bad = torch.nn.Linear(2, 2), torch.nn.Linear(2, 2)
    with torch.no_grad():
        bad.weight[0, 1] = float("-inf")
    named = {"G": good, "D": bad, "grid": torch.tensor([0.0, float("nan")]), "absent": None}
    assert non_finite_tensors(named, torch.device("cpu")) == ["D", "grid"]
