"""bf16 autocast on the CPU runs the same code as mixed precision on a GPU (tests/gpu has the rest)."""

from __future__ import annotations

import pytest
import torch

from modiste.distributed import init_distributed
from modiste.errors import ModisteError
from modiste.gan.training.precision import resolve_precision
from modiste.gan.training.config import TrainConfig
from modiste.gan.training.trainer import GANTrainer


def test_bf16_training_steps_keep_fp32_state():
    cfg = TrainConfig(data="synthetic", resolution=16, preset="tiny", batch=4, aug="ada", device="cpu", precision="bf16")
    cfg.validate()
    torch.manual_seed(0)
    trainer = GANTrainer(cfg, cfg.network_config(img_channels=3, class_names=[]), init_distributed("cpu"))
    trainer.augment.p.fill_(0.5)
    before = trainer.G.mapping.w_avg.clone()
    reals = torch.randint(0, 256, (4, 3, 16, 16), dtype=torch.uint8)
    for _ in range(2):  # step 0 runs R1 and path length too
        trainer.train_step(reals, None)
    stats = trainer.pop_stats()
    assert all(torch.isfinite(torch.tensor(stats[k])) for k in ("loss/G", "loss/D", "loss/r1_penalty", "loss/pl_penalty"))
    w_avg = trainer.G.mapping.w_avg
    assert w_avg.dtype == torch.float32 and not torch.equal(w_avg, before)
    assert all(p.dtype == torch.float32 and torch.isfinite(p).all() for p in trainer.G.parameters())
    with torch.no_grad(), trainer.precision.autocast():
        ws = trainer.G_ema.mapping(torch.randn(3, trainer.G.z_dim), None, truncation_psi=0.7)
    assert ws.dtype == torch.float32 and torch.isfinite(ws).all()


def test_fp16_needs_a_gpu():
    with pytest.raises(ModisteError, match="fp16 needs a CUDA GPU"):
        resolve_precision("fp16", torch.device("cpu"))
    assert resolve_precision("auto", torch.device("cpu")).name == "fp32"
