"""Shape and width of a generator/discriminator pair, and the width presets.

`resolution` is the image WIDTH, a power of two from 16 to 1024. `aspect` is width:height, so
portrait product photos get a taller canvas: (1, 1) square, (2, 3) -> height 1.5x width,
(1, 2) -> height 2x width. The synthesis network starts from a non-square learned constant
(4 wide x 6 tall for 2:3, 4 x 8 for 1:2) and doubles both sides at each block, as StyleGAN-Human
does for 1024x512, so every aspect uses the same blocks.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from modiste.errors import ModisteError

ARCHS = ("stylegan2", "swagan")
SWAGAN_DISCRIMINATORS = ("residual", "paper")
DEFAULT_SWAGAN_D = "residual"  # for new networks; chosen by benchmarks/swagan_d_variants.py (docs/networks.md)

ASPECTS: dict[str, tuple[int, int]] = {"1:1": (1, 1), "2:3": (2, 3), "1:2": (1, 2)}

# channel_base / channel_max set the width (channels at resolution r = min(base // r, max)).
PRESETS: dict[str, dict[str, int]] = {
    # seconds-per-step CPU models for tests and the demo
    "tiny": dict(channel_base=1024, channel_max=128, mapping_layers=2, z_dim=128, w_dim=128),
    # a laptop-CPU model that still learns garments in minutes
    "small": dict(channel_base=8192, channel_max=256, mapping_layers=2, z_dim=256, w_dim=256),
    # stylegan2-ada-pytorch's `auto` config below 512 px (cbase 16384, cmax 512, map 2)
    "base": dict(channel_base=16384, channel_max=512, mapping_layers=2, z_dim=512, w_dim=512),
    # the StyleGAN2 paper config (config-f)
    "paper": dict(channel_base=32768, channel_max=512, mapping_layers=8, z_dim=512, w_dim=512),
}


def parse_aspect(text: str | tuple[int, int]) -> tuple[int, int]:
    if isinstance(text, tuple):
        return text
    if text not in ASPECTS:
        raise ModisteError(f"unknown aspect {text!r}: use one of {', '.join(ASPECTS)} (width:height)")
    return ASPECTS[text]


@dataclass
class NetworkConfig:
    resolution: int = 32  # image width in pixels, power of two 16..1024
    aspect: tuple[int, int] = (1, 1)  # width:height
    img_channels: int = 3
    c_dim: int = 0  # number of classes; 0 = unconditional
    z_dim: int = 512
    w_dim: int = 512
    mapping_layers: int = 8
    channel_base: int = 32768
    channel_max: int = 512
    arch: str = "stylegan2"  # or "swagan"
    # SWAGAN discriminator design (see swagan.py). The field default is what checkpoints written
    # before the option existed used; new networks built by `from_preset` get DEFAULT_SWAGAN_D.
    swagan_d: str = "residual"  # "residual" | "paper"
    mbstd_group: int = 4
    class_names: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.aspect = tuple(self.aspect)  # JSON round trip gives a list
        self.validate()

    @classmethod
    def from_preset(cls, preset: str, **overrides) -> "NetworkConfig":
        if preset not in PRESETS:
            raise ModisteError(f"unknown preset {preset!r}: use one of {', '.join(PRESETS)}")
        defaults = {"swagan_d": DEFAULT_SWAGAN_D, **PRESETS[preset]}
        return cls(**{**defaults, **{k: v for k, v in overrides.items() if v is not None}})

    def validate(self) -> None:
        r = self.resolution
        if not (16 <= r <= 1024 and r & (r - 1) == 0):
            raise ModisteError(f"resolution {r} is not supported: use a power of two from 16 to 1024")
        if self.aspect not in ASPECTS.values():
            raise ModisteError(f"aspect {self.aspect} is not supported: use 1:1, 2:3 or 1:2 (width:height)")
        if self.arch not in ARCHS:
            raise ModisteError(f"unknown arch {self.arch!r}: use {' or '.join(ARCHS)}")
        if self.swagan_d not in SWAGAN_DISCRIMINATORS:
            raise ModisteError(f"unknown swagan_d {self.swagan_d!r}: use {' or '.join(SWAGAN_DISCRIMINATORS)}")
        if self.img_channels not in (1, 3):
            raise ModisteError(f"img_channels must be 1 or 3, got {self.img_channels}")
        for name in ("z_dim", "w_dim", "mapping_layers", "channel_base", "channel_max", "mbstd_group"):
            if getattr(self, name) < 1:
                raise ModisteError(f"{name} must be positive, got {getattr(self, name)}")
        if self.c_dim < 0:
            raise ModisteError(f"c_dim must be >= 0, got {self.c_dim}")

    @property
    def width(self) -> int:
        return self.resolution

    @property
    def height(self) -> int:
        return self.resolution * self.aspect[1] // self.aspect[0]

    @property
    def base_shape(self) -> tuple[int, int]:
        """(height, width) of the learned constant and of the discriminator's last block."""
        return (4 * self.aspect[1] // self.aspect[0], 4)

    @property
    def log2_resolution(self) -> int:
        return int(math.log2(self.resolution))

    def channels_at(self, width: int) -> int:
        """Feature channels of the block whose feature maps are `width` pixels wide."""
        return min(self.channel_base // width, self.channel_max)

    def to_dict(self) -> dict:
        """JSON-able fields. `swagan_d` is left out where it changes nothing (stylegan2) or has the
        value that older checkpoints, which lack the key, mean; so their configs still compare equal."""
        d = asdict(self)
        d["aspect"] = list(self.aspect)
        if self.arch != "swagan" or self.swagan_d == "residual":
            del d["swagan_d"]
        return d
