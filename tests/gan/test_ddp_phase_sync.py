"""Under DDP, a phase all-reduces the gradients of the network it trains, each parameter once per
optimiser step (micro-batches before the last skip the sync), and never those of the frozen network."""

from __future__ import annotations

from collections import Counter

import pytest
import torch
import torch.distributed as dist
from torch.distributed.algorithms.ddp_comm_hooks.default_hooks import allreduce_hook

from modiste.distributed import DistContext
from modiste.gan.training.config import TrainConfig
from modiste.gan.training.trainer import GANTrainer

PHASES = {"generator_main": "G main", "generator_reg": "G reg", "discriminator_main": "D main",
          "discriminator_reg": "D reg"}


@pytest.fixture
def process_group(tmp_path):
    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    yield DistContext(rank=0, world_size=1, local_rank=0, device=torch.device("cpu"), joined=True)
    dist.destroy_process_group()


def sync_counts(ctx: DistContext, grad_accum: int) -> Counter:
    cfg = TrainConfig(data="x", resolution=16, preset="tiny", batch=8, grad_accum=grad_accum, aug="none",
                      device="cpu", workers=0)
    torch.manual_seed(0)
    trainer = GANTrainer(cfg, cfg.network_config(img_channels=3, class_names=[]), ctx)
    assert isinstance(trainer.G_forward, torch.nn.parallel.DistributedDataParallel)
    counts: Counter = Counter()
    phase = {"now": None}

    def counting(network):
        def hook(state, bucket):
            counts[(phase["now"], network)] += len(bucket.parameters())  # buckets vary; parameters do not
            return allreduce_hook(state, bucket)
        return hook

    trainer.G_forward.register_comm_hook(dist.group.WORLD, counting("G"))
    trainer.D_forward.register_comm_hook(dist.group.WORLD, counting("D"))
    for method, name in PHASES.items():
        original = getattr(trainer, method)

        def tracked(*args, original=original, name=name):
            phase["now"] = name
            return original(*args)
        setattr(trainer, method, tracked)
    images = torch.randint(0, 256, (8, 3, 16, 16), dtype=torch.uint8)
    trainer.train_step(images, None)  # step 0: all four phases
    counts["G parameters"] = len(list(trainer.G.parameters()))
    counts["D parameters"] = len(list(trainer.D.parameters()))
    return counts


def test_each_phase_syncs_only_its_network_once_per_step(process_group):
    counts = sync_counts(process_group, grad_accum=1)
    g, d = counts.pop("G parameters"), counts.pop("D parameters")
    assert dict(counts) == {("G main", "G"): g, ("G reg", "G"): g, ("D main", "D"): d, ("D reg", "D"): d}
    # with two micro-batches the first skips the all-reduce: still each parameter once per phase
    assert sync_counts(process_group, grad_accum=2) == {**counts, "G parameters": g, "D parameters": d}
