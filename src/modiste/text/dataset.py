"""Token batches for training: tokenised examples, packed into windows or padded with masks.

Each example is `prefix + " " + description + <|endoftext|>` (see `prompts.py`); its labels are
the token ids, with -100 on the prefix when the loss is masked there. Two batch layouts:

- packing (default): whole examples share windows of `block_size` tokens, placed by best-fit
  decreasing bin packing, and the few free tokens left at a window's end are padding (no loss;
  padding at the end needs no attention mask under causal attention). So every window starts with
  a context, and every description is trained with its own context before it. An example longer
  than a window is cut into pieces; each continuation piece starts with the context again, then
  the description's preceding tokens as read-only lead-in, then new tokens: the loss is on the new
  tokens only, so each token is trained once, and always sees its context.
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
    """One tokenised training example; `prefix_len` tokens of `ids` are the context prefix."""

    ids: list[int]
    labels: list[int]
    prefix_len: int = 0


def encode_records(records: Sequence[Record], tokenizer, template: PromptTemplate, mask_prefix: bool = True) -> list[Example]:
    prefixes = tokenizer([template.prefix(r.context) for r in records], add_special_tokens=False)["input_ids"]
    bodies = tokenizer([template.completion(r.text) for r in records], add_special_tokens=False)["input_ids"]
    examples = []
    for prefix, body in zip(prefixes, bodies):
        labels = ([IGNORE] * len(prefix) if mask_prefix else list(prefix)) + list(body)
        examples.append(Example(list(prefix) + list(body), labels, len(prefix)))
    return examples


def split_example(example: Example, block_size: int) -> list[Example]:
    """Pieces of at most `block_size` tokens, each starting with the example's context prefix.

    The first piece is the example's first `block_size` tokens. A continuation piece is the
    prefix (loss masked), then up to half a window of the description's tokens just before the
    piece's new tokens (loss masked: read-only lead-in, so the model never learns to start a
    description mid-sentence), then the new tokens (their own labels). Every description token
    carries its label in exactly one piece. Raises ModisteError when the prefix leaves fewer than
    2 tokens of the window for the description.
    """
    if len(example.ids) <= block_size:
        return [example]
    p = example.prefix_len
    room = block_size - p  # description tokens a piece can hold after the prefix
    if room < 2:
        raise ModisteError(f"a context of {p} tokens leaves no room in a {block_size}-token window for its long description: "
                           "shorten the context columns or raise --block-size")
    prefix_ids, body_ids, body_labels = example.ids[:p], example.ids[p:], example.labels[p:]
    pieces = [Example(example.ids[:block_size], example.labels[:block_size], p)]
    covered, stride = room, max(1, room // 2)
    while covered < len(body_ids):
        end = min(covered + stride, len(body_ids))
        start = max(0, end - room)
        labels = [IGNORE] * (p + covered - start) + body_labels[covered:end]
        pieces.append(Example(prefix_ids + body_ids[start:end], labels, p))
        covered = end
    return pieces


def best_fit_decreasing(lengths: Sequence[int], capacity: int) -> list[list[int]]:
    """Bins of item indices whose lengths sum to at most `capacity` (best-fit decreasing heuristic).

    Items are placed longest first into the open bin with the least room that still fits them
    (Johnson 1973: asymptotically at most 11/9 of the optimal bin count); ties by index, so it is
    deterministic. O(n * capacity). Items longer than `capacity` raise ValueError.
    """
    bins: list[list[int]] = []
    room_of: list[int] = []
    by_room: list[list[int]] = [[] for _ in range(capacity + 1)]  # room -> open bins with exactly that room
    for i in sorted(range(len(lengths)), key=lambda i: (-lengths[i], i)):
        n = lengths[i]
        if n > capacity:
            raise ValueError(f"item {i} of length {n} exceeds the capacity {capacity}")
        room = next((r for r in range(n, capacity + 1) if by_room[r]), None)
        if room is None:
            b = len(bins)
            bins.append([])
            room_of.append(capacity)
        else:
            b = by_room[room].pop()
        bins[b].append(i)
        room_of[b] -= n
        by_room[room_of[b]].append(b)
    return bins


def pack_examples(examples: Sequence[Example], block_size: int, pad_id: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(ids, labels), each [n_windows, block_size]: whole examples (or context-led pieces) per window.

    Each window is a run of examples placed by `best_fit_decreasing`, each starting with its own
    context prefix, then `pad_id` with -100 labels up to `block_size`. Raises ModisteError when
    there is nothing to pack.
    """
    pieces = [piece for e in examples for piece in split_example(e, block_size)]
    if not pieces:
        raise ModisteError("no training examples to pack: the corpus is empty after cleaning")
    bins = best_fit_decreasing([len(p.ids) for p in pieces], block_size)
    ids = torch.full((len(bins), block_size), pad_id, dtype=torch.long)
    labels = torch.full((len(bins), block_size), IGNORE, dtype=torch.long)
    for row, members in enumerate(bins):
        at = 0
        for i in members:
            n = len(pieces[i].ids)
            ids[row, at : at + n] = torch.tensor(pieces[i].ids)
            labels[row, at : at + n] = torch.tensor(pieces[i].labels)
            at += n
    return ids, labels


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
            self.windows = pack_examples(examples, block_size, pad_id)
            # share of window tokens holding example text (the rest is end-of-window padding)
            self.fill = sum(len(e.ids) for e in examples) / max(self.windows[0].numel(), 1)
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
