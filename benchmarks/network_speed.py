#!/usr/bin/env python3
"""Speed of Modiste's StyleGAN2/SWAGAN networks, optionally side by side with stylegan2-ada-pytorch.

Times, for one network configuration:
  G_fwd_bwd   generator forward + backward at --batch (train mode, random noise)
  D_fwd_bwd   discriminator forward + backward (parameter gradients) at --batch
  G_infer     generator inference at --infer-batch (eval, no_grad, const noise, psi 1)

With --peer, the NVlabs reference (imported from $PEER_SG2ADA, default
/tmp/peers/stylegan2-ada-pytorch, never copied into the project) is built like its train.py
`--cfg=auto --fp32` (same channel_base / channel_max / mapping layers, conv_clamp None, mbstd group
min(batch, 4)) and timed in the same run, interleaved with ours, so drift on a shared CPU hits both
alike. Its inference is timed with its default fused modulated conv and with fused_modconv=False.

Prints one JSON record per line: {"impl", "measure", "img_per_s": {median, min, max}, ...}.

    python benchmarks/network_speed.py --resolution 32 --batch 32 --peer
    python benchmarks/network_speed.py --quick          # tiny smoke run (seconds)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from typing import Callable

import torch

from modiste.gan.networks.config import NetworkConfig
from modiste.gan.networks import build_discriminator, build_generator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resolution", type=int, default=32)
    ap.add_argument("--aspect", default="1:1", choices=["1:1", "2:3", "1:2"])
    ap.add_argument("--arch", default="stylegan2", choices=["stylegan2", "swagan"])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--infer-batch", type=int, default=64)
    ap.add_argument("--channel-base", type=int, default=16384)
    ap.add_argument("--channel-max", type=int, default=512)
    ap.add_argument("--mapping-layers", type=int, default=2)
    ap.add_argument("--z-dim", type=int, default=512)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--channels-last", action="store_true", help="feed ours channels_last tensors")
    ap.add_argument("--measures", nargs="*", default=["G_fwd_bwd", "D_fwd_bwd", "G_infer"])
    ap.add_argument("--peer", action="store_true", help="also time stylegan2-ada-pytorch from $PEER_SG2ADA")
    ap.add_argument("--quick", action="store_true", help="tiny config, 1 repeat (a smoke test)")
    ap.add_argument("--fir-variants", action="store_true",
                    help="instead: time ways to compute the [1,3,3,1] blur after the upsampling conv")
    args = ap.parse_args(argv)
    if args.quick:
        args.resolution, args.batch, args.infer_batch, args.repeats = 16, 4, 4, 1
        args.channel_base, args.channel_max, args.z_dim = 512, 32, 32
    return args


def timed(fn: Callable[[], None]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def ours(args: argparse.Namespace) -> dict[str, Callable[[], None]]:
    cfg = NetworkConfig(
        resolution=args.resolution, aspect=tuple(int(v) for v in args.aspect.split(":")), arch=args.arch,
        z_dim=args.z_dim, w_dim=args.z_dim, mapping_layers=args.mapping_layers,
        channel_base=args.channel_base, channel_max=args.channel_max, mbstd_group=4)
    G, D = build_generator(cfg).train(), build_discriminator(cfg).train()
    G_ema = build_generator(cfg).eval().requires_grad_(False)
    fmt = torch.channels_last if args.channels_last else torch.contiguous_format
    real = torch.randn(args.batch, *G.img_shape).contiguous(memory_format=fmt)

    def g_step() -> None:
        img = G(torch.randn(args.batch, G.z_dim))
        img.square().mean().backward()

    def d_step() -> None:
        D(real).sum().backward()

    def infer() -> None:
        with torch.no_grad():
            G_ema(torch.randn(args.infer_batch, G.z_dim), noise_mode="const")

    return {"G_fwd_bwd": g_step, "D_fwd_bwd": d_step, "G_infer": infer}


def peer(args: argparse.Namespace) -> dict[str, Callable[[], None]]:
    path = os.environ.get("PEER_SG2ADA", "/tmp/peers/stylegan2-ada-pytorch")
    if not os.path.isfile(os.path.join(path, "training", "networks.py")):
        sys.exit(f"--peer: no stylegan2-ada-pytorch checkout at {path}: set PEER_SG2ADA (see shared/bench)")
    sys.path.insert(0, path)
    from training.networks import Discriminator, Generator  # noqa: E402 (the peer's modules)

    common = dict(c_dim=0, img_resolution=args.resolution, img_channels=3)
    g_kwargs = dict(z_dim=args.z_dim, w_dim=args.z_dim, mapping_kwargs=dict(num_layers=args.mapping_layers),
                    synthesis_kwargs=dict(channel_base=args.channel_base, channel_max=args.channel_max,
                                          num_fp16_res=0, conv_clamp=None), **common)
    G = Generator(**g_kwargs).train()
    G_ema = Generator(**g_kwargs).eval().requires_grad_(False)
    D = Discriminator(channel_base=args.channel_base, channel_max=args.channel_max, num_fp16_res=0,
                      conv_clamp=None, epilogue_kwargs=dict(mbstd_group_size=min(args.batch, 4)), **common).train()
    c = torch.zeros(args.batch, 0)
    real = torch.randn(args.batch, 3, args.resolution, args.resolution)

    def g_step() -> None:
        G(torch.randn(args.batch, G.z_dim), c).square().mean().backward()

    def d_step() -> None:
        D(real, c).sum().backward()

    def infer(fused: bool | None) -> Callable[[], None]:
        def run() -> None:
            with torch.no_grad():
                ws = G_ema.mapping(torch.randn(args.infer_batch, G.z_dim), torch.zeros(args.infer_batch, 0))
                G_ema.synthesis(ws, noise_mode="const", fused_modconv=fused)
        return run

    return {"G_fwd_bwd": g_step, "D_fwd_bwd": d_step, "G_infer": infer(None), "G_infer_nonfused": infer(False)}


def fir_variants(args: argparse.Namespace) -> dict[str, Callable[[], None]]:
    """The blur after a stride-2 transposed conv ([N, C, 2r+1, 2r+1], pad 1) computed four ways, fwd + bwd."""
    import torch.nn.functional as F

    from modiste.gan.networks import fir

    channels = min(args.channel_base // args.resolution, args.channel_max)
    size = args.resolution + 1
    x = torch.randn(args.batch, channels, size, size, requires_grad=True)
    taps = torch.tensor([1.0, 3.0, 3.0, 1.0]) / 4  # gain 2 per axis
    column, row = taps.view(1, 1, 4, 1).repeat(channels, 1, 1, 1), taps.view(1, 1, 1, 4).repeat(channels, 1, 1, 1)

    def separable(t: torch.Tensor) -> torch.Tensor:
        t = F.conv2d(F.pad(t, (1, 1, 1, 1)), column, groups=channels)
        return F.conv2d(t, row, groups=channels)

    def slices(t: torch.Tensor) -> torch.Tensor:
        t = F.pad(t, (1, 1, 1, 1))
        t = t[..., :-3] + t[..., 3:] + 3 * (t[..., 1:-2] + t[..., 2:-1])
        return (t[..., :-3, :] + t[..., 3:, :] + 3 * (t[..., 1:-2, :] + t[..., 2:-1, :])) / 16

    def box_filters(t: torch.Tensor) -> torch.Tensor:  # [1,3,3,1] = [1,1] * [1,1] * [1,1]
        t = F.pad(t, (1, 1, 1, 1))
        for _ in range(3):
            t = F.avg_pool2d(t, 2, stride=1)
        return t * 4

    variants = {"depthwise_4x4": lambda t: fir.blur(t, (1, 1), gain=4.0), "separable_4x1_1x4": separable,
                "strided_slices": slices, "three_box_filters": box_filters}
    reference = variants["depthwise_4x4"](x)
    for name, fn in variants.items():
        torch.testing.assert_close(fn(x), reference, rtol=1e-4, atol=1e-4, msg=lambda m, name=name: f"{name}: {m}")
    return {f"blur_{name}": (lambda fn=fn: fn(x).sum().backward()) for name, fn in variants.items()}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.fir_variants:
        fns = fir_variants(args)
        for name, fn in fns.items():
            fn()
        times = {name: [] for name in fns}
        for _ in range(args.repeats):
            for name, fn in fns.items():
                times[name].append(timed(fn))
        for name, secs in times.items():
            print_record(args, "modiste", name, args.batch, secs)
        return
    impls = {"modiste": ours(args)}
    if args.peer:
        if args.arch != "stylegan2" or args.aspect != "1:1":
            sys.exit("--peer compares square StyleGAN2 only")
        impls["stylegan2-ada-pytorch"] = peer(args)
    measures = list(args.measures)
    if args.peer and "G_infer" in measures:
        measures.append("G_infer_nonfused")
    batch_of = {"G_fwd_bwd": args.batch, "D_fwd_bwd": args.batch, "G_infer": args.infer_batch,
                "G_infer_nonfused": args.infer_batch}
    for measure in measures:
        times: dict[str, list[float]] = {}
        for name, fns in impls.items():
            if measure in fns:
                fns[measure]()  # warm-up (allocator, oneDNN primitive cache)
        for _ in range(args.repeats):  # interleaved: ours, peer, ours, peer ...
            for name, fns in impls.items():
                if measure in fns:
                    times.setdefault(name, []).append(timed(fns[measure]))
        for name, secs in times.items():
            print_record(args, name, measure, batch_of[measure], secs)


def print_record(args: argparse.Namespace, impl: str, measure: str, batch: int, secs: list[float]) -> None:
    rates = [batch / s for s in secs]
    print(json.dumps(dict(
        impl=impl, measure=measure, arch=args.arch, resolution=args.resolution, aspect=args.aspect,
        batch=batch, channel_base=args.channel_base, channel_max=args.channel_max,
        mapping_layers=args.mapping_layers, threads=args.threads, channels_last=args.channels_last,
        torch=torch.__version__, seconds=[round(s, 4) for s in secs],
        img_per_s=dict(median=round(statistics.median(rates), 3), min=round(min(rates), 3),
                       max=round(max(rates), 3)))), flush=True)

if __name__ == "__main__":
    main()
