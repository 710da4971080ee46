"""Typed configuration of an image-training run, validated up front.

Every field has a CLI flag of the same name (underscores -> dashes). `resolve()` fills the
values that depend on others (R1 gamma from the canvas's pixel count and batch, EMA half-life from
batch), exactly once, so the saved `config.json` is the complete recipe of the run.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from modiste.data.transforms import MODES as FIT_MODES
from modiste.errors import ModisteError
from modiste.gan.augment import AUGMENT_KINDS
from modiste.gan.networks.config import ASPECTS, PRESETS, NetworkConfig, parse_aspect

AUGMENTS = AUGMENT_KINDS  # one list: the augmentation package's
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
REG_PRECISIONS = ("fp32", "auto")  # of the R1 and path-length passes (issue 15)
PARALLELS = ("ddp", "dp")


@dataclass
class TrainConfig:
    # data
    data: str = ""
    labels: str | None = None  # CSV/JSON file mapping images to attributes
    cond: str | None = None  # attribute used as the class (e.g. articleType, "folder"); None = unconditional
    drop_unlabelled: bool = False  # train on the labelled images only instead of refusing unlabelled ones
    mode: str = "pad"  # pad | crop
    xflip: bool = False
    # shape and width
    resolution: int = 32
    aspect: str = "1:1"
    preset: str = "small"
    arch: str = "stylegan2"
    swagan_d: str | None = None  # SWAGAN discriminator: residual | paper (None = networks.config default)
    channel_base: int | None = None  # override the preset
    channel_max: int | None = None
    mapping_layers: int | None = None
    # schedule
    batch: int = 32  # global batch over all processes
    grad_accum: int = 1  # micro-batches per optimiser step on each process
    kimg: float = 1000.0  # training length in thousands of real images shown to D
    max_minutes: float | None = None  # stop early after this wall time (checkpoint written)
    snap: float = 50.0  # kimg between checkpoints and sample grids
    log_every: float = 1.0  # kimg between JSONL/TensorBoard log records
    keep: int = 3  # checkpoints kept (the last K)
    seed: int = 0
    # optimisation
    lr_g: float = 0.0025
    lr_d: float = 0.0025
    beta1: float = 0.0
    beta2: float = 0.99
    r1_gamma: float | None = None  # None = 0.0002 * width * height / batch
    r1_interval: int = 16
    pl_weight: float = 2.0
    pl_interval: int = 4
    style_mixing: float = 0.9
    ema_kimg: float | None = None  # None = batch * 10 / 32
    ema_rampup: float | None = 0.05
    # small catalogues
    aug: str = "ada"
    ada_target: float = 0.6
    ada_kimg: float = 500.0
    ada_interval: int = 4
    diffaugment_policy: str = "color,translation,cutout"
    # hardware
    device: str = "auto"
    precision: str = "auto"  # auto = bf16 on GPUs that support it, else fp16 on GPU; fp32 on CPU
    compile: bool = False
    reg_precision: str = "fp32"  # auto = the R1/path-length passes under --precision's bf16 autocast
    channels_last: bool = False  # G, D and the reals in channels-last memory format (tensor cores)
    workers: int = 2
    parallel: str = "ddp"  # ddp | dp (DataParallel, only for the DP-vs-DDP benchmark)
    sync_bn: bool = False
    # metrics during training
    metrics: list[str] = field(default_factory=list)
    metrics_every: float = 0.0  # kimg; 0 = at every snapshot when metrics are given
    # start from another model's weights (modiste.gan.training.init_from); None = random init
    init_from: str | None = None
    init_from_sha256: str | None = None  # filled by the run; when given, the source must have this hash

    def validate(self) -> None:
        def positive(name: str) -> None:
            if getattr(self, name) <= 0:
                raise ModisteError(f"--{name.replace('_', '-')} must be positive, got {getattr(self, name)}")

        for name in ("batch", "grad_accum", "kimg", "snap", "log_every", "keep", "lr_g", "lr_d",
                     "r1_interval", "pl_interval", "ada_kimg", "ada_interval"):
            positive(name)
        if self.aspect not in ASPECTS:
            raise ModisteError(f"unknown --aspect {self.aspect!r}: use one of {', '.join(ASPECTS)} (width:height)")
        if self.preset not in PRESETS:
            raise ModisteError(f"unknown --preset {self.preset!r}: use one of {', '.join(PRESETS)}")
        if self.aug not in AUGMENTS:
            raise ModisteError(f"unknown --aug {self.aug!r}: use one of {', '.join(AUGMENTS)}")
        if self.precision not in PRECISIONS:
            raise ModisteError(f"unknown --precision {self.precision!r}: use one of {', '.join(PRECISIONS)}")
        if self.reg_precision not in REG_PRECISIONS:
            raise ModisteError(f"unknown --reg-precision {self.reg_precision!r}: use one of {', '.join(REG_PRECISIONS)}")
        if self.mode not in FIT_MODES:
            raise ModisteError(f"unknown --mode {self.mode!r}: use {' or '.join(FIT_MODES)}")
        if self.parallel not in PARALLELS:
            raise ModisteError(f"unknown --parallel {self.parallel!r}: use {' or '.join(PARALLELS)}")
        if not 0 <= self.style_mixing <= 1:
            raise ModisteError(f"--style-mixing is a probability in [0, 1], got {self.style_mixing}")
        if not 0 < self.ada_target < 1:
            raise ModisteError(f"--ada-target must be in (0, 1), got {self.ada_target}")
        if self.r1_gamma is not None and self.r1_gamma < 0:
            raise ModisteError(f"--r1-gamma must be >= 0, got {self.r1_gamma}")
        if self.pl_weight < 0:
            raise ModisteError(f"--pl-weight must be >= 0, got {self.pl_weight}")
        if self.max_minutes is not None and self.max_minutes <= 0:
            raise ModisteError(f"--max-minutes must be positive, got {self.max_minutes}")
        if self.labels and not self.cond:
            raise ModisteError("--labels was given without --cond: name the attribute to condition on, e.g. --cond articleType")
        if self.metrics:
            from modiste.metrics.specs import parse_metrics

            parse_metrics(self.metrics)  # a typo fails now, not after hours of training
        if self.metrics_every < 0:
            raise ModisteError(f"--metrics-every must be >= 0 kimg, got {self.metrics_every}")
        self.network_config(img_channels=3, class_names=[])  # validates resolution/arch/widths
        self.validate_batch(world_size=1)  # again with the process count once it is known

    def validate_batch(self, world_size: int) -> int:
        """Images per discriminator pass (`batch / (world_size * grad_accum)`), checked up front.

        Each process's D sees `batch / world_size / grad_accum` images per pass; minibatch
        standard deviation splits them into groups of min(mbstd_group, images), as stylegan2-ada
        does, so the images must be a multiple of the group (a pass of 7 with group 4 would leave
        groups of 1, whose deviation is a constant channel). Raises ModisteError naming valid
        batch sizes otherwise.
        """
        per_step = world_size * self.grad_accum
        if self.batch % per_step:
            raise ModisteError(f"--batch {self.batch} is not divisible by processes x --grad-accum "
                               f"({world_size} x {self.grad_accum}): pick a multiple of {per_step}")
        images = self.batch // per_step
        group = self.network_config(img_channels=3, class_names=[]).mbstd_group
        if images > group and images % group:
            multiple = per_step * group
            lower, upper = self.batch // multiple * multiple, (self.batch // multiple + 1) * multiple
            nearest = f"--batch {lower} or {upper}" if lower else f"--batch {upper}"
            raise ModisteError(
                f"--batch {self.batch} gives {images} images per discriminator pass ({world_size} processes x "
                f"--grad-accum {self.grad_accum}), which minibatch standard deviation cannot split into groups of "
                f"{group}: use a multiple of {multiple}, e.g. {nearest}")
        return images

    def resolve(self) -> "TrainConfig":
        """Fill defaults that depend on other values (idempotent)."""
        if self.r1_gamma is None:  # R1 sums squared gradients over every pixel: scale with width x height
            from modiste.gan.training.losses import default_r1_gamma  # torch: not at `--help` time

            width, height = self.canvas_size()
            self.r1_gamma = default_r1_gamma(width, self.batch, height=height)
        if self.ema_kimg is None:
            self.ema_kimg = self.batch * 10 / 32
        return self

    def canvas_size(self) -> tuple[int, int]:
        """(width, height) in pixels: `resolution` is the width, `aspect` (width:height) gives the height."""
        aspect_w, aspect_h = parse_aspect(self.aspect)
        return self.resolution, self.resolution * aspect_h // aspect_w

    def network_config(self, img_channels: int, class_names: list[str]) -> NetworkConfig:
        return NetworkConfig.from_preset(
            self.preset,
            resolution=self.resolution,
            aspect=ASPECTS.get(self.aspect, (1, 1)),
            img_channels=img_channels,
            c_dim=len(class_names),
            class_names=list(class_names),
            arch=self.arch,
            swagan_d=self.swagan_d,
            channel_base=self.channel_base,
            channel_max=self.channel_max,
            mapping_layers=self.mapping_layers,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "TrainConfig":
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ModisteError(f"unknown config keys {unknown}: remove them from the config file")
        return cls(**d)

    @classmethod
    def load(cls, path: str | Path) -> "TrainConfig":
        try:
            return cls.from_dict(json.loads(Path(path).read_text()))
        except (OSError, json.JSONDecodeError) as e:
            raise ModisteError(f"cannot read config {path}: {e}") from e
