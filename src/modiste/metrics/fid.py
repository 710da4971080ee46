"""Frechet Inception Distance between two sets of features (Heusel et al., 2017).

FID = |mu1 - mu2|^2 + Tr(S1) + Tr(S2) - 2 Tr((S1 S2)^(1/2)).

The trace of the matrix square root is computed without `scipy.linalg.sqrtm` (a Schur
decomposition in complex arithmetic, slow and prone to complex residue):

- covariance space: with S1 = L L^T (Cholesky), S1 S2 is similar to the symmetric PSD matrix
  L^T S2 L, so Tr((S1 S2)^(1/2)) is the sum of the square roots of its eigenvalues. One Cholesky and
  one symmetric eigensolve in float64; if S1 is singular, L is replaced by S1^(1/2) from `eigh`.
  Rounding can only push eigenvalues slightly below zero, and those are clipped: the result is real.
- sample space, when the sets are small (per-class FIDs, tests): with S1 = A^T A and S2 = B^T B
  (A, B the centred features scaled by 1/sqrt(n - 1)), the nonzero eigenvalues of S1 S2 are the
  squared singular values of A B^T, so the trace is the nuclear norm of the n1 x n2 matrix A B^T,
  exact and far cheaper than a 2048 x 2048 eigensolve when n1 * n2 * min(n1, n2) < 2048^3.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

ArrayLike = np.ndarray | torch.Tensor


def _float64(x: ArrayLike) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.asarray(x, dtype=np.float64)


@dataclass(frozen=True)
class GaussianStats:
    """Mean and unbiased (N - 1) covariance of a feature set, in float64, like pytorch-fid's."""

    mu: np.ndarray
    sigma: np.ndarray
    count: int

    @classmethod
    def of(cls, features: ArrayLike) -> "GaussianStats":
        feats = _float64(features)
        if feats.ndim != 2 or feats.shape[0] < 2:
            raise ValueError(f"need at least 2 feature vectors [N, D], got shape {feats.shape}")
        return cls(mu=feats.mean(axis=0), sigma=np.cov(feats, rowvar=False), count=feats.shape[0])


def _factor(sigma: torch.Tensor) -> torch.Tensor:
    """Some L with L L^T = sigma: Cholesky when positive definite, else the PSD square root."""
    chol, info = torch.linalg.cholesky_ex(sigma)
    if int(info) == 0:
        return chol
    eigvals, eigvecs = torch.linalg.eigh(sigma)
    return (eigvecs * eigvals.clamp(min=0).sqrt()) @ eigvecs.T


def trace_sqrt_product(sigma1: ArrayLike, sigma2: ArrayLike) -> float:
    """Tr((sigma1 @ sigma2)^(1/2)) for symmetric PSD matrices, in float64."""
    s1, s2 = torch.from_numpy(_float64(sigma1)), torch.from_numpy(_float64(sigma2))
    factor = _factor(s1)
    middle = factor.T @ s2 @ factor
    middle = (middle + middle.T) / 2  # symmetric up to rounding; eigvalsh must see it exactly so
    return float(torch.linalg.eigvalsh(middle).clamp(min=0).sqrt().sum())


def trace_sqrt_product_from_samples(a: ArrayLike, b: ArrayLike) -> float:
    """Tr((cov(a) cov(b))^(1/2)) from the samples [n1, d], [n2, d], via the nuclear norm of A B^T."""
    fa, fb = torch.from_numpy(_float64(a)), torch.from_numpy(_float64(b))
    fa = (fa - fa.mean(0)) / math.sqrt(fa.shape[0] - 1)
    fb = (fb - fb.mean(0)) / math.sqrt(fb.shape[0] - 1)
    return float(torch.linalg.svdvals(fa @ fb.T).sum())


def sample_space_is_cheaper(n1: int, n2: int, dim: int) -> bool:
    return n1 * n2 * min(n1, n2) < dim**3


def frechet_distance(mu1: ArrayLike, sigma1: ArrayLike, mu2: ArrayLike, sigma2: ArrayLike) -> float:
    """The Frechet distance between N(mu1, sigma1) and N(mu2, sigma2), in float64."""
    m1, s1, m2, s2 = (_float64(v) for v in (mu1, sigma1, mu2, sigma2))
    if m1.shape != m2.shape or s1.shape != s2.shape or s1.shape != (m1.shape[0], m1.shape[0]):
        raise ValueError(f"mismatched statistics: mu {m1.shape} vs {m2.shape}, sigma {s1.shape} vs {s2.shape}")
    diff = m1 - m2
    value = diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * trace_sqrt_product(s1, s2)
    return float(max(value, 0.0))


def fid_from_stats(a: GaussianStats, b: GaussianStats) -> float:
    return frechet_distance(a.mu, a.sigma, b.mu, b.sigma)


def fid_from_features(real: ArrayLike, fake: ArrayLike) -> float:
    """FID between two feature sets [N, D] and [M, D] (in sample space when that is cheaper)."""
    a, b = _float64(real), _float64(fake)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1] or min(len(a), len(b)) < 2:
        raise ValueError(f"need two feature sets [N >= 2, D] of equal D, got {a.shape} and {b.shape}")
    if not sample_space_is_cheaper(len(a), len(b), a.shape[1]):
        return fid_from_stats(GaussianStats.of(a), GaussianStats.of(b))
    diff = a.mean(0) - b.mean(0)
    traces = a.var(axis=0, ddof=1).sum() + b.var(axis=0, ddof=1).sum()
    return float(max(diff @ diff + traces - 2.0 * trace_sqrt_product_from_samples(a, b), 0.0))
