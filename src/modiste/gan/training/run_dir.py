"""Auto-numbered run folders (`runs/00003-fashion-mnist-32-stylegan2/`) and their JSONL/TensorBoard log."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path
from typing import Any

from modiste.gan.checkpoint import list_checkpoints

RUN_RE = re.compile(r"^(\d{5})-")


def new_run_dir(outdir: str | Path, dataset: str, resolution: int, aspect: str, arch: str) -> Path:
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    numbers = [int(m.group(1)) for p in outdir.iterdir() if (m := RUN_RE.match(p.name)) and p.is_dir()]
    shape = str(resolution) if aspect == "1:1" else f"{resolution}-{aspect.replace(':', 'x')}"
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", dataset).strip("-") or "data"
    for number in range(max(numbers, default=-1) + 1, 100000):
        path = outdir / f"{number:05d}-{slug}-{shape}-{arch}"
        try:
            path.mkdir()  # exclusive: two runs started at once never share a folder
            return path
        except FileExistsError:
            continue
    raise RuntimeError(f"no free run number in {outdir}")


def latest_resumable_run(outdir: str | Path) -> Path | None:
    """The highest-numbered run folder under `outdir` that has a complete checkpoint."""
    outdir = Path(outdir)
    if not outdir.is_dir():
        return None
    runs = sorted((p for p in outdir.iterdir() if RUN_RE.match(p.name) and p.is_dir()), reverse=True)
    return next((r for r in runs if list_checkpoints(r)), None)


class RunLog:
    """Appends one JSON record per line to log.jsonl and mirrors scalars to TensorBoard."""

    def __init__(self, run_dir: Path, tensorboard: bool = True):
        self.path = run_dir / "log.jsonl"
        self.writer = None
        if tensorboard:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(run_dir / "tensorboard"))

    def write(self, record: dict[str, Any], step_kimg: float | None = None) -> None:
        record = {"time": round(time.time(), 3), **record}
        with open(self.path, "a") as f:
            f.write(json.dumps(record) + "\n")
            f.flush()
        if self.writer is not None and step_kimg is not None:
            step = int(round(step_kimg * 1000))
            for key, value in record.items():
                if isinstance(value, (int, float)) and key not in ("time",):
                    self.writer.add_scalar(key, value, global_step=step)
            self.writer.flush()

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
