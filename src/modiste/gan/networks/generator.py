"""The StyleGAN2 generator: mapping (z, c -> W+) followed by synthesis (W+ -> image).

    G = Generator(NetworkConfig.from_preset("tiny", resolution=64, aspect=(2, 3)))
    images = G(torch.randn(8, G.z_dim), truncation_psi=0.7)   # [8, 3, 96, 64], ~[-1, 1]
"""

from __future__ import annotations

import torch
import torch.nn as nn

from modiste.gan.networks.config import NetworkConfig
from modiste.gan.networks.mapping import MappingNetwork
from modiste.gan.networks.ops import FP16_CLAMP
from modiste.gan.networks.synthesis import SynthesisNetwork


class Generator(nn.Module):
    """mapping (z, c -> ws) + synthesis (ws -> image). Subclasses swap `synthesis_class`."""

    synthesis_class: type[SynthesisNetwork] = SynthesisNetwork

    def __init__(self, cfg: NetworkConfig, clamp: float | None = FP16_CLAMP) -> None:
        super().__init__()
        self.cfg = cfg
        self.z_dim, self.c_dim, self.w_dim = cfg.z_dim, cfg.c_dim, cfg.w_dim
        self.img_channels = cfg.img_channels
        self.img_shape = (cfg.img_channels, cfg.height, cfg.width)
        self.synthesis = self.synthesis_class(cfg, clamp)
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(cfg.z_dim, cfg.c_dim, cfg.w_dim, self.num_ws, cfg.mapping_layers)

    def forward(
        self,
        z: torch.Tensor,
        c: torch.Tensor | None = None,
        truncation_psi: float = 1.0,
        truncation_cutoff: int | None = None,
        noise_mode: str = "random",
    ) -> torch.Tensor:
        ws = self.mapping(z, c, truncation_psi=truncation_psi, truncation_cutoff=truncation_cutoff)
        return self.synthesis(ws, noise_mode=noise_mode)
