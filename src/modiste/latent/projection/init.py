"""Where the search starts: the mean W (the class centre of a conditional model) or the nearest of
a bank of sampled W's.

"mean" is the StyleGAN2 projector's start. "nearest" renders a bank of sampled W's and starts each
photo from the one whose image is closest in the Inception feature distance used by the loss
(`perceptual.InceptionPerceptual`), which helps when the photo is far from the average product
(a shoe when the mean image is a T-shirt). The bank is drawn from fixed seeds, so runs repeat.
"""

from __future__ import annotations

import torch

from modiste.errors import ModisteError
from modiste.gan.images import latents_for_seeds
from modiste.latent.projection.perceptual import InceptionPerceptual
from modiste.latent.truncation import truncation_centres

INITS = ("mean", "nearest")
BANK_SEED_BASE = 2_000_000_000  # far from typed seeds and from the class-centre seeds


def mean_init(G: torch.nn.Module, c: torch.Tensor | None, n: int) -> torch.Tensor:
    """[n, w_dim]: the class centre of class indices `c` [n] (conditional), else the global mean W."""
    if c is None:
        return G.mapping.w_avg.detach().float().unsqueeze(0).expand(n, -1).clone()
    return truncation_centres(G, c, "class").float().clone()


@torch.no_grad()
def nearest_init(G: torch.nn.Module, perceptual: InceptionPerceptual, targets: torch.Tensor,
                 c: torch.Tensor | None, bank_size: int = 256, batch: int = 32) -> torch.Tensor:
    """[N, w_dim]: for each target [N, 3, H, W], the bank W whose image is perceptually closest.

    c: class index per target [N] (conditional models; each target is compared with a bank of its
    own class) or None (a bank of all classes in turn, or of an unconditional model).
    """
    if bank_size < 1:
        raise ModisteError(f"the nearest-W bank needs at least 1 sample, got {bank_size}")
    device = G.mapping.w_avg.device
    n = targets.shape[0]
    chosen = torch.zeros(n, G.w_dim)
    groups = [None] if c is None or G.c_dim == 0 else sorted(set(c.tolist()))
    for k in groups:
        rows = list(range(n)) if k is None else [i for i in range(n) if int(c[i]) == k]
        target_features = perceptual.features(targets[rows])
        best = torch.full((len(rows),), float("inf"))
        for start in range(0, bank_size, batch):
            seeds = list(range(BANK_SEED_BASE + start, BANK_SEED_BASE + min(bank_size, start + batch)))
            z = latents_for_seeds(seeds, G.z_dim).to(device)
            cc = None
            if G.c_dim > 0:
                cc = (torch.full((len(seeds),), k) if k is not None else torch.tensor(seeds) % G.c_dim).to(device)
            ws = G.mapping(z, cc)
            feats = perceptual.features(G.synthesis(ws, noise_mode="const"))
            for j in range(len(rows)):
                d = perceptual.compare(feats, [f[j:j + 1] for f in target_features]).cpu()
                m = int(d.argmin())
                if d[m] < best[j]:
                    best[j], chosen[rows[j]] = d[m], ws[m, 0].cpu()
    return chosen.to(device)
