"""The generator's training-time forward pass as one module, so DDP can wrap it.

DistributedDataParallel synchronises gradients only for work done inside its wrapped module's
`forward`. Training needs more than `G(z)`: style mixing between two latents and, for the path-length
penalty, the intermediate `ws`. This wrapper does all of it in one `forward`, and owns no
parameters of its own (they are G's).
"""

from __future__ import annotations

import torch
from torch import nn

from modiste.gan.training.losses import mix_styles


class GeneratorTrainingForward(nn.Module):
    def __init__(self, G: nn.Module, style_mixing: float):
        super().__init__()
        self.G = G
        self.style_mixing = style_mixing

    def forward(
        self, z: torch.Tensor, c: torch.Tensor | None, update_w_avg: bool = False, return_ws: bool = False
    ) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor]:
        ws = self.G.mapping(z, c, update_w_avg=update_w_avg)
        if self.style_mixing > 0:
            ws = mix_styles(self.G, z, c, ws, self.style_mixing)
        images = self.G.synthesis(ws, noise_mode="random")
        return (images, ws) if return_ws else images
