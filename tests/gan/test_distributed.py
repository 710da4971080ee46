"""Two processes under torchrun (gloo on CPU): DDP keeps every replica identical; a half-set launch is refused."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from modiste.distributed import init_distributed
from modiste.errors import ModisteError


@pytest.mark.slow
def test_two_process_torchrun_keeps_parameters_identical(tmp_path, shared_data):
    out = tmp_path / "runs"
    cmd = [sys.executable, "-m", "modiste", "train", "--gpus", "2", "--device", "cpu",
           "--data", str(shared_data / "fashion-mnist"), "--resolution", "16", "--preset", "tiny",
           "--batch", "8", "--kimg", "0.048", "--snap", "0.016", "--log-every", "0.016", "--aug", "ada",
           "--workers", "0", "--quiet", "--outdir", str(out)]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    (run,) = list(out.iterdir())
    logs = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    start = next(r for r in logs if r.get("event") == "start")
    assert start["processes"] == 2 and start["backend"] == "gloo"
    snapshots = [r for r in logs if r.get("event") == "snapshot"]
    assert len(snapshots) == 3
    # parameters of G and D compared across ranks at every snapshot: bit-identical
    assert all(r["ddp/max_param_divergence"] == 0.0 for r in snapshots)
    # each step of a rank saw 4 of the global 8 images; the losses were all-reduced and logged once
    steps = [r for r in logs if "loss/D" in r]
    assert [r["step"] for r in steps] == [2, 4, 6]
    # the checkpoint holds each rank's RNG state, for an exact resume with the same process count
    from modiste.gan.checkpoint import list_checkpoints, read_tensors

    assert sorted(read_tensors(list_checkpoints(run)[-1], "rng")) == ["rank0", "rank1"]


def test_a_half_set_torchrun_environment_is_refused(monkeypatch):
    for name in ("MASTER_ADDR", "LOCAL_RANK"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("WORLD_SIZE", "2")
    with pytest.raises(ModisteError, match="WORLD_SIZE=2 is set but MASTER_ADDR"):
        init_distributed("cpu")
    monkeypatch.delenv("WORLD_SIZE")
    ctx = init_distributed("cpu")
    assert (ctx.world_size, ctx.is_distributed) == (1, False)
