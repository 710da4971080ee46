"""Tagger heads, calibration, labels folding, split and save/load on synthetic features."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from modiste.errors import ModisteError
from modiste.products.tagger.calibration import abstain_threshold, fit_temperature, nll
from modiste.products.tagger.heads import class_weights, head_logits, train_head
from modiste.products.tagger.labels import OTHER, fold_rare
from modiste.products.tagger.model import ABSTAIN, AttributeSpec, Tagger, load_tagger
from modiste.products.tagger.split import stratified_split


def separable(n_per_class: int = 60, k: int = 4, dim: int = 32, seed: int = 0, spread: float = 0.3,
              noise_seed: int | None = None):
    """Gaussian blobs around fixed centres (`seed`); `noise_seed` draws fresh samples of the same blobs."""
    centres = np.random.default_rng(seed).normal(size=(k, dim)) * 3
    rng = np.random.default_rng(seed if noise_seed is None else noise_seed)
    y = np.repeat(np.arange(k), n_per_class)
    x = centres[y] + rng.normal(size=(len(y), dim)) * spread
    return torch.tensor(x, dtype=torch.float32), y.astype(np.int64)


@pytest.mark.parametrize("hidden", [0, 16])
def test_heads_recover_separable_labels(hidden):
    x, y = separable()
    xt, yt = separable(n_per_class=20, noise_seed=7)  # held-out samples of the same classes
    head = train_head(x, y, 4, hidden=hidden, epochs=150)
    pred = head_logits(head, x).argmax(1).numpy()
    assert (pred == y).mean() == 1.0
    assert (head_logits(head, xt).argmax(1).numpy() == yt).mean() == 1.0


def test_missing_targets_are_ignored():
    x, y = separable()
    y = y.copy()
    y[::3] = -1
    head = train_head(x, y, 4)
    seen = y >= 0
    assert (head_logits(head, x[torch.from_numpy(seen)]).argmax(1).numpy() == y[seen]).all()


def test_class_weights_balanced_arithmetic():
    targets = np.array([0] * 6 + [1] * 2 + [-1])
    w = class_weights(targets, 3, "balanced").numpy()
    # n / (k * n_c) with n = 8 labelled, k = 2 present classes; the absent class weighs 0
    assert w == pytest.approx([8 / (2 * 6), 8 / (2 * 2), 0.0])
    assert class_weights(targets, 3, "sqrt").numpy() == pytest.approx(np.sqrt([8 / 12, 8 / 4, 0.0]))
    with pytest.raises(ModisteError, match="class weighting"):
        class_weights(targets, 3, "odd")


def test_temperature_scaling_lowers_heldout_nll():
    # an over-confident model: true logits scaled by 8 on noisy, overlapping classes
    rng = np.random.default_rng(1)
    k, n = 3, 600
    y = rng.integers(0, k, n)
    clean = np.eye(k)[y] * 1.5 + rng.normal(size=(n, k))
    logits = torch.tensor(clean * 8.0)
    yt = torch.tensor(y)
    t = fit_temperature(logits[:300], yt[:300])
    assert t > 2.0  # it must soften the over-confident logits
    assert nll(logits[300:], yt[300:], t) < nll(logits[300:], yt[300:], 1.0)
    # the arg-max (accuracy) is unchanged by a temperature
    assert torch.equal((logits / t).argmax(1), logits.argmax(1))


def test_abstain_threshold_reaches_target_precision():
    conf = np.array([0.99, 0.95, 0.9, 0.8, 0.7, 0.6])
    correct = np.array([True, True, True, False, True, False])
    # precision of the top-k: 1, 1, 1, .75, .8, .67 -> 0.8 reached keeping 5 (threshold 0.7)
    assert abstain_threshold(conf, correct, 0.8) == pytest.approx(0.7)
    assert abstain_threshold(conf, correct, 1.0) == pytest.approx(0.9)
    assert abstain_threshold(conf, np.ones(6, bool), 0.9) == 0.0
    assert abstain_threshold(conf, np.zeros(6, bool), 0.9) == 1.0


def test_fold_rare_classes_into_other():
    values = ["a"] * 30 + ["b"] * 25 + ["c"] * 3 + ["d"] * 1 + [None]
    lab = fold_rare("x", values, 20)
    assert lab.classes == ["a", "b", OTHER]
    assert lab.folded == {"c": 3, "d": 1}
    assert (lab.targets == np.array([0] * 30 + [1] * 25 + [2] * 4 + [-1])).all()


def test_single_class_attribute_refused():
    with pytest.raises(ModisteError, match="single class"):
        fold_rare("usage", ["Casual"] * 50, 20)


def test_split_is_stratified_and_disjoint():
    y = np.repeat(np.arange(5), [100, 60, 40, 25, 20])
    s = stratified_split(y, 0.2, 0.1, seed=0)
    assert len(np.intersect1d(s.train, s.test)) == 0 and len(np.intersect1d(s.val, s.test)) == 0
    assert len(s.train) + len(s.val) + len(s.test) == len(y)
    assert np.bincount(y[s.test]).tolist() == [20, 12, 8, 5, 4]  # 20 % of each class


@pytest.mark.parametrize("sizes, holdout, val, message", [
    ([7, 7, 7], 0.05, 0.2, "leave 14 for training, 5 for validation and 2 held out"),  # 2 held out < 3 classes
    ([7, 7, 7], 0.4, 0.05, "leave 10 for training, 2 for validation and 9 held out"),
    ([3, 3, 3], 0.34, 0.5, "leave 1 for training, 4 for validation and 4 held out"),  # training too small
    ([30] * 8, 0.2, 0.02, "each part needs one image per class (8)"),
])
def test_a_split_too_small_for_its_classes_is_one_line(sizes, holdout, val, message):
    y = np.repeat(np.arange(len(sizes)), sizes)
    with pytest.raises(ModisteError, match="too few for a stratified split") as e:
        stratified_split(y, holdout, val)
    assert message in str(e.value) and "add images, merge classes (--min-count), or change" in str(e.value)
    stratified_split(y, 0.3, 0.3)  # fractions that leave a part per class on every side work


def test_a_class_with_fewer_than_three_images_is_refused_by_name():
    y = np.repeat(np.arange(3), [10, 2, 1])  # the 1-image class would silently miss two parts
    with pytest.raises(ModisteError, match="2 class\\(es\\) have fewer than 3 images \\(e.g. 'Tshirts' with 2\\)"):
        stratified_split(y, 0.2, 0.3, class_names=["Dresses", "Tshirts", "Jeans"])


def test_tagger_save_load_roundtrip_and_backbone_check(tmp_path):
    x, y = separable(k=3)
    head = train_head(x, y, 3)
    spec = AttributeSpec("articleType", ["Dresses", "Jeans", "Tshirts"], {"Capris": 3}, 1.7, 0.5)
    tagger = Tagger([spec], {"articleType": head}, {"name": "fid-inception-v3-pool3", "weights_sha256": "ab" * 32})
    tagger.save(tmp_path / "t")
    loaded = load_tagger(tmp_path / "t", backbone_sha256="ab" * 32)
    a, b = tagger.predict_features(x), loaded.predict_features(x)
    assert np.allclose(a["articleType"].probs, b["articleType"].probs)
    assert loaded.specs["articleType"].folded == {"Capris": 3}
    # softmax(z / T) by hand
    z = head_logits(head, x[:1]).double() / 1.7
    assert np.allclose(b["articleType"].probs[0], torch.softmax(z, 1).numpy()[0], atol=1e-6)
    low = b["articleType"].confidence < 0.5
    assert all((lab == ABSTAIN) == flag for lab, flag in zip(b["articleType"].labels, low))
    with pytest.raises(ModisteError, match="another backbone"):
        load_tagger(tmp_path / "t", backbone_sha256="cd" * 32)


def test_loading_a_non_tagger_folder_fails(tmp_path):
    with pytest.raises(ModisteError, match="not a tagger folder"):
        load_tagger(tmp_path, backbone_sha256="ab" * 32)


def test_pca_head_sees_projected_features_and_survives_save_load(tmp_path):
    # 16 informative dims followed by 48 pure-noise ones: a 4-component PCA of the first 48
    # columns plus the 16 appended ones still separates the blobs
    x, y = separable(dim=16)
    noise = torch.randn(len(x), 48, generator=torch.Generator().manual_seed(3)) * 0.1
    features = torch.cat([noise, x], dim=1)
    head = train_head(features, y, 4, pca_dims=4, pca_width=48)
    assert head.mean.numel() == 4 + 16 and head.pca_components.shape == (4, 48)
    assert (head_logits(head, features).argmax(1).numpy() == y).all()
    # the components are orthonormal rows, as scikit-learn's PCA returns them
    gram = head.pca_components @ head.pca_components.T
    assert torch.allclose(gram, torch.eye(4), atol=1e-4)
    spec = AttributeSpec("colour", ["a", "b", "c", "d"], hidden=0, pca_dims=4)
    Tagger([spec], {"colour": head}, {"name": "test", "weights_sha256": "x"}).save(tmp_path / "t")
    loaded = load_tagger(tmp_path / "t", backbone_sha256="x")
    assert torch.equal(loaded.logits(features)["colour"], head_logits(head, features))


def test_pca_dims_beyond_the_data_is_refused():
    x, y = separable(n_per_class=5, dim=8)
    with pytest.raises(ModisteError, match="pca_dims=8: use fewer than 8"):
        train_head(x, y, 4, pca_dims=8)


@pytest.mark.parametrize("text, message", [
    ("baseColour", "use 'ATTRIBUTE:key=value"),
    ("colour:hidden=0", "'colour', which is not among --attributes"),
    ("baseColour:depth=3", "'depth=3' is not key=value with a key among hidden"),
    ("baseColour:hidden=wide", "hidden='wide' is not a valid int"),
    ("baseColour:pca_dims=-1", "pca_dims=-1: use 0"),
    ("baseColour:class_weight=odd", "class_weight=odd: use balanced | sqrt | none"),
    ("baseColour:l2=nan", "l2=nan: use a penalty >= 0"),
])
def test_head_options_errors_name_the_part(text, message):
    from modiste.products.tagger.head_options import parse_head_options

    with pytest.raises(ModisteError, match=message):
        parse_head_options(text, ["articleType", "baseColour"])


def test_head_options_parse_several_heads():
    from modiste.products.tagger.head_options import parse_head_options

    parsed = parse_head_options(" baseColour: hidden=0, class-weight=none, pca_dims=32 ; articleType:l2=1e-4;",
                                ["articleType", "baseColour"])
    assert parsed == {"baseColour": {"hidden": 0, "class_weight": "none", "pca_dims": 32},
                      "articleType": {"l2": 1e-4}}
    assert parse_head_options(None, ["a"]) == {} == parse_head_options("", ["a"])
