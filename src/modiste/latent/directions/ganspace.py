"""GANSpace: principal components of sampled W (Haerkoenen et al., "GANSpace: Discovering
Interpretable GAN Controls", NeurIPS 2020).

N codes w = mapping(z, c) are drawn without truncation (conditional models: classes uniform over all
classes, or over the chosen ones), centred on their mean and factorised by SVD; the top-K right
singular vectors are the components, their explained variance S_k^2 / (N - 1). As in the paper, a
component is applied only to a chosen W+ layer range ("layer-wise edits"), given for all components
or per component with a spec like "0:0-3,1:middle".
"""

from __future__ import annotations

import torch

from modiste.errors import ModisteError
from modiste.latent.directions.file import DirectionSet
from modiste.latent.directions.sampling import sample_ws
from modiste.latent.identity import generator_identity
from modiste.latent.layers import layer_range


def component_layers(spec: str | None, num: int, num_ws: int) -> list[tuple[int, int]]:
    """W+ ranges [start, end) for components 0..num-1 from a spec.

    spec: None or "all" (every component on all ws); a layer choice for all ("coarse", "0-3");
    or comma-separated "K:CHOICE" items ("0:0-3,1:middle"), optionally with a bare CHOICE as the
    default for components not named. Raises ModisteError for a bad item or a component >= num.
    """
    default, per = (0, num_ws), {}
    for item in [s.strip() for s in (spec or "all").split(",") if s.strip()]:
        key, sep, choice = item.partition(":")
        if not sep:
            default = layer_range(item, num_ws)
            continue
        if not key.strip().isdigit() or int(key) >= num:
            raise ModisteError(f"bad per-component layers {item!r}: use K:RANGE with K a component 0-{num - 1}, "
                               f"e.g. 0:0-3,1:middle")
        per[int(key)] = layer_range(choice, num_ws)
    return [per.get(k, default) for k in range(num)]


def ganspace_directions(
    G: torch.nn.Module,
    num: int = 10,
    samples: int = 10_000,
    layers: str | None = None,
    classes: list[int] | None = None,
    seed: int = 0,
) -> DirectionSet:
    """The top `num` principal components of `samples` sampled W codes, named pc_0 .. pc_{num-1}.

    vectors: orthonormal float32 [num, w_dim], sign chosen so the largest-magnitude coordinate is
    positive; layers from `component_layers(layers, ...)`; meta: explained variance (W units^2) and
    its ratio, the std along each component ("w_std", = sqrt of the variance), the sample mean and
    count. Raises ModisteError if num is not in 1..min(samples, w_dim).
    """
    if not 1 <= num <= min(samples, G.w_dim):
        raise ModisteError(f"--num must be between 1 and min(--samples, w_dim) = {min(samples, G.w_dim)}, got {num}")
    ranges = component_layers(layers, num, G.num_ws)
    ws, _ = sample_ws(G, samples, classes, seed)
    mean = ws.double().mean(0)
    _, s, vh = torch.linalg.svd(ws.double() - mean, full_matrices=False)
    variance = s.square() / max(samples - 1, 1)
    vectors = vh[:num]
    peak = vectors.gather(1, vectors.abs().argmax(dim=1, keepdim=True))
    vectors = vectors * torch.sign(peak)
    return DirectionSet(
        [f"pc_{k}" for k in range(num)], vectors.float(), ranges, "ganspace", generator_identity(G),
        {"samples": samples, "seed": seed, "classes": None if classes is None else [G.cfg.class_names[i] for i in classes],
         "explained_variance": [float(v) for v in variance[:num]],
         "explained_variance_ratio": [float(v) for v in variance[:num] / variance.sum()],
         "w_std": [float(v) for v in variance[:num].sqrt()]})
