"""`--gpus N`: re-launch the current command under torchrun with N processes on this machine.

Equivalent to `torchrun --standalone --nproc_per_node N -m modiste <same arguments>`; for several
nodes call torchrun yourself (see docs/training.md).
"""

from __future__ import annotations

import os
import subprocess
import sys


def strip_option(argv: list[str], name: str) -> list[str]:
    """argv without `--name VALUE` / `--name=VALUE`."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg == name:
            skip = True
            continue
        if arg.startswith(name + "="):
            continue
        out.append(arg)
    return out


def relaunch_with_torchrun(nproc: int, argv: list[str]) -> int:
    """Run `python -m torch.distributed.run --standalone --nproc_per_node nproc -m modiste argv`."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={nproc}",
           "-m", "modiste", *strip_option(argv, "--gpus")]
    env = dict(os.environ)
    env.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // nproc)))
    return subprocess.call(cmd, env=env)
