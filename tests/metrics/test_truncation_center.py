"""Metrics sample a conditional generator truncated towards each class's mean W by default."""

from __future__ import annotations

import torch

import modiste
from modiste.latent import class_centres
from modiste.metrics.sampling import generator_features


class MeanPixels:
    """A stand-in extractor: the mean of each image (what matters here is which images were drawn)."""

    device = torch.device("cpu")
    dim = 1

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        return images.float().mean(dim=(1, 2, 3)).unsqueeze(1)


def test_psi_zero_gives_each_class_its_centre_image(tiny_run):
    G = modiste.load_generator(tiny_run)
    labels = torch.tensor([0, 1, 2] * 4)
    feats, classes = generator_features(G, 12, MeanPixels(), 4, 0.0, real_labels=labels, progress=False)
    centres = G.synthesis(class_centres(G).unsqueeze(1).expand(-1, G.num_ws, -1), noise_mode="const")
    centre_means = MeanPixels()((centres * 127.5 + 128).clamp(0, 255).round())
    for k in range(3):  # every sample of class k is its centre's image up to per-pixel noise
        assert (feats[classes == k] - centre_means[k]).abs().max() < 8
    per_class = torch.stack([feats[classes == k].mean() for k in range(3)])
    assert per_class.std() > 1.0  # class-centred: the classes stay apart at psi 0
    glob, gclasses = generator_features(G, 12, MeanPixels(), 4, 0.0, real_labels=labels, progress=False,
                                        truncation_center="global")
    glob_per_class = torch.stack([glob[gclasses == k].mean() for k in range(3)])
    assert glob_per_class.std() < per_class.std() / 3  # the old behaviour: every class the same image
