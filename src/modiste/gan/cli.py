"""`modiste train`, `modiste generate`, `modiste demo`: thin wrappers over the Python API."""

from __future__ import annotations

import sys

import click

from modiste.cli_options import DEVICE, build_dataclass, dataclass_options
from modiste.data.transforms import MODES as FIT_MODES
from modiste.errors import ModisteError
from modiste.gan.networks.config import ARCHS, ASPECTS, PRESETS, SWAGAN_DISCRIMINATORS
from modiste.gan.networks.modulated_conv import NOISE_MODES
from modiste.gan.training.config import AUGMENTS, PARALLELS, PRECISIONS, REG_PRECISIONS, TrainConfig

TRAIN_HELP = {
    "data": "Training images: a folder (recursive jpg/png/webp), a .zip, a Fashion-MNIST folder or a prepared dataset.",
    "labels": "CSV/JSON file mapping images to attributes (for --cond).",
    "cond": "Attribute to condition on, e.g. articleType ('folder' = parent folder name).",
    "drop_unlabelled": "Train on the labelled images only (default: refuse images the labels file misses).",
    "mode": "Fit images to the canvas: pad (with the background colour) or crop (centre).",
    "xflip": "Randomly mirror real images left-right.",
    "resolution": "Image width in pixels: a power of two from 16 to 1024.",
    "aspect": "width:height of the images (2:3 and 1:2 are portrait product shots).",
    "preset": "Network width (docs/training.md has the table).",
    "arch": "Generator/discriminator family (swagan = wavelet generator and discriminator).",
    "swagan_d": "SWAGAN discriminator: paper (3x3 wavelet inputs, plain blocks) or residual (docs/networks.md).",
    "channel_base": "Override the preset's channel base.",
    "channel_max": "Override the preset's maximum channels.",
    "mapping_layers": "Override the preset's mapping depth.",
    "batch": "Global batch size over all processes.",
    "grad_accum": "Micro-batches per optimiser step (same result, less memory).",
    "kimg": "Training length in thousands of real images.",
    "max_minutes": "Stop after this many minutes (a checkpoint is written).",
    "snap": "Thousands of images between checkpoints and sample grids.",
    "log_every": "Thousands of images between log records.",
    "keep": "Number of checkpoints to keep.",
    "seed": "Random seed.",
    "lr_g": "Generator learning rate.",
    "lr_d": "Discriminator learning rate.",
    "beta1": "Adam beta1.",
    "beta2": "Adam beta2.",
    "r1_gamma": "R1 weight (default 0.0002 * width * height / batch, the pixel count of the canvas).",
    "r1_interval": "Steps between lazy R1 penalties.",
    "pl_weight": "Path-length regularisation weight (0 = off).",
    "pl_interval": "Steps between lazy path-length penalties.",
    "style_mixing": "Probability of style-mixing regularisation.",
    "ema_kimg": "Half-life of the generator EMA in thousands of images (default batch * 10 / 32).",
    "ema_rampup": "EMA ramp-up ratio.",
    "aug": "Augmentation for small catalogues.",
    "ada_target": "ADA's target for the overfitting heuristic r_t.",
    "ada_kimg": "Thousands of images for ADA's probability to go from 0 to 1.",
    "ada_interval": "Steps between ADA probability updates.",
    "diffaugment_policy": "DiffAugment policy (comma-separated: color, translation, cutout).",
    "device": "auto = CUDA when present, else CPU.",
    "precision": "Mixed precision on GPU (auto = bf16 where supported, else fp16); fp32 on CPU.",
    "compile": "torch.compile the networks' main passes.",
    "reg_precision": "R1/path-length passes: fp32, or auto = under --precision's autocast when it is bf16 (penalties reduced in fp32).",
    "channels_last": "G, D and the reals in channels-last memory format (faster convolutions on tensor-core GPUs).",
    "workers": "Data loader worker processes per training process.",
    "parallel": "ddp, or dp (DataParallel; only for the DP-vs-DDP benchmark).",
    "sync_bn": "Convert BatchNorm layers to SyncBatchNorm (for models that have them).",
    "metrics": "Metrics during training, comma-separated (e.g. fid10k,kid10k).",
    "metrics_every": "Thousands of images between metric evaluations (0 = at every snapshot).",
    "init_from": "Start a new run from another model's weights: a run, a snapshot, or a .pt/.pkl (fine-tuning).",
    "init_from_sha256": "Refuse an --init-from source whose weights' sha256 differs (config.json records it).",
}


# The values each choice option accepts, from the constants that validate them (one source of truth).
TRAIN_CHOICES = {"mode": FIT_MODES, "aspect": ASPECTS, "preset": PRESETS, "arch": ARCHS,
                 "swagan_d": SWAGAN_DISCRIMINATORS, "aug": AUGMENTS, "precision": PRECISIONS,
                 "reg_precision": REG_PRECISIONS,
                 "parallel": PARALLELS, "device": DEVICE}


@click.command(context_settings={"show_default": False})
@dataclass_options(TrainConfig, TRAIN_HELP, choices=TRAIN_CHOICES)
@click.option("--outdir", default="runs", show_default=True, help="Folder that holds the numbered run folders.")
@click.option("--resume", default=None, help="auto (latest run in --outdir), a run folder, a snapshot, or none.")
@click.option("--gpus", type=int, default=None, help="Launch N processes on this machine with torchrun.")
@click.option("--dry-run", is_flag=True, help="Print the resolved config and parameter counts, then exit.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train(outdir: str, resume: str | None, gpus: int | None, dry_run: bool, quiet: bool, **options) -> None:
    """Train a StyleGAN2/SWAGAN generator on catalogue images."""
    if gpus is not None:
        if gpus < 1:
            raise ModisteError(f"--gpus must be at least 1, got {gpus}")
        from modiste.launch import relaunch_with_torchrun

        sys.exit(relaunch_with_torchrun(gpus, sys.argv[1:]))
    if not options.get("data"):
        again = " (--resume continues a run given its original command: repeat that command's --data and options)"
        raise ModisteError("no training data: pass --data FOLDER (images, .zip, Fashion-MNIST or a prepared dataset)"
                           + (again if resume not in (None, "none") else ""))
    from modiste.distributed import shutdown_distributed
    from modiste.gan.training.loop import train as run_training

    cfg = build_dataclass(TrainConfig, options)
    try:
        run_dir = run_training(cfg, outdir=outdir, resume=resume, dry_run=dry_run, progress=not quiet)
    finally:
        shutdown_distributed()
    if run_dir is not None:
        click.echo(f"run folder: {run_dir}")


@click.command()
@click.option("--checkpoint", required=True, help="Run folder (latest snapshot) or a snapshot folder.")
@click.option("--seeds", default="0-15", show_default=True, help="Seeds, e.g. 0-63 or 1,5,9.")
@click.option("--truncation", type=float, default=1.0, show_default=True, help="Truncation psi (lower = safer, less varied).")
@click.option("--truncation-center", type=click.Choice(["class", "global"]), default=None,
              help="Truncate towards the class's mean W or the global mean W [default: class for conditional models].")
@click.option("--class", "class_name", default=None, help="Class to generate (conditional models).")
@click.option("--outdir", required=True, help="Folder for the PNGs, grid.png and latents.safetensors (W+).")
@click.option("--noise-mode", type=click.Choice(NOISE_MODES), default="const", show_default=True)
@click.option("--batch", type=int, default=16, show_default=True)
@click.option("--device", type=DEVICE, default="cpu", show_default=True)
def generate(checkpoint: str, seeds: str, truncation: float, truncation_center: str | None, class_name: str | None,
             outdir: str, noise_mode: str, batch: int, device: str) -> None:
    """Generate images from a trained checkpoint: one PNG per seed and a grid."""
    from modiste.distributed import resolve_device
    from modiste.gan.generate import generate_images
    from modiste.gan.images import parse_seeds

    paths = generate_images(checkpoint, parse_seeds(seeds), outdir, truncation=truncation, class_name=class_name,
                            device=str(resolve_device(device)), batch=batch, noise_mode=noise_mode,
                            truncation_center=truncation_center)
    click.echo(f"wrote {len(paths)} images, grid.png and latents.safetensors (W+) to {outdir}")


@click.command()
@click.option("--data", default=None, help="Fashion-MNIST folder (default: $MODISTE_DATA/fashion-mnist, else download).")
@click.option("--minutes", type=float, default=5.0, show_default=True, help="Training time.")
@click.option("--outdir", default="runs", show_default=True)
@click.option("--device", type=DEVICE, default="auto", show_default=True)
@click.option("--seed", type=int, default=0, show_default=True)
@click.option("--preset", type=click.Choice(list(PRESETS)), default=None, help="Override the demo's network preset.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def demo(data: str | None, minutes: float, outdir: str, device: str, seed: int, preset: str | None, quiet: bool) -> None:
    """Train a small model on Fashion-MNIST on the CPU, then write a sample grid and an HTML report."""
    from modiste.gan.demo import run_demo

    overrides = {"preset": preset} if preset else {}
    run_dir = run_demo(data=data, minutes=minutes, outdir=outdir, device=device, seed=seed, progress=not quiet,
                       **overrides)
    click.echo(f"report: {run_dir / 'report.html'}\nsamples: {run_dir / 'samples' / 'grid.png'}")
