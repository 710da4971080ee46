"""Token-weighted validation loss and perplexity of a causal LM on labelled batches."""

from __future__ import annotations

import contextlib
import math
from typing import Iterable

import torch
import torch.nn.functional as F

from modiste.text.dataset import IGNORE


def autocast_for(device: torch.device, precision: str = "auto"):
    """bf16 autocast on GPUs that support it ('auto' or 'bf16'); full precision otherwise."""
    use_bf16 = precision == "bf16" or (precision == "auto" and device.type == "cuda" and torch.cuda.is_bf16_supported())
    if use_bf16:
        return torch.autocast(device_type=device.type, dtype=torch.bfloat16)
    return contextlib.nullcontext()


@torch.no_grad()
def summed_token_loss(model, batches: Iterable[dict[str, torch.Tensor]], device: torch.device, precision: str = "auto") -> tuple[float, int]:
    """(sum of next-token cross-entropy over labelled tokens, number of labelled tokens)."""
    was_training = model.training
    model.eval()
    total, count = 0.0, 0
    for batch in batches:
        batch = {k: v.to(device) for k, v in batch.items()}
        labels = batch.pop("labels")
        with autocast_for(device, precision):
            logits = model(**batch).logits
        shift_logits = logits[:, :-1].float().reshape(-1, logits.shape[-1])
        shift_labels = labels[:, 1:].reshape(-1)
        total += F.cross_entropy(shift_logits, shift_labels, ignore_index=IGNORE, reduction="sum").item()
        count += int((shift_labels != IGNORE).sum())
    model.train(was_training)
    return total, count


def perplexity(mean_loss: float) -> float:
    return math.exp(min(mean_loss, 50.0))
