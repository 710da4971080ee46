"""The training loop: AdamW, warm-up + cosine, gradient accumulation, bf16 on GPU, DDP, exact resume.

Our own loop rather than `transformers.Trainer`: batches are pre-tokenised tensors (no collator
per step), the schedule can run on a wall-clock budget (`minutes`), checkpoints are atomic folders
with the optimiser/RNG/data position in safetensors, and it is no slower
(benchmarks/text_throughput.py). Launch on many GPUs with
`torchrun --nproc_per_node N -m modiste text train ...`; rank 0 alone writes files.
"""

from __future__ import annotations

import contextlib
import math
import random
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
from tqdm import tqdm

from modiste import distributed as dist_utils
from modiste.atomic import atomic_write_json
from modiste.errors import ModisteError
from modiste.text import checkpoint as ckpt
from modiste.text.corpus import Corpus, load_corpus, read_records, write_records
from modiste.text.dataset import BatchStream, encode_records, eval_batches
from modiste.text.models import build_model, check_base, context_window, is_scratch, quiet_transformers
from modiste.text.perplexity import autocast_for, perplexity, summed_token_loss
from modiste.text.prompts import PromptTemplate


@dataclass
class TrainConfig:
    corpus: str
    out: str
    text_column: str | None = None
    context_columns: tuple[str, ...] = ()
    strip_from_context: str | None = None  # a column (the brand) removed from the start of each context value
    base: str = "scratch-small"
    tokenizer: str | None = None  # scratch only: a GPT-2 tokenizer folder instead of training a BPE
    max_steps: int | None = None  # optimiser steps
    minutes: float | None = None  # wall-clock budget; the cosine follows elapsed time
    batch_size: int = 16  # per device and micro-step
    grad_accum: int = 1
    block_size: int | None = None  # tokens per row; default: the model's window
    packing: bool = True
    mask_prefix: bool = True
    lr: float | None = None  # default: 1e-3 from scratch, 5e-5 fine-tuning
    min_lr_ratio: float = 0.1
    warmup_steps: int = 100
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    dropout: float = 0.0
    eval_every: int = 200
    eval_examples: int = 512  # validation examples per evaluation
    keep_last: int = 2
    val_fraction: float = 0.05
    max_records: int | None = None
    lowercase_context: bool = True
    seed: int = 0
    device: str = "auto"
    precision: str = "auto"  # auto (bf16 on GPU) | bf16 | fp32
    resume: bool = False
    progress: bool = True

    def learning_rate(self) -> float:
        return self.lr if self.lr is not None else (1e-3 if is_scratch(self.base) else 5e-5)


def _log(message: str) -> None:
    """Progress lines go to stderr, next to the bar, so stdout stays machine-readable."""
    tqdm.write(message, file=sys.stderr)


def lr_factor(step: int, progress: float, warmup_steps: int, min_ratio: float) -> float:
    """Linear warm-up over `warmup_steps`, then cosine from 1 to `min_ratio` as progress goes 0 -> 1."""
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    return min_ratio + (1.0 - min_ratio) * 0.5 * (1.0 + math.cos(math.pi * min(1.0, progress)))


def _check_config(cfg: TrainConfig) -> None:
    if not cfg.max_steps and not cfg.minutes:
        raise ModisteError("no training length given: pass --max-steps N or --minutes M")
    if cfg.batch_size < 1 or cfg.grad_accum < 1:
        raise ModisteError("--batch-size and --grad-accum must be at least 1")
    if cfg.precision not in ("auto", "bf16", "fp32"):
        raise ModisteError(f"unknown --precision {cfg.precision}: use auto, bf16 or fp32")
    check_base(cfg.base)
    out = Path(cfg.out)
    has_run = (out / "run.json").is_file()
    if cfg.resume and not has_run:
        raise ModisteError(f"nothing to resume in '{out}': drop --resume to start a new run there")
    if not cfg.resume and out.exists() and any(out.iterdir()):
        raise ModisteError(f"output folder '{out}' is not empty: pass --resume to continue its run or choose a new --out")


def _decay_groups(model: torch.nn.Module, weight_decay: float) -> list[dict[str, Any]]:
    """Weight decay on matrices only; biases, LayerNorms (1-D) stay undecayed."""
    params = [p for p in model.parameters() if p.requires_grad]
    return [
        {"params": [p for p in params if p.dim() >= 2], "weight_decay": weight_decay},
        {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0},
    ]


class TextTrainer:
    """One training run; `run()` trains to the step or time budget and returns a summary."""

    def __init__(self, cfg: TrainConfig):
        _check_config(cfg)
        quiet_transformers()
        self.cfg, self.out = cfg, Path(cfg.out)
        self.ctx = dist_utils.init_distributed(cfg.device)
        self.template = PromptTemplate(cfg.lowercase_context)
        resume_dir = ckpt.checkpoint_dirs(self.out)[-1] if cfg.resume and ckpt.checkpoint_dirs(self.out) else None
        self.corpus = self._corpus(resume_dir is not None or cfg.resume)
        torch.manual_seed(cfg.seed)
        random.seed(cfg.seed)
        if resume_dir is not None:
            from transformers import GPT2LMHeadModel, GPT2TokenizerFast

            self.model = GPT2LMHeadModel.from_pretrained(resume_dir)
            self.tokenizer = GPT2TokenizerFast.from_pretrained(resume_dir)
        else:
            texts = [self.template.format(r.context, r.text) for r in self.corpus.train]
            self.model, self.tokenizer = build_model(cfg.base, texts, cfg.tokenizer, cfg.dropout, self._rank0_tokenizer(texts))
        self.block_size = cfg.block_size or context_window(self.model)
        if self.block_size > context_window(self.model):
            raise ModisteError(f"--block-size {self.block_size} exceeds the model window {context_window(self.model)}: lower it")
        self.model.to(self.ctx.device).train()
        self.train_examples = encode_records(self.corpus.train, self.tokenizer, self.template, cfg.mask_prefix)
        val = encode_records(self.corpus.validation[: cfg.eval_examples], self.tokenizer, self.template, cfg.mask_prefix)
        shard = val[self.ctx.rank :: self.ctx.world_size]
        self.val_batches = eval_batches(shard, cfg.batch_size, self.tokenizer.pad_token_id, self.block_size) if shard else []
        self.stream = BatchStream(self.train_examples, self.block_size, cfg.batch_size, cfg.packing, self.tokenizer.pad_token_id,
                                  cfg.seed, self.ctx.rank, self.ctx.world_size)
        if cfg.packing and self.ctx.is_main:
            _log(f"packing: {len(self.train_examples)} examples in {self.stream.n_items} windows of {self.block_size} tokens, "
                 f"{self.stream.fill:.1%} of them text, each description after its own context")
        # fused AdamW: one kernel over all tensors; on a CPU 4x faster than the foreach default
        # (5.7 vs 24 ms per step for scratch-small, ~5 % of its whole step), as HF Trainer's default
        self.optimizer = torch.optim.AdamW(_decay_groups(self.model, cfg.weight_decay), lr=cfg.learning_rate(),
                                           betas=(0.9, 0.95), fused=self.ctx.device.type in ("cpu", "cuda"))
        self.ddp_model = self.model
        if self.ctx.is_distributed:
            ids = [self.ctx.device.index] if self.ctx.device.type == "cuda" else None
            self.ddp_model = torch.nn.parallel.DistributedDataParallel(self.model, device_ids=ids)
        self.step, self.elapsed, self.tokens, self.best_loss = 0, 0.0, 0, float("inf")
        self.history: list[dict[str, float]] = []
        self.step_times: list[float] = []  # seconds per optimiser step, this process (benchmarks)
        if resume_dir is not None:
            self._restore(resume_dir)
        elif self.ctx.is_main:
            self._write_run_files()

    # ----- setup -----
    def _corpus(self, resuming: bool) -> Corpus:
        data = self.out / "data"
        if resuming and (data / "train.jsonl").is_file():
            return Corpus(read_records(data / "train.jsonl"), read_records(data / "validation.jsonl"), tuple(self.cfg.context_columns))
        corpus = load_corpus(self.cfg.corpus, self.cfg.text_column, self.cfg.context_columns, self.cfg.val_fraction,
                             self.cfg.seed, max_records=self.cfg.max_records, strip_column=self.cfg.strip_from_context)
        if self.ctx.is_main:
            _log(f"corpus: {corpus.stats.summary()}")
        return corpus

    def _rank0_tokenizer(self, texts: list[str]):
        """Under DDP, rank 0 trains the corpus BPE and sends it, so every rank has the same vocabulary."""
        if not (self.ctx.is_distributed and is_scratch(self.cfg.base) and not self.cfg.tokenizer):
            return None
        from modiste.text.models import PRESETS, tokenizer_from_json
        from modiste.text.tokenizer import train_bpe_tokenizer

        text = train_bpe_tokenizer(texts, PRESETS[self.cfg.base].vocab_size).backend_tokenizer.to_str() if self.ctx.is_main else None
        return tokenizer_from_json(str(dist_utils.broadcast_object(text)))

    def _write_run_files(self) -> None:
        write_records(self.out / "data" / "train.jsonl", self.corpus.train)
        write_records(self.out / "data" / "validation.jsonl", self.corpus.validation)
        atomic_write_json(self.out / "run.json", {"config": asdict(self.cfg), "template": self.template.to_json(),
                                                   "corpus": asdict(self.corpus.stats) if self.corpus.stats else None})

    def _restore(self, folder: Path) -> None:
        state = ckpt.read_state(folder)
        ckpt.load_optimizer(self.optimizer, folder)
        ckpt.restore_rng(folder)
        self.stream.load_state(state["data"])
        self.step, self.elapsed, self.tokens = state["step"], state["elapsed_s"], state["tokens"]
        self.best_loss, self.history = state["best_val_loss"], state["history"]
        if self.ctx.is_main:
            _log(f"resumed from {folder} at step {self.step}")

    # ----- the loop -----
    def _progress(self) -> float:
        done = 0.0
        if self.cfg.max_steps:
            done = max(done, self.step / self.cfg.max_steps)
        if self.cfg.minutes:
            done = max(done, self.elapsed / (self.cfg.minutes * 60))
        return done

    def _train_step(self) -> float:
        cfg = self.cfg
        factor = lr_factor(self.step, self._progress(), cfg.warmup_steps, cfg.min_lr_ratio)
        for group in self.optimizer.param_groups:
            group["lr"] = cfg.learning_rate() * factor
        total = 0.0
        for micro in range(cfg.grad_accum):
            batch = {k: v.to(self.ctx.device, non_blocking=True) for k, v in self.stream.next_batch().items()}
            sync = micro == cfg.grad_accum - 1 or not self.ctx.is_distributed
            with (contextlib.nullcontext() if sync else self.ddp_model.no_sync()), autocast_for(self.ctx.device, cfg.precision):
                loss = self.ddp_model(**batch).loss / cfg.grad_accum
            loss.backward()
            total += loss.item()
            self.tokens += batch["input_ids"].numel() * self.ctx.world_size
        if cfg.grad_clip > 0:
            torch.nn.utils.clip_grad_norm_(self.model.parameters(), cfg.grad_clip)
        self.optimizer.step()
        self.optimizer.zero_grad(set_to_none=True)
        self.step += 1
        return total

    def validate(self) -> float:
        loss_sum, count = summed_token_loss(self.model, self.val_batches, self.ctx.device, self.cfg.precision)
        pair = dist_utils.all_reduce_sum(torch.tensor([loss_sum, float(count)], dtype=torch.float64, device=self.ctx.device))
        return float(pair[0] / pair[1]) if pair[1] > 0 else float("nan")

    def _checkpoint(self, val_loss: float) -> None:
        entry = {"step": self.step, "val_loss": val_loss, "val_ppl": perplexity(val_loss), "tokens": self.tokens, "elapsed_s": self.elapsed}
        self.history.append(entry)
        is_best = val_loss < self.best_loss
        self.best_loss = min(self.best_loss, val_loss)
        if self.ctx.is_main:
            state = {"step": self.step, "elapsed_s": self.elapsed, "tokens": self.tokens, "data": self.stream.state(),
                     "best_val_loss": self.best_loss, "history": self.history, "template": self.template.to_json()}
            ckpt.write_model_dir(self.out / "checkpoints" / f"step-{self.step:07d}", self.model, self.tokenizer,
                                 {ckpt.STATE_FILE: state}, self.optimizer)
            if is_best:
                ckpt.write_model_dir(self.out / "best", self.model, self.tokenizer, {"metrics.json": entry, "template.json": self.template.to_json()})
            ckpt.prune_checkpoints(self.out, self.cfg.keep_last)
        dist_utils.barrier()

    def _done(self) -> bool:
        return self._progress() >= 1.0

    def run(self) -> dict[str, Any]:
        cfg = self.cfg
        bar = tqdm(total=cfg.max_steps, file=sys.stderr, initial=self.step, disable=not (cfg.progress and self.ctx.is_main), unit="step", desc="train")
        train_time, train_tokens, loss = 0.0, 0, float("nan")
        last_eval_step = self.step if self.history else -1
        while not self._done():
            t0 = time.perf_counter()
            tokens_before = self.tokens
            loss = self._train_step()
            dt = time.perf_counter() - t0
            self.step_times.append(dt)
            train_time, train_tokens = train_time + dt, train_tokens + self.tokens - tokens_before
            # every rank follows rank 0's clock, so all ranks agree on the schedule and the stop
            self.elapsed = float(dist_utils.broadcast_object(self.elapsed + dt))
            bar.update(1)
            bar.set_postfix(loss=f"{loss:.3f}", lr=f"{self.optimizer.param_groups[0]['lr']:.2e}", tok_s=f"{train_tokens / max(train_time, 1e-9):.0f}")
            if self.step % cfg.eval_every == 0 or self._done():
                t1 = time.perf_counter()
                val_loss = self.validate()
                self._checkpoint(val_loss)
                last_eval_step = self.step
                if self.ctx.is_main:
                    _log(f"step {self.step}: train loss {loss:.3f}, val loss {val_loss:.3f}, val ppl {perplexity(val_loss):.2f}")
                self.elapsed = float(dist_utils.broadcast_object(self.elapsed + time.perf_counter() - t1))
        if last_eval_step != self.step:  # a resumed run that was already complete
            self._checkpoint(self.validate())
        bar.close()
        return {"steps": self.step, "tokens": self.tokens, "train_loss": loss, "best_val_loss": self.best_loss,
                "best_val_ppl": perplexity(self.best_loss), "tokens_per_s": train_tokens / max(train_time, 1e-9),
                "elapsed_s": self.elapsed, "out": str(self.out), "history": self.history}


def train(cfg: TrainConfig) -> dict[str, Any]:
    """Train (or resume) a GPT-2 description model; returns steps, losses and throughput."""
    return TextTrainer(cfg).run()
