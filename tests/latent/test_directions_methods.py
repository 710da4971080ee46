"""SeFa, GANSpace and supervised (InterFaceGAN) directions against independent arithmetic."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import modiste
from modiste.errors import ModisteError
from modiste.latent.directions.ganspace import component_layers, ganspace_directions
from modiste.latent.directions.sampling import sample_ws
from modiste.latent.directions.sefa import sefa_directions
from modiste.latent.directions.supervised import class_directions, fit_boundary, orthogonalise, scorer_direction


def _same_up_to_sign(a: np.ndarray, b: np.ndarray, atol: float = 1e-4) -> None:
    for x, y in zip(a, b):
        assert min(np.abs(x - y).max(), np.abs(x + y).max()) < atol


def test_sefa_is_the_top_eigenvectors_of_the_stacked_conv_style_weights(tiny_run):
    G = modiste.load_generator(tiny_run)
    ds = sefa_directions(G, num=5, layers=(0, 4), std_samples=64)
    v = ds.vectors.double().numpy()
    assert np.allclose(v @ v.T, np.eye(5), atol=1e-5)  # orthonormal
    # independently: the conv affines reading ws 0..3 are block0.conv1 (w0), block1.conv0 (w1), block1.conv1 (w2),
    # block2.conv0 (w3); effective weight = weight * lr_mul / sqrt(w_dim), each row scaled to unit norm
    b = G.synthesis.blocks
    layers = [b[0].conv1, b[1].conv0, b[1].conv1, b[2].conv0]
    rows = []
    for layer in layers:
        w = layer.affine.weight.detach().double().numpy() * layer.affine.lr_mul / np.sqrt(G.w_dim)
        rows.append(w / np.linalg.norm(w, axis=1, keepdims=True))
    A = np.concatenate(rows)
    vals, vecs = np.linalg.eigh(A.T @ A)
    order = np.argsort(vals)[::-1][:5]
    _same_up_to_sign(v, vecs[:, order].T)
    assert np.allclose(ds.meta["eigenvalues"], vals[order], rtol=1e-6)
    assert ds.names == [f"sefa_{k}" for k in range(5)] and ds.layers == [(0, 4)] * 5 and ds.method == "sefa"


def test_ganspace_components_equal_an_independent_pca(tiny_run):
    from sklearn.decomposition import PCA

    G = modiste.load_generator(tiny_run)
    ds = ganspace_directions(G, num=4, samples=600, layers="0:0-1,2:2-3", seed=3)
    ws, c = sample_ws(G, 600, None, 3)
    assert set(c.tolist()) == {0, 1, 2}  # conditional: classes sampled uniformly
    pca = PCA(n_components=4, svd_solver="full").fit(ws.double().numpy())
    _same_up_to_sign(ds.vectors.double().numpy(), pca.components_)
    assert np.allclose(ds.meta["explained_variance"], pca.explained_variance_, rtol=1e-6)
    assert ds.layers == [(0, 2), (0, G.num_ws), (2, 4), (0, G.num_ws)]


def test_component_layer_specs():
    assert component_layers("0-1", 2, 6) == [(0, 2), (0, 2)]
    assert component_layers("2-5,1:0", 3, 6) == [(2, 6), (0, 1), (2, 6)]
    with pytest.raises(ModisteError, match="K:RANGE"):
        component_layers("7:0-1", 3, 6)


def test_supervised_boundary_separates_linearly_separable_latents():
    g = torch.Generator().manual_seed(0)
    normal = torch.randn(32, generator=g)
    normal /= normal.norm()
    ws = torch.randn(400, 32, generator=g) * 3 + 5
    margin = (ws - 5) @ normal
    keep = margin.abs() > 1.5  # a wide gap around the true boundary
    ws, positive = ws[keep], margin[keep] > 0
    found, stats = fit_boundary(ws, positive)
    assert abs(float(found.norm()) - 1) < 1e-5
    assert stats["accuracy_train"] == 1.0 and stats["accuracy_holdout"] >= 0.97
    assert float(found @ normal) > 0.9  # oriented towards the positive side, close to the true normal
    assert bool((((ws - 5) @ found > 0) == positive).float().mean() > 0.99)


def test_hold_orthogonalisation():
    g = torch.Generator().manual_seed(1)
    hold = torch.randn(3, 16, generator=g)
    v = torch.randn(16, generator=g)
    out = orthogonalise(v, hold)
    assert torch.allclose(hold @ out, torch.zeros(3), atol=1e-5) and abs(float(out.norm()) - 1) < 1e-6
    # independent: least-squares residual of v against the span of hold
    coef, *_ = np.linalg.lstsq(hold.double().numpy().T, v.double().numpy(), rcond=None)
    residual = v.double().numpy() - hold.double().numpy().T @ coef
    assert np.allclose(out.double().numpy(), residual / np.linalg.norm(residual), atol=1e-5)
    with pytest.raises(ModisteError, match="span"):
        orthogonalise(hold[0] + hold[1], hold)


def test_class_directions_point_from_rest_to_class_and_respect_hold(tiny_run):
    G = modiste.load_generator(tiny_run)
    ds = class_directions(G, samples_per_class=100)
    assert ds.names == ["Tshirts", "Dresses", "Jeans"]
    ws, c = sample_ws(G, 300, None, seed=9)  # fresh samples: the class side is the positive side
    for k in range(3):
        proj = ws.double() @ ds.vectors[k].double()
        assert float(proj[c == k].mean()) > float(proj[c != k].mean())
    pair = class_directions(G, ["Dresses", "Jeans"], samples_per_class=100, hold=ds.vectors[:1], hold_names=["Tshirts"])
    assert pair.names == ["Dresses_vs_Jeans"] and abs(float(pair.vectors[0] @ ds.vectors[0])) < 1e-5
    assert pair.meta["held"] == ["Tshirts"]
    with pytest.raises(ModisteError, match="Tshirts, Dresses, Jeans"):
        class_directions(G, ["Coats"])


def test_scorer_direction_follows_the_scorer(tiny_run_uncond):
    G = modiste.load_generator(tiny_run_uncond)
    ds = scorer_direction(G, lambda images: images[:, 0].mean(dim=(1, 2)), "redness", samples=200)
    assert ds.names == ["redness"] and ds.meta["fit"]["redness"]["accuracy_train"] > 0.9
    ws, _ = sample_ws(G, 4, seed=5)
    render = lambda w: G.synthesis(w.unsqueeze(1).repeat(1, G.num_ws, 1), noise_mode="const")[:, 0].mean(dim=(1, 2))  # noqa: E731
    with torch.no_grad():
        step = ds.meta["w_std"][0] * 2 * ds.vectors[0]
        assert bool((render(ws + step) > render(ws - step)).all())
    with pytest.raises(ModisteError, match="NaN"):
        scorer_direction(G, lambda im: torch.full((im.shape[0],), float("nan")), "x", samples=20)
