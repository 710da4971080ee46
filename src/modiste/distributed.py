"""torchrun / env:// helpers shared by image training, text training and metrics.

One process per device. `init_distributed()` reads the variables torchrun sets (WORLD_SIZE, RANK,
LOCAL_RANK, MASTER_ADDR, MASTER_PORT) and joins the process group with nccl on CUDA and gloo on
CPU, also for a single process (`torchrun --nproc_per_node 1` takes the same DDP and collective
code paths as eight processes, so one GPU can check them). Without torchrun it returns a
single-process context, so the same code runs from one CPU to many GPUs on many nodes. Rank 0
alone writes files (`ctx.is_main`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from modiste.errors import ModisteError


@dataclass(frozen=True)
class DistContext:
    rank: int
    world_size: int
    local_rank: int
    device: torch.device
    joined: bool = False  # in a torchrun process group (possibly of one process)

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def is_distributed(self) -> bool:
        """Wrap models in DDP and reduce statistics: several processes, or one under torchrun."""
        return self.world_size > 1 or self.joined


def resolve_device(device: str, local_rank: int = 0) -> torch.device:
    """'auto' -> CUDA when present, else CPU; 'cuda' picks this process's local GPU."""
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda"):
        if not torch.cuda.is_available():
            raise ModisteError("--device cuda was asked for but no CUDA GPU is visible: use --device cpu")
        if device == "cuda":
            return torch.device("cuda", local_rank % torch.cuda.device_count())
        return torch.device(device)
    if device != "cpu":
        raise ModisteError(f"unknown device {device!r}: use cpu, cuda, cuda:N or auto")
    return torch.device("cpu")


def launched_by_torchrun() -> bool:
    return "WORLD_SIZE" in os.environ and "LOCAL_RANK" in os.environ and "MASTER_ADDR" in os.environ


def init_distributed(device: str = "auto") -> DistContext:
    """Join the torchrun process group if launched by torchrun, else return a 1-process context."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    dev = resolve_device(device, local_rank)
    joined = launched_by_torchrun()
    if world_size > 1 and not joined:
        raise ModisteError(f"WORLD_SIZE={world_size} is set but MASTER_ADDR or LOCAL_RANK is not: launch with torchrun "
                           "(or --gpus N), or unset WORLD_SIZE for one process")
    if joined and not dist.is_initialized():
        if dev.type == "cuda":
            torch.cuda.set_device(dev)
        backend = "nccl" if dev.type == "cuda" else "gloo"
        kwargs = {"device_id": dev} if dev.type == "cuda" else {}
        dist.init_process_group(backend=backend, init_method="env://", **kwargs)
    return DistContext(rank=rank, world_size=world_size, local_rank=local_rank, device=dev, joined=joined)


def process_group_backend() -> str | None:
    """'nccl' or 'gloo' inside a torchrun process group, None outside one."""
    return dist.get_backend() if dist.is_available() and dist.is_initialized() else None


def shutdown_distributed() -> None:
    if dist.is_initialized():
        dist.destroy_process_group()


def _active() -> bool:
    return dist.is_available() and dist.is_initialized()


def barrier() -> None:
    if _active():
        dist.barrier()


def all_reduce_mean(t: torch.Tensor) -> torch.Tensor:
    """Mean of `t` over all ranks (returns a new tensor; identity on one process)."""
    if not _active():
        return t.clone()
    out = t.detach().clone()
    dist.all_reduce(out, op=dist.ReduceOp.SUM)
    return out / dist.get_world_size()


def all_reduce_sum(t: torch.Tensor) -> torch.Tensor:
    if not _active():
        return t.clone()
    out = t.detach().clone()
    dist.all_reduce(out, op=dist.ReduceOp.SUM)
    return out


def all_gather_cat(t: torch.Tensor) -> torch.Tensor:
    """Concatenate each rank's `t` along dim 0, in rank order; ranks may hold different lengths."""
    if not _active():
        return t
    world = dist.get_world_size()
    n = torch.tensor([t.shape[0]], device=t.device, dtype=torch.long)
    sizes = [torch.zeros_like(n) for _ in range(world)]
    dist.all_gather(sizes, n)
    max_n = int(max(s.item() for s in sizes))
    padded = torch.zeros((max_n, *t.shape[1:]), dtype=t.dtype, device=t.device)
    padded[: t.shape[0]] = t
    gathered = [torch.zeros_like(padded) for _ in range(world)]
    dist.all_gather(gathered, padded.contiguous())
    return torch.cat([g[: int(s.item())] for g, s in zip(gathered, sizes)], dim=0)


def broadcast_object(obj: object, src: int = 0) -> object:
    """Send a picklable object from rank `src` to all ranks (only our own small dicts/strings)."""
    if not _active():
        return obj
    box = [obj]
    dist.broadcast_object_list(box, src=src)
    return box[0]


@torch.no_grad()
def max_param_divergence(module: torch.nn.Module) -> float:
    """Largest |param - rank-0 param| over all ranks: 0.0 when DDP kept every replica identical."""
    flat = torch.cat([p.detach().reshape(-1).float() for p in module.parameters()])
    if not _active():
        return 0.0
    reference = flat.clone()
    dist.broadcast(reference, src=0)
    diff = (flat - reference).abs().max().reshape(1)
    dist.all_reduce(diff, op=dist.ReduceOp.MAX)
    return float(diff.item())
