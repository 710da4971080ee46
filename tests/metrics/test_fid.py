"""FID math against pytorch-fid's published Frechet-distance code and an independent float64 reference."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg
import torch

from modiste.metrics.fid import GaussianStats, fid_from_features, frechet_distance, trace_sqrt_product


def _features(n: int, d: int, seed: int, shift: float = 0.0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    mixing = rng.normal(size=(d, d)) / np.sqrt(d)
    return rng.normal(size=(n, d)) @ mixing + shift


def _reference_fid(a: np.ndarray, b: np.ndarray) -> float:
    """Textbook FID in float64 via the Schur-based sqrtm, an implementation independent of ours."""
    mu1, mu2 = a.mean(0), b.mean(0)
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    root = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1 + s2 - 2 * root))


def test_fid_of_a_set_with_itself_is_zero():
    feats = _features(400, 64, seed=0)
    assert fid_from_features(feats, feats) == pytest.approx(0.0, abs=1e-9)


@pytest.mark.slow  # importing pytorch_fid pulls in torchvision: ~10 s on a busy CPU
@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # scipy's sqrtm(disp=...) inside pytorch-fid
def test_fid_matches_pytorch_fid_to_1e_6_relative():
    from pytorch_fid.fid_score import calculate_frechet_distance

    real, fake = _features(600, 128, seed=1), _features(500, 128, seed=2, shift=0.3)
    a, b = GaussianStats.of(real), GaussianStats.of(fake)
    ours = frechet_distance(a.mu, a.sigma, b.mu, b.sigma)
    theirs = calculate_frechet_distance(a.mu, a.sigma, b.mu, b.sigma)
    assert ours == pytest.approx(theirs, rel=1e-6)
    assert ours == pytest.approx(_reference_fid(real, fake), rel=1e-6)


def test_fid_of_known_gaussians():
    # N(0, I) vs N(m, 4I) in d dims: |m|^2 + d (1 + 4 - 2 * 2) = |m|^2 + d
    d = 16
    mu2 = np.full(d, 0.5)
    value = frechet_distance(np.zeros(d), np.eye(d), mu2, 4 * np.eye(d))
    assert value == pytest.approx(d * 0.25 + d, rel=1e-12)


def test_singular_covariances_give_a_real_stable_value():
    # fewer samples than dimensions: rank-deficient covariances, where sqrtm leaves complex residue
    real, fake = _features(40, 96, seed=3), _features(40, 96, seed=4, shift=0.1)
    value = fid_from_features(torch.from_numpy(real), torch.from_numpy(fake))
    assert np.isfinite(value) and value > 0
    assert value == pytest.approx(_reference_fid(real, fake), rel=1e-6)


def test_trace_sqrt_product_of_commuting_matrices():
    s1, s2 = np.diag([1.0, 4.0, 9.0]), np.diag([4.0, 1.0, 0.0])
    assert trace_sqrt_product(s1, s2) == pytest.approx(2.0 + 2.0 + 0.0)


def test_stats_match_numpy_cov():
    feats = _features(50, 8, seed=5)
    stats = GaussianStats.of(torch.from_numpy(feats).float())
    assert stats.count == 50
    np.testing.assert_allclose(stats.sigma, np.cov(feats.astype(np.float32), rowvar=False), rtol=1e-5)


def test_sample_space_and_covariance_space_agree():
    from modiste.metrics.fid import fid_from_stats, sample_space_is_cheaper

    real, fake = _features(300, 64, seed=6), _features(200, 64, seed=7, shift=0.2)
    assert sample_space_is_cheaper(30, 20, 64) and not sample_space_is_cheaper(300, 200, 64)
    small_real, small_fake = real[:30], fake[:20]  # fewer samples than dims: the sample-space path
    via_stats = fid_from_stats(GaussianStats.of(small_real), GaussianStats.of(small_fake))
    assert fid_from_features(small_real, small_fake) == pytest.approx(via_stats, rel=1e-7)
    assert fid_from_features(real, fake) == pytest.approx(_reference_fid(real, fake), rel=1e-7)
