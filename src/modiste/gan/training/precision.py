"""Mixed precision policy: bf16/fp16 autocast on GPU, fp32 on CPU."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch

from modiste.errors import ModisteError


@dataclass(frozen=True)
class Precision:
    name: str  # fp32 | bf16 | fp16
    device_type: str

    @property
    def dtype(self) -> torch.dtype | None:
        return {"bf16": torch.bfloat16, "fp16": torch.float16}.get(self.name)

    def autocast(self) -> contextlib.AbstractContextManager:
        if self.dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=self.device_type, dtype=self.dtype)

    def grad_scaler(self) -> torch.amp.GradScaler:
        """A real scaler for fp16 (its gradients underflow), a pass-through one otherwise."""
        return torch.amp.GradScaler(self.device_type, enabled=self.name == "fp16")


def resolve_precision(requested: str, device: torch.device) -> Precision:
    if requested == "auto":
        if device.type != "cuda":
            return Precision("fp32", device.type)
        return Precision("bf16" if torch.cuda.is_bf16_supported() else "fp16", "cuda")
    if requested == "fp16" and device.type != "cuda":
        raise ModisteError("--precision fp16 needs a CUDA GPU: use fp32 (or bf16) on CPU")
    return Precision(requested, device.type)


def resolve_reg_precision(requested: str, main: Precision) -> Precision:
    """Autocast policy of the R1 and path-length passes (issue 15).

    ``fp32`` (the default) runs them in full precision, as before. ``auto`` runs their forward and
    double backward under the main passes' autocast when that is bf16, and in fp32 otherwise: bf16
    has fp32's exponent range, while fp16 would need a loss scale inside ``autograd.grad`` (the
    gradient that the penalty squares can underflow), which these passes do not have. Either way
    the penalties' reductions (sum of squared gradients, the path-length mean and its EMA) are
    computed in fp32 by ``losses.r1_penalty`` / ``PathLengthRegularizer``.
    Raises ModisteError for an unknown ``requested``.
    """
    if requested == "fp32":
        return Precision("fp32", main.device_type)
    if requested == "auto":
        return main if main.name == "bf16" else Precision("fp32", main.device_type)
    raise ModisteError(f"unknown --reg-precision {requested!r}: use fp32 or auto")
