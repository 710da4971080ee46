"""Generator and folder evaluation with a stand-in generator and a cheap stand-in extractor:
cache reuse and invalidation, class conditioning, batch-size independence, bad input."""

from __future__ import annotations

import pytest
import torch

from modiste.errors import ModisteError
from modiste.metrics import evaluate as evaluate_module
from modiste.metrics.evaluate import evaluate_folders, evaluate_generator
from modiste.metrics.sampling import quantize

from .helpers import CountingFeatures, TinyGenerator, write_images


@pytest.fixture()
def extractor(monkeypatch) -> CountingFeatures:
    stub = CountingFeatures()
    monkeypatch.setattr(evaluate_module, "get_extractor", lambda weights, mode, device: stub)
    return stub


@pytest.fixture()
def reals(tmp_path):
    return write_images(tmp_path / "reals", {"coat": 12, "dress": 8})


def _run(G, reals, cache, **kw):
    kwargs = dict(metrics=["fid16", "kid16", "pr16"], batch_size=5, device="cpu", cache_dir=cache,
                  dataset_kwargs={"label_field": "folder"}, progress=False, num_workers=0)
    return evaluate_generator(G, str(reals), **{**kwargs, **kw})


def test_reference_features_are_cached_and_invalidated_when_data_changes(extractor, reals, tmp_path):
    G = TinyGenerator()
    first = _run(G, reals, tmp_path / "cache")
    assert extractor.images_seen == 16 + 16  # 16 of the 20 reals, then 16 fakes
    second = _run(G, reals, tmp_path / "cache")
    assert extractor.images_seen == 32 + 16  # reals from the cache: only the generator side ran
    assert second == first
    write_images(reals, {"coat": 1}, seed=99)  # overwrite coat/0.png with other pixels
    _run(G, reals, tmp_path / "cache")
    assert extractor.images_seen == 48 + 32
    assert len(list((tmp_path / "cache").glob("reference-*.safetensors"))) == 2


def test_results_have_the_documented_keys_and_sane_values(extractor, reals, tmp_path):
    results = _run(TinyGenerator(c_dim=2), reals, tmp_path / "cache")
    assert set(results) == {"fid", "kid_mean", "kid_std", "precision", "recall", "fid/coat", "fid/dress"}
    assert results["fid"] > 0 and 0 <= results["precision"] <= 1 and 0 <= results["recall"] <= 1
    unconditional = _run(TinyGenerator(), reals, tmp_path / "cache", metrics="fid")
    assert set(unconditional) == {"fid"}


def test_fakes_do_not_depend_on_batch_size(extractor, reals, tmp_path):
    a = _run(TinyGenerator(c_dim=2), reals, tmp_path / "cache", batch_size=3)
    b = _run(TinyGenerator(c_dim=2), reals, tmp_path / "cache", batch_size=16)
    assert a == pytest.approx(b, rel=1e-6, nan_ok=True)


def test_fake_images_are_quantised_like_saved_pngs():
    x = torch.tensor([-1.5, -1.0, -0.999, 0.0, 0.5, 1.0, 2.0])
    assert quantize(x).tolist() == [0, 0, 0, 128, 191, 255, 255]


def test_a_folder_against_itself_scores_perfectly(extractor, reals, tmp_path):
    results = evaluate_folders(str(reals), str(reals), metrics="fid,pr", cache_dir=tmp_path / "cache",
                               dataset_kwargs={"label_field": "folder"}, progress=False, num_workers=0)
    assert results["fid"] == pytest.approx(0.0, abs=1e-6)
    assert results["fid/coat"] == pytest.approx(0.0, abs=1e-6)
    assert (results["precision"], results["recall"]) == (1.0, 1.0)


def test_too_few_fake_images_says_how_many_there_are(extractor, reals, tmp_path):
    fakes = write_images(tmp_path / "fakes", {"x": 5}, seed=3)
    with pytest.raises(ModisteError, match="number 5, fewer than the 50 asked for: pass --num 5"):
        evaluate_folders(str(reals), str(fakes), num=50, cache_dir=tmp_path / "c", progress=False, num_workers=0)
    with pytest.raises(ModisteError, match="fid10k needs 10000 fake images but .* has 5"):
        evaluate_folders(str(reals), str(fakes), metrics="fid10k", cache_dir=tmp_path / "c", progress=False,
                         num_workers=0)


def test_mismatched_image_sizes_in_a_folder_are_a_clear_error(extractor, reals, tmp_path):
    fakes = write_images(tmp_path / "fakes", {"a": 3}, size=16)
    write_images(tmp_path / "fakes", {"b": 3}, size=20)
    with pytest.raises(ModisteError, match="different sizes.*--resolution"):
        evaluate_folders(str(reals), str(fakes), cache_dir=tmp_path / "c", progress=False, num_workers=0)


def test_unknown_metric_name(extractor, reals, tmp_path):
    with pytest.raises(ModisteError, match="unknown metric 'is'"):
        _run(TinyGenerator(), reals, tmp_path / "cache", metrics="fid,is")
