"""Fine-tuning the last Inception block: gradients reach its weights, BatchNorm statistics stay frozen."""

from __future__ import annotations

import numpy as np
import torch

from modiste.data import open_image_dataset
from modiste.products.tagger.features import DatasetFeatures, load_backbone
from modiste.products.tagger.finetune import fine_tune_backbone, fresh_extractor, tuned_parameters
from modiste.products.tagger.labels import fold_rare
from modiste.products.tagger.split import Split
from modiste.products.tagger.train import TaggerConfig, TaggerData


def test_tuned_parameters_exclude_batchnorm_statistics():
    backbone = load_backbone()
    extractor = fresh_extractor(backbone)
    params = tuned_parameters(extractor, 1)
    assert params and all(n.startswith("mixed_10.") for n in params)
    assert all(n.endswith((".weight", ".beta")) for n in params)
    assert not any(n.endswith((".mean", ".var")) for n in params)
    # the shared extractor used for cached features is untouched
    assert not any(p.requires_grad for p in backbone.extractor.net.parameters())


def test_one_fine_tuning_epoch_changes_only_the_tuned_block(labelled_folder):
    folder, _ = labelled_folder
    dataset = open_image_dataset(str(folder), max_images=4)
    backbone = load_backbone()
    values = ["Dresses", "Jeans", "Dresses", "Jeans"]
    data = TaggerData(DatasetFeatures(torch.zeros(4, 2048), list(dataset.reader.names), dataset), np.arange(4),
                      {"articleType": fold_rare("articleType", values, 1)})
    cfg = TaggerConfig(fine_tune_blocks=1, fine_tune_epochs=1, class_weight="none")
    before = {n: p.detach().clone() for n, p in fresh_extractor(backbone).net.net.layers.named_parameters()}
    feats, state = fine_tune_backbone(data, Split(np.arange(4), np.arange(0), np.arange(0)), cfg, backbone,
                                      progress=False, batch=4, lr=1e-2)
    assert feats.shape == (4, 2048) and torch.isfinite(feats).all()
    assert set(state) == {n for n in before if n.startswith("mixed_10.") and n.endswith((".weight", ".beta"))}
    changed = [n for n, t in state.items() if not torch.equal(t, before[n])]
    assert changed  # the step moved the tuned block
    tuned = dict(fresh_extractor(backbone, state).net.net.layers.named_parameters())
    for name, tensor in before.items():
        if name not in state:  # everything else, BatchNorm statistics included, is the original
            assert torch.equal(tuned[name], tensor), name
