"""Augmentations applied in front of the discriminator, to real AND generated images alike.

``build_augment(kind)`` is what the training loop calls:

* ``'none'``: identity;
* ``'diffaugment'``: DiffAugment's fixed colour/translation/cutout policy (gan/augment/diffaugment.py);
* ``'ada'``: adaptive discriminator augmentation (gan/augment/ada.py); pair it with ``AdaTuner``
  (gan/augment/ada_tuner.py) to tune its probability during training, or give a fixed ``p``.

All three are nn.Modules taking and returning [N, C, H, W] images, differentiable with respect
to the images so the generator trains through them.
"""

from __future__ import annotations

import torch.nn as nn

from modiste.errors import ModisteError
from modiste.gan.augment.ada import AdaptiveAugment, AdaStrengths
from modiste.gan.augment.ada_tuner import AdaTuner
from modiste.gan.augment.diffaugment import DiffAugment, diff_augment

AUGMENT_KINDS = ("none", "diffaugment", "ada")

__all__ = ["AUGMENT_KINDS", "AdaStrengths", "AdaTuner", "AdaptiveAugment", "DiffAugment", "build_augment", "diff_augment"]


def build_augment(
    kind: str = "ada",
    *,
    p: float = 0.0,
    pipeline: str = "bgc",
    interpolation: str = "bilinear",
    policy: str = "color,translation,cutout",
) -> nn.Module:
    """The augmentation module for ``kind``; ``p``/``pipeline``/``interpolation`` are for ADA, ``policy`` for DiffAugment."""
    if kind == "none":
        return nn.Identity()
    if kind == "diffaugment":
        return DiffAugment(policy)
    if kind == "ada":
        return AdaptiveAugment(p=p, pipeline=pipeline, interpolation=interpolation)
    raise ModisteError(f"unknown augmentation {kind!r}: use one of {', '.join(AUGMENT_KINDS)}")
