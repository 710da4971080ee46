"""Losses and regularisers checked against values worked out by hand."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

from modiste.errors import ModisteError
from modiste.gan.training.losses import (
    PathLengthRegularizer,
    default_r1_gamma,
    discriminator_loss,
    generator_loss,
    lazy_adam_params,
    mix_styles,
    r1_penalty,
)


class LinearD(nn.Module):
    """D(x) = sum(a * x): its input gradient is `a` for every sample, so R1 = |a|^2."""

    def __init__(self, shape: tuple[int, int, int]) -> None:
        super().__init__()
        self.a = nn.Parameter(torch.randn(shape))

    def forward(self, x: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        return (x * self.a).flatten(1).sum(dim=1, keepdim=True)


class QuadraticD(nn.Module):
    """D(x) = 0.5 * sum(x^2): gradient x, so R1 of a sample is |x|^2."""

    def forward(self, x: torch.Tensor, c: torch.Tensor | None = None) -> torch.Tensor:
        return 0.5 * x.square().flatten(1).sum(dim=1, keepdim=True)


class LinearG(nn.Module):
    """A stand-in generator whose synthesis is linear: img = A @ flatten(ws), Jacobian A."""

    def __init__(self, z_dim: int = 6, num_ws: int = 3, w_dim: int = 4, shape: tuple[int, int, int] = (1, 3, 2)) -> None:
        super().__init__()
        self.z_dim, self.w_dim, self.num_ws, self.c_dim = z_dim, w_dim, num_ws, 0
        self.shape = shape
        self.map = nn.Linear(z_dim, w_dim)
        self.A = nn.Parameter(torch.randn(math.prod(shape), num_ws * w_dim))

    def mapping(self, z: torch.Tensor, c: torch.Tensor | None, truncation_psi: float = 1) -> torch.Tensor:
        return self.map(z)[:, None, :].repeat(1, self.num_ws, 1)

    def synthesis(self, ws: torch.Tensor, noise_mode: str = "random") -> torch.Tensor:
        return (ws.flatten(1) @ self.A.T).view(-1, *self.shape)


def test_loss_values_on_known_logits():
    real = torch.tensor([[0.0], [2.0]])
    fake = torch.tensor([[-1.0], [3.0]])
    sp = lambda v: math.log1p(math.exp(v))  # noqa: E731
    assert generator_loss(fake).item() == pytest.approx((sp(1.0) + sp(-3.0)) / 2, rel=1e-6)
    expected_d = (sp(-1.0) + sp(3.0)) / 2 + (sp(-0.0) + sp(-2.0)) / 2
    assert discriminator_loss(real, fake).item() == pytest.approx(expected_d, rel=1e-6)
    # at D = 0 everywhere both losses equal log 2 per term
    zeros = torch.zeros(4, 1)
    assert generator_loss(zeros).item() == pytest.approx(math.log(2))
    assert discriminator_loss(zeros, zeros).item() == pytest.approx(2 * math.log(2))


def test_losses_are_stable_for_huge_logits_and_fp16():
    big = torch.tensor([[80.0], [-80.0]], dtype=torch.float16)
    assert torch.isfinite(generator_loss(big)) and torch.isfinite(discriminator_loss(big, big))
    assert generator_loss(big).dtype == torch.float32
    assert generator_loss(torch.tensor([[1000.0]])).item() == pytest.approx(0.0, abs=1e-6)


def test_r1_of_linear_d_is_squared_weight_norm():
    torch.manual_seed(0)
    D = LinearD((3, 4, 6))  # non-square on purpose
    x = torch.randn(5, 3, 4, 6, requires_grad=True)
    penalty = r1_penalty(x, D(x))
    assert penalty.item() == pytest.approx(D.a.square().sum().item(), rel=1e-5)
    # create_graph: the penalty trains D, d|a|^2/da = 2a
    penalty.backward()
    torch.testing.assert_close(D.a.grad, 2 * D.a.detach())


def test_r1_is_per_sample_then_mean():
    x = torch.tensor([[[[1.0, 2.0]]], [[[3.0, 0.0]]]], requires_grad=True)  # |x|^2 = 5 and 9
    assert r1_penalty(x, QuadraticD()(x)).item() == pytest.approx(7.0)


def test_r1_without_requires_grad_is_a_clear_error():
    x = torch.randn(2, 1, 4, 4)
    with pytest.raises(ModisteError, match="requires_grad_"):
        r1_penalty(x, LinearD((1, 4, 4))(x))


def test_default_r1_gamma_heuristic():
    assert default_r1_gamma(256, 64) == pytest.approx(0.2048)
    assert default_r1_gamma(1024, 32) == pytest.approx(6.5536)
    assert default_r1_gamma(256, 64, height=384) == pytest.approx(0.0002 * 256 * 384 / 64)
    with pytest.raises(ModisteError):
        default_r1_gamma(256, 0)


def test_lazy_adam_params():
    lr, betas = lazy_adam_params(0.0025, (0.0, 0.99), 16)
    c = 16 / 17
    assert lr == pytest.approx(0.0025 * c)
    assert betas == (0.0, pytest.approx(0.99**c))
    lr4, betas4 = lazy_adam_params(0.002, (0.5, 0.9), 4)
    assert lr4 == pytest.approx(0.0016) and betas4[0] == pytest.approx(0.5**0.8)
    assert lazy_adam_params(0.002, (0.0, 0.99), 0) == (0.002, (0.0, 0.99))
    assert lazy_adam_params(0.002, (0.0, 0.99), None) == (0.002, (0.0, 0.99))


def test_path_length_matches_known_jacobian():
    torch.manual_seed(0)
    G = LinearG()
    reg = PathLengthRegularizer()
    z = torch.randn(4, G.z_dim)
    ws = G.mapping(z, None)
    img = G.synthesis(ws)
    lengths = reg.path_lengths(img, ws, torch.Generator().manual_seed(7))
    # replay the same noise: grad wrt ws = A^T y / sqrt(HW), reshaped to [num_ws, w_dim]
    y = torch.randn(img.shape, generator=torch.Generator().manual_seed(7)) / math.sqrt(3 * 2)
    g = (y.flatten(1) @ G.A.detach()).view(4, G.num_ws, G.w_dim)
    expected = g.square().sum(2).mean(1).sqrt()
    torch.testing.assert_close(lengths, expected)


def test_path_length_of_isometry_is_constant():
    # synthesis = identity on ws (one ws, 8 dims, 8 "pixels" of a 1x2x4 image) scaled by s:
    # J^T y = s*y, so E[pl^2] = s^2 * 8 / 8 = s^2
    torch.manual_seed(0)
    s = 3.0
    ws = torch.randn(4096, 1, 8, requires_grad=True)
    img = (s * ws).view(-1, 1, 2, 4)
    lengths = PathLengthRegularizer().path_lengths(img, ws)
    assert lengths.square().mean().item() == pytest.approx(s**2, rel=0.05)


def test_pl_mean_updates_as_ema_and_penalty_uses_it():
    torch.manual_seed(0)
    G = LinearG()
    reg = PathLengthRegularizer(weight=2.0, decay=0.01)
    assert "pl_mean" in reg.state_dict()
    gen = torch.Generator().manual_seed(1)
    z = torch.randn(4, G.z_dim)
    ws = G.mapping(z, None)
    penalty = reg(G.synthesis(ws), ws, gen)
    lengths = reg.last_lengths
    first = 0.01 * lengths.mean().item()
    assert reg.pl_mean.item() == pytest.approx(first, rel=1e-6)
    assert penalty.item() == pytest.approx(2.0 * (lengths - first).square().mean().item(), rel=1e-5)
    penalty.backward()
    assert G.A.grad is not None and torch.isfinite(G.A.grad).all() and G.A.grad.abs().sum() > 0
    ws = G.mapping(z, None)
    reg(G.synthesis(ws), ws, gen)
    second = first + 0.01 * (reg.last_lengths.mean().item() - first)
    assert reg.pl_mean.item() == pytest.approx(second, rel=1e-5)
    # eval mode computes the penalty but leaves the running mean alone
    reg.eval()
    ws = G.mapping(z, None)
    reg(G.synthesis(ws), ws, gen)
    assert reg.pl_mean.item() == pytest.approx(second, rel=1e-5)


def test_penalty_for_uses_shrunk_batch():
    torch.manual_seed(0)
    G = LinearG()
    reg = PathLengthRegularizer(batch_shrink=2)
    penalty = reg.penalty_for(G, torch.randn(6, G.z_dim), None, style_mixing_prob=0.9)
    assert reg.last_lengths.shape == (3,)
    assert penalty.ndim == 0 and torch.isfinite(penalty)
    assert reg.shrunk_batch(1) == 1


def test_mix_styles_per_sample_cutoffs():
    torch.manual_seed(0)
    G = LinearG(num_ws=6)
    z = torch.randn(200, G.z_dim)
    ws = G.mapping(z, None)
    mixed = mix_styles(G, z, None, ws, prob=0.9, generator=torch.Generator().manual_seed(3))
    changed = (mixed != ws).any(dim=2)  # [N, num_ws]
    assert not changed[:, 0].any(), "layer 0 always keeps the first latent"
    # once a layer switches, every later layer has switched too (one crossover point)
    assert (changed.int().diff(dim=1) >= 0).all()
    frac_mixed = changed.any(dim=1).float().mean().item()
    assert 0.8 < frac_mixed < 0.98
    assert changed.sum(dim=1)[changed.any(dim=1)].unique().numel() > 1, "cutoffs differ per sample"
    assert mix_styles(G, z, None, ws, prob=0.0) is ws


def test_mix_styles_is_deterministic_given_a_generator():
    torch.manual_seed(0)
    G = LinearG()
    z = torch.randn(8, G.z_dim)
    ws = G.mapping(z, None)
    a = mix_styles(G, z, None, ws, generator=torch.Generator().manual_seed(5))
    b = mix_styles(G, z, None, ws, generator=torch.Generator().manual_seed(5))
    torch.testing.assert_close(a, b)


def test_loss_gradients_push_the_right_way():
    logits = torch.zeros(3, 1, requires_grad=True)
    generator_loss(logits).backward()
    assert (logits.grad < 0).all(), "G wants D(fake) to go up"
    real = torch.zeros(3, 1, requires_grad=True)
    fake = torch.zeros(3, 1, requires_grad=True)
    discriminator_loss(real, fake).backward()
    assert (real.grad < 0).all() and (fake.grad > 0).all()
    torch.testing.assert_close(fake.grad, F.sigmoid(torch.zeros(3, 1)) / 3)


def test_all_terms_train_the_real_tiny_networks_on_a_portrait_canvas():
    """End to end on Modiste's own networks (tiny preset, 16 px wide, 2:3) with ADA in front of D."""
    from modiste.gan.augment import build_augment
    from modiste.gan.networks.config import NetworkConfig
    from modiste.gan.networks import build_discriminator, build_generator

    torch.manual_seed(0)
    cfg = NetworkConfig.from_preset("tiny", resolution=16, aspect=(2, 3))
    G, D = build_generator(cfg), build_discriminator(cfg)
    augment = build_augment("ada", p=0.5)
    z = torch.randn(4, G.z_dim)

    ws = mix_styles(G, z, None, G.mapping(z, None), prob=0.9)
    fake = G.synthesis(ws)
    assert fake.shape == (4, 3, 24, 16)
    generator_loss(D(augment(fake), None)).backward()
    g_grads = [p.grad for p in G.parameters() if p.grad is not None]
    assert g_grads and all(torch.isfinite(g).all() for g in g_grads)

    real = (torch.rand(4, 3, 24, 16) * 2 - 1).requires_grad_(True)
    real_logits = D(augment(real), None)
    d_loss = discriminator_loss(real_logits, D(augment(fake.detach()), None))
    r1 = r1_penalty(real, real_logits)
    assert torch.isfinite(d_loss) and r1.item() > 0
    D.zero_grad()
    (r1 * default_r1_gamma(16, 4, height=24) / 2).backward()
    assert sum(p.grad.abs().sum().item() for p in D.parameters() if p.grad is not None) > 0

    G.zero_grad()
    reg = PathLengthRegularizer()
    penalty = reg.penalty_for(G, z, None, style_mixing_prob=0.9)
    penalty.backward()
    assert reg.pl_mean.item() > 0 and reg.last_lengths.shape == (2,)
    assert all(torch.isfinite(p.grad).all() for p in G.synthesis.parameters() if p.grad is not None)
