"""Calibrated confidences: temperature scaling and a per-head abstain threshold.

Temperature scaling (Guo, Pleiss, Sun & Weinberger, "On Calibration of Modern Neural Networks",
ICML 2017) divides a head's logits by one scalar T > 0 fitted to minimise the negative
log-likelihood on a validation split; it never changes the arg-max, only the confidence. The
abstain threshold is the lowest confidence at which the validation predictions kept reach a
target precision; below it the head answers "abstain" instead of guessing.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F


def nll(logits: torch.Tensor, targets: torch.Tensor, temperature: float = 1.0) -> float:
    """Mean negative log-likelihood (nats) of int64 targets [N] under softmax(logits [N, K] / T)."""
    return float(F.cross_entropy(logits.double() / temperature, targets.long()))


def fit_temperature(logits: torch.Tensor, targets: torch.Tensor, max_iter: int = 100) -> float:
    """T > 0 minimising the NLL of `targets` under softmax(logits / T) (1.0 for empty input).

    Optimises log T with L-BFGS, so T stays positive; the result is clamped to [0.05, 20].
    """
    if len(targets) == 0:
        return 1.0
    z, y = logits.detach().double(), targets.long()
    log_t = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([log_t], lr=0.5, max_iter=max_iter, line_search_fn="strong_wolfe")

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = F.cross_entropy(z / log_t.exp(), y)
        loss.backward()
        return loss

    opt.step(closure)
    return float(log_t.detach().exp().clamp(0.05, 20.0))


def abstain_threshold(confidence: np.ndarray, correct: np.ndarray, target_precision: float = 0.95,
                      min_kept: int = 1) -> float:
    """Lowest confidence t with precision(confidence >= t) >= target_precision on validation data.

    confidence float [N] in [0, 1] (the top class's calibrated probability); correct bool [N].
    Returns 0.0 when every prediction may be kept, 1.0 when no threshold reaches the target with at
    least `min_kept` predictions kept.
    """
    if len(confidence) == 0:
        return 0.0
    order = np.argsort(-confidence, kind="stable")
    conf, hit = confidence[order], correct[order].astype(np.float64)
    precision = np.cumsum(hit) / np.arange(1, len(hit) + 1)  # precision of the k most confident
    ok = np.nonzero((precision >= target_precision) & (np.arange(1, len(hit) + 1) >= min_kept))[0]
    if len(ok) == 0:
        return 1.0
    k = ok[-1]  # keep as many as possible while precise enough
    return 0.0 if k == len(conf) - 1 else float(conf[k])
