#!/usr/bin/env python3
"""Training and generation throughput of Modiste's GAN on this machine (one JSON record per config).

Method (the same as shared/bench/peer_sg2ada.py uses for stylegan2-ada-pytorch, so the two compare):
each phase of the full lazy-regularisation schedule is timed on its own with synthetic uint8 reals,
`--repeats` times after `--warmup` untimed rounds, and the schedule is composed analytically:

    sec/batch = G main + G reg (path length) / 4 + D main + D reg (R1) / 16 + EMA/ADA
    train_img_per_s = batch / sec/batch           (median over repeats)

This equals the average over a real 16-step tick. `--real-steps N` also runs N real `train_step`s
end to end and reports their img/s for a cross-check. Generation: G_ema, no grad, batch 64,
truncation 1, constant noise. Peak memory: the process's max RSS (and on CUDA the GPU's peak
allocation). On CUDA every timed region ends with a device synchronisation, `--precision` picks
fp32/bf16/fp16 autocast, `--reg-precision auto` runs the R1/path-length passes under bf16 autocast,
`--channels-last` the channels-last layout, `--compile` times the torch.compile'd main passes, and
each phase's peak GPU allocation is recorded (`phase_peak_gpu_mb`); there the
`--real-steps` figure (consecutive real steps, no per-phase synchronisation) is the one to quote.

Usage:
    python benchmarks/train_throughput.py --resolution 32 --batch 32            # the `base` preset = peer's auto
    python benchmarks/train_throughput.py --resolution 64 --channel-base 16384 --channel-max 512 --mapping-layers 2
    python benchmarks/train_throughput.py --device cuda --precision bf16 --resolution 64 256 --real-steps 64
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time

import torch

from modiste.distributed import init_distributed
from modiste.gan.training.config import TrainConfig
from modiste.gan.training.trainer import GANTrainer


def synchronize(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timed(fn, device: torch.device) -> float:
    synchronize(device)
    start = time.perf_counter()
    fn()
    synchronize(device)
    return time.perf_counter() - start


def build_trainer(args: argparse.Namespace) -> GANTrainer:
    cfg = TrainConfig(data="synthetic", resolution=args.resolution, batch=args.batch, preset=args.preset,
                      arch=args.arch, channel_base=args.channel_base, channel_max=args.channel_max,
                      mapping_layers=args.mapping_layers, aug=args.aug, device=args.device,
                      precision=args.precision, compile=args.compile, reg_precision=args.reg_precision,
                      channels_last=args.channels_last)
    cfg.validate()
    net = cfg.network_config(img_channels=3, class_names=[])
    torch.manual_seed(0)
    return GANTrainer(cfg, net, init_distributed(args.device))


def measure(args: argparse.Namespace) -> dict:
    trainer = build_trainer(args)
    net, batch, device = trainer.net, args.batch, trainer.ctx.device
    reals = torch.randint(0, 256, (batch, 3, net.height, net.width), dtype=torch.uint8)
    real, c = trainer.prepare_reals(reals, None)
    phases = {
        "G_main": lambda: trainer.generator_main(batch, c),
        "G_reg": lambda: trainer.generator_reg(batch, c),
        "D_main": lambda: trainer.discriminator_main(real, c),
        "D_reg": lambda: trainer.discriminator_reg(real, c),
        "ema": trainer.end_step,
    }
    weights = {"G_main": 1.0, "G_reg": 1 / trainer.cfg.pl_interval, "D_main": 1.0,
               "D_reg": 1 / trainer.cfg.r1_interval, "ema": 1.0}
    for _ in range(args.warmup):
        for fn in phases.values():
            fn()
    if device.type == "cuda":  # steady state: leave out cuDNN's autotuning workspaces
        torch.cuda.reset_peak_memory_stats(device)
    times: dict[str, list[float]] = {k: [] for k in phases}
    peak_mb: dict[str, float] = {k: 0.0 for k in phases}
    for _ in range(args.repeats):
        for name, fn in phases.items():  # interleaved, so drift hits every phase alike
            if device.type == "cuda":
                torch.cuda.reset_peak_memory_stats(device)
            times[name].append(timed(fn, device))
            if device.type == "cuda":
                peak_mb[name] = max(peak_mb[name], torch.cuda.max_memory_allocated(device) / 2**20)
    per_batch = [sum(weights[k] * times[k][i] for k in phases) for i in range(args.repeats)]
    amortised = sum(weights[k] * statistics.median(times[k]) for k in phases)
    record = {
        "resolution": args.resolution, "height": net.height, "width": net.width, "batch": batch,
        "arch": args.arch, "channel_base": net.channel_base, "channel_max": net.channel_max,
        "mapping_layers": net.mapping_layers, "aug": args.aug,
        "train_img_per_s": round(batch / statistics.median(per_batch), 4),
        "phase_seconds": {k: round(statistics.median(v), 4) for k, v in times.items()},
        # each phase's share of the composed step (amortised over its interval), from the medians
        "phase_share": {k: round(weights[k] * statistics.median(v) / amortised, 4) for k, v in times.items()},
    }
    if args.real_steps:
        def real_steps() -> None:
            for _ in range(args.real_steps):
                trainer.train_step(reals, None)

        record["real_steps"] = args.real_steps
        record["real_train_img_per_s"] = round(args.real_steps * batch / timed(real_steps, device), 4)
    record["generate_img_per_s"] = round(generation_rate(trainer, args), 4)
    record["generate_batch"] = args.gen_batch
    record["params_G"] = sum(p.numel() for p in trainer.G.parameters())
    record["params_D"] = sum(p.numel() for p in trainer.D.parameters())
    record["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    record["device"] = str(device)
    record["precision"] = trainer.precision.name
    record["compile"] = args.compile
    record["reg_precision"] = trainer.reg_precision.name
    record["channels_last"] = args.channels_last
    if device.type == "cuda":
        record["gpu"] = torch.cuda.get_device_name(device)
        record["peak_gpu_mb"] = round(max(peak_mb.values()), 1)  # the timed phases' peak
        record["phase_peak_gpu_mb"] = {k: round(v, 1) for k, v in peak_mb.items()}
    record["torch"] = torch.__version__
    record["threads"] = torch.get_num_threads()
    return record


@torch.no_grad()
def generation_rate(trainer: GANTrainer, args: argparse.Namespace) -> float:
    G, device = trainer.G_ema, trainer.ctx.device
    z = torch.randn(args.gen_batch, G.z_dim, device=device)

    def generate() -> None:
        with trainer.precision.autocast():
            G(z, None, noise_mode="const")

    generate()  # warm-up
    runs = [timed(generate, device) for _ in range(args.gen_repeats)]
    return args.gen_batch / statistics.median(runs)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--resolution", type=int, nargs="+", default=[32])
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--preset", default="base")
    p.add_argument("--arch", default="stylegan2")
    p.add_argument("--channel-base", type=int, default=None)
    p.add_argument("--channel-max", type=int, default=None)
    p.add_argument("--mapping-layers", type=int, default=None)
    p.add_argument("--aug", default="none")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--real-steps", type=int, default=0)
    p.add_argument("--gen-batch", type=int, default=64)
    p.add_argument("--gen-repeats", type=int, default=3)
    p.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's choice)")
    p.add_argument("--device", default="cpu", help="cpu, cuda or cuda:N")
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"])
    p.add_argument("--compile", action="store_true", help="torch.compile the main passes (as `train --compile`)")
    p.add_argument("--reg-precision", default="fp32", choices=["fp32", "auto"],
                   help="R1/path-length passes in fp32, or under the main passes' bf16 autocast (as `train --reg-precision`)")
    p.add_argument("--channels-last", action="store_true", help="channels-last G, D and reals (as `train --channels-last`)")
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    for resolution in args.resolution:
        one = argparse.Namespace(**{**vars(args), "resolution": resolution})
        print(json.dumps(measure(one)), flush=True)
        print(f"done {resolution}", file=sys.stderr)


if __name__ == "__main__":
    main()
