"""The trained tagger: heads, label maps, temperatures, thresholds, backbone identity; save and load.

A tagger folder holds `tagger.safetensors` (the heads' tensors, and the fine-tuned Inception blocks'
weights when the backbone was fine-tuned) and `tagger.json` (everything else). Loading reads
safetensors and JSON only, never a pickle, and refuses a tagger whose backbone (the sha256 of the
FID Inception weights) is not the one installed: its heads would read features they were never
trained on.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from modiste.atomic import atomic_path, atomic_write_json
from modiste.errors import ModisteError
from modiste.products.tagger.heads import AttributeHead, head_logits

FORMAT = "modiste-tagger"
VERSION = 1
ABSTAIN = "abstain"
WEIGHTS_FILE, META_FILE = "tagger.safetensors", "tagger.json"


@dataclass
class AttributeSpec:
    """What a head predicts: class names (index order), rare classes folded into "other",
    the temperature T and the abstain threshold on the calibrated top probability."""

    name: str
    classes: list[str]
    folded: dict[str, int] = field(default_factory=dict)
    temperature: float = 1.0
    threshold: float = 0.0
    hidden: int = 0
    pca_dims: int = 0


@dataclass
class AttributePrediction:
    """One head's output for N images: probs float32 [N, K] (calibrated), labels (class or "abstain"),
    top (the arg-max class, even when abstaining) and confidence float [N] in [0, 1]."""

    probs: np.ndarray
    labels: list[str]
    top: list[str]
    confidence: np.ndarray

    @property
    def abstained(self) -> np.ndarray:
        return np.array([label == ABSTAIN for label in self.labels], dtype=bool)


class Tagger:
    """A multi-head attribute classifier over the FID Inception's 2048-d pool features."""

    def __init__(self, specs: list[AttributeSpec], heads: dict[str, AttributeHead], backbone: dict[str, Any],
                 info: dict[str, Any] | None = None, backbone_state: dict[str, torch.Tensor] | None = None) -> None:
        self.specs = {s.name: s for s in specs}
        self.heads = heads
        self.backbone = backbone  # {"name", "weights_sha256", "resize", "fine_tuned_blocks"?}
        self.info = info or {}
        self.backbone_state = backbone_state or {}  # fine-tuned Inception block tensors, by parameter name

    @property
    def attributes(self) -> list[str]:
        return list(self.specs)

    def logits(self, features: torch.Tensor) -> dict[str, torch.Tensor]:
        """Uncalibrated logits per attribute: float32 [N, K_attr] from features [N, 2048]."""
        return {name: head_logits(self.heads[name], features) for name in self.specs}

    def predict_features(self, features: torch.Tensor) -> dict[str, AttributePrediction]:
        """Calibrated predictions per attribute for features float32 [N, 2048]."""
        out = {}
        for name, z in self.logits(features).items():
            spec = self.specs[name]
            probs = torch.softmax(z.double() / spec.temperature, dim=1).float().numpy()
            best = probs.argmax(1)
            conf = probs[np.arange(len(best)), best]
            top = [spec.classes[i] for i in best]
            labels = [t if c >= spec.threshold else ABSTAIN for t, c in zip(top, conf)]
            out[name] = AttributePrediction(probs, labels, top, conf)
        return out

    def save(self, folder: str | os.PathLike) -> Path:
        """Write tagger.safetensors + tagger.json into `folder` (created); returns the folder."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        tensors = {f"head.{name}.{k}": v.detach().cpu().contiguous() for name, head in self.heads.items()
                   for k, v in head.state_dict().items()}
        tensors.update({f"backbone.{k}": v.detach().cpu().contiguous() for k, v in self.backbone_state.items()})
        meta = {"format": FORMAT, "version": VERSION, "backbone": self.backbone,
                "attributes": [asdict(s) for s in self.specs.values()], "info": self.info}
        with atomic_path(folder / WEIGHTS_FILE) as tmp:
            save_file(tensors, str(tmp))
        atomic_write_json(folder / META_FILE, meta)
        return folder


def read_meta(folder: Path) -> dict[str, Any]:
    meta_file = folder / META_FILE
    if not meta_file.is_file() or not (folder / WEIGHTS_FILE).is_file():
        raise ModisteError(f"'{folder}' is not a tagger folder (no {META_FILE} + {WEIGHTS_FILE}): "
                           "pass the --out folder of `modiste tagger train`")
    try:
        meta = json.loads(meta_file.read_text())
    except (OSError, ValueError) as e:
        raise ModisteError(f"'{meta_file}' is unreadable ({e}): train the tagger again") from None
    if not isinstance(meta, dict) or "format" not in meta:
        raise ModisteError(f"'{meta_file}' is not a tagger description (no \"format\" field): pass the --out "
                           "folder of `modiste tagger train`, or train the tagger again")
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise ModisteError(f"'{folder}' holds format {meta.get('format')!r} v{meta.get('version')}, not "
                           f"{FORMAT} v{VERSION}: train the tagger again with this version")
    return meta


def load_tagger(folder: str | os.PathLike, backbone_sha256: str | None = None) -> Tagger:
    """Load a tagger folder. `backbone_sha256`: the installed Inception's sha256 (resolved if None).

    Raises ModisteError for a missing/damaged folder or a tagger trained on another backbone.
    """
    folder = Path(folder)
    meta = read_meta(folder)
    if backbone_sha256 is None:
        from modiste.metrics.inception import resolve_weights

        backbone_sha256 = resolve_weights()[1]
    saved = str(meta.get("backbone", {}).get("weights_sha256", ""))
    if saved != backbone_sha256:
        raise ModisteError(
            f"tagger '{folder}' was trained on another backbone (Inception sha256 {saved[:12]}..., installed "
            f"{backbone_sha256[:12]}...): retrain it with `modiste tagger train` or install the weights it used")
    colour = meta["backbone"].get("colour_features")
    if colour is not None:
        from modiste.products.tagger.colour_features import VERSION

        if colour != VERSION:
            raise ModisteError(f"tagger '{folder}' uses colour features {colour!r}, this version computes "
                               f"{VERSION!r}: retrain it with `modiste tagger train --colour-features`")
    try:
        tensors = load_file(str(folder / WEIGHTS_FILE))
    except (OSError, ValueError, RuntimeError, SafetensorError) as e:
        raise ModisteError(f"'{folder / WEIGHTS_FILE}' is damaged ({type(e).__name__}): train the tagger again") \
            from None
    specs = [AttributeSpec(**{**s, "folded": dict(s.get("folded", {}))}) for s in meta["attributes"]]
    heads = {}
    for spec in specs:
        prefix = f"head.{spec.name}."
        state = {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}
        if "mean" not in state:
            raise ModisteError(f"'{folder}' has no weights for head {spec.name!r}: train the tagger again")
        pca_width = state["pca_mean"].numel() if spec.pca_dims and "pca_mean" in state else 0
        head = AttributeHead(state["mean"].numel(), len(spec.classes), spec.hidden, pca_dims=spec.pca_dims,
                             pca_width=pca_width)
        try:
            head.load_state_dict(state)
        except RuntimeError as e:
            raise ModisteError(f"head {spec.name!r} in '{folder}' does not match its label map ({e}): "
                               "train the tagger again") from None
        heads[spec.name] = head.eval()
    backbone_state = {k[len("backbone."):]: v for k, v in tensors.items() if k.startswith("backbone.")}
    return Tagger(specs, heads, meta["backbone"], meta.get("info", {}), backbone_state)
