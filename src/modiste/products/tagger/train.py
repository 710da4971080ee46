"""`train_tagger`: features once (cached), stratified split, one head per attribute, calibration.

    from modiste.products.tagger.train import TaggerConfig, train_tagger
    cfg = TaggerConfig(data="shared/data/fashion-products-224/images", labels=".../labels.csv",
                       attributes=["masterCategory", "articleType", "baseColour"])
    result = train_tagger(cfg, out="runs/tagger")   # result.tagger, result.report

Everything is validated (labels, attributes, classes, split) before the slow feature pass, and the
output folder is written only at the end.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from modiste.atomic import atomic_write_json
from modiste.errors import ModisteError
from modiste.products.tagger.calibration import abstain_threshold, fit_temperature, nll
from modiste.products.tagger.features import Backbone, DatasetFeatures, dataset_features, load_backbone
from modiste.products.tagger.head_options import parse_head_options
from modiste.products.tagger.heads import head_logits, train_head
from modiste.products.tagger.labels import AttributeLabels, dataset_attribute_values, fold_rare
from modiste.products.tagger.model import META_FILE, AttributeSpec, Tagger
from modiste.products.tagger.split import Split, stratified_split

SPLIT_FILE, REPORT_FILE = "split.json", "train_report.json"
EVAL_DIR = "eval"  # `modiste tagger eval`'s default output, inside the tagger folder


@dataclass
class TaggerConfig:
    """Settings of `modiste tagger train` (one CLI option per field)."""

    data: str = ""
    labels: str | None = None
    attributes: list[str] = field(default_factory=lambda: ["class"])
    label_field: str | None = None
    drop_unlabelled: bool = False
    resolution: int | None = None
    aspect: str = "1:1"
    mode: str = "pad"
    min_count: int = 20
    holdout: float = 0.2
    val: float = 0.1
    stratify: str | None = None
    hidden: int = 0
    class_weight: str = "balanced"
    l2: float = 1e-3
    epochs: int = 30
    max_iter: int = 100
    target_precision: float = 0.9
    colour_features: bool = False
    seed: int = 0
    fine_tune_blocks: int = 0
    fine_tune_epochs: int = 2
    head_options: str | None = None
    device: str = "cpu"
    cache_dir: str | None = None


@dataclass
class TaggerData:
    """Everything a tagger learns from: features of the kept images and their attribute targets."""

    features: DatasetFeatures
    keep: np.ndarray  # dataset indices of the images with labels
    labels: dict[str, AttributeLabels]
    colour: torch.Tensor | None = None  # float32 [len(dataset), 178] garment colour features, if used

    @property
    def x(self) -> torch.Tensor:
        """Head inputs of the kept images: float32 [N, 2048] (+ 178 colour features when used)."""
        return self.with_colour(self.features.features[torch.from_numpy(self.keep)])

    def with_colour(self, inception: torch.Tensor, positions: np.ndarray | None = None) -> torch.Tensor:
        """Append the colour histograms of the kept images at `positions` (all if None) to `inception`."""
        if self.colour is None:
            return inception
        rows = self.keep if positions is None else self.keep[positions]
        return torch.cat([inception, self.colour[torch.from_numpy(rows)]], dim=1)

    def item(self, position: int) -> str:
        names = self.features.names
        index = int(self.keep[position])
        return names[index] if names is not None else str(index)


@dataclass
class TrainResult:
    tagger: Tagger
    split: Split
    report: dict[str, Any]
    out: Path | None


def open_tagger_dataset(cfg: TaggerConfig) -> Any:
    """The image dataset named by cfg.data, opened as `modiste train` would (never flipped)."""
    from modiste.data import open_image_dataset

    if not cfg.data:
        raise ModisteError("no data: pass --data FOLDER (images, .zip, Fashion-MNIST or a prepared dataset)")
    own = cfg.labels is None  # the data's own labels: Fashion-MNIST classes, or class folders
    return open_image_dataset(cfg.data, resolution=cfg.resolution, aspect=cfg.aspect, mode=cfg.mode,
                              label_field=cfg.label_field if own else None)


def prepare_labels(cfg: TaggerConfig, dataset: Any) -> tuple[np.ndarray, dict[str, AttributeLabels]]:
    """(kept dataset indices, folded targets per attribute), validated before any feature is computed."""
    names = getattr(getattr(dataset, "reader", None), "names", None)
    values, keep = dataset_attribute_values(dataset, list(names) if names is not None else None, cfg.labels,
                                            cfg.attributes, cfg.drop_unlabelled)
    return keep, {a: fold_rare(a, values[a], cfg.min_count) for a in cfg.attributes}


def load_tagger_data(cfg: TaggerConfig, backbone: Backbone | None = None, progress: bool = True
                     ) -> tuple[TaggerData, Backbone]:
    """Open and check the data and labels, then its features (from the metrics' cache when present)."""
    dataset = open_tagger_dataset(cfg)
    keep, labels = prepare_labels(cfg, dataset)
    backbone = backbone or load_backbone(device=cfg.device)
    feats = dataset_features(dataset, backbone, cache_dir=cfg.cache_dir, progress=progress)
    colour = None
    if cfg.colour_features:
        from modiste.metrics.cache import FeatureCache, dataset_identity
        from modiste.products.tagger.colour_features import dataset_colour_features

        cache = FeatureCache(cfg.cache_dir)
        colour = dataset_colour_features(dataset, cache.dir, dataset_identity(dataset, np.arange(len(dataset)), cache.dir),
                                    progress)
    return TaggerData(feats, keep, labels, colour), backbone


def stratify_attribute(cfg: TaggerConfig, labels: dict[str, AttributeLabels]) -> str:
    if cfg.stratify is not None:
        if cfg.stratify not in labels:
            raise ModisteError(f"--stratify {cfg.stratify} is not among --attributes ({', '.join(labels)})")
        return cfg.stratify
    return max(labels, key=lambda a: len(labels[a].classes))


def fit_heads(x: torch.Tensor, labels: dict[str, AttributeLabels], split: Split, cfg: TaggerConfig,
              inception_dim: int | None = None) -> tuple[list[AttributeSpec], dict, dict[str, Any]]:
    """Train and calibrate one head per attribute; returns specs, heads, report.

    x float32 [N, inception_dim (+ colour features)]: a head's `pca_dims` option projects the first
    `inception_dim` columns (default: all). Raises ModisteError for bad --head-options.
    """
    specs, heads, report = [], {}, {}
    overrides = parse_head_options(cfg.head_options, list(labels))
    for name, lab in labels.items():
        start = time.perf_counter()
        opts = {"hidden": cfg.hidden, "class_weight": cfg.class_weight, "l2": cfg.l2, "epochs": cfg.epochs,
                "max_iter": cfg.max_iter, "pca_dims": 0, **overrides.get(name, {})}
        head = train_head(x[torch.from_numpy(split.train)], lab.targets[split.train], len(lab.classes),
                          seed=cfg.seed, pca_width=inception_dim, **opts)
        seconds = time.perf_counter() - start
        val_y = lab.targets[split.val]
        seen = val_y >= 0
        z = head_logits(head, x[torch.from_numpy(split.val[seen])])
        y = torch.from_numpy(val_y[seen])
        temperature = fit_temperature(z, y)
        probs = torch.softmax(z.double() / temperature, 1).numpy()
        correct = probs.argmax(1) == y.numpy()
        threshold = abstain_threshold(probs.max(1), correct, cfg.target_precision)
        specs.append(AttributeSpec(name, lab.classes, lab.folded, temperature, threshold, opts["hidden"],
                                   opts["pca_dims"]))
        heads[name] = head
        report[name] = {
            "classes": len(lab.classes), "folded_into_other": lab.folded, "train_seconds": round(seconds, 2),
            "val_accuracy": float(correct.mean()) if len(correct) else None,
            "val_nll": nll(z, y) if len(y) else None, "val_nll_calibrated": nll(z, y, temperature) if len(y) else None,
            "temperature": temperature, "abstain_threshold": threshold,
            "missing_labels": int((lab.targets < 0).sum()), "options": opts,
        }
    return specs, heads, report


def check_config(cfg: TaggerConfig, out: str | os.PathLike | None = None, overwrite: bool = False) -> None:
    """Refuse settings that would crash or silently train a useless tagger, before any feature is computed.

    Raises ModisteError naming the option: --hidden/--min-count below 0/1, --epochs/--max-iter/
    --fine-tune-epochs below 1, a negative --l2 (a NaN temperature), --target-precision outside (0, 1]
    (above 1 every tag abstains), or an --out that is a file, lies under one, cannot be written, or
    already holds a tagger (unless `overwrite`: its files, and an evaluation of it, would no longer match).
    """
    if cfg.hidden < 0:
        raise ModisteError(f"--hidden {cfg.hidden}: use 0 (logistic regression) or a positive width like 512")
    if cfg.min_count < 1:
        raise ModisteError(f"--min-count {cfg.min_count}: use at least 1 (default 20)")
    for option, value in (("--epochs", cfg.epochs), ("--max-iter", cfg.max_iter),
                          ("--fine-tune-epochs", cfg.fine_tune_epochs if cfg.fine_tune_blocks else 1)):
        if value < 1:
            raise ModisteError(f"{option} {value}: use at least 1")
    if cfg.fine_tune_blocks < 0:
        raise ModisteError(f"--fine-tune-blocks {cfg.fine_tune_blocks}: use 0 (frozen) or a positive count")
    if not cfg.l2 >= 0:
        raise ModisteError(f"--l2 {cfg.l2}: the L2 penalty must be >= 0 (default 1e-3)")
    if not 0 < cfg.target_precision <= 1:
        raise ModisteError(f"--target-precision {cfg.target_precision}: use a precision in (0, 1], e.g. 0.9")
    if not (0 < cfg.holdout < 1 and 0 < cfg.val < 1 and cfg.holdout + cfg.val < 0.9):
        raise ModisteError(f"--holdout {cfg.holdout} and --val {cfg.val} must be in (0, 1) and leave >= 10 % "
                           "for training")
    parse_head_options(cfg.head_options, cfg.attributes)
    if out is not None:
        from modiste.products.outputs import check_output_folder

        check_output_folder(out, "--out")
        if not overwrite and (Path(out) / META_FILE).exists():
            raise ModisteError(f"--out '{out}' already holds a tagger ({META_FILE}): pick a new --out, or pass "
                               "--overwrite to replace it (its eval/ report is removed with it)")


def train_tagger(cfg: TaggerConfig, out: str | os.PathLike | None = None, progress: bool = True,
                 data: TaggerData | None = None, backbone: Backbone | None = None,
                 overwrite: bool = False) -> TrainResult:
    """Train a tagger as `cfg` says and, with `out`, save it there with its split and report.

    `data`/`backbone` may be passed to reuse features already in memory (benchmarks). Raises
    ModisteError for bad data or labels (see `modiste.products.tagger.labels`).
    """
    check_config(cfg, out, overwrite)
    if cfg.fine_tune_blocks and data is not None:
        raise ModisteError("fine-tuning reads images, not cached features: do not pass precomputed data")
    if data is None:
        data, backbone = load_tagger_data(cfg, backbone, progress)
    assert backbone is not None
    strat = stratify_attribute(cfg, data.labels)
    split = stratified_split(data.labels[strat].targets, cfg.holdout, cfg.val, cfg.seed, data.labels[strat].classes)
    x = data.x
    backbone_state: dict[str, torch.Tensor] = {}
    identity = dict(backbone.identity)
    if cfg.colour_features:
        from modiste.products.tagger.colour_features import VERSION

        identity["colour_features"] = VERSION
    if cfg.fine_tune_blocks:
        from modiste.products.tagger.finetune import fine_tune_backbone

        tuned, backbone_state = fine_tune_backbone(data, split, cfg, backbone, progress)
        x = data.with_colour(tuned)
        identity["fine_tuned_blocks"] = sorted({k.split(".")[0] for k in backbone_state})
    start = time.perf_counter()
    specs, heads, head_report = fit_heads(x, data.labels, split, cfg, data.features.features.shape[1])
    report = {
        "config": asdict(cfg), "images": int(len(data.keep)), "stratified_on": strat,
        "split": {"train": int(len(split.train)), "val": int(len(split.val)), "holdout": int(len(split.test))},
        "head_training_seconds": round(time.perf_counter() - start, 2), "heads": head_report,
    }
    info = {"data": cfg.data, "labels": cfg.labels, "images": int(len(data.keep)), "stratified_on": strat,
            "resolution": cfg.resolution, "aspect": cfg.aspect if cfg.resolution else None,
            "mode": cfg.mode if cfg.resolution else None}
    tagger = Tagger(specs, heads, identity, info, backbone_state)
    folder = None
    if out is not None:
        folder = tagger.save(out)
        shutil.rmtree(folder / EVAL_DIR, ignore_errors=True)  # an evaluation of the tagger just replaced
        atomic_write_json(folder / SPLIT_FILE, {
            "data": cfg.data, "labels": cfg.labels, "config": asdict(cfg),
            "train": [data.item(i) for i in split.train], "val": [data.item(i) for i in split.val],
            "holdout": [data.item(i) for i in split.test]})
        atomic_write_json(folder / REPORT_FILE, report)
    return TrainResult(tagger, split, report, folder)
