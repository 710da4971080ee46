"""Issue 15: the R1 and path-length passes under bf16 autocast (``--reg-precision auto``) and in the
channels-last layout give the fp32 / contiguous penalties and parameter gradients within stated
tolerances. bf16 autocast on the CPU runs the same autocast code path as on a GPU."""

from __future__ import annotations

import pytest
import torch

from modiste.errors import ModisteError
from modiste.gan.training.config import TrainConfig
from modiste.gan.training.precision import Precision, resolve_reg_precision
from reg_phase_helpers import BF16_MIN_COSINE, BF16_REL_TOL, PHASES, cosine, make_trainer, run_phase

@pytest.mark.parametrize("phase", list(PHASES))
def test_bf16_regularisation_matches_fp32(phase):
    ref_penalty, ref_grad = run_phase(make_trainer(), phase)
    mixed = make_trainer(precision="bf16", reg_precision="auto")
    assert mixed.reg_precision.name == "bf16"
    penalty, grad = run_phase(mixed, phase)
    assert ref_penalty > 0 and torch.isfinite(grad).all()
    assert abs(penalty - ref_penalty) <= BF16_REL_TOL * ref_penalty
    assert cosine(grad, ref_grad) > BF16_MIN_COSINE
    assert abs(grad.norm() / ref_grad.norm() - 1) <= BF16_REL_TOL
    if phase == "generator_reg":  # the path-length EMA stays an fp32 buffer
        assert mixed.pl_reg.pl_mean.dtype == torch.float32


def test_default_keeps_regularisation_in_fp32():
    trainer = make_trainer(precision="bf16")
    assert trainer.precision.name == "bf16" and trainer.reg_precision.name == "fp32"
    fp32_penalty, fp32_grad = run_phase(make_trainer(), "discriminator_reg")
    penalty, grad = run_phase(trainer, "discriminator_reg")  # R1 alone does not touch autocast
    assert penalty == pytest.approx(fp32_penalty, rel=1e-6)
    assert torch.allclose(grad, fp32_grad, rtol=1e-5, atol=1e-7)


def test_reg_precision_policy():
    cpu = "cpu"
    assert resolve_reg_precision("auto", Precision("bf16", cpu)).name == "bf16"
    # fp16 would need a loss scale inside autograd.grad: the passes stay fp32
    assert resolve_reg_precision("auto", Precision("fp16", "cuda")).name == "fp32"
    assert resolve_reg_precision("auto", Precision("fp32", cpu)).name == "fp32"
    assert resolve_reg_precision("fp32", Precision("bf16", cpu)).name == "fp32"
    with pytest.raises(ModisteError, match="reg-precision"):
        resolve_reg_precision("bf17", Precision("fp32", cpu))
    with pytest.raises(ModisteError, match="reg-precision"):
        TrainConfig(data="x", reg_precision="fp16").validate()


@pytest.mark.parametrize("phase", list(PHASES))
def test_channels_last_matches_contiguous(phase):
    ref_penalty, ref_grad = run_phase(make_trainer(), phase)
    trainer = make_trainer(channels_last=True)
    conv = next(p for p in trainer.D.parameters() if p.dim() == 4)
    assert conv.is_contiguous(memory_format=torch.channels_last)
    penalty, grad = run_phase(trainer, phase)
    assert penalty == pytest.approx(ref_penalty, rel=1e-4)
    assert torch.allclose(grad, ref_grad, rtol=1e-3, atol=1e-6 * float(ref_grad.abs().max()))


def test_channels_last_outputs_match_contiguous():
    ref, cl = make_trainer(), make_trainer(channels_last=True)
    z = torch.randn(4, ref.G.z_dim, generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        img_ref = ref.G(z, None, noise_mode="const")
        img_cl = cl.G(z, None, noise_mode="const")
        assert torch.allclose(img_cl, img_ref, atol=1e-5)
        x = img_ref.contiguous(memory_format=torch.channels_last)
        assert torch.allclose(cl.D(x, None), ref.D(img_ref, None), rtol=1e-4, atol=1e-5)
