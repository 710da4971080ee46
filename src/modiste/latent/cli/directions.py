"""`modiste directions`: find attribute directions (SeFa, GANSpace, supervised) and preview them."""

from __future__ import annotations

import click

from modiste.latent.cli.options import (
    checkpoint_option,
    class_option,
    device_option,
    echo_written,
    parse_optional_seeds,
    resolve_device_text,
    truncation_options,
)


@click.command()
@checkpoint_option
@click.option("--method", type=click.Choice(["sefa", "ganspace", "supervised"]), required=True,
              help="sefa: eigenvectors of the style weights; ganspace: PCA of sampled W; supervised: linear "
                   "boundary (InterFaceGAN) from --labels or from the model's classes.")
@click.option("--out", required=True, help="Directions file to write (FILE.safetensors + FILE.json + FILE.preview.png).")
@click.option("--num", type=int, default=10, show_default=True, help="Number of directions (sefa, ganspace).")
@click.option("--layers", default=None,
              help="W+ layers the directions act on: coarse | middle | fine | all | A-B [default: all]; ganspace also "
                   "per component, e.g. 0:0-3,1:middle.")
@click.option("--samples", type=click.IntRange(min=1), default=None,
              help="ganspace: sampled W codes [10000]; supervised from classes: codes per class [500].")
@click.option("--labels", default=None, help="supervised: CSV with a seed (or row, with --latents) column and --attribute.")
@click.option("--attribute", default=None, help="supervised: the labels file's column to learn.")
@click.option("--latents", default=None, help="supervised: the latents file whose rows the labels file's row column names.")
@click.option("--classes", default=None,
              help="supervised from classes: A (A vs the rest) or A,B (from B towards A) [default: every class vs the rest].")
@click.option("--hold", default=None, help="supervised: directions to stay orthogonal to, FILE:NAME[,NAME...].")
@click.option("--classifier", type=click.Choice(["svm", "logistic"]), default="svm", show_default=True,
              help="supervised: linear SVM (as InterFaceGAN) or logistic regression.")
@click.option("--preview-seeds", default="0-2", show_default=True, help="Seeds shown in the preview grid.")
@class_option
@truncation_options
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the sampled codes (ganspace, supervised).")
@device_option
def directions(checkpoint, method, out, num, layers, samples, labels, attribute, latents, classes, hold, classifier,
               preview_seeds, class_name, truncation, truncation_center, seed, device) -> None:
    """Find attribute directions in W and write them as a named directions file with a preview grid.

    The preview shows each direction from -3 to +3 (in units of the spread of sampled W along it) on
    the preview seeds, at --truncation towards --truncation-center.
    """
    import modiste
    from modiste.latent.directions.find import find_directions, write_directions
    from modiste.latent.latents import latents_paths, load_latents
    from modiste.latent.outputs import check_out_file

    from pathlib import Path

    from modiste.errors import ModisteError

    if Path(out).suffix.lower() not in ("", ".safetensors", ".json") and not Path(out).suffix[1:].isdigit():
        raise ModisteError(f"--out {out} names a directions file: give a name without a suffix or ending in "
                           f".safetensors (it writes NAME.safetensors, NAME.json and NAME.preview.png)")
    out_path = check_out_file(latents_paths(out)[0], (".safetensors",))
    seeds = parse_optional_seeds(preview_seeds)
    G = modiste.load_generator(checkpoint, resolve_device_text(device))
    latent_set = load_latents(latents, G) if latents else None
    ds = find_directions(G, method, num, layers, samples, labels, attribute, latent_set,
                         [c.strip() for c in classes.split(",") if c.strip()] if classes else None,
                         class_name, hold, classifier, seed)
    path, preview = write_directions(G, ds, out_path, seeds, class_name, truncation, truncation_center)
    echo_written(f"{len(ds)} {method} directions ({', '.join(ds.names)})", path)
    echo_written("preview", preview)
