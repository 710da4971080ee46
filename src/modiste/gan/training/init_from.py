"""`modiste train --init-from`: start a new run from another model's weights (fine-tuning).

The source is a Modiste run folder (its latest snapshot), a snapshot folder or a file in one, or a
published file that `modiste import` reads (rosinality `.pt`, stylegan2-ada-pytorch `.pkl`),
converted in memory. G, D and G_ema are copied wherever a parameter or buffer has the same name
and shape in the new run's networks; the rest keeps its fresh initialisation. The optimisers,
progress (kimg, step), path-length mean and ADA state stay fresh: a new run, not a resume.

Classes are matched by name: the class embeddings of G's mapping and of D's projection are one
weight column per class, so a class the source knows keeps its column (rescaled for the new class
count's equalised-LR gain, so its run-time value is unchanged) wherever it sits in the new order,
and a new class keeps a fresh column. An unconditional source gives a conditional run fresh class
embeddings (and a fresh first mapping layer, whose input widens). The canvas (width and aspect)
must match: the networks' blocks are tied to it.
"""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import torch

from modiste.errors import ModisteError
from modiste.gan.checkpoint import read_state, read_tensors, resolve_checkpoint
from modiste.gan.networks.config import NetworkConfig

if TYPE_CHECKING:
    from modiste.gan.training.config import TrainConfig
    from modiste.gan.training.trainer import GANTrainer

FOREIGN_SUFFIXES = (".pt", ".pth", ".pkl")
NETWORKS = ("G", "D", "G_ema")
# the weights whose columns are the classes (EqualLinear(c_dim, ...) embeddings)
CLASS_EMBEDDINGS = {"G": "mapping.embed.weight", "G_ema": "mapping.embed.weight", "D": "class_mapping.embed.weight"}


@dataclass
class SourceModel:
    path: Path  # the snapshot folder or foreign file that was read
    sha256: str  # content hash of the weights' files
    network: NetworkConfig
    tensors: dict[str, dict[str, torch.Tensor]]  # "G", "D", "G_ema" -> state dict (G/D may be absent)


@dataclass
class InitReport:
    loaded: dict[str, int] = field(default_factory=dict)  # tensors copied per network
    fresh: dict[str, list[str]] = field(default_factory=dict)  # names left at their new initialisation

    def summary(self) -> str:
        parts = [f"{name} {self.loaded[name]}/{self.loaded[name] + len(self.fresh[name])}" for name in self.loaded]
        return "tensors copied: " + ", ".join(parts)


def file_sha256(paths: list[Path]) -> str:
    """sha256 over the bytes of `paths` in the given order (hex)."""
    digest = hashlib.sha256()
    for path in paths:
        with open(path, "rb") as f:
            for chunk in iter(lambda: f.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def read_source(path: str | Path) -> SourceModel:
    """Read the weights `--init-from` names. Raises ModisteError for a missing or unreadable source."""
    path = Path(path)
    if path.is_file() and path.suffix.lower() in FOREIGN_SUFFIXES:
        from modiste.gan.convert import read_foreign_model

        network, tensors = read_foreign_model(path)
        return SourceModel(path.resolve(), file_sha256([path]), network, tensors)
    snapshot = resolve_checkpoint(path)
    names = [n for n in NETWORKS if (snapshot / f"{n}.safetensors").is_file()]
    if "G_ema" not in names:
        raise ModisteError(f"{snapshot} has no G_ema.safetensors: pass a Modiste snapshot, run folder, .pt or .pkl")
    network = NetworkConfig(**read_state(snapshot)["network"])
    tensors = {n: read_tensors(snapshot, n) for n in names}
    return SourceModel(snapshot.resolve(), file_sha256([snapshot / f"{n}.safetensors" for n in names]), network,
                       tensors)


def copy_matching(module: torch.nn.Module, source: dict[str, torch.Tensor], skip: tuple[str, ...] = ()) -> list[str]:
    """Copy every tensor of `source` whose name and shape match `module`'s state, except the names in
    `skip`; return the names left at their fresh initialisation."""
    fresh = []
    with torch.no_grad():
        for name, target in module.state_dict(keep_vars=True).items():
            value = source.get(name)
            if value is None or value.shape != target.shape or name in skip:
                fresh.append(name)
            else:
                target.copy_(value.to(target.dtype))
    return fresh


def copy_class_columns(target: torch.Tensor, source: torch.Tensor, target_names: list[str],
                       source_names: list[str]) -> int:
    """Copy the embedding column [out, c_dim] of every class both sets name; return how many.

    Stored equalised-LR weights are scaled at run time by 1/sqrt(c_dim), so a copied column is
    multiplied by sqrt(c_new / c_source) to give the same run-time embedding.
    """
    if source.dim() != 2 or source.shape[0] != target.shape[0]:
        return 0
    scale = (len(target_names) / len(source_names)) ** 0.5
    shared = [(target_names.index(n), source_names.index(n)) for n in target_names if n in source_names]
    with torch.no_grad():
        for new, old in shared:
            target[:, new] = source[:, old] * scale
    return len(shared)


def check_compatible(source: NetworkConfig, target: NetworkConfig, where: Path) -> None:
    if (source.width, source.height) != (target.width, target.height):
        raise ModisteError(f"--init-from {where} is a {source.width}x{source.height} model but this run's canvas is "
                           f"{target.width}x{target.height}: use the same --resolution and --aspect")


def initialise_from(G: torch.nn.Module, D: torch.nn.Module, G_ema: torch.nn.Module, source: SourceModel) -> InitReport:
    """Copy `source` into the new run's networks (in place); see the module docstring for the rules.

    Raises ModisteError when the canvas differs or when not a single generator tensor matches.
    """
    check_compatible(source.network, G.cfg, source.path)
    source_classes, classes = list(source.network.class_names), list(G.cfg.class_names)
    report = InitReport()
    tensors = dict(source.tensors)
    tensors.setdefault("G", tensors["G_ema"])  # a file with only the EMA generator still seeds G
    for name, module in (("G", G), ("D", D), ("G_ema", G_ema)):
        state, embedding = tensors.get(name, {}), CLASS_EMBEDDINGS[name]
        fresh = copy_matching(module, state, skip=(embedding,))
        if embedding in state and classes and source_classes:
            if copy_class_columns(module.state_dict(keep_vars=True)[embedding], state[embedding], classes,
                                  source_classes):
                fresh.remove(embedding)  # partly copied: the new classes' columns stay fresh
        report.fresh[name] = fresh
        report.loaded[name] = len(module.state_dict()) - len(fresh)
    if report.loaded["G_ema"] == 0:
        raise ModisteError(f"no generator weight of {source.path} matches this run's network: use the same --arch "
                           "and --preset (or --channel-base/--channel-max) as the source")
    return report


def start_from_model(trainer: "GANTrainer", cfg: "TrainConfig") -> InitReport:
    """The `--init-from` hook of the training loop: load `cfg.init_from` into `trainer`'s G, D, G_ema.

    Records where the run started in `cfg` (the resolved path and the weights' sha256, so
    config.json names them); when `cfg.init_from_sha256` was given, the source must have that hash.
    """
    source = read_source(cfg.init_from)
    expected = getattr(cfg, "init_from_sha256", None)
    if expected and expected != source.sha256:
        raise ModisteError(f"--init-from {source.path} has sha256 {source.sha256[:12]}..., not the expected "
                           f"{expected[:12]}...: pass the model the config names, or drop --init-from-sha256")
    report = initialise_from(trainer.G, trainer.D, trainer.G_ema, source)
    cfg.init_from, cfg.init_from_sha256 = str(source.path), source.sha256
    if trainer.ctx.is_main:
        print(f"init-from {source.path}: {report.summary()}", file=sys.stderr)
    return report

