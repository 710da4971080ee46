"""Streaming images into the feature extractor: dataset items and generator samples, sharded by rank.

Under torchrun each rank takes one contiguous slice of the work and `all_gather_cat` joins the
slices in rank order, so every rank ends with the same features, in the same order as one process
would produce. Latents and classes for all N samples come from one seeded CPU generator before
slicing, so the fakes do not depend on the batch size or the number of ranks.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from tqdm import tqdm

from modiste.data.transforms import to_tensor
from modiste.distributed import all_gather_cat
from modiste.metrics.features import InceptionFeatures


def rank_slice(n: int, rank: int, world_size: int) -> slice:
    """Contiguous part of range(n) for `rank`; the parts in rank order cover range(n) exactly."""
    return slice(n * rank // world_size, n * (rank + 1) // world_size)


def _dist_info() -> tuple[int, int]:
    if torch.distributed.is_available() and torch.distributed.is_initialized():
        return torch.distributed.get_rank(), torch.distributed.get_world_size()
    return 0, 1


def _gather(t: torch.Tensor, device: torch.device) -> torch.Tensor:
    # nccl gathers CUDA tensors only, gloo CPU tensors: send from the extractor's device
    return all_gather_cat(t.to(device)).cpu()


def quantize(images: torch.Tensor) -> torch.Tensor:
    """[-1, 1] floats -> uint8 exactly as saved PNGs hold them: round((x + 1) * 127.5), clamped."""
    return (images.detach().float() * 127.5 + 128).clamp(0, 255).to(torch.uint8)


class _Items(torch.utils.data.Dataset):
    """dataset[indices[i]] as (uint8 image, label, decoded?): a file that fails to decode is flagged,
    not replaced by another image as a training set would, so statistics never count an image twice."""

    def __init__(self, dataset: Any, indices: np.ndarray) -> None:
        self.dataset, self.indices = dataset, indices

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, torch.Tensor, bool]:
        index = int(self.indices[i])
        load = getattr(self.dataset, "load", None)
        if load is None:  # any map-style dataset of (image, label)
            image, label = self.dataset[index]
            return image, label, True
        label = torch.tensor(int(self.dataset.labels[index]), dtype=torch.int64)
        try:
            return to_tensor(load(index)), label, True
        except Exception:  # noqa: BLE001 - any decoder failure: leave the image out and count it
            return torch.zeros(self.dataset.shape, dtype=torch.uint8), label, False


def dataset_features(
    dataset: Any,
    indices: np.ndarray,
    extractor: InceptionFeatures,
    batch_size: int = 64,
    num_workers: int = 2,
    progress: bool = True,
    desc: str = "real features",
    failed: list[int] | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(features [M, 2048], labels [M]) of dataset[indices], sharded across ranks and gathered.

    M = len(indices) minus the images that fail to decode; their dataset indices (from every rank)
    are appended to ``failed`` when it is given.
    """
    rank, world = _dist_info()
    mine = indices[rank_slice(len(indices), rank, world)]
    loader = torch.utils.data.DataLoader(
        _Items(dataset, mine), batch_size=batch_size, shuffle=False, num_workers=num_workers,
        persistent_workers=False,
    )
    feats, labels, bad = [], [], []
    with tqdm(total=len(indices), desc=desc, unit="img", disable=not progress or rank != 0) as bar:
        for batch, (images, batch_labels, ok) in enumerate(loader):
            ok = ok.bool()
            bad.extend(int(mine[batch * batch_size + j]) for j in torch.nonzero(~ok).flatten().tolist())
            if ok.any():
                feats.append(extractor(images[ok]))
                labels.append(batch_labels[ok].long())
            bar.update(len(images) * world)
    mine_feats = torch.cat(feats) if feats else torch.zeros((0, extractor.dim))
    mine_labels = torch.cat(labels) if labels else torch.zeros((0,), dtype=torch.long)
    if failed is not None:
        failed.extend(int(i) for i in _gather(torch.tensor(bad, dtype=torch.long), extractor.device))
    return _gather(mine_feats, extractor.device), _gather(mine_labels, extractor.device)


def sample_inputs(
    num: int, z_dim: int, c_dim: int, real_labels: torch.Tensor | None, seed: int
) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Latents [num, z_dim] and classes [num] (None if unconditional; classes follow the reals' mix)."""
    gen = torch.Generator().manual_seed(seed)
    classes = None
    if c_dim > 0:
        if real_labels is not None and len(real_labels) > 0:
            classes = real_labels[torch.randint(len(real_labels), (num,), generator=gen)].long()
        else:
            classes = torch.randint(c_dim, (num,), generator=gen)
    return torch.randn(num, z_dim, generator=gen), classes


@torch.inference_mode()
def generator_features(
    G: torch.nn.Module,
    num: int,
    extractor: InceptionFeatures,
    batch_size: int = 64,
    truncation_psi: float = 1.0,
    real_labels: torch.Tensor | None = None,
    seed: int = 0,
    progress: bool = True,
    truncation_center: str | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """(features [num, 2048], classes [num]) of `num` generator samples, never written to disk.

    With psi != 1, samples are truncated towards `truncation_center` ("class": each class's mean W,
    the default for conditional generators; "global": the overall mean W; see modiste.latent.truncation).
    """
    rank, world = _dist_info()
    device = next((p.device for p in G.parameters()), extractor.device)
    z_all, classes = sample_inputs(num, int(G.z_dim), int(getattr(G, "c_dim", 0)), real_labels, seed)
    part = rank_slice(num, rank, world)
    feats = []
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed + 1 + rank)  # the generator's per-pixel noise
        with tqdm(total=num, desc="fake features", unit="img", disable=not progress or rank != 0) as bar:
            for begin in range(part.start, part.stop, batch_size):
                end = min(begin + batch_size, part.stop)
                z = z_all[begin:end].to(device)
                c = None if classes is None else classes[begin:end].to(device)
                if truncation_psi == 1.0:
                    images = G(z, c, noise_mode="random")
                else:
                    from modiste.latent.truncation import map_to_ws

                    ws = map_to_ws(G, z, c, truncation_psi, truncation_center)
                    images = G.synthesis(ws, noise_mode="random")
                feats.append(extractor(quantize(images)))
                bar.update((end - begin) * world)
    mine = torch.cat(feats) if feats else torch.zeros((0, extractor.dim))
    labels = classes if classes is not None else torch.zeros(num, dtype=torch.long)
    return _gather(mine, extractor.device), labels
