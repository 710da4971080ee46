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

    The bank holds `bank_size` W's of class c[0] (conditional, `c` given: one class for all
    targets), of all classes in turn (conditional, `c` None) or unconditional samples.
    """
    if bank_size < 1:
        raise ModisteError(f"the nearest-W bank needs at least 1 sample, got {bank_size}")
    device = G.mapping.w_avg.device
    target_features = perceptual.features(targets)
    n = targets.shape[0]
    best = torch.full((n,), float("inf"))
    chosen = torch.zeros(n, G.w_dim)
    for start in range(0, bank_size, batch):
        seeds = list(range(BANK_SEED_BASE + start, BANK_SEED_BASE + min(bank_size, start + batch)))
        z = latents_for_seeds(seeds, G.z_dim).to(device)
        cc = None
        if G.c_dim > 0:
            cc = (c[:1].expand(len(seeds)) if c is not None else torch.tensor(seeds) % G.c_dim).to(device)
        ws = G.mapping(z, cc)
        feats = perceptual.features(G.synthesis(ws, noise_mode="const"))
        for i in range(n):
            own = [f[i:i + 1] for f in target_features]
            d = perceptual.compare(feats, own).cpu()
            k = int(d.argmin())
            if d[k] < best[i]:
                best[i], chosen[i] = d[k], ws[k, 0].cpu()
    return chosen.to(device)
