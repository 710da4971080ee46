"""Models by name: every run folder under `--runs`, loaded on first use, one copy per device.

A request names a model ("product-model"), never a path: names come from the folder names the
server found at start-up, so nothing a client sends is ever joined to a filesystem path.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import torch

from modiste.errors import ModisteError

NAME_RE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass
class LoadedModel:
    """A generator held in memory with its lock (one forward at a time per copy)."""

    name: str
    run: Path
    G: torch.nn.Module
    lock: threading.Lock = field(default_factory=threading.Lock)
    cache: dict[str, Any] = field(default_factory=dict)  # e.g. directions computed for the studio


def find_runs(root: Path, max_depth: int = 3) -> dict[str, Path]:
    """{name: run folder} for every folder under `root` holding checkpoints/snapshot-*/state.json."""
    if not root.is_dir():
        raise ModisteError(f"--runs {root} is not a folder: pass the folder holding your training runs")
    found: list[Path] = []

    def walk(folder: Path, depth: int) -> None:
        if any((s / "state.json").is_file() for s in (folder / "checkpoints").glob("snapshot-*")):
            found.append(folder)
            return
        if depth < max_depth:
            for child in sorted(p for p in folder.iterdir() if p.is_dir() and not p.name.startswith(".")):
                walk(child, depth + 1)

    walk(root, 0)
    names: dict[str, Path] = {}
    for run in found:
        base = NAME_RE.sub("-", run.name if run != root else root.name).strip("-") or "model"
        name, k = base, 2
        while name in names:
            name, k = f"{base}-{k}", k + 1
        names[name] = run
    return names


class ModelRegistry:
    """Lazy, thread-safe loading of the generators found under a runs folder."""

    def __init__(self, runs: Path, device: str = "cpu") -> None:
        self.device = device
        self.runs = find_runs(Path(runs))
        self._loaded: dict[str, LoadedModel] = {}
        self._lock = threading.Lock()

    def names(self) -> list[str]:
        return sorted(self.runs)

    def get(self, name: str) -> LoadedModel:
        """The loaded model `name`; ModisteError naming the known models if there is none."""
        if name not in self.runs:
            known = ", ".join(self.names()) or "none (the runs folder holds no checkpoints)"
            raise ModisteError(f"unknown model {name!r}: use one of {known} (GET /api/models lists them)")
        with self._lock:
            if name not in self._loaded:
                from modiste.gan.checkpoint import load_generator

                self._loaded[name] = LoadedModel(name, self.runs[name], load_generator(self.runs[name], self.device))
            return self._loaded[name]

    def info(self, name: str) -> dict[str, Any]:
        """What a client needs to drive a model, read from its latest snapshot without loading it."""
        from modiste.gan.checkpoint import read_state, resolve_checkpoint

        state = read_state(resolve_checkpoint(self.runs[name]))
        net = state.get("network", {})
        width = int(net.get("resolution", 0))
        aw, ah = net.get("aspect", [1, 1])
        return {
            "name": name,
            "width": width,
            "height": width * ah // aw,
            "aspect": f"{aw}:{ah}",
            "arch": net.get("arch", "stylegan2"),
            "classes": list(net.get("class_names", [])),
            "kimg": state.get("kimg"),
        }
