"""One classification head per attribute on frozen 2048-d features.

A head standardises its input with the training set's mean and standard deviation (kept as
buffers, so a saved head needs nothing else) and is either multinomial logistic regression
(`hidden=0`, fitted full-batch with L-BFGS) or a one-hidden-layer MLP (ReLU, dropout, AdamW in
mini-batches). Both minimise class-weighted cross-entropy plus an L2 penalty; the weights answer
class imbalance: "balanced" is n / (k * n_c) (King & Zeng; scikit-learn's `class_weight="balanced"`),
"sqrt" its square root, a milder correction that costs less accuracy on the common classes.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from modiste.errors import ModisteError

CLASS_WEIGHTS = ("balanced", "sqrt", "none")


class AttributeHead(nn.Module):
    """features float32 [N, in_dim] -> logits [N, num_classes] (uncalibrated)."""

    def __init__(self, in_dim: int, num_classes: int, hidden: int = 0, dropout: float = 0.2) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(in_dim))
        self.register_buffer("std", torch.ones(in_dim))
        self.hidden = hidden
        if hidden > 0:
            self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Dropout(dropout),
                                     nn.Linear(hidden, num_classes))
        else:
            self.net = nn.Sequential(nn.Linear(in_dim, num_classes))

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.net((features - self.mean) / self.std)


def class_weights(targets: np.ndarray, num_classes: int, kind: str = "balanced") -> torch.Tensor:
    """float32 [num_classes]: per-class loss weights from the training targets (MISSING = -1 ignored).

    Classes absent from `targets` get weight 0. Raises ModisteError for an unknown `kind`.
    """
    if kind not in CLASS_WEIGHTS:
        raise ModisteError(f"unknown class weighting {kind!r}: use one of {', '.join(CLASS_WEIGHTS)}")
    counts = np.bincount(targets[targets >= 0], minlength=num_classes).astype(np.float64)
    present = counts > 0
    weights = np.zeros(num_classes)
    if kind == "none":
        weights[present] = 1.0
    else:
        weights[present] = counts.sum() / (present.sum() * counts[present])
        if kind == "sqrt":
            weights = np.sqrt(weights)
    return torch.tensor(weights, dtype=torch.float32)


def _weighted_ce(logits: torch.Tensor, y: torch.Tensor, weights: torch.Tensor) -> torch.Tensor:
    # mean over samples weighted like sklearn (sum w_i * ce_i / n), so the L2 strength means the same
    return (F.cross_entropy(logits, y, reduction="none") * weights[y]).mean()


def train_head(features: torch.Tensor, targets: np.ndarray, num_classes: int, *, hidden: int = 0,
               class_weight: str = "balanced", l2: float = 1e-3, epochs: int = 30, max_iter: int = 100,
               seed: int = 0) -> AttributeHead:
    """Fit one head. features float32 [N, D]; targets int64 [N] in [0, num_classes) or -1 (ignored).

    `l2` multiplies 0.5 * ||W||^2 (biases are not penalised); `max_iter` bounds L-BFGS (linear heads),
    `epochs` the MLP's passes. Deterministic for a given `seed`. Raises ModisteError when fewer than two
    classes have training examples.
    """
    keep = targets >= 0
    x = features[torch.from_numpy(keep)].float()
    y = torch.from_numpy(targets[keep]).long()
    if len(torch.unique(y)) < 2:
        raise ModisteError("a head needs at least two classes with training images: add labelled images")
    torch.manual_seed(seed)
    head = AttributeHead(x.shape[1], num_classes, hidden)
    head.mean.copy_(x.mean(0))
    head.std.copy_(x.std(0).clamp_min(1e-6))
    weights = class_weights(targets[keep], num_classes, class_weight)
    penalised = [m.weight for m in head.net if isinstance(m, nn.Linear)]
    z = (x - head.mean) / head.std  # standardised once: the optimiser then trains head.net on z
    if hidden == 0:
        _fit_lbfgs(head.net, z, y, weights, penalised, l2, max_iter)
    else:
        _fit_adamw(head.net, z, y, weights, penalised, l2, epochs, seed)
    return head.eval()


def _fit_lbfgs(net: nn.Module, z, y, weights, penalised, l2, max_iter) -> None:
    opt = torch.optim.LBFGS(net.parameters(), lr=1.0, max_iter=max_iter, history_size=20,
                            line_search_fn="strong_wolfe", tolerance_grad=1e-6, tolerance_change=1e-9)

    def closure() -> torch.Tensor:
        opt.zero_grad()
        loss = _weighted_ce(net(z), y, weights) + 0.5 * l2 * sum((w ** 2).sum() for w in penalised)
        loss.backward()
        return loss

    net.train()
    opt.step(closure)


def _fit_adamw(net: nn.Module, z, y, weights, penalised, l2, epochs, seed, batch: int = 256,
               lr: float = 1e-3) -> None:
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.0)
    gen = torch.Generator().manual_seed(seed)
    steps = epochs * math.ceil(len(z) / batch)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    net.train()
    for _ in range(epochs):
        for idx in torch.randperm(len(z), generator=gen).split(batch):
            loss = _weighted_ce(net(z[idx]), y[idx], weights) + 0.5 * l2 * sum((w ** 2).sum() for w in penalised)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()


@torch.no_grad()
def head_logits(head: AttributeHead, features: torch.Tensor, batch: int = 4096) -> torch.Tensor:
    """float32 [N, num_classes] logits of `head` in eval mode."""
    head.eval()
    parts = [head(features[i:i + batch].float()) for i in range(0, len(features), batch)]
    return torch.cat(parts) if parts else torch.zeros((0, head.net[-1].out_features))
