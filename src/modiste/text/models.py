"""GPT-2 models: from-scratch size presets, or a pretrained base from the hub or a local folder."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from modiste.errors import ModisteError
from modiste.text.tokenizer import load_tokenizer, offline, train_bpe_tokenizer


@dataclass(frozen=True)
class ScratchPreset:
    n_layer: int
    n_head: int
    n_embd: int
    n_positions: int
    vocab_size: int  # of the byte-level BPE trained on the corpus


PRESETS: dict[str, ScratchPreset] = {
    # seconds on a CPU: tests and smoke runs
    "scratch-tiny": ScratchPreset(n_layer=2, n_head=2, n_embd=64, n_positions=128, vocab_size=1024),
    # ~2.6M parameters: learns catalogue copy in 20 minutes on 2 CPU cores
    "scratch-small": ScratchPreset(n_layer=4, n_head=4, n_embd=192, n_positions=256, vocab_size=4096),
    # ~20M parameters: a GPU-hour model
    "scratch-medium": ScratchPreset(n_layer=8, n_head=8, n_embd=512, n_positions=512, vocab_size=16384),
}


def quiet_transformers() -> None:
    """Our own bars and messages replace transformers' per-save progress bars and padding hints."""
    from transformers.utils import logging

    logging.set_verbosity_error()
    logging.disable_progress_bar()


def scratch_config(preset: ScratchPreset, vocab_size: int, eos_id: int, dropout: float = 0.0):
    from transformers import GPT2Config

    return GPT2Config(
        vocab_size=vocab_size, n_positions=preset.n_positions, n_embd=preset.n_embd, n_layer=preset.n_layer,
        n_head=preset.n_head, resid_pdrop=dropout, embd_pdrop=dropout, attn_pdrop=dropout,
        bos_token_id=eos_id, eos_token_id=eos_id, pad_token_id=eos_id,
    )


def is_scratch(base: str) -> bool:
    return base.startswith("scratch-")


def check_base(base: str) -> None:
    """Fail early, before anything is written, when `base` cannot be used."""
    if is_scratch(base):
        if base not in PRESETS:
            raise ModisteError(f"unknown preset --base {base}: use one of {', '.join(PRESETS)}")
    elif Path(base).exists() and not (Path(base) / "config.json").is_file():
        raise ModisteError(f"'{base}' has no config.json: point --base at a save_pretrained folder, a hub name or scratch-*")


def load_pretrained(base: str):
    """A GPT2LMHeadModel and its tokenizer from a local folder or the hub (cache only when offline)."""
    from transformers import GPT2LMHeadModel

    check_base(base)
    try:
        model = GPT2LMHeadModel.from_pretrained(base, local_files_only=offline() and not Path(base).exists())
    except OSError:
        os.environ["HF_HUB_OFFLINE"] = "1"
        raise ModisteError(
            f"base model '{base}' cannot be found offline: download it (huggingface-cli download {base}), "
            f"pass --base a save_pretrained folder, or train from scratch with --base scratch-small"
        ) from None
    tokenizer = load_tokenizer(base)
    return model, tokenizer


def build_model(base: str, texts: Iterable[str] = (), tokenizer_source: str | None = None, dropout: float = 0.0, tokenizer=None):
    """(model, tokenizer) for `base`: a preset trained from scratch or a pretrained model to fine-tune.

    From scratch, the tokenizer is `tokenizer_source` when given (e.g. GPT-2's BPE folder) or a
    byte-level BPE trained on `texts` with the preset's vocabulary size, unless `tokenizer` is given.
    """
    from transformers import GPT2LMHeadModel

    check_base(base)
    if not is_scratch(base):
        model, tokenizer = load_pretrained(base)
        if tokenizer_source:
            raise ModisteError("--tokenizer is only for scratch-* bases: a pretrained base brings its own tokenizer")
        return model, tokenizer
    preset = PRESETS[base]
    if tokenizer is None:
        tokenizer = load_tokenizer(tokenizer_source) if tokenizer_source else train_bpe_tokenizer(texts, preset.vocab_size)
    config = scratch_config(preset, len(tokenizer), tokenizer.eos_token_id, dropout)
    return GPT2LMHeadModel(config), tokenizer


def tokenizer_from_json(text: str):
    """Rebuild a GPT-2 fast tokenizer from its `backend_tokenizer.to_str()` (sent between DDP ranks)."""
    from tokenizers import Tokenizer
    from transformers import GPT2TokenizerFast

    from modiste.text.prompts import EOS

    tok = GPT2TokenizerFast(tokenizer_object=Tokenizer.from_str(text), eos_token=EOS, bos_token=EOS, unk_token=EOS)
    tok.pad_token = tok.eos_token
    return tok


def context_window(model) -> int:
    return int(model.config.n_positions)
