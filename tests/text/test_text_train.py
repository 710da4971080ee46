import math
import shutil

import pytest
import torch
from safetensors.torch import load_file

from modiste.errors import ModisteError
from modiste.text.checkpoint import checkpoint_dirs
from modiste.text.train import TrainConfig, lr_factor, train

from text_fixtures import tiny_config


def test_tiny_model_lowers_its_loss(tiny_run):
    out, summary = tiny_run
    losses = [h["val_loss"] for h in summary["history"]]
    assert summary["steps"] == 12 and len(losses) == 2
    assert losses[1] < losses[0] < math.log(1024) + 0.5
    assert (out / "best" / "model.safetensors").is_file() and (out / "best" / "tokenizer.json").is_file()
    assert [p.name for p in checkpoint_dirs(out)] == ["step-0000006", "step-0000012"]
    assert not [p for p in out.rglob(".tmp-*")]


def test_warmup_then_cosine_schedule():
    assert lr_factor(0, 0.0, 10, 0.1) == pytest.approx(0.1)
    assert lr_factor(9, 0.0, 10, 0.1) == pytest.approx(1.0)
    assert lr_factor(50, 0.5, 10, 0.1) == pytest.approx(0.55)
    assert lr_factor(99, 1.0, 10, 0.1) == pytest.approx(0.1)


def test_resume_continues_the_same_run(myntra, tmp_path):
    torch.set_num_threads(1)
    straight = tmp_path / "straight"
    cfg = dict(max_steps=6, eval_every=3, keep_last=3, max_records=150, dropout=0.1, grad_accum=2, batch_size=4)
    full = train(tiny_config(myntra, straight, **cfg))
    # simulate a kill right after the step-3 checkpoint
    interrupted = tmp_path / "interrupted"
    shutil.copytree(straight, interrupted)
    shutil.rmtree(interrupted / "checkpoints" / "step-0000006")
    resumed = train(tiny_config(myntra, interrupted, resume=True, **cfg))
    a = load_file(str(straight / "checkpoints" / "step-0000006" / "model.safetensors"))
    b = load_file(str(interrupted / "checkpoints" / "step-0000006" / "model.safetensors"))
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert [h["val_loss"] for h in resumed["history"]] == [h["val_loss"] for h in full["history"]]
    assert resumed["tokens"] == full["tokens"]


def test_fine_tune_a_local_pretrained_folder(myntra, tiny_run, tmp_path):
    base, _ = tiny_run
    summary = train(tiny_config(myntra, tmp_path / "ft", base=str(base / "best"), max_steps=2, eval_every=2, max_records=100))
    assert summary["steps"] == 2 and (tmp_path / "ft" / "best" / "config.json").is_file()


def test_unreachable_base_fails_offline_without_writing(myntra, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    out = tmp_path / "run"
    with pytest.raises(ModisteError, match="cannot be found offline.*scratch-small"):
        train(tiny_config(myntra, out, base="gpt2"))
    assert not out.exists()


def test_bad_options_are_clear_errors(myntra, tiny_run, tmp_path):
    out, _ = tiny_run
    with pytest.raises(ModisteError, match="not empty: pass --resume"):
        train(tiny_config(myntra, out))
    with pytest.raises(ModisteError, match="--max-steps N or --minutes M"):
        train(TrainConfig(corpus=str(myntra), out=str(tmp_path / "x"), text_column="Description"))
    with pytest.raises(ModisteError, match="unknown preset"):
        train(tiny_config(myntra, tmp_path / "y", base="scratch-huge"))
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()
