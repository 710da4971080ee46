"""Sampled W codes of a generator, the raw material of GANSpace and the class-supervised directions."""

from __future__ import annotations

import torch

from modiste.errors import ModisteError


@torch.no_grad()
def sample_ws(
    G: torch.nn.Module,
    n: int,
    classes: list[int] | None = None,
    seed: int = 0,
    batch: int = 1024,
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """n W codes from the mapping network without truncation: (w float32 [n, w_dim] on the CPU,
    class indices long [n] or None for an unconditional generator).

    z ~ N(0, I) from a torch.Generator seeded with `seed` (reproducible, not tied to image seeds).
    Conditional generators: the class of each row is drawn uniformly from `classes` (indices;
    default all classes). Raises ModisteError for n < 1 or classes given to an unconditional model.
    """
    if n < 1:
        raise ModisteError(f"the number of samples must be at least 1, got {n}")
    if G.c_dim == 0 and classes:
        raise ModisteError("classes were given but this generator is unconditional: drop --class/--classes")
    device = G.mapping.w_avg.device
    rng = torch.Generator().manual_seed(int(seed))
    z = torch.randn(n, G.z_dim, generator=rng)
    c = None
    if G.c_dim > 0:
        pool = torch.tensor(classes if classes else list(range(G.c_dim)), dtype=torch.long)
        c = pool[torch.randint(0, len(pool), (n,), generator=rng)]
    out = []
    for start in range(0, n, batch):
        cb = None if c is None else c[start:start + batch].to(device)
        out.append(G.mapping(z[start:start + batch].to(device), cb, truncation_psi=1.0)[:, 0].float().cpu())
    return torch.cat(out), c


def std_along(ws: torch.Tensor, vectors: torch.Tensor) -> list[float]:
    """Standard deviation of the samples ws [N, w_dim] along each unit row of vectors [K, w_dim]:
    the natural unit of an edit strength (a strength of 1 sigma moves a sample by one typical spread)."""
    return [float(v) for v in (ws.double() @ vectors.double().t()).std(dim=0)]
