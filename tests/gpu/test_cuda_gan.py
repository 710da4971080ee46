"""The image engine on a CUDA GPU: mixed precision, torch.compile, nccl under torchrun."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from modiste.distributed import init_distributed
from modiste.gan.networks import build_generator
from modiste.gan.training.config import TrainConfig
from modiste.gan.training.trainer import GANTrainer


def cuda_trainer(**overrides) -> GANTrainer:
    settings = dict(data="synthetic", resolution=32, preset="tiny", batch=8, aug="ada", device="cuda")
    settings.update(overrides)
    cfg = TrainConfig(**settings)
    cfg.validate()
    net = cfg.network_config(img_channels=3, class_names=[])
    torch.manual_seed(0)
    return GANTrainer(cfg, net, init_distributed("cuda"))


def flat_params(module: torch.nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().float().reshape(-1) for p in module.parameters()])


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_mixed_precision_training_steps(precision):
    trainer = cuda_trainer(precision=precision)
    assert trainer.precision.name == precision
    trainer.augment.p.fill_(0.5)  # ADA's warp and R1's double backward through it on every step
    g0, d0 = flat_params(trainer.G), flat_params(trainer.D)
    reals = torch.randint(0, 256, (8, 3, 32, 32), dtype=torch.uint8)
    for _ in range(17):  # every phase, R1 and path length included, twice
        trainer.train_step(reals, None)
    stats = trainer.pop_stats()
    for name in ("loss/G", "loss/D", "loss/r1_penalty", "loss/pl_penalty"):
        assert torch.isfinite(torch.tensor(stats[name])), (name, stats[name])
    g1, d1 = flat_params(trainer.G), flat_params(trainer.D)
    assert torch.isfinite(g1).all() and torch.isfinite(d1).all()
    assert (g1 - g0).abs().max() > 1e-4 and (d1 - d0).abs().max() > 1e-4
    if precision == "fp16":  # the scaler must not have collapsed (every step skipped) or overflowed
        assert 1.0 <= trainer.scaler_G.get_scale() < 2.0**30 and 1.0 <= trainer.scaler_D.get_scale() < 2.0**30


@pytest.mark.parametrize("precision,tolerance", [("bf16", 0.05), ("fp16", 0.01)])
def test_autocast_generator_stays_close_to_fp32(precision, tolerance):
    cfg = TrainConfig(data="synthetic", resolution=64, preset="small", device="cuda")
    G = build_generator(cfg.network_config(img_channels=3, class_names=[])).cuda().eval()
    z = torch.randn(16, G.z_dim, device="cuda")
    with torch.no_grad():
        full = G(z, None, noise_mode="const")
        with cuda_trainer(precision=precision).precision.autocast():
            mixed = G(z, None, noise_mode="const").float()
    relative = ((mixed - full).abs().mean() / full.abs().mean()).item()
    assert torch.isfinite(mixed).all() and relative < tolerance, relative


def test_compiled_passes_match_eager_and_train():
    trainer = cuda_trainer(precision="bf16", compile=True)
    images = torch.rand(8, 3, 32, 32, device="cuda") * 2 - 1
    with torch.no_grad():
        eager = trainer.D_forward(images, None)
        compiled = trainer.D_main(images, None)
    assert torch.allclose(eager, compiled, rtol=1e-3, atol=1e-3), (eager - compiled).abs().max()
    g0 = flat_params(trainer.G)
    reals = torch.randint(0, 256, (8, 3, 32, 32), dtype=torch.uint8)
    for _ in range(4):
        trainer.train_step(reals, None)
    assert torch.isfinite(flat_params(trainer.G)).all() and (flat_params(trainer.G) - g0).abs().max() > 1e-4


def torchrun_train(shared_data: Path, outdir: Path, kimg: str, *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "1",
           "-m", "modiste", "train", "--device", "cuda", "--data", str(shared_data / "fashion-mnist"),
           "--resolution", "16", "--preset", "tiny", "--batch", "8", "--kimg", kimg, "--snap", "0.032",
           "--log-every", "0.016", "--aug", "ada", "--workers", "2", "--quiet", "--outdir", str(outdir), *extra]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600, env={**os.environ, "OMP_NUM_THREADS": "2"})


def test_torchrun_trains_with_nccl_and_resumes(tmp_path, shared_data):
    out = tmp_path / "runs"
    first = torchrun_train(shared_data, out, "0.032")
    assert first.returncode == 0, first.stderr[-3000:]
    (run,) = list(out.iterdir())
    logs = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    start = logs[0]
    assert (start["event"], start["backend"], start["processes"], start["device"]) == ("start", "nccl", 1, "cuda:0")
    snapshots = [r for r in logs if r.get("event") == "snapshot"]
    assert [s["kimg"] for s in snapshots] == [0.032] and snapshots[0]["ddp/max_param_divergence"] == 0.0
    again = torchrun_train(shared_data, out, "0.064", "--resume", "auto")
    assert again.returncode == 0, again.stderr[-3000:]
    logs = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    resumed = [r for r in logs if r.get("event") == "resume"]
    assert len(resumed) == 1 and resumed[0]["backend"] == "nccl"
    assert [r["kimg"] for r in logs if r.get("event") == "snapshot"] == [0.032, 0.064]
    steps = [r["step"] for r in logs if "loss/D" in r]
    assert steps == sorted(steps) and steps[-1] == 8  # 64 images / batch 8, counted on from the snapshot
