"""Generated product photos: seeds -> W+ (class-centred truncation) -> uint8 images.

One function shared by `modiste tagger predict --checkpoint` and product composition, so a seed
gives the same image everywhere: z from `latents_for_seeds` (numpy's portable RandomState),
W+ from `modiste.latent.map_to_ws` (truncation towards the requested class's mean W by default),
synthesis with constant noise.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch

from modiste.errors import ModisteError
from modiste.gan.generate import class_index
from modiste.gan.images import latents_for_seeds, to_uint8
from modiste.latent import map_to_ws
from modiste.latent.truncation import resolve_center


@dataclass(frozen=True)
class SamplingSettings:
    """How an image was drawn: truncation psi, its centre ("class" or "global"), the number of
    truncated ws (None = all) and the synthesis noise mode."""

    truncation_psi: float = 0.7
    center: str | None = None
    cutoff: int | None = None
    noise_mode: str = "const"

    def resolved(self, G: torch.nn.Module) -> "SamplingSettings":
        return SamplingSettings(self.truncation_psi, resolve_center(G, self.center), self.cutoff, self.noise_mode)

    def to_json(self) -> dict:
        return asdict(self)


def resolve_class(G: torch.nn.Module, class_name: str | None) -> int | None:
    """Class index of `class_name` in G; raises ModisteError for an unconditional G or an unknown class.

    A conditional G without a class raises too: the product's class must be chosen.
    """
    index = class_index(G, class_name)
    if G.c_dim > 0 and index is None:
        raise ModisteError(f"this generator is conditional: pass --class, one of {', '.join(G.cfg.class_names)}")
    return index


MAX_PRODUCTS = 100_000  # products per run (--n, --seeds): a bigger catalogue is several runs


def product_seeds(count: int, seeds: str | None) -> list[int]:
    """The seeds of a run: `seeds` parsed ("7,12", "100-149") when given, else 0 .. count-1; checked by
    `check_seeds`, at most MAX_PRODUCTS of them. Raises ModisteError before anything is expanded."""
    from modiste.gan.images import parse_seeds

    if seeds is not None:
        return check_seeds(parse_seeds(seeds, MAX_PRODUCTS))
    if not 1 <= count <= MAX_PRODUCTS:
        raise ModisteError(f"--n {count}: ask for 1 to {MAX_PRODUCTS} products per run (split a bigger catalogue "
                           "into runs with --seeds ranges)")
    return list(range(count))


def check_seeds(seeds: list[int]) -> list[int]:
    """Return `seeds` after checking each is a usable product seed: in [0, 2**32 - 1] and not repeated.

    A repeated seed would give two identical products with one handle (they would overwrite each other).
    Raises ModisteError naming the first bad seed.
    """
    from modiste.gan.generate import check_seeds as check_seed_range

    check_seed_range(seeds)
    if len(set(seeds)) != len(seeds):
        dup = next(s for s in seeds if seeds.count(s) > 1)
        raise ModisteError(f"seed {dup} is repeated: each product needs its own seed")
    return seeds


@torch.no_grad()
def generate_seed_images(G: torch.nn.Module, seeds: list[int], class_idx: int | None,
                         settings: SamplingSettings = SamplingSettings(), batch: int = 16) -> torch.Tensor:
    """uint8 [len(seeds), C, H, W] images of `seeds` (class `class_idx` for conditional G).

    Each image depends only on its seed, the class and `settings`, not on the batch it is drawn in.
    """
    if not seeds:
        raise ModisteError("no seeds given: pass --seeds like 0-49")
    check_seeds(seeds)
    if settings.noise_mode != "const":
        raise ModisteError("products need reproducible images: use noise mode const")
    device = next(G.parameters()).device
    out = []
    for start in range(0, len(seeds), batch):
        chunk = seeds[start:start + batch]
        z = latents_for_seeds(chunk, G.z_dim).to(device)
        c = None if class_idx is None else torch.full((len(chunk),), class_idx, dtype=torch.long, device=device)
        ws = map_to_ws(G, z, c, settings.truncation_psi, settings.center, settings.cutoff)
        out.append(to_uint8(G.synthesis(ws, noise_mode="const")).cpu())
    return torch.cat(out)
