"""Helpers of the issue-15 tolerance tests (CPU: tests/gan/test_reg_precision.py, GPU:
tests/gpu/test_cuda_reg_precision.py): run one regularisation phase and read its penalty and gradient."""

from __future__ import annotations

import torch

from modiste.distributed import init_distributed
from modiste.gan.training.config import TrainConfig
from modiste.gan.training.trainer import GANTrainer

# bf16 keeps 8 mantissa bits (relative rounding 2^-9 = 0.2 % per op). Measured on CPU (tiny preset,
# 16 and 32 px, 3 seeds each): path-length penalty within 0.96 % of fp32, its G gradient's cosine
# >= 0.9976 and norm within 1.95 %; R1 within 0.02 %, cosine 0.9997. The bounds leave margin.
BF16_REL_TOL = 0.03
BF16_MIN_COSINE = 0.99
PHASES = {"generator_reg": ("G", "loss/pl_penalty"), "discriminator_reg": ("D", "loss/r1_penalty")}


def make_trainer(**overrides) -> GANTrainer:
    """A tiny 16 px trainer (device ``cpu`` unless overridden), seeded so every one starts alike."""
    settings = dict(data="x", resolution=16, preset="tiny", batch=8, aug="none", device="cpu", workers=0)
    cfg = TrainConfig(**{**settings, **overrides})
    cfg.validate()
    torch.manual_seed(0)  # same seed: every trainer starts from the same weights
    return GANTrainer(cfg, cfg.network_config(img_channels=3, class_names=[]), init_distributed(cfg.device))


def run_phase(trainer: GANTrainer, phase: str, seed: int = 3) -> tuple[float, torch.Tensor]:
    """The phase's penalty and the flattened parameter gradient it hands to the optimiser."""
    net_name, stat = PHASES[phase]
    net = getattr(trainer, net_name)
    opt = trainer.opt_G if net_name == "G" else trainer.opt_D
    opt.step = lambda *a, **k: None  # keep the weights: only the gradient is compared
    reals = torch.randint(0, 256, (8, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(1))
    real, c = trainer.prepare_reals(reals, None)
    torch.manual_seed(seed)  # same latents, synthesis noise and path-length noise in both runs
    if phase == "generator_reg":
        trainer.generator_reg(real.shape[0], c)
    else:
        trainer.discriminator_reg(real, c)
    grad = torch.cat([p.grad.flatten() for p in net.parameters() if p.grad is not None])
    return float(trainer._stats[stat][-1]), grad


def cosine(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.nn.functional.cosine_similarity(a.double(), b.double(), dim=0))
