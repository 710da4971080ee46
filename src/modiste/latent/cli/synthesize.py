"""`modiste synthesize`: a labelled data set of one (rare) class for classifier training."""

from __future__ import annotations

import json
from pathlib import Path

import click

from modiste.latent.cli.options import (
    checkpoint_option,
    device_option,
    echo_written,
    outdir_option,
    resolve_device_text,
    truncation_options,
)


def training_config(G) -> dict:
    """The `config` of the run a generator was loaded from (its config.json), or {} if none is found."""
    snapshot = Path(getattr(G, "source_path", "") or ".")
    for folder in (snapshot, snapshot.parent, snapshot.parent.parent):
        try:
            return json.loads((folder / "config.json").read_text()).get("config") or {}
        except (OSError, ValueError, AttributeError):
            continue
    return {}


@click.command()
@checkpoint_option
@click.option("--class", "class_name", required=True, help="The class to make images of (an unknown name lists them).")
@click.option("--n", "n", type=int, default=500, show_default=True, help="Number of images to write (exactly).")
@click.option("--method", type=click.Choice(["conditional", "direction", "filter"]), default="conditional",
              show_default=True, help="conditional: sample the class; direction: push other classes' samples along "
                                      "the class's direction; filter: keep the class samples a scorer accepts.")
@outdir_option
@truncation_options
@click.option("--seed-start", type=int, default=0, show_default=True, help="First seed (seeds count up from it).")
@click.option("--direction", "direction_ref", default=None,
              help="direction method: FILE:NAME from `modiste directions` [default: fitted now, class vs rest].")
@click.option("--strength", type=float, default=0.0, show_default=True,
              help="direction method: push beyond the class mean's level along the direction (W units).")
@click.option("--real-data", default=None,
              help="Real images (with --real-labels) for the filter scorer and the report [default: the run's training data].")
@click.option("--real-labels", default=None, help="Labels file of --real-data [default: the run's].")
@click.option("--label-field", default=None, help="Class column of --real-labels [default: the run's --cond].")
@click.option("--per-class", type=int, default=20, show_default=True,
              help="Real images per class for the scorer's class means (all of --class; features are cached).")
@click.option("--max-samples", type=int, default=None, help="filter: give up after this many samples [20 x --n].")
@click.option("--report/--no-report", default=True, show_default=True,
              help="KID against the real images of the class, diversity and in-class rate (Inception features).")
@device_option
def synthesize(checkpoint, class_name, n, method, outdir, truncation, truncation_center, seed_start, direction_ref,
               strength, real_data, real_labels, label_field, per_class, max_samples, report, device) -> None:
    """Make a labelled data set of one class: images/, labels.csv, latents and manifest.json in --outdir.

    Train a classifier on it with `modiste train --data D --labels D/labels.csv --cond <attribute>` or
    torchvision's ImageFolder(D/images). The report (report.json) compares the images with the real
    images of the class: KID, diversity (mean pairwise Inception-feature distance) and the share the
    nearest-class-mean scorer puts in the class; the yield is kept / sampled.
    """
    import modiste
    from modiste.errors import ModisteError
    from modiste.gan.generate import class_index
    from modiste.latent.directions import load_directions, parse_direction_ref
    from modiste.latent.synthesis_quality import (
        NearestClassMeanScorer, inception_featurizer, real_class_features, synthesis_report)
    from modiste.latent.synthesize import check_synthesis_args, check_synthesis_outdir
    from modiste.latent.synthesize import synthesize as run_synthesis
    from modiste.atomic import atomic_write_json

    dev = resolve_device_text(device)
    G = modiste.load_generator(checkpoint, dev)
    if G.c_dim == 0:
        raise ModisteError("synthesize needs a conditional generator (this one is unconditional): train one with --cond")
    class_index(G, class_name)
    check_synthesis_args(G, n, truncation, strength)  # before the output folder is created
    check_synthesis_outdir(outdir)
    vector = None
    if direction_ref:
        if method != "direction":
            raise ModisteError("--direction belongs to --method direction")
        path, name = parse_direction_ref(direction_ref)
        vector = load_directions(path, G).vector(name)
    cfg = training_config(G)
    real_data, real_labels = real_data or cfg.get("data"), real_labels or cfg.get("labels")
    label_field = label_field or cfg.get("cond")
    need_reals = method == "filter" or report
    reals = scorer = None
    if need_reals:
        if not (real_data and real_labels and label_field):
            raise ModisteError("the filter scorer and the report need real images: pass --real-data, --real-labels and "
                               "--label-field (or --no-report with another method)")
        reals = real_class_features(G, real_data, real_labels, label_field, per_class, cfg.get("mode", "pad"), dev,
                                    keep_all=(class_name,))
        scorer = NearestClassMeanScorer(reals, class_name, inception_featurizer(dev), per_class)
    result = run_synthesis(G, class_name, n, method, outdir, truncation, truncation_center, seed_start,
                           scorer if method == "filter" else None, "nearest class mean of Inception features",
                           vector, strength, max_samples, label_field or "class")
    echo_written(f"{n} images of {class_name}", result.outdir / "images")
    echo_written("labels", result.outdir / "labels.csv")
    echo_written("manifest", result.outdir / "manifest.json")
    if reals is not None and report:
        figures = synthesis_report(scorer.featurize(result.images), reals, class_name, scorer)
        figures = {"method": method, "class": class_name, "yield": result.yield_rate,
                   "sampled": result.manifest["sampled"], **figures}
        atomic_write_json(result.outdir / "report.json", figures)
        click.echo(json.dumps(figures))
        echo_written("report", result.outdir / "report.json")
