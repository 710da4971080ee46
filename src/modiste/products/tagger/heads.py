"""One classification head per attribute on frozen 2048-d features.

A head standardises its input with the training set's mean and standard deviation (kept as
buffers, so a saved head needs nothing else) and is either multinomial logistic regression
(`hidden=0`, fitted full-batch with L-BFGS) or a one-hidden-layer MLP (ReLU, dropout, AdamW in
mini-batches). With `pca_dims` the first `pca_width` input columns (the Inception features) are
first projected onto their top principal components, fitted on the training rows (scikit-learn's
PCA), so appended colour features are not outnumbered 2048 to 178. Both minimise class-weighted cross-entropy plus an L2 penalty; the weights answer
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
    """features float32 [N, D] -> logits [N, num_classes] (uncalibrated).

    `in_dim` is the width after the optional PCA projection: D - pca_width + pca_dims.
    """

    def __init__(self, in_dim: int, num_classes: int, hidden: int = 0, dropout: float = 0.2,
                 pca_dims: int = 0, pca_width: int = 0) -> None:
        super().__init__()
        self.register_buffer("mean", torch.zeros(in_dim))
        self.register_buffer("std", torch.ones(in_dim))
        self.hidden = hidden
        self.pca_dims = pca_dims
        if pca_dims:
            self.register_buffer("pca_mean", torch.zeros(pca_width))
            self.register_buffer("pca_components", torch.zeros(pca_dims, pca_width))
        if hidden > 0:
            self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), nn.Dropout(dropout),
                                     nn.Linear(hidden, num_classes))
        else:
            self.net = nn.Sequential(nn.Linear(in_dim, num_classes))

    def project(self, features: torch.Tensor) -> torch.Tensor:
        """[N, D] -> [N, in_dim]: the PCA projection of the first pca_width columns (identity without)."""
        if not self.pca_dims:
            return features
        width = self.pca_mean.numel()
        reduced = (features[:, :width] - self.pca_mean) @ self.pca_components.T
        return torch.cat([reduced, features[:, width:]], dim=1)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return self.net((self.project(features) - self.mean) / self.std)


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
               seed: int = 0, pca_dims: int = 0, pca_width: int | None = None) -> AttributeHead:
    """Fit one head. features float32 [N, D]; targets int64 [N] in [0, num_classes) or -1 (ignored).

    `l2` multiplies 0.5 * ||W||^2 (biases are not penalised); `max_iter` bounds L-BFGS (linear heads),
    `epochs` the MLP's passes. `pca_dims` > 0 projects the first `pca_width` columns (default: all)
    onto that many principal components of the training rows. Deterministic for a given `seed`.
    Raises ModisteError when fewer than two classes have training examples or `pca_dims` is not
    below both the projected width and the number of training rows.
    """
    keep = targets >= 0
    x = features[torch.from_numpy(keep)].float()
    y = torch.from_numpy(targets[keep]).long()
    if len(torch.unique(y)) < 2:
        raise ModisteError("a head needs at least two classes with training images: add labelled images")
    torch.manual_seed(seed)
    width = x.shape[1] if pca_width is None else pca_width
    head = AttributeHead(x.shape[1] - (width - pca_dims if pca_dims else 0), num_classes, hidden,
                         pca_dims=pca_dims, pca_width=width)
    if pca_dims:
        _fit_pca(head, x[:, :width], pca_dims, seed)
        x = head.project(x)
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


def _fit_pca(head: AttributeHead, x: torch.Tensor, dims: int, seed: int) -> None:
    if not 0 < dims < min(x.shape):
        raise ModisteError(f"pca_dims={dims}: use fewer than {min(x.shape)} (the feature width and the number of "
                           "training images), e.g. 32")
    from sklearn.decomposition import PCA

    pca = PCA(dims, random_state=seed).fit(x.numpy())
    head.pca_mean.copy_(torch.from_numpy(pca.mean_).float())
    head.pca_components.copy_(torch.from_numpy(pca.components_).float())


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
