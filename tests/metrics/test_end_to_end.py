"""The whole path with the real FID Inception: stand-in generator vs real Fashion-MNIST images."""

from __future__ import annotations

import math

import pytest

from modiste.metrics.evaluate import evaluate_generator

from .helpers import TinyGenerator


@pytest.mark.slow
def test_generator_against_fashion_mnist_with_the_real_inception(shared_data, tmp_path, monkeypatch):
    monkeypatch.setenv("MODISTE_CACHE", str(tmp_path / "cache"))
    G = TinyGenerator(channels=1, size=28)
    kwargs = dict(metrics="fid4,kid4", batch_size=4, device="cpu", dataset_kwargs={"split": "test", "max_images": 4},
                  progress=False, num_workers=0, cache_dir=tmp_path / "cache")
    first = evaluate_generator(G, shared_data / "fashion-mnist", **kwargs)
    assert set(first) == {"fid", "kid_mean", "kid_std"}
    # 4 blocky tanh images vs 4 garments: far apart in Inception space
    assert math.isfinite(first["fid"]) and first["fid"] > 50 and first["kid_mean"] > 0
    assert len(list((tmp_path / "cache").glob("reference-*.safetensors"))) == 1
    second = evaluate_generator(G, shared_data / "fashion-mnist", **kwargs)  # reals from the cache
    assert second == pytest.approx(first, rel=1e-6, nan_ok=True)  # kid_std: NaN at this size
