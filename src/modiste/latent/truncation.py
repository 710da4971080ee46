"""Truncation towards the right centre: the global mean W, or the mean W of the requested class.

StyleGAN's truncation trick pulls w towards the average w_avg: w' = w_avg + psi (w - w_avg). A
conditional generator's w_avg is the average over all classes, so at psi = 0 every class collapses
to the same image. Truncating towards the mean W of the requested class instead (as in
stylegan2-ada-pytorch's conditional truncation discussion and StyleGAN-XL's class-wise centres)
keeps the class at any psi. Class centres are estimated from samples of each class and cached in
the run folder (`<run>/cache/`), keyed by the generator's content hash.
"""

from __future__ import annotations

from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from modiste.atomic import atomic_path
from modiste.errors import ModisteError
from modiste.gan.images import latents_for_seeds
from modiste.latent.identity import generator_identity

CENTERS = ("class", "global")
CENTRE_SAMPLES = 2048  # per class; the centre's standard error is ~1/45 of W's spread per coordinate
CENTRE_SEED_BASE = 1_000_000_000  # seeds far from the ones people type, so centres don't reuse them

_MEMO_ATTR = "_modiste_class_centres"  # {(weights hash, samples, device): centres} on a loaded G


def _cache_dir(G: torch.nn.Module) -> Path:
    snapshot = getattr(G, "source_path", None)
    if snapshot is not None:
        snapshot = Path(snapshot)
        run = snapshot.parent.parent if snapshot.parent.name == "checkpoints" else snapshot.parent
        return run / "cache"
    from modiste.metrics.inception import modiste_cache_dir

    return modiste_cache_dir() / "class-centres"


@torch.no_grad()
def class_centres(G: torch.nn.Module, samples_per_class: int = CENTRE_SAMPLES, batch: int = 256) -> torch.Tensor:
    """Mean W of each class: float32 [num_classes, w_dim] on G's device, cached on disk and, per
    loaded generator, in memory (the studio asks for them on every batch).

    Raises ModisteError for an unconditional generator.
    """
    names = list(G.cfg.class_names)
    if G.c_dim == 0 or not names:
        raise ModisteError("class-centred truncation needs a conditional generator: use --truncation-center global")
    identity = generator_identity(G)
    device = next(G.parameters()).device
    memo = G.__dict__.setdefault(_MEMO_ATTR, {})
    key = (identity.checkpoint_hash, samples_per_class, str(device))
    if key not in memo:
        memo[key] = _class_centres_uncached(G, names, identity.checkpoint_hash, samples_per_class, batch, device)
    return memo[key]


def _class_centres_uncached(G: torch.nn.Module, names: list[str], checkpoint_hash: str, samples_per_class: int,
                            batch: int, device: torch.device) -> torch.Tensor:
    """The run folder's cached centres if present and sound, else estimated from samples and cached."""
    cache = _cache_dir(G) / f"class-centres-{checkpoint_hash[:16]}-n{samples_per_class}.safetensors"
    if cache.is_file():
        try:
            centres = load_file(str(cache))["centres"]
            if centres.shape == (len(names), G.w_dim):
                return centres.to(device)
        except Exception:  # a damaged cache is recomputed, never trusted
            pass
    centres = torch.zeros(len(names), G.w_dim)
    for k in range(len(names)):
        total = torch.zeros(G.w_dim, dtype=torch.float64)
        for start in range(0, samples_per_class, batch):
            n = min(batch, samples_per_class - start)
            seeds = [CENTRE_SEED_BASE + k * samples_per_class + start + i for i in range(n)]
            z = latents_for_seeds(seeds, G.z_dim).to(device)
            c = torch.full((n,), k, dtype=torch.long, device=device)
            total += G.mapping(z, c)[:, 0].double().sum(0).cpu()
        centres[k] = (total / samples_per_class).float()
    try:
        with atomic_path(cache) as tmp:
            save_file({"centres": centres.contiguous()}, str(tmp))
    except OSError:
        pass  # a read-only run folder: recompute next time
    return centres.to(device)


def resolve_center(G: torch.nn.Module, center: str | None) -> str:
    """The centre to use: `center` if given (validated), else "class" for conditional models."""
    if center is None:
        return "class" if G.c_dim > 0 else "global"
    if center not in CENTERS:
        raise ModisteError(f"unknown truncation centre {center!r}: use class or global")
    if center == "class" and G.c_dim == 0:
        raise ModisteError("--truncation-center class needs a conditional generator: use global (the default)")
    return center


def truncation_centres(G: torch.nn.Module, c: torch.Tensor | None, center: str | None = None) -> torch.Tensor:
    """The W each row is truncated towards: float32 [N, w_dim].

    c: class indices [N] (long) for conditional generators, or soft labels float [N, c_dim] (rows
    summing to 1, as in a walk between classes: their centre is the same mixture of class centres),
    else None (N is then 1).
    """
    center = resolve_center(G, center)
    if center == "global":
        n = 1 if c is None else c.shape[0]
        return G.mapping.w_avg.float().unsqueeze(0).expand(n, -1)
    if c is None:
        raise ModisteError("class-centred truncation needs a class per sample: pass --class")
    centres = class_centres(G)
    if c.is_floating_point() and c.dim() == 2:
        return c.to(centres) @ centres
    return centres[c.long().to(centres.device)]


def truncate_ws(
    G: torch.nn.Module,
    ws: torch.Tensor,
    c: torch.Tensor | None = None,
    truncation_psi: float = 1.0,
    center: str | None = None,
    cutoff: int | None = None,
) -> torch.Tensor:
    """The truncation trick on W+ codes already mapped: w' = centre + psi (w - centre).

    ws: [N, num_ws, w_dim]; c: class indices [N] (needed for the class centre). psi = 1 returns ws
    unchanged, psi = 0 the centre itself; `cutoff` truncates only the first `cutoff` ws (coarse
    layers), as in StyleGAN (Karras et al. 2019, appendix B). Raises ModisteError when psi is so
    large that the truncated codes leave float32's range (e.g. --truncation 1e38).
    """
    if truncation_psi == 1.0:
        return ws
    from modiste.gan.generate import check_truncation_psi  # NaN / inf named as such, before any work

    check_truncation_psi(truncation_psi)
    centre = truncation_centres(G, c, center).to(ws.device).unsqueeze(1)  # [N or 1, 1, w_dim]
    truncated = centre.lerp(ws.float(), truncation_psi)
    if not torch.isfinite(truncated).all():
        raise ModisteError(f"--truncation {truncation_psi:g} pushes W out of float32's range: use a psi near 0-1 "
                           f"(1 = none, 0.5-0.8 usual)")
    if cutoff is None or cutoff >= ws.shape[1]:
        return truncated
    return torch.cat([truncated[:, :cutoff], ws[:, cutoff:]], dim=1)


def map_to_ws(
    G: torch.nn.Module,
    z: torch.Tensor,
    c: torch.Tensor | None = None,
    truncation_psi: float = 1.0,
    center: str | None = None,
    cutoff: int | None = None,
) -> torch.Tensor:
    """z [N, z_dim] (+ class indices [N]) -> W+ [N, num_ws, w_dim], truncated towards `center`.

    psi = 1 is no truncation, psi = 0 gives the centre itself; `cutoff` truncates only the first
    `cutoff` ws (coarse layers), as in StyleGAN.
    """
    return truncate_ws(G, G.mapping(z, c, truncation_psi=1.0), c, truncation_psi, center, cutoff)
