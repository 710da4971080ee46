"""Shared settings for the text tests (imported by name; `from conftest import` is ambiguous across folders)."""

from __future__ import annotations

from pathlib import Path

from modiste.text.train import TrainConfig


def tiny_config(corpus: Path, out: Path, **overrides) -> TrainConfig:
    settings = dict(corpus=str(corpus), out=str(out), text_column="Description", context_columns=("Product_Name",),
                    base="scratch-tiny", max_steps=12, eval_every=6, eval_examples=32, max_records=300, batch_size=8,
                    block_size=64, warmup_steps=3, lr=3e-3, progress=False, device="cpu")
    settings.update(overrides)
    return TrainConfig(**settings)
