"""One entry point for `modiste directions` and the studio: find directions by method, then write
the directions file and its preview grid."""

from __future__ import annotations

from pathlib import Path

import torch

from modiste.errors import ModisteError
from modiste.gan.images import latents_for_seeds, save_png
from modiste.latent.directions.file import DirectionSet, load_directions, parse_direction_ref, save_directions
from modiste.latent.directions.ganspace import ganspace_directions
from modiste.latent.directions.labels_file import labels_directions
from modiste.latent.directions.preview import preview_directions
from modiste.latent.directions.sefa import sefa_directions
from modiste.latent.directions.supervised import class_directions
from modiste.latent.layers import layer_range
from modiste.latent.latents import latents_paths
from modiste.latent.truncation import map_to_ws

METHODS = ("sefa", "ganspace", "supervised")


def held_directions(G: torch.nn.Module, spec: str | None) -> tuple[torch.Tensor | None, list[str]]:
    """"FILE:NAME,NAME2,OTHER:NAME3" -> (unit vectors float32 [M, w_dim], ["NAME", ...]).

    An item without a file takes the previous item's file. Files are checked against G (refused if
    made for another generator); unknown names list the file's names. (None, []) for no spec.
    """
    if not spec:
        return None, []
    vectors, names, current = [], [], None
    for item in [s.strip() for s in spec.split(",") if s.strip()]:
        if ":" in item:
            path, name = parse_direction_ref(item)
            current = load_directions(path, G)
        elif current is None:
            raise ModisteError(f"--hold {item!r} needs a file: write FILE:NAME first, e.g. dirs.safetensors:{item}")
        else:
            name = item
        vectors.append(current.vector(name))
        names.append(name)
    return torch.stack(vectors), names


def find_directions(
    G: torch.nn.Module,
    method: str,
    num: int = 10,
    layers: str | None = None,
    samples: int | None = None,
    labels: str | Path | None = None,
    attribute: str | None = None,
    latents=None,
    classes: list[str] | None = None,
    class_name: str | None = None,
    hold: str | None = None,
    classifier: str = "svm",
    seed: int = 0,
) -> DirectionSet:
    """Directions by `method` ("sefa" | "ganspace" | "supervised"), options as `modiste directions`.

    layers: a layer choice ("coarse", "0-3", "all"; GANSpace also "0:0-3,1:middle" per component).
    samples: GANSpace codes (default 10,000) or supervised codes per class (default 500).
    supervised: from `labels` + `attribute` (seeds or rows of `latents`, a LatentSet), else from the
    classes of a conditional model (`classes`: None, [A] or [A, B]); `hold`: "FILE:NAME,..." to stay
    orthogonal to. class_name: GANSpace samples only that class; labels without a class column use it.
    Raises ModisteError for options that do not fit the method or the generator.
    """
    from modiste.gan.generate import class_index

    if method not in METHODS:
        raise ModisteError(f"unknown method {method!r}: use {', '.join(METHODS)}")
    if method != "supervised" and (labels or attribute or classes or hold):
        raise ModisteError(f"--labels, --attribute, --classes and --hold belong to --method supervised, not {method}")
    if method == "sefa":
        return sefa_directions(G, num, layer_range(layers or "all", G.num_ws))
    if method == "ganspace":
        k = class_index(G, class_name)
        return ganspace_directions(G, num, samples or 10_000, layers, None if k is None else [k], seed)
    span = layer_range(layers or "all", G.num_ws)
    hold_vectors, hold_names = held_directions(G, hold)
    if labels is not None or attribute is not None:
        if labels is None or attribute is None:
            raise ModisteError("a labels file needs both --labels FILE.csv and --attribute COLUMN")
        return labels_directions(G, labels, attribute, latents, class_name, classifier=classifier, layers=span,
                                 hold=hold_vectors, hold_names=hold_names)
    return class_directions(G, classes, samples or 500, classifier, span, hold_vectors, hold_names, seed)


def preview_codes(G: torch.nn.Module, seeds: list[int], class_name: str | None, truncation_psi: float,
                  center: str | None) -> tuple[torch.Tensor, list[str]]:
    """W+ [S, num_ws, w_dim] of the preview seeds and their row names; a conditional model without
    --class cycles through its classes so the preview shows several."""
    from modiste.gan.generate import class_index

    device = G.mapping.w_avg.device
    c, names = None, [f"seed {s}" for s in seeds]
    if G.c_dim > 0:
        k = class_index(G, class_name)
        ks = [k] * len(seeds) if k is not None else [i % G.c_dim for i in range(len(seeds))]
        c = torch.tensor(ks, device=device)
        names = [f"seed {s}, {G.cfg.class_names[j]}" for s, j in zip(seeds, ks)]
    with torch.no_grad():
        ws = map_to_ws(G, latents_for_seeds(seeds, G.z_dim).to(device), c, truncation_psi, center)
    return ws, names


def write_directions(G: torch.nn.Module, ds: DirectionSet, out: str | Path, preview_seeds: list[int],
                     class_name: str | None = None, truncation_psi: float = 0.7,
                     center: str | None = None) -> tuple[Path, Path]:
    """Render the preview, then write the directions file and `<out>.preview.png` (all atomically).

    Returns (directions .safetensors path, preview path).
    """
    ws, names = preview_codes(G, preview_seeds, class_name, truncation_psi, center)
    grid = preview_directions(G, ds, ws, names)  # before writing, so a failure leaves nothing
    tensors_path, _ = latents_paths(out)
    preview_path = tensors_path.with_name(tensors_path.name.removesuffix(".safetensors") + ".preview.png")
    save_directions(tensors_path, ds)
    save_png(grid, preview_path)
    return tensors_path, preview_path
