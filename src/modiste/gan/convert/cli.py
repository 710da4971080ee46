"""`modiste import SRC --out DIR`: a thin wrapper over `modiste.gan.convert.import_model`."""

from __future__ import annotations

import click


@click.command()
@click.argument("src", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(file_okay=False),
              help="New run folder to write (checkpoints/snapshot-000000.000/ with G, D, G_ema).")
def import_model(src: str, out: str) -> None:
    """Convert rosinality (.pt) or stylegan2-ada-pytorch (.pkl) StyleGAN2 weights into a Modiste run.

    Pickles are read without running any code they contain. The run works with `modiste generate
    --checkpoint DIR` and `modiste train --init-from DIR`.
    """
    from modiste.gan.convert import import_model as convert

    run_dir = convert(src, out)
    click.echo(f"run folder: {run_dir}")
