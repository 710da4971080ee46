"""GANTrainer against independent arithmetic (stylegan2-ada-pytorch's training loop and loss, by hand):
the EMA decay per step, the R1 and path-length weights times their intervals, Adam's lazy
correction, which phases run on which step, and the W average's updates."""

from __future__ import annotations

import math

import pytest
import torch

from modiste.distributed import init_distributed
from modiste.gan.training.config import TrainConfig
from modiste.gan.training.trainer import GANTrainer

PHASES = ("generator_main", "generator_reg", "discriminator_main", "discriminator_reg")


def make_trainer(**overrides) -> GANTrainer:
    settings = dict(data="x", resolution=16, preset="tiny", batch=8, aug="none", device="cpu", workers=0)
    cfg = TrainConfig(**{**settings, **overrides})
    cfg.validate()
    torch.manual_seed(0)
    return GANTrainer(cfg, cfg.network_config(img_channels=3, class_names=[]), init_distributed("cpu"))


def uint8_images(n: int = 8, seed: int = 1) -> torch.Tensor:
    return torch.randint(0, 256, (n, 3, 16, 16), dtype=torch.uint8, generator=torch.Generator().manual_seed(seed))


def grads_at_step(optimizer: torch.optim.Optimizer, params: list[torch.Tensor]) -> list[torch.Tensor]:
    """Patch `optimizer.step` to record the gradients it is about to apply."""
    seen: list[torch.Tensor] = []
    step = optimizer.step

    def recording_step(*args, **kwargs):
        seen.extend(torch.zeros_like(p) if p.grad is None else p.grad.clone() for p in params)
        return step(*args, **kwargs)

    optimizer.step = recording_step
    return seen


def assert_grads_equal(got: list[torch.Tensor], expected: tuple, params: list[torch.Tensor]) -> None:
    assert len(got) == len(params)
    expected = [torch.zeros_like(p) if e is None else e for e, p in zip(expected, params)]
    total = sum(e.abs().sum() for e in expected)
    assert total > 0
    for g, e in zip(got, expected):
        torch.testing.assert_close(g, e, rtol=2e-4, atol=1e-7)


# --------------------------------------------------------------------------- EMA
def test_ema_decay_per_step_follows_half_life_and_ramp_up():
    # half-life 16 images, ramp-up 0.5: before step k the run has seen 8k images, so the half-life is
    # min(16, 0.5 * 8k) = 0, 4, 8, 12, 16, 16 images and beta = 0.5 ** (8 / half-life)
    trainer = make_trainer(ema_kimg=0.016, ema_rampup=0.5)
    expected_betas = [0.0, 0.5**2, 0.5**1, 0.5 ** (8 / 12), 0.5 ** (8 / 16), 0.5 ** (8 / 16)]
    g = torch.Generator().manual_seed(0)
    for k, beta in enumerate(expected_betas):
        with torch.no_grad():  # move G, as an optimiser step would
            for p in trainer.G.parameters():
                p.add_(torch.randn(p.shape, generator=g) * 0.1)
            trainer.G.mapping.w_avg.add_(1.0)
        before = [p.clone() for p in trainer.G_ema.parameters()]
        trainer.end_step()
        assert (trainer.step, trainer.nimg) == (k + 1, 8 * (k + 1))
        for e_old, e_new, p in zip(before, trainer.G_ema.parameters(), trainer.G.parameters()):
            torch.testing.assert_close(e_new, p + beta * (e_old - p), rtol=1e-5, atol=1e-6)
        assert torch.equal(trainer.G_ema.mapping.w_avg, trainer.G.mapping.w_avg)  # buffers are copied


def test_ema_without_ramp_up_uses_the_half_life_from_the_first_step():
    trainer = make_trainer(ema_kimg=0.004, ema_rampup=None)  # 4 images: beta = 0.5 ** (8 / 4) = 0.25
    with torch.no_grad():
        for p in trainer.G.parameters():
            p.add_(1.0)
    before = [p.clone() for p in trainer.G_ema.parameters()]
    trainer.end_step()
    for e_old, e_new, p in zip(before, trainer.G_ema.parameters(), trainer.G.parameters()):
        torch.testing.assert_close(e_new, p + 0.25 * (e_old - p))


# --------------------------------------------------------------------------- regularisation weights
def test_r1_gradient_is_gamma_over_two_times_interval():
    trainer = make_trainer(r1_gamma=0.3, r1_interval=16)
    real, _ = trainer.prepare_reals(uint8_images(), None)
    D_params = list(trainer.D.parameters())
    # by hand: penalty = mean_i ||d D(x_i) / d x_i||^2, loss = penalty * gamma / 2 * interval
    x = real.detach().requires_grad_(True)
    (dx,) = torch.autograd.grad(trainer.D(x).sum(), x, create_graph=True)
    loss = dx.square().sum(dim=(1, 2, 3)).mean() * 0.3 / 2 * 16
    expected = torch.autograd.grad(loss, D_params, allow_unused=True)

    seen = grads_at_step(trainer.opt_D, D_params)
    trainer.discriminator_reg(real, None)
    assert_grads_equal(seen, expected, D_params)


def test_path_length_gradient_is_weight_times_interval():
    trainer = make_trainer(pl_weight=2.0, pl_interval=4, style_mixing=0.0)
    G, G_params = trainer.G, list(trainer.G.parameters())
    # by hand (Karras et al. 2020): z for half the batch, y ~ N(0, I) / sqrt(H W), lengths from J^T y,
    # pl_mean <- lerp(0, mean length, 0.01), loss = weight * mean (length - pl_mean)^2 * interval
    torch.manual_seed(123)
    z = torch.randn(4, G.z_dim)
    ws = G.mapping(z, None)
    images = G.synthesis(ws, noise_mode="random")
    y = torch.randn(images.shape) / math.sqrt(16 * 16)
    (jty,) = torch.autograd.grad((images * y).sum(), ws, create_graph=True)
    lengths = jty.square().sum(dim=2).mean(dim=1).sqrt()
    pl_mean = 0.01 * lengths.mean().detach()
    expected = torch.autograd.grad((lengths - pl_mean).square().mean() * 2.0 * 4, G_params, allow_unused=True)

    seen = grads_at_step(trainer.opt_G, G_params)
    torch.manual_seed(123)  # the same draws in the same order: z, synthesis noise, y
    trainer.generator_reg(8, None)
    assert_grads_equal(seen, expected, G_params)
    torch.testing.assert_close(trainer.pl_reg.pl_mean, pl_mean)


# --------------------------------------------------------------------------- Adam
def test_adam_gets_the_lazy_regularisation_correction():
    trainer = make_trainer(lr_g=0.002, lr_d=0.003, beta1=0.5, beta2=0.99, pl_interval=4, r1_interval=16)
    g, d = trainer.opt_G.param_groups[0], trainer.opt_D.param_groups[0]
    # mb_ratio = interval / (interval + 1): lr * ratio, betas ** ratio
    assert g["lr"] == pytest.approx(0.002 * 4 / 5) and d["lr"] == pytest.approx(0.003 * 16 / 17)
    assert g["betas"] == pytest.approx((0.5 ** 0.8, 0.99 ** 0.8))
    assert d["betas"] == pytest.approx((0.5 ** (16 / 17), 0.99 ** (16 / 17)))


def test_no_correction_when_a_regulariser_is_off():
    trainer = make_trainer(lr_g=0.002, lr_d=0.003, beta1=0.5, pl_weight=0.0, r1_gamma=0.0)
    assert trainer.opt_G.param_groups[0]["lr"] == 0.002 and trainer.opt_G.param_groups[0]["betas"] == (0.5, 0.99)
    assert trainer.opt_D.param_groups[0]["lr"] == 0.003 and trainer.opt_D.param_groups[0]["betas"] == (0.5, 0.99)


# --------------------------------------------------------------------------- schedule
@pytest.mark.parametrize("pl_weight, r1_gamma", [(2.0, 0.1), (0.0, 0.1), (2.0, 0.0)])
def test_phases_run_on_their_steps_in_order(monkeypatch, pl_weight, r1_gamma):
    trainer = make_trainer(pl_weight=pl_weight, r1_gamma=r1_gamma, pl_interval=4, r1_interval=16)
    calls: list[tuple[int, str]] = []
    for name in PHASES:
        monkeypatch.setattr(trainer, name, lambda *a, name=name: calls.append((trainer.step, name)))
    for _ in range(33):
        trainer.train_step(uint8_images(), None)
    expected = []
    for step in range(33):  # stylegan2-ada: a phase runs when batch_idx % interval == 0
        expected.append((step, "generator_main"))
        if pl_weight > 0 and step % 4 == 0:
            expected.append((step, "generator_reg"))
        expected.append((step, "discriminator_main"))
        if r1_gamma > 0 and step % 16 == 0:
            expected.append((step, "discriminator_reg"))
    assert calls == expected


def test_frozen_network_gets_no_gradient_in_the_other_phase():
    trainer = make_trainer(style_mixing=0.5)
    real, _ = trainer.prepare_reals(uint8_images(), None)
    G, D = trainer.G, trainer.D
    for phase, call, trained, frozen in [
        ("G main", lambda: trainer.generator_main(8, None), G, D),
        ("G reg", lambda: trainer.generator_reg(8, None), G, D),
        ("D main", lambda: trainer.discriminator_main(real, None), D, G),
        ("D reg", lambda: trainer.discriminator_reg(real, None), D, G),
    ]:
        for p in [*G.parameters(), *D.parameters()]:
            p.grad = None
        call()
        assert all(p.grad is None for p in frozen.parameters()), f"{phase} accumulated gradients in the frozen network"
        assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in trained.parameters()), phase


# --------------------------------------------------------------------------- W average
def test_w_average_updates_on_every_training_mapping_pass_but_the_mixing_one():
    """stylegan2-ada updates w_avg in G main, G reg and D main's fakes (2 + 1/4 per step with
    pl_interval 4), never for style mixing's second latent; the value is a chain of lerps."""
    steps, beta = 8, 0.995
    trainer = make_trainer(style_mixing=0.9, pl_interval=4, r1_interval=16)
    assert trainer.G.mapping.w_avg_beta == beta
    outputs: list[torch.Tensor] = []  # every pass of G's mapping layers, in order
    trainer.G.mapping.layers.register_forward_hook(lambda m, i, out: outputs.append(out.detach().double()))
    images = uint8_images()
    for _ in range(steps):
        trainer.train_step(images, None)
    # each training forward maps z (updates w_avg), then style mixing maps a second z (does not)
    passes_per_step = [[8, 4, 8] if step % 4 == 0 else [8, 8] for step in range(steps)]
    sizes = [n for step in passes_per_step for n in step for _ in range(2)]
    assert [o.shape[0] for o in outputs] == sizes
    updating = outputs[0::2]
    assert len(updating) == 2 * steps + steps // 4 == 18  # 2.25 per step
    w_avg = torch.zeros_like(updating[0][0])
    for w in updating:
        w_avg = w.mean(dim=0) + beta * (w_avg - w.mean(dim=0))
    torch.testing.assert_close(trainer.G.mapping.w_avg.double(), w_avg, rtol=1e-5, atol=1e-7)
    assert torch.equal(trainer.G_ema.mapping.w_avg, trainer.G.mapping.w_avg)
