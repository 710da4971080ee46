"""Atomic file writes: a crash or kill leaves either the old file or the new one, never half a file.

`tempfile.mkstemp` creates its file with mode 0600 and `mkdtemp` its folder with 0700, whatever the
umask; a renamed temporary would keep that mode and hide grids, reports and checkpoints from a
teammate or a web server. `respect_umask` gives them the mode a plain `open(path, "w")` or
`mkdir` would (0644 / 0755 under the usual umask 022).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any, Iterator

FILE_MODE, DIR_MODE = 0o666, 0o777  # what open() and mkdir() ask for before the umask


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (Linux: /proc/self/status)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)  # elsewhere: set and restore (brief, but the only portable way)
    os.umask(mask)
    return mask


def respect_umask(path: str | os.PathLike) -> None:
    """Give a file or folder made by mkstemp/mkdtemp the mode a normal write would (e.g. 0644, 0755)."""
    base = DIR_MODE if os.path.isdir(path) else FILE_MODE
    os.chmod(path, base & ~current_umask())


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to `path`; on success it is fsynced and renamed onto `path`.

    The file gets the mode a normal write would give (0666 minus the umask). Nothing is left behind
    if the body raises.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        respect_umask(tmp_path)  # tools that reopen the path (torch.save, PIL) keep the mode it has now
        yield tmp_path
        respect_umask(tmp_path)  # again: some writers (safetensors) replace the file with a 0600 one of their own
        with open(tmp_path, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, path)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | os.PathLike, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True) + "\n")
