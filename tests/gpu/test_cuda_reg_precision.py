"""Issue 15 on a CUDA GPU: bf16 regularisation passes and channels-last against fp32 / contiguous,
with the CPU tests' tolerances (tests/gan/test_reg_precision.py). On CUDA the fp32 reference's
convolutions may use TF32, which the bounds absorb."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "gan"))
from reg_phase_helpers import BF16_MIN_COSINE, BF16_REL_TOL, PHASES, cosine, make_trainer, run_phase  # noqa: E402


@pytest.mark.parametrize("phase", list(PHASES))
def test_cuda_bf16_and_channels_last_regularisation_match_fp32(phase):
    ref_penalty, ref_grad = run_phase(make_trainer(device="cuda", precision="fp32"), phase)
    for overrides in (dict(precision="bf16", reg_precision="auto"),
                      dict(precision="bf16", reg_precision="auto", channels_last=True),
                      dict(precision="fp32", channels_last=True)):
        trainer = make_trainer(device="cuda", **overrides)
        penalty, grad = run_phase(trainer, phase)
        assert torch.isfinite(grad).all(), overrides
        assert abs(penalty - ref_penalty) <= BF16_REL_TOL * ref_penalty, (overrides, penalty, ref_penalty)
        assert cosine(grad, ref_grad) > BF16_MIN_COSINE, overrides
