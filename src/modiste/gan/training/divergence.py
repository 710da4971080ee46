"""Stop a diverging run: non-finite losses or weights end training before they reach a snapshot.

Checked where it costs nothing extra: the loss means already all-reduced for each log record
(every `--log-every` kimg and right before each snapshot), and the weights and buffers of G, D and
G_ema plus the sample grid just before a snapshot is written. Every rank reaches the same verdict
(the losses are all-reduced, the weight check is reduced across ranks), so all stop together.
"""

from __future__ import annotations

import math
from pathlib import Path

import torch
from torch import nn

from modiste.distributed import all_reduce_sum
from modiste.errors import ModisteError

ADVICE = "lower --lr-g/--lr-d, raise --r1-gamma, or use --precision fp32"


class TrainingDiverged(ModisteError):
    """Losses or weights became NaN or infinite; the message names the last good snapshot."""


def non_finite_stats(stats: dict[str, float]) -> list[str]:
    """Names of the logged statistics (floats) that are NaN or +-inf."""
    return sorted(name for name, value in stats.items() if isinstance(value, float) and not math.isfinite(value))


@torch.no_grad()
def non_finite_tensors(named: dict[str, nn.Module | torch.Tensor | None], device: torch.device) -> list[str]:
    """Names of the modules (parameters and floating buffers) or tensors holding a NaN or inf,
    agreed over all ranks: a name is reported when any rank finds one."""
    names = list(named)
    flags = torch.zeros(len(names), device=device)
    for i, name in enumerate(names):
        item = named[name]
        if item is None:
            continue
        tensors = [item] if isinstance(item, torch.Tensor) else [*item.parameters(), *item.buffers()]
        flags[i] = float(any(t.is_floating_point() and not bool(torch.isfinite(t).all()) for t in tensors))
    flags = all_reduce_sum(flags)
    return [name for name, flag in zip(names, flags.tolist()) if flag > 0]


def last_good_snapshot(run_dir: Path) -> Path | None:
    """The newest snapshot of the run (only finite snapshots are ever written)."""
    from modiste.gan.checkpoint import list_checkpoints

    snapshots = list_checkpoints(run_dir)
    return snapshots[-1] if snapshots else None


def diverged(run_dir: Path, kimg: float, step: int, what: list[str]) -> TrainingDiverged:
    """The one-line error for a run whose `what` (statistics or networks) became non-finite."""
    snapshot = last_good_snapshot(run_dir)
    where = f"training diverged at {kimg:.3f} kimg (step {step}): {', '.join(what)} became NaN or infinite"
    if snapshot is None:
        return TrainingDiverged(f"{where}; no snapshot was written before it: start again and {ADVICE}")
    return TrainingDiverged(f"{where}; the last good snapshot is {snapshot} (kept): continue from it with "
                            f"--resume {run_dir} and {ADVICE}")
