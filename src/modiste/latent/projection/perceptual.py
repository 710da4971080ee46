"""A perceptual distance without downloaded weights: LPIPS's recipe on the FID Inception-v3.

LPIPS (Zhang et al. 2018) compares deep features of two images: at each layer, each spatial
position's feature vector is scaled to unit length across channels, the squared differences are
summed over channels (LPIPS learns per-channel weights here; without them this is its "baseline"
variant) and averaged over positions, and the layers' distances are averaged. No LPIPS or VGG
weights can be downloaded here, so the network is the Inception-v3 that the FID metrics already
verify and load (`modiste.metrics.inception`). Its TorchScript module is a plain sequence of named
blocks (`net.layers`: conv, conv_1, ..., mixed_10), so the intermediate blocks are reached by
running the children in order and stopping after the deepest one used.

Layers: conv_2 (64 ch, edges and colour), conv_4 (192 ch, textures) and mixed_2 (288 ch, parts).
Deeper blocks cost more and see 64x96 images at a handful of positions. Images are upsampled x2
(bilinear) first: the network's 3x3 stride-2 stem would otherwise discard most of a 64-px canvas.
The distance is in [0, 4] (0 for identical images).
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from modiste.metrics.inception import load_inception

DEFAULT_LAYERS = ("conv_2", "conv_4", "mixed_2")
DEFAULT_UPSAMPLE = 2


def unit_normalise(features: torch.Tensor, eps: float = 1e-10) -> torch.Tensor:
    """[N, C, H, W] -> the same with each position's C-vector scaled to unit length (as LPIPS)."""
    return features * torch.rsqrt(features.square().sum(dim=1, keepdim=True) + eps)


class InceptionPerceptual(nn.Module):
    """distance(x, y) -> [N]; images float [N, 3, H, W] in [-1, 1] (the generator's range).

    The FID graph expects inputs already scaled to about [-1, 1] ((x - 128) / 128), which is the
    generator's range, so no renormalisation is needed. Weights are frozen; gradients flow to the
    images. Raises ModisteError (from the loader) when the Inception package is missing.
    """

    def __init__(self, layers: tuple[str, ...] = DEFAULT_LAYERS, upsample: int = DEFAULT_UPSAMPLE,
                 device: str | torch.device = "cpu", weights: str | None = None) -> None:
        super().__init__()
        blocks = dict(load_inception(weights, device).net.layers.named_children())
        order = list(blocks)
        unknown = [name for name in layers if name not in blocks]
        if unknown or not layers:
            raise ValueError(f"unknown Inception blocks {unknown}: choose from {order}")
        last = max(order.index(name) for name in layers)
        self.names = order[: last + 1]
        self.blocks = nn.ModuleList(blocks[name] for name in self.names)
        self.layers = tuple(layers)
        self.upsample = upsample

    def features(self, images: torch.Tensor) -> list[torch.Tensor]:
        """Unit-normalised features of the chosen blocks, one [N, C_l, H_l, W_l] per layer.

        images: [N, 3, H, W] or grey [N, 1, H, W] (repeated to RGB, as the FID metrics read grey images).
        """
        x = images.float()
        if x.shape[1] == 1:
            x = x.expand(-1, 3, -1, -1)
        if self.upsample != 1:
            x = F.interpolate(x, scale_factor=self.upsample, mode="bilinear", align_corners=False)
        out = []
        for name, block in zip(self.names, self.blocks):
            x = block(x)
            if name in self.layers:
                out.append(unit_normalise(x))
        return out

    @staticmethod
    def compare(a: list[torch.Tensor], b: list[torch.Tensor]) -> torch.Tensor:
        """Distance [N] between two feature lists from `features` (b may have batch 1: broadcast)."""
        per_layer = [(fa - fb).square().sum(dim=1).mean(dim=(1, 2)) for fa, fb in zip(a, b)]
        return torch.stack(per_layer, dim=0).mean(dim=0)

    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.compare(self.features(x), self.features(y))
