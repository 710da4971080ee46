"""The projection loss: perceptual + pixel + multi-scale structural terms + the noise regulariser.

    loss = perceptual * D_inception(x, t) + pixel * mean((x - t)^2) + ms_ssim * (1 - MS-SSIM(x, t))
           + noise * R_noise

D_inception is `perceptual.InceptionPerceptual` (LPIPS baseline on the FID Inception), pixel the
mean squared error in the [-1, 1] range, MS-SSIM from `ssim.py`, and R_noise the regulariser of the
StyleGAN2 projector (Karras et al. 2020, appendix D): the squared autocorrelation of each noise map
with itself shifted one pixel across and down, summed over a pyramid of 2x2-average-pooled copies
down to 8 px, so the optimised noise cannot smuggle the image in. Every term is per image ([N]),
so many photos are projected in one batch without influencing each other (Adam is elementwise).
The default weights come from the sweep in docs/latent.md ("Project").
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from modiste.latent.projection.perceptual import InceptionPerceptual
from modiste.latent.projection.ssim import ms_ssim


@dataclass(frozen=True)
class LossWeights:
    perceptual: float = 1.0
    pixel: float = 1.0
    ms_ssim: float = 0.5
    noise: float = 1e5


def noise_regularizer(noise_maps: list[torch.Tensor]) -> torch.Tensor:
    """StyleGAN2's noise regulariser per image: [N]; each map float [N, 1, H, W]."""
    total = None
    for noise in noise_maps:
        while True:
            across = (noise * torch.roll(noise, shifts=1, dims=3)).mean(dim=(1, 2, 3)) ** 2
            down = (noise * torch.roll(noise, shifts=1, dims=2)).mean(dim=(1, 2, 3)) ** 2
            total = across + down if total is None else total + across + down
            if min(noise.shape[2], noise.shape[3]) <= 8:
                break
            noise = F.avg_pool2d(noise, kernel_size=2)
    return total if total is not None else torch.zeros(())


def psnr(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Peak signal-to-noise ratio in dB per image, [N]; x, y float [N, C, H, W] in [-1, 1].

    Computed on [0, 1] pixels (peak 1) after clamping both, as on the saved 8-bit images up to rounding.
    """
    a, b = (x.clamp(-1, 1) + 1) / 2, (y.clamp(-1, 1) + 1) / 2
    mse = (a - b).square().mean(dim=(1, 2, 3)).clamp_min(1e-12)
    return -10.0 * torch.log10(mse)


class ReconstructionLoss:
    """loss(images, noise_maps) -> [N] against fixed targets [N, 3, H, W] in [-1, 1]."""

    def __init__(self, perceptual: InceptionPerceptual, targets: torch.Tensor, weights: LossWeights) -> None:
        self.perceptual = perceptual
        self.targets = targets
        self.weights = weights
        with torch.no_grad():
            self.target_features = perceptual.features(targets)

    def image_terms(self, images: torch.Tensor) -> dict[str, torch.Tensor]:
        """The weighted image terms, each [N] (no noise regulariser)."""
        w = self.weights
        terms = {"perceptual": w.perceptual * self.perceptual.compare(self.perceptual.features(images),
                                                                        self.target_features),
                 "pixel": w.pixel * (images - self.targets).square().mean(dim=(1, 2, 3))}
        if w.ms_ssim:
            terms["ms_ssim"] = w.ms_ssim * (1 - ms_ssim(images, self.targets))
        return terms

    def __call__(self, images: torch.Tensor, noise_maps: list[torch.Tensor] | None = None) -> torch.Tensor:
        total = sum(self.image_terms(images).values())
        if noise_maps and self.weights.noise:
            total = total + self.weights.noise * noise_regularizer(noise_maps)
        return total


@torch.no_grad()
def reconstruction_scores(perceptual: InceptionPerceptual, images: torch.Tensor, targets: torch.Tensor) -> list[dict]:
    """PSNR (dB), MS-SSIM and the perceptual distance of each image against its target."""
    p, m, d = psnr(images, targets), ms_ssim(images.clamp(-1, 1), targets), perceptual(images, targets)
    return [{"psnr_db": round(float(p[i]), 3), "ms_ssim": round(float(m[i]), 4), "perceptual": round(float(d[i]), 4)}
            for i in range(images.shape[0])]
