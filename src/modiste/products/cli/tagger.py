"""`modiste tagger train | eval | predict`: thin wrappers over `modiste.products`' tagger API."""

from __future__ import annotations

import click

from modiste.cli_options import DEVICE, build_dataclass, dataclass_options
from modiste.products.tagger.train import TaggerConfig

TRAIN_HELP = {
    "data": "Images: a folder, a .zip, a Fashion-MNIST folder or a prepared dataset (what `modiste train` reads).",
    "labels": "CSV/JSON file with one column per attribute (default: the data's own classes).",
    "attributes": "Attributes to learn, comma-separated, e.g. masterCategory,articleType,baseColour.",
    "label_field": "Without --labels: 'folder' learns class folders as the attribute.",
    "drop_unlabelled": "Leave out images the labels file does not mention (default: refuse them).",
    "resolution": "Read images at this width (default: native size).",
    "aspect": "width:height when --resolution is given.",
    "mode": "pad or crop when --resolution is given.",
    "min_count": "Classes with fewer images are folded into 'other'.",
    "holdout": "Share of images held out for `tagger eval` (stratified).",
    "val": "Share of images for calibration (temperatures and abstain thresholds).",
    "stratify": "Attribute the split is stratified on (default: the one with most classes).",
    "hidden": "Hidden units of an MLP head (0 = multinomial logistic regression).",
    "class_weight": "Class imbalance: balanced | sqrt | none.",
    "l2": "L2 penalty on the head weights.",
    "epochs": "Epochs of MLP heads.",
    "max_iter": "L-BFGS iterations of logistic-regression heads.",
    "target_precision": "Abstain below the confidence at which validation precision reaches this.",
    "colour_features": "Append 178 garment CIELAB colour features (histogram, percentiles, k-means colours) "
                       "to the Inception features.",
    "seed": "Random seed of the split and heads.",
    "fine_tune_blocks": "Fine-tune the last N Inception blocks (BatchNorm statistics frozen; slow on CPU).",
    "fine_tune_epochs": "Epochs of backbone fine-tuning.",
    "head_options": "Per-head settings overriding --hidden/--class-weight/--l2/--epochs/--max-iter, plus "
                    "pca_dims (see the Inception features through their top K principal components), e.g. "
                    "'baseColour:hidden=0,class_weight=none,pca_dims=32'; separate heads with ';'.",
    "device": "auto | cpu | cuda | cuda:N (auto uses CUDA when present).",
    "cache_dir": "Feature cache folder (default: the metrics' cache).",
}


@click.group()
def tagger() -> None:
    """Train, evaluate and run the product attribute tagger."""


@tagger.command()
@dataclass_options(TaggerConfig, TRAIN_HELP, choices={"device": DEVICE})
@click.option("--out", required=True, help="New folder for the tagger (tagger.safetensors + tagger.json).")
@click.option("--overwrite", is_flag=True, help="Replace a tagger already in --out (and its eval/ report).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def train(out: str, overwrite: bool, quiet: bool, **options) -> None:
    """Train one calibrated head per attribute on cached Inception features."""
    from modiste.products.tagger.train import train_tagger

    cfg = build_dataclass(TaggerConfig, options)
    result = train_tagger(cfg, out=out, progress=not quiet, overwrite=overwrite)
    for name, head in result.report["heads"].items():
        folded = f", folded into other: {', '.join(head['folded_into_other'])}" if head["folded_into_other"] else ""
        useless = " (warning: it abstains on every image: add data or lower --target-precision)" \
            if head["abstain_threshold"] >= 0.999 else ""
        click.echo(f"{name}: {head['classes']} classes, val accuracy {head['val_accuracy']:.3f}, "
                   f"T={head['temperature']:.2f}, abstain below {head['abstain_threshold']:.2f}{folded}{useless}")
    click.echo(f"heads trained in {result.report['head_training_seconds']:.1f} s; tagger: {out}")


@tagger.command(name="eval")
@click.option("--tagger", "tagger_dir", required=True, help="Tagger folder from `modiste tagger train`.")
@click.option("--data", default=None, help="The training data (default: the path the tagger recorded).")
@click.option("--labels", default=None, help="Its labels file (default: the one the tagger recorded).")
@click.option("--out", default=None, help="Folder for eval.json, confusion_<head>.png, report.html "
                                          "(default: <tagger>/eval).")
@click.option("--quiet", is_flag=True)
def evaluate(tagger_dir: str, data: str | None, labels: str | None, out: str | None, quiet: bool) -> None:
    """Per-head accuracy and macro-F1 on the held-out split, confusion matrices, worst confusions."""
    from pathlib import Path

    from modiste.atomic import atomic_write_json
    from modiste.products.tagger.evaluate import evaluate_tagger
    from modiste.products.tagger.report import write_report

    from modiste.products.outputs import check_output_folder
    from modiste.products.tagger.train import EVAL_DIR

    folder = check_output_folder(out if out is not None else Path(tagger_dir) / EVAL_DIR, "--out")
    results, tdata = evaluate_tagger(tagger_dir, data, labels, progress=not quiet)
    summary = write_report(folder, results, tdata.features.dataset, tdata.keep, tdata.item)
    atomic_write_json(folder / "eval.json", summary)
    for name, s in summary.items():
        click.echo(f"{name}: accuracy {s['accuracy']:.3f} (own classes {s['accuracy_known']:.3f}), "
                   f"macro-F1 {s['macro_f1']:.3f}, coverage {s['coverage']:.3f} at selective accuracy "
                   f"{s['selective_accuracy']:.3f}, {s['count']} images")
    click.echo(f"report: {folder / 'report.html'}")


@tagger.command()
@click.argument("paths", nargs=-1)
@click.option("--tagger", "tagger_dir", required=True, help="Tagger folder from `modiste tagger train`.")
@click.option("--checkpoint", default=None, help="Tag generated images of this run/snapshot instead of files.")
@click.option("--seeds", default=None, help="Seeds to generate with --checkpoint, e.g. 0-15.")
@click.option("--class", "class_name", default=None, help="Class to generate (conditional generators).")
@click.option("--truncation", type=float, default=0.7, show_default=True, help="Truncation psi.")
@click.option("--truncation-center", type=click.Choice(["class", "global"]), default=None,
              help="Truncate towards the class's mean W (default for conditional models) or the global mean.")
@click.option("--out", default=None, help="Write rows to FILE.csv or FILE.jsonl (default: print them).")
@click.option("--no-colour", is_flag=True, help="Skip the rule colour.")
@click.option("--device", type=DEVICE, default="cpu", show_default=True, help="auto uses CUDA when present.")
def predict(paths: tuple[str, ...], tagger_dir: str, checkpoint: str | None, seeds: str | None,
            class_name: str | None, truncation: float, truncation_center: str | None, out: str | None,
            no_colour: bool, device: str) -> None:
    """Tag image files/folders (PATHS) or a generator's seeds: labels, confidences, rule colour."""
    from modiste.cli_options import given_flags, refuse_together
    from modiste.errors import ModisteError
    from modiste.gan.checkpoint import load_generator
    from modiste.gan.generate import check_truncation_psi
    from modiste.latent.cli.options import resolve_device_text
    from modiste.products.generation import SamplingSettings, product_seeds
    from modiste.products.predict import check_output, format_table, tag_files, tag_row, tag_seeds, write_rows
    from modiste.products.tagger.input_size import size_warning
    from modiste.products.tagging import ImageTagger, image_paths

    if bool(paths) == bool(checkpoint):
        raise ModisteError("tag either image PATHS or --checkpoint G --seeds S, not both or neither")
    if paths:
        refuse_together(given_flags("seeds", "class_name", "truncation", "truncation_center"),
                        "to image PATHS (only to --checkpoint G --seeds S)")
    if checkpoint and not seeds:
        raise ModisteError("--checkpoint needs --seeds, e.g. --seeds 0-15")
    seed_list = product_seeds(0, seeds) if checkpoint else []
    truncation = check_truncation_psi(truncation)
    if out is not None:
        check_output(out)
    files = image_paths(paths) if paths else []
    device = resolve_device_text(device)
    model = ImageTagger(tagger_dir, device=device, with_colour=not no_colour)
    if checkpoint:
        G = load_generator(checkpoint, device)
        note = size_warning(model.input_size, G.img_shape[2], G.img_shape[1])
        if note:
            click.echo(f"warning: {note}", err=True)
        settings = SamplingSettings(truncation, truncation_center)
        names, tags = tag_seeds(model, G, seed_list, class_name, settings)
    else:
        names, tags = tag_files(model, files)  # listed (and checked) before the tagger loaded
    rows = [tag_row(n, t) for n, t in zip(names, tags)]
    if out is not None:
        click.echo(f"wrote {len(rows)} rows to {write_rows(rows, out)}")
    else:
        click.echo(format_table(rows))

