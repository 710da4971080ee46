"""`infinite_loader`: an endless stream of (uint8 images [B, C, H, W], int64 labels [B]).

Every pass over the data is a fresh permutation drawn from ``seed + pass`` (identical on every
rank, like ``DistributedSampler.set_epoch``); rank r takes every world_size-th index from
position r, so ranks on all nodes see disjoint images of equal count (the permutation is padded
by wrapping around, as DistributedSampler does). Each rank therefore reads only its share, and
because prepared shards are random-access, no rank has to read another rank's files.
"""

from __future__ import annotations

from typing import Iterator

import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from modiste.errors import ModisteError


class InfiniteShardedSampler(Sampler[int]):
    """Endless indices for one rank: shuffled per pass, disjoint across ranks."""

    def __init__(self, size: int, rank: int = 0, world_size: int = 1, seed: int = 0, shuffle: bool = True,
                 start: int = 0) -> None:
        if size <= 0:
            raise ModisteError("the dataset is empty: point --data at a folder with images")
        if not 0 <= rank < world_size:
            raise ModisteError(f"rank {rank} is outside world size {world_size}: check the torchrun settings")
        self.size, self.rank, self.world_size = size, rank, world_size
        self.seed, self.shuffle = seed, shuffle
        self.epoch = 0
        self.start = start  # indices of this rank to skip: resuming a run continues its exact data order

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def indices_for_pass(self, epoch: int) -> list[int]:
        if self.shuffle:
            g = torch.Generator().manual_seed(self.seed + epoch)
            order = torch.randperm(self.size, generator=g).tolist()
        else:
            order = list(range(self.size))
        per_rank = -(-self.size // self.world_size)
        total = per_rank * self.world_size
        order = (order * (total // self.size + 1))[:total]
        return order[self.rank : total : self.world_size]

    def __iter__(self) -> Iterator[int]:
        per_rank = -(-self.size // self.world_size)
        self.epoch, offset = divmod(self.start, per_rank)
        while True:
            yield from self.indices_for_pass(self.epoch)[offset:]
            offset = 0
            self.set_epoch(self.epoch + 1)


def infinite_loader(
    dataset: Dataset,
    batch_size: int,
    rank: int = 0,
    world_size: int = 1,
    seed: int = 0,
    num_workers: int = 2,
    pin_memory: bool | None = None,
    prefetch_factor: int = 4,
    shuffle: bool = True,
    start_batch: int = 0,
) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """Endless batches for this rank. Workers decode in parallel; memory is pinned when CUDA is present.

    ``start_batch`` skips that many of this rank's batches without reading them (exact resume).
    """
    if batch_size <= 0:
        raise ModisteError(f"batch size {batch_size} must be positive: pass e.g. --batch 16")
    sampler = InfiniteShardedSampler(len(dataset), rank, world_size, seed, shuffle, start=start_batch * batch_size)
    loader = DataLoader(
        dataset,
        batch_size=batch_size,
        sampler=sampler,
        num_workers=num_workers,
        pin_memory=torch.cuda.is_available() if pin_memory is None else pin_memory,
        drop_last=True,
        persistent_workers=num_workers > 0,
        prefetch_factor=prefetch_factor if num_workers > 0 else None,
        # per-rank worker seeds, so augmentation (x-flip) differs across ranks but repeats across runs
        generator=torch.Generator().manual_seed(seed * 1_000_003 + rank),
    )
    return iter(loader)
