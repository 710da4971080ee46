"""SeFa: closed-form factorisation of the style weights (Shen & Zhou, "Closed-Form Factorization of
Latent Semantics in GANs", CVPR 2021).

Every modulated layer turns w into its styles through an affine map s = A w + b. A direction n in W
moves the styles of that layer by A n, so the directions that change the styles most are the unit n
maximising |A n|^2 = n^T A^T A n: the top eigenvectors of A^T A, with A stacking the affine weights of
all the layers the direction will act on.

Which layers: the affine maps of the modulated 3x3 convs (`SynthesisLayer.affine`) whose w index lies
in the chosen W+ range, as in the paper's StyleGAN2 code, which leaves out the toRGB layers (they set
colour per pixel, not content). A range that reaches only the final toRGB w (the last index, read by
nothing else) falls back to the toRGB affine so that every range has a factorisation.

Weights: the effective (runtime) weights, i.e. the stored weight times its equalised-learning-rate
gain lr_mul / sqrt(w_dim); then, as in the paper's code, each output channel's row of A is scaled to
unit L2 norm so that every style channel counts the same whatever its layer's scale (which also makes
the equalised-LR gain irrelevant; it is applied for clarity).
"""

from __future__ import annotations

import torch

from modiste.errors import ModisteError
from modiste.latent.directions.file import DirectionSet
from modiste.latent.directions.sampling import sample_ws, std_along
from modiste.latent.identity import generator_identity


def style_affines(G: torch.nn.Module) -> list[list[tuple[str, torch.nn.Module]]]:
    """Per W+ index, the (kind, affine EqualLinear) pairs that read that w; kind is "conv" or "torgb".

    Follows SynthesisNetwork.forward: a block reads ws[i : i + num_conv + 1], its convs the first
    num_conv of them and its toRGB the last (shared with the next block's first conv).
    """
    per_index: list[list[tuple[str, torch.nn.Module]]] = [[] for _ in range(G.num_ws)]
    index = 0
    for block in G.synthesis.blocks:
        convs = [block.conv1] if block.is_first else [block.conv0, block.conv1]
        for j, layer in enumerate(convs):
            per_index[index + j].append(("conv", layer.affine))
        per_index[index + block.num_conv].append(("torgb", block.to_image.affine))
        index += block.num_conv
    return per_index


def stacked_style_weights(G: torch.nn.Module, layers: tuple[int, int]) -> tuple[torch.Tensor, list[str]]:
    """A: float64 [sum of style channels, w_dim], rows unit-normalised, for the W+ range [start, end).

    Returns (A, descriptions of the layers used, e.g. ["w0 conv 512", ...]).
    """
    start, end = layers
    if not 0 <= start < end <= G.num_ws:
        raise ModisteError(f"layer range {start}-{end - 1} is outside W+ indices 0-{G.num_ws - 1}")
    per_index = style_affines(G)
    chosen = [(i, kind, aff) for i in range(start, end) for kind, aff in per_index[i] if kind == "conv"]
    if not chosen:  # only the last toRGB w: factorise that affine instead
        chosen = [(i, kind, aff) for i in range(start, end) for kind, aff in per_index[i]]
    rows, used = [], []
    for i, kind, affine in chosen:
        weight = affine.runtime_weight().detach().double().cpu()  # [channels, w_dim]
        rows.append(weight / weight.norm(dim=1, keepdim=True).clamp_min(1e-12))
        used.append(f"w{i} {kind} {weight.shape[0]}")
    return torch.cat(rows), used


def sefa_directions(G: torch.nn.Module, num: int = 10, layers: tuple[int, int] | None = None,
                    std_samples: int = 2000) -> DirectionSet:
    """The top `num` SeFa directions for the W+ range `layers` (start, end exclusive; default all).

    Returns a DirectionSet named sefa_0 .. sefa_{num-1}, ordered by eigenvalue (largest first), each
    acting on `layers`; vectors are orthonormal float32 [num, w_dim] with the sign chosen so that the
    largest-magnitude coordinate is positive (eigenvectors have no sign of their own). meta holds the
    eigenvalues, the layers used and "w_std", the spread of `std_samples` sampled W along each
    direction (a natural unit for edit strengths). Raises ModisteError if num is not in 1..w_dim.
    """
    layers = layers or (0, G.num_ws)
    if not 1 <= num <= G.w_dim:
        raise ModisteError(f"--num must be between 1 and w_dim={G.w_dim}, got {num}")
    A, used = stacked_style_weights(G, layers)
    eigenvalues, eigenvectors = torch.linalg.eigh(A.t() @ A)  # ascending
    order = torch.argsort(eigenvalues, descending=True)[:num]
    vectors = eigenvectors[:, order].t()  # [num, w_dim]
    peak = vectors.gather(1, vectors.abs().argmax(dim=1, keepdim=True))
    vectors = (vectors * torch.sign(peak)).float()
    ws, _ = sample_ws(G, std_samples)
    return DirectionSet(
        [f"sefa_{k}" for k in range(num)], vectors, [tuple(layers)] * num, "sefa", generator_identity(G),
        {"layers": list(layers), "style_layers": used, "eigenvalues": [float(v) for v in eigenvalues[order]],
         "weights": "runtime affine weights, rows unit L2 norm (Shen & Zhou 2021)", "w_std": std_along(ws, vectors)})
