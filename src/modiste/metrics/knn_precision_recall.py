"""Improved precision and recall (Kynkaanniemi et al., 2019) on feature vectors.

Each set approximates its manifold by the union of balls around its points, each ball reaching the
point's k-th nearest neighbour in the same set (k = 3). Precision is the fraction of fake points
inside the real manifold (fidelity); recall is the fraction of real points inside the fake manifold
(diversity). Distances are computed in row blocks so 10k x 10k sets fit in memory.
"""

from __future__ import annotations

import torch

DEFAULT_K = 3


def _pairwise_distances(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    return torch.cdist(a.unsqueeze(0), b.unsqueeze(0)).squeeze(0)


def knn_radii(points: torch.Tensor, k: int = DEFAULT_K, block: int = 1024) -> torch.Tensor:
    """Distance from each point to its k-th nearest other point in the same set."""
    if points.shape[0] <= k:
        raise ValueError(f"precision/recall with k={k} needs more than {k} points per set, got {points.shape[0]}")
    radii = []
    for start in range(0, points.shape[0], block):
        dist = _pairwise_distances(points[start : start + block], points)
        # the smallest distance is the point to itself (0), so the k-th neighbour is at index k
        radii.append(dist.kthvalue(k + 1, dim=1).values)
    return torch.cat(radii)


def manifold_coverage(queries: torch.Tensor, manifold: torch.Tensor, radii: torch.Tensor, block: int = 1024) -> float:
    """Fraction of `queries` within radii[j] of some manifold point j."""
    inside = []
    for start in range(0, queries.shape[0], block):
        dist = _pairwise_distances(queries[start : start + block], manifold)
        inside.append((dist <= radii.unsqueeze(0)).any(dim=1))
    return float(torch.cat(inside).float().mean())


def precision_recall(real: torch.Tensor, fake: torch.Tensor, k: int = DEFAULT_K) -> tuple[float, float]:
    """(precision, recall) of `fake` features against `real` features."""
    real, fake = real.float(), fake.float()
    precision = manifold_coverage(fake, real, knn_radii(real, k))
    recall = manifold_coverage(real, fake, knn_radii(fake, k))
    return precision, recall
