"""Sharded extraction under a 2-process gloo group gives every rank the single-process features."""

from __future__ import annotations

import os
import socket

import numpy as np
import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from modiste.metrics.sampling import dataset_features, generator_features, rank_slice

from .helpers import CountingFeatures, TinyGenerator


class ArrayDataset(torch.utils.data.Dataset):
    def __init__(self, n: int = 11) -> None:
        gen = torch.Generator().manual_seed(0)
        self.images = torch.randint(0, 256, (n, 3, 8, 8), dtype=torch.uint8, generator=gen)
        self.labels = torch.arange(n) % 3

    def __len__(self) -> int:
        return len(self.images)

    def __getitem__(self, i: int):
        return self.images[i], self.labels[i]


def _features_of_this_rank(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(MASTER_ADDR="127.0.0.1", MASTER_PORT=str(port))
    dist.init_process_group("gloo", rank=rank, world_size=world)
    torch.set_num_threads(1)
    try:
        indices = np.arange(11)[::-1].copy()
        reals, labels = dataset_features(ArrayDataset(), indices, CountingFeatures(), batch_size=2, num_workers=0,
                                         progress=False)
        fakes, classes = generator_features(TinyGenerator(c_dim=3), 7, CountingFeatures(), batch_size=2,
                                            real_labels=labels, progress=False)
        torch.save({"reals": reals, "labels": labels, "fakes": fakes, "classes": classes}, f"{out}.{rank}")
    finally:
        dist.destroy_process_group()


def test_rank_slices_cover_the_range_in_order():
    for n in (0, 1, 7, 10):
        parts = [list(range(n))[rank_slice(n, r, 3)] for r in range(3)]
        assert sum(parts, []) == list(range(n))


@pytest.mark.slow
def test_two_ranks_gather_the_single_process_features(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    out = str(tmp_path / "feats")
    mp.start_processes(_features_of_this_rank, args=(2, port, out), nprocs=2, start_method="spawn")
    rank0, rank1 = torch.load(f"{out}.0"), torch.load(f"{out}.1")
    indices = np.arange(11)[::-1].copy()
    single_reals, single_labels = dataset_features(ArrayDataset(), indices, CountingFeatures(), num_workers=0,
                                                   progress=False)
    single_fakes, single_classes = generator_features(TinyGenerator(c_dim=3), 7, CountingFeatures(),
                                                      real_labels=single_labels, progress=False)
    for got in (rank0, rank1):
        torch.testing.assert_close(got["reals"], single_reals)
        torch.testing.assert_close(got["labels"], single_labels)
        torch.testing.assert_close(got["fakes"], single_fakes)
        torch.testing.assert_close(got["classes"], single_classes)
