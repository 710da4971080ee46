"""Fixtures for the text tests: a few hundred real Myntra descriptions and a tiny trained run."""

from __future__ import annotations

from pathlib import Path

import pytest

from modiste.text.train import TrainConfig, train


@pytest.fixture(scope="session")
def myntra(shared_data: Path) -> Path:
    return shared_data / "text" / "myntra_products_catalog.csv"


@pytest.fixture(scope="session")
def gpt2_tokenizer_dir(shared_data: Path) -> Path:
    return shared_data / "gpt2-tokenizer"


def tiny_config(corpus: Path, out: Path, **overrides) -> TrainConfig:
    settings = dict(corpus=str(corpus), out=str(out), text_column="Description", context_columns=("Product_Name",),
                    base="scratch-tiny", max_steps=12, eval_every=6, eval_examples=32, max_records=300, batch_size=8,
                    block_size=64, warmup_steps=3, lr=3e-3, progress=False, device="cpu")
    settings.update(overrides)
    return TrainConfig(**settings)


@pytest.fixture(scope="session")
def tiny_run(myntra: Path, tmp_path_factory) -> tuple[Path, dict]:
    """A scratch-tiny model trained for 12 steps on 300 real descriptions (a few seconds)."""
    import torch

    torch.set_num_threads(1)
    out = tmp_path_factory.mktemp("text-run") / "run"
    return out, train(tiny_config(myntra, out))
