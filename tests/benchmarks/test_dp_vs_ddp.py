"""The DP-vs-DDP benchmark stays runnable: on CPU its DDP half runs under torchrun with gloo."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "dp_vs_ddp.py"


def test_cpu_run_reports_ddp_and_skips_dp():
    out = subprocess.run([sys.executable, str(SCRIPT), "--resolution", "16", "--batch", "4", "--preset", "tiny",
                          "--steps", "2", "--warmup", "0", "--processes", "2"],
                         capture_output=True, text=True, timeout=300, env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert out.returncode == 0, out.stderr[-2000:]
    records = [json.loads(line) for line in out.stdout.splitlines() if line.startswith("{")]
    dp, ddp = records[0], records[1]
    assert dp["mode"] == "dp" and "skipped" in dp
    assert ddp["mode"] == "ddp" and ddp["processes"] == 2 and ddp["img_per_s"] > 0
    assert ddp["sec_per_epoch"] == pytest.approx(60000 / ddp["img_per_s"], rel=0.01)
