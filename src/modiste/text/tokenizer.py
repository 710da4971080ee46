"""GPT-2 tokenizers: OpenAI's BPE from a folder or the hub, or a byte-level BPE trained on the corpus.

Every tokenizer here ends documents with `<|endoftext|>` (GPT-2's EOS) and pads with it, so the
model learns where a description ends and generation stops there.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from modiste.errors import ModisteError
from modiste.text.prompts import EOS

TOKENIZER_FILES = ("tokenizer.json", "vocab.json")


def _finish(tokenizer):
    if tokenizer.eos_token is None or tokenizer.convert_tokens_to_ids(EOS) != tokenizer.eos_token_id:
        if EOS not in tokenizer.get_vocab():
            raise ModisteError(f"tokenizer has no {EOS} token: use a GPT-2 tokenizer or omit --tokenizer to train one")
        tokenizer.eos_token = EOS
    tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def is_local_tokenizer(path: str | os.PathLike) -> bool:
    p = Path(path)
    return p.is_dir() and any((p / name).is_file() for name in TOKENIZER_FILES)


def load_tokenizer(source: str | os.PathLike):
    """A GPT-2 tokenizer from a local folder (tokenizer.json or vocab.json + merges.txt) or a hub name."""
    from transformers import GPT2TokenizerFast

    source = str(source)
    if Path(source).exists():
        if not is_local_tokenizer(source):
            raise ModisteError(f"'{source}' has no tokenizer.json or vocab.json + merges.txt: point --tokenizer at a GPT-2 tokenizer folder")
        return _finish(GPT2TokenizerFast.from_pretrained(source))
    try:
        return _finish(GPT2TokenizerFast.from_pretrained(source, local_files_only=offline()))
    except OSError:
        os.environ["HF_HUB_OFFLINE"] = "1"  # do not retry the network for the rest of the run
        raise ModisteError(
            f"tokenizer '{source}' cannot be found offline: download it (huggingface-cli download {source}) "
            f"or pass --tokenizer a folder with vocab.json + merges.txt (e.g. shared/data/gpt2-tokenizer)"
        ) from None


def train_bpe_tokenizer(texts: Iterable[str], vocab_size: int, min_frequency: int = 2):
    """Train a byte-level BPE (GPT-2's scheme) on `texts`; EOS is token 0."""
    from tokenizers import ByteLevelBPETokenizer
    from transformers import GPT2TokenizerFast

    if vocab_size < 257 + 1:
        raise ModisteError(f"vocabulary size {vocab_size} is too small: byte-level BPE needs at least 258 tokens")
    bpe = ByteLevelBPETokenizer(add_prefix_space=False)
    bpe.train_from_iterator(texts, vocab_size=vocab_size, min_frequency=min_frequency, special_tokens=[EOS], show_progress=False)
    return _finish(GPT2TokenizerFast(tokenizer_object=bpe._tokenizer, eos_token=EOS, bos_token=EOS, unk_token=EOS))


def offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "0").lower() in ("1", "true", "yes") or os.environ.get("TRANSFORMERS_OFFLINE", "0") == "1"
