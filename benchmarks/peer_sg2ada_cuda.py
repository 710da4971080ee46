#!/usr/bin/env python3
"""GPU throughput of NVlabs stylegan2-ada-pytorch, measured the way we measure ours on CUDA.

The reference harness in shared/bench/peer_sg2ada.py is CPU-only (fp32, per-phase timers without
device synchronisation). This one imports the peer's modules from a checkout outside the project
($PEER_SG2ADA, never copied into it) and runs its training loop on one GPU as its train.py would
with `--cfg auto --gpus 1`:
  * networks and StyleGAN2Loss from the peer, its `auto` channels for the resolution, mixed
    precision as it ships (fp16 in the 4 highest-resolution blocks, conv clamp 256) or `--fp32`;
    cudnn.benchmark on and TF32 off, the defaults of its training_loop.py; no augmentation;
  * `--steps` consecutive real iterations (batch_idx 1.., so path length runs every 4th and R1
    every 16th, as in a real tick) after `--warmup` untimed ones, then the G_ema update, with one
    synchronisation at each end: train_img_per_s = steps * batch / seconds;
  * generation: G_ema, no grad, batch 64, truncation 1, constant noise;
  * whether its custom CUDA ops (bias_act, upfirdn2d) compiled, or it fell back to its slow
    reference ops, is reported (`plugins`; the build log goes to stderr);
  * peak GPU memory is taken after the warm-up, without cuDNN's autotuning workspaces.

    PEER_SG2ADA=/tmp/peers/stylegan2-ada-pytorch python benchmarks/peer_sg2ada_cuda.py --resolution 64 256
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import sys
from types import SimpleNamespace

import torch

from train_throughput import timed  # the same synchronised timer as ours (this folder is on sys.path)

PEER = os.environ.get("PEER_SG2ADA", "/tmp/peers/stylegan2-ada-pytorch")


def import_peer() -> SimpleNamespace:
    """The peer's modules this harness uses, imported from its checkout."""
    if not os.path.isfile(os.path.join(PEER, "training", "networks.py")):
        sys.exit(f"stylegan2-ada-pytorch checkout not found at {PEER}: set PEER_SG2ADA (see shared/bench/README.md)")
    sys.path.insert(0, PEER)
    import dnnlib
    from torch_utils import training_stats
    from torch_utils.ops import bias_act, conv2d_gradfix, upfirdn2d

    return SimpleNamespace(dnnlib=dnnlib, training_stats=training_stats, conv2d_gradfix=conv2d_gradfix,
                           plugin_modules=(bias_act, upfirdn2d))


def auto_spec(res: int) -> dict:
    """train.py's `auto` config for one GPU."""
    mb = max(min(min(4096 // res, 32), 64), 1)
    return dict(mbstd=min(mb, 4), channel_base=int((1 if res >= 512 else 0.5) * 32768),
                lr=0.002 if res >= 1024 else 0.0025, gamma=0.0002 * res**2 / mb, ema_kimg=mb * 10 / 32)


class PeerTrainer:
    def __init__(self, dnnlib, res: int, batch: int, fp32: bool, device: torch.device):
        spec = auto_spec(res)
        mixed = dict(num_fp16_res=0, conv_clamp=None) if fp32 else dict(num_fp16_res=4, conv_clamp=256)
        common = dict(c_dim=0, img_resolution=res, img_channels=3)
        self.G = dnnlib.util.construct_class_by_name(
            class_name="training.networks.Generator", z_dim=512, w_dim=512, mapping_kwargs=dict(num_layers=2),
            synthesis_kwargs=dict(channel_base=spec["channel_base"], channel_max=512, **mixed), **common,
        ).train().requires_grad_(False).to(device)
        self.D = dnnlib.util.construct_class_by_name(
            class_name="training.networks.Discriminator", channel_base=spec["channel_base"], channel_max=512,
            block_kwargs={}, mapping_kwargs={}, epilogue_kwargs=dict(mbstd_group_size=spec["mbstd"]), **mixed, **common,
        ).train().requires_grad_(False).to(device)
        self.G_ema = copy.deepcopy(self.G).eval()
        self.loss = dnnlib.util.construct_class_by_name(
            class_name="training.loss.StyleGAN2Loss", device=device, G_mapping=self.G.mapping,
            G_synthesis=self.G.synthesis, D=self.D, r1_gamma=spec["gamma"])
        self.phases = []
        for name, module, interval in [("G", self.G, 4), ("D", self.D, 16)]:
            ratio = interval / (interval + 1)  # the lazy-regularisation correction, as training_loop.py
            opt = torch.optim.Adam(module.parameters(), lr=spec["lr"] * ratio, betas=(0.0, 0.99 ** ratio), eps=1e-8)
            self.phases += [(name + "main", module, opt, 1), (name + "reg", module, opt, interval)]
        self.batch, self.res, self.device, self.ema_kimg = batch, res, device, spec["ema_kimg"]
        self.reals = (torch.randint(0, 256, (batch, 3, res, res), device=device).float() / 127.5 - 1)
        self.c = torch.zeros(batch, 0, device=device)
        self.nimg = 0

    def iteration(self, batch_idx: int) -> None:
        for name, module, opt, interval in self.phases:
            if batch_idx % interval:
                continue
            opt.zero_grad(set_to_none=True)
            module.requires_grad_(True)
            z = torch.randn(self.batch, self.G.z_dim, device=self.device)
            self.loss.accumulate_gradients(phase=name, real_img=self.reals, real_c=self.c, gen_z=z, gen_c=self.c,
                                           sync=True, gain=interval)
            module.requires_grad_(False)
            for p in module.parameters():
                if p.grad is not None:
                    torch.nan_to_num(p.grad, nan=0, posinf=1e5, neginf=-1e5, out=p.grad)
            opt.step()
        ema_nimg = min(self.ema_kimg * 1000, self.nimg * 0.05)
        beta = 0.5 ** (self.batch / max(ema_nimg, 1e-8))
        with torch.no_grad():
            for p_ema, p in zip(self.G_ema.parameters(), self.G.parameters()):
                p_ema.copy_(p.lerp(p_ema, beta))
            for b_ema, b in zip(self.G_ema.buffers(), self.G.buffers()):
                b_ema.copy_(b)
        self.nimg += self.batch


def measure(res: int, args: argparse.Namespace, peer: SimpleNamespace) -> dict:
    device = torch.device("cuda")
    torch.manual_seed(0)
    trainer = PeerTrainer(peer.dnnlib, res, args.batch, args.fp32, device)
    step = iter(range(1, 10**9))
    for _ in range(args.warmup):
        trainer.iteration(next(step))
    torch.cuda.reset_peak_memory_stats(device)  # steady state: leave out cuDNN's autotuning workspaces
    runs = []
    for _ in range(args.repeats):
        runs.append(timed(lambda: [trainer.iteration(next(step)) for _ in range(args.steps)], device))
    z = torch.randn(args.gen_batch, 512, device=device)
    c = torch.zeros(args.gen_batch, 0, device=device)

    def generate() -> None:
        with torch.no_grad():
            trainer.G_ema(z, c, truncation_psi=1, noise_mode="const")

    generate()
    gen = [timed(generate, device) for _ in range(args.repeats)]
    plugins = {m.__name__.rsplit(".", 1)[-1]: getattr(m, "_plugin", None) is not None for m in peer.plugin_modules}
    return {
        "implementation": "stylegan2-ada-pytorch", "resolution": res, "batch": args.batch,
        "precision": "fp32" if args.fp32 else "mixed fp16 (4 top blocks)", "steps": args.steps,
        "train_img_per_s": round(args.steps * args.batch / statistics.median(runs), 2),
        "train_img_per_s_runs": [round(args.steps * args.batch / r, 2) for r in runs],
        "generate_img_per_s": round(args.gen_batch / statistics.median(gen), 2), "generate_batch": args.gen_batch,
        "params_G": sum(p.numel() for p in trainer.G.parameters()),
        "params_D": sum(p.numel() for p in trainer.D.parameters()),
        "peak_gpu_mb": round(torch.cuda.max_memory_allocated(device) / 2**20, 1),
        "plugins": plugins, "gpu": torch.cuda.get_device_name(device), "torch": torch.__version__,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--resolution", type=int, nargs="+", default=[64, 256])
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--steps", type=int, default=32, help="real iterations per timed run (a multiple of 16)")
    p.add_argument("--warmup", type=int, default=16)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--gen-batch", type=int, default=64)
    p.add_argument("--fp32", action="store_true", help="the peer's --fp32 (no fp16 blocks, no clamp)")
    args = p.parse_args()
    if not torch.cuda.is_available():
        sys.exit("peer_sg2ada_cuda.py needs a CUDA GPU; on CPU use shared/bench/peer_sg2ada.py")
    peer = import_peer()
    torch.backends.cudnn.benchmark = True  # the peer's training_loop.py defaults
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    peer.training_stats.init_multiprocessing(rank=0, sync_device=None)
    peer.conv2d_gradfix.enabled = True  # as its training_loop.py (it falls back to F.conv2d on torch >= 1.10)
    for res in args.resolution:
        print(json.dumps(measure(res, args, peer)), flush=True)


if __name__ == "__main__":
    main()
