"""Token batches for training: tokenised examples, packed into full windows or padded with masks.

Each example is `prefix + " " + description + <|endoftext|>` (see `prompts.py`); its labels are
the token ids, with -100 on the prefix when the loss is masked there. Two batch layouts:

- packing (default): all examples end to end, cut into windows of `block_size` tokens. No padding
  is computed, so every FLOP trains on real text; an example may span two windows.
- padding: one example per row (truncated to the window), right-padded with an attention mask
  and -100 labels on the padding.

`BatchStream` walks a seeded permutation of the examples (or windows); its position (epoch, index)
is part of a checkpoint, so a resumed run sees exactly the batches the uninterrupted run would.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import torch

from modiste.errors import ModisteError
from modiste.text.corpus import Record
from modiste.text.prompts import PromptTemplate

IGNORE = -100


@dataclass
class Example:
    ids: list[int]
    labels: list[int]


def encode_records(records: Sequence[Record], tokenizer, template: PromptTemplate, mask_prefix: bool = True) -> list[Example]:
    prefixes = tokenizer([template.prefix(r.context) for r in records], add_special_tokens=False)["input_ids"]
    bodies = tokenizer([template.completion(r.text) for r in records], add_special_tokens=False)["input_ids"]
    examples = []
    for prefix, body in zip(prefixes, bodies):
        labels = ([IGNORE] * len(prefix) if mask_prefix else list(prefix)) + list(body)
        examples.append(Example(list(prefix) + list(body), labels))
    return examples


def pack_examples(examples: Sequence[Example], block_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(ids, labels), each [n_windows, block_size]; the ragged tail is dropped."""
    ids = torch.tensor([t for e in examples for t in e.ids], dtype=torch.long)
    labels = torch.tensor([t for e in examples for t in e.labels], dtype=torch.long)
    n = ids.numel() // block_size
    if n == 0:
        raise ModisteError(f"corpus has {ids.numel()} tokens, fewer than one window of {block_size}: add descriptions or lower --block-size")
    return ids[: n * block_size].view(n, block_size), labels[: n * block_size].view(n, block_size)


def pad_examples(examples: Sequence[Example], pad_id: int, block_size: int) -> dict[str, torch.Tensor]:
    """Right-padded batch of whole examples (truncated to `block_size`) with an attention mask."""
    width = min(block_size, max(len(e.ids) for e in examples))
    ids = torch.full((len(examples), width), pad_id, dtype=torch.long)
    labels = torch.full((len(examples), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(examples), width), dtype=torch.long)
    for row, e in enumerate(examples):
        n = min(width, len(e.ids))
        ids[row, :n] = torch.tensor(e.ids[:n])
        labels[row, :n] = torch.tensor(e.labels[:n])
        mask[row, :n] = 1
    return {"input_ids": ids, "labels": labels, "attention_mask": mask}


class BatchStream:
    """Endless, seeded, resumable stream of training batches, sharded over DDP ranks.

    Every micro-step consumes `batch_size * world_size` items of the current epoch's permutation;
    rank r takes its contiguous slice. An epoch's incomplete last global batch is skipped.
    """

    def __init__(self, examples: Sequence[Example], block_size: int, batch_size: int, packing: bool, pad_id: int,
                 seed: int = 0, rank: int = 0, world_size: int = 1):
        self.examples, self.packing, self.pad_id, self.block_size = examples, packing, pad_id, block_size
        self.batch_size, self.seed, self.rank, self.world_size = batch_size, seed, rank, world_size
        if packing:
            self.windows = pack_examples(examples, block_size)
        self.n_items = self.windows[0].shape[0] if packing else len(examples)
        self.global_batch = batch_size * world_size
        if self.n_items < self.global_batch:
            unit = "windows" if packing else "examples"
            raise ModisteError(f"training set has {self.n_items} {unit}, fewer than one batch of {self.global_batch}: lower --batch-size or add data")
        self.epoch, self.index = 0, 0
        self._order = self._permutation(0)

    def _permutation(self, epoch: int) -> torch.Tensor:
        g = torch.Generator().manual_seed(self.seed * 1_000_003 + epoch)
        return torch.randperm(self.n_items, generator=g)

    def state(self) -> dict[str, int]:
        return {"epoch": self.epoch, "index": self.index}

    def load_state(self, state: dict[str, int]) -> None:
        self.epoch, self.index = int(state["epoch"]), int(state["index"])
        self._order = self._permutation(self.epoch)

    def next_batch(self) -> dict[str, torch.Tensor]:
        if self.index + self.global_batch > self.n_items:
            self.epoch, self.index = self.epoch + 1, 0
            self._order = self._permutation(self.epoch)
        start = self.index + self.rank * self.batch_size
        picked = self._order[start : start + self.batch_size]
        self.index += self.global_batch
        if self.packing:
            return {"input_ids": self.windows[0][picked], "labels": self.windows[1][picked]}
        return pad_examples([self.examples[int(i)] for i in picked], self.pad_id, self.block_size)


def eval_batches(examples: Sequence[Example], batch_size: int, pad_id: int, block_size: int) -> list[dict[str, torch.Tensor]]:
    """Validation batches: whole examples, padded, in a fixed order (comparable across runs)."""
    return [pad_examples(examples[i : i + batch_size], pad_id, block_size) for i in range(0, len(examples), batch_size)]
