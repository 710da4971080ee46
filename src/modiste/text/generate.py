"""Context-conditioned generation: prompt template in, clean descriptions out, copies rejected.

Many contexts are generated in batches (left-padded, so every prompt ends where sampling starts);
each output stops at `<|endoftext|>` or after `max_new_tokens`. With `reject_copies`, an output
that is a near-copy of a training description (see `copying.py`) is resampled up to
`max_retries` times and dropped if it still copies: a brand must not publish text it trained on,
which may be a competitor's.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

import torch
from tqdm import tqdm

from modiste.distributed import resolve_device
from modiste.errors import ModisteError
from modiste.text.checkpoint import resolve_model_dir
from modiste.text.cleaning import clean_text
from modiste.text.copying import CopyIndex
from modiste.text.corpus import read_records
from modiste.text.prompts import EOS, PromptTemplate

MIN_NEW_TOKENS = 16  # a context must leave at least this much room in the window


@dataclass
class SamplingOptions:
    n: int = 1  # outputs per context
    temperature: float = 0.8  # 0 = greedy
    top_k: int = 50
    top_p: float = 0.95
    repetition_penalty: float = 1.2
    max_new_tokens: int = 120
    seed: int = 0
    batch_size: int = 32
    reject_copies: bool = False
    max_retries: int = 3


def check_sampling(temperature: float, top_p: float, max_new_tokens: int,
                   flags: tuple[str, str, str] = ("--temperature", "--top-p", "--max-new-tokens")) -> None:
    """Refuse sampling settings the sampler cannot use, naming the flag (`flags`: the command's names
    for temperature, top-p and max-new-tokens). Raises ModisteError, one problem per message."""
    temperature_flag, top_p_flag, tokens_flag = flags
    if not math.isfinite(temperature) or temperature < 0:
        raise ModisteError(f"{temperature_flag} {temperature}: use 0 (greedy) or a positive finite temperature "
                           "(0.7-1.0 usual)")
    if not 0 < top_p <= 1:  # NaN fails too
        raise ModisteError(f"{top_p_flag} {top_p}: nucleus sampling keeps a probability mass in (0, 1]: "
                           "use e.g. 0.95 (1 = off)")
    if max_new_tokens < 1:
        raise ModisteError(f"{tokens_flag} {max_new_tokens}: a description needs at least 1 token: use e.g. 80")


def run_folder_of(model_dir: Path) -> Path | None:
    """The training run folder a model folder belongs to (best/ or checkpoints/step-N/), if any."""
    for candidate in (model_dir, model_dir.parent, model_dir.parent.parent):
        if (candidate / "run.json").is_file():
            return candidate
    return None


def load_template(model_dir: Path) -> PromptTemplate:
    if (model_dir / "template.json").is_file():
        return PromptTemplate.from_json(json.loads((model_dir / "template.json").read_text()))
    run = run_folder_of(model_dir)
    if run is not None:
        return PromptTemplate.from_json(json.loads((run / "run.json").read_text()).get("template"))
    return PromptTemplate()


class DescriptionGenerator:
    """A trained description model ready to sample; load once, call `generate` many times."""

    def __init__(self, model: str | Path, device: str = "auto", train_texts: Sequence[str] | None = None):
        from transformers import GPT2LMHeadModel, GPT2TokenizerFast

        from modiste.text.models import quiet_transformers

        quiet_transformers()
        self.model_dir = resolve_model_dir(model)
        self.device = resolve_device(device)
        self.model = GPT2LMHeadModel.from_pretrained(self.model_dir).to(self.device).eval()
        self.tokenizer = GPT2TokenizerFast.from_pretrained(self.model_dir)
        self.tokenizer.pad_token = self.tokenizer.eos_token
        self.tokenizer.padding_side = "left"
        self.template = load_template(self.model_dir)
        self.window = int(self.model.config.n_positions)
        self._train_texts = train_texts
        self._copy_index: CopyIndex | None = None

    @property
    def copy_index(self) -> CopyIndex:
        """Suffix-array index of the training descriptions (from the run folder unless given)."""
        if self._copy_index is None:
            texts = self._train_texts
            if texts is None:
                run = run_folder_of(self.model_dir)
                if run is None or not (run / "data" / "train.jsonl").is_file():
                    raise ModisteError(f"no training corpus next to '{self.model_dir}' for the copy check: pass --corpus the training file")
                texts = [r.text for r in read_records(run / "data" / "train.jsonl")]
            self._copy_index = CopyIndex(texts)
        return self._copy_index

    def _prompts(self, contexts: Sequence[str | Sequence[str]], max_new_tokens: int) -> tuple[list[str], int]:
        prompts = [self.template.prefix(c) for c in contexts]
        longest = max(len(ids) for ids in self.tokenizer(prompts, add_special_tokens=False)["input_ids"])
        room = self.window - longest
        if room < min(MIN_NEW_TOKENS, max_new_tokens):
            worst = max(prompts, key=len)
            raise ModisteError(
                f"context {worst.splitlines()[0][:60]!r}... is {longest} tokens and leaves {max(room, 0)} of the model's "
                f"{self.window}-token window: shorten the context"
            )
        return prompts, min(max_new_tokens, room)

    @torch.no_grad()
    def _sample(self, prompts: list[str], opts: SamplingOptions, max_new: int, seed: int) -> list[tuple[str, bool]]:
        """(clean text, finished) per prompt; `finished` is False when max_new ran out before <|endoftext|>."""
        enc = self.tokenizer(prompts, return_tensors="pt", padding=True, add_special_tokens=False).to(self.device)
        torch.manual_seed(seed)
        sampling = opts.temperature > 0
        out = self.model.generate(
            **enc, do_sample=sampling, temperature=opts.temperature if sampling else None,
            top_k=opts.top_k if sampling else None, top_p=opts.top_p if sampling else None,
            repetition_penalty=opts.repetition_penalty, max_new_tokens=max_new,
            eos_token_id=self.tokenizer.eos_token_id, pad_token_id=self.tokenizer.pad_token_id,
        )
        new_tokens = out[:, enc["input_ids"].shape[1]:]
        texts = self.tokenizer.batch_decode(new_tokens, skip_special_tokens=False)
        return [(clean_text(t.split(EOS, 1)[0], split_glued=False), EOS in t) for t in texts]

    def generate(self, contexts: Sequence[str | Sequence[str]], opts: SamplingOptions | None = None,
                 progress: bool = False) -> list[dict]:
        """`opts.n` outputs per context: dicts with context, text, sample index and copy check."""
        opts = opts or SamplingOptions()
        if not contexts:
            return []
        prompts, max_new = self._prompts(contexts, opts.max_new_tokens)
        jobs = [(ci, k) for ci in range(len(contexts)) for k in range(opts.n)]
        results: dict[tuple[int, int], dict] = {}
        bar = tqdm(total=len(jobs), disable=not progress, unit="text", desc="generate")
        for attempt in range(opts.max_retries + 1 if opts.reject_copies else 1):
            for start in range(0, len(jobs), opts.batch_size):
                chunk = jobs[start : start + opts.batch_size]
                seed = opts.seed + 7919 * attempt + start
                texts = self._sample([prompts[ci] for ci, _ in chunk], opts, max_new, seed)
                for (ci, k), (text, finished) in zip(chunk, texts):
                    record = {"context": self.template.context_string(contexts[ci]), "text": text, "sample": k,
                              "attempts": attempt + 1, "finished": finished}
                    if opts.reject_copies:
                        match = self.copy_index.match(text)
                        record.update(copied_words=match.span, near_copy=self.copy_index.is_near_copy(text, match))
                    results[(ci, k)] = record
                if attempt == 0:
                    bar.update(len(chunk))
            jobs = [job for job in jobs if results[job].get("near_copy")]
            if not jobs:
                break
        bar.close()
        ordered = [results[key] for key in sorted(results)]
        return [r for r in ordered if not r.get("near_copy")] if opts.reject_copies else ordered


def read_contexts(path: str | Path, column: str | None = None) -> list[str]:
    """Contexts from a .txt file (one per line) or a CSV (`column`, default the first column)."""
    from modiste.text.corpus import read_rows

    path = Path(path)
    if not path.is_file():
        raise ModisteError(f"contexts file '{path}' not found: pass --contexts a .txt (one per line) or .csv file")
    if path.suffix.lower() in (".txt", ".text"):
        return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if column is None:
        import csv

        with open(path, newline="", encoding="utf-8-sig") as f:
            column = next(csv.reader(f), [None])[0]
    return [text.strip() for _, text in read_rows(path, column) if text.strip()]


def generate(model: str | Path, contexts: Iterable[str], opts: SamplingOptions | None = None, device: str = "auto") -> list[dict]:
    """One-call API: descriptions for `contexts` from a trained model folder."""
    return DescriptionGenerator(model, device).generate(list(contexts), opts)
