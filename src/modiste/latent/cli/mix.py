"""`modiste mix`: the style-mixing grid, or "A mapped onto B" pairs."""

from __future__ import annotations

import click

from modiste.latent.cli.options import (
    checkpoint_option, class_option, device_option, echo_written, outdir_option, resolve_device_text,
    truncation_options,
)

SOURCES_HELP = "Seeds (e.g. 1,2,3 or 0-4) or a latents file."


@click.command()
@checkpoint_option
@click.option("--rows", required=True, help=f"Row sources, whose W+ each cell starts from. {SOURCES_HELP}")
@click.option("--cols", required=True, help=f"Column sources, whose ws replace the chosen layers. {SOURCES_HELP}")
@click.option("--layers", default="coarse", show_default=True,
              help="Layers taken from the column source: coarse (4-8 px), middle (16-32 px), fine (64 px and up), "
                   "all, or an inclusive W+ index range A-B.")
@click.option("--pairs", is_flag=True,
              help="Instead of a grid, one figure row per pair (column i = A, row i = B): A, B, A mapped onto B.")
@class_option
@truncation_options
@device_option
@outdir_option
def mix(checkpoint: str, rows: str, cols: str, layers: str, pairs: bool, class_name: str | None, truncation: float,
        truncation_center: str | None, device: str, outdir: str) -> None:
    """Style mixing: each cell is its row source with the column source's styles at --layers.

    Writes grid.png (or pairs.png with --pairs), one PNG per mixed image and mixes.safetensors (W+).
    """
    from modiste.latent.inputs import load_generator_for, parse_source, read_latents_for, ws_from_inputs
    from modiste.latent.layers import layer_range
    from modiste.latent.mixing import mix_pairs, style_mixing_grid, write_mix
    from modiste.latent.outputs import check_output_size, prepare_outdir

    row_seeds, row_file = parse_source(rows, "--rows")
    col_seeds, col_file = parse_source(cols, "--cols")
    G = load_generator_for(checkpoint, row_file or col_file, resolve_device_text(device))
    span = layer_range(layers, G.num_ws)

    def codes(seeds, path):
        source = read_latents_for(G, path) if path is not None else None
        return ws_from_inputs(G, seeds, source, class_name, truncation, truncation_center)

    row_set, col_set = codes(row_seeds, row_file), codes(col_seeds, col_file)
    check_output_size(G, len(row_set) if pairs else len(row_set) * len(col_set),
                      f"{len(row_set)} rows x {len(col_set)} columns", "pass fewer --rows or --cols")
    name = layers.strip().lower() if layers.strip().lower() in ("coarse", "middle", "fine", "all") else ""
    result = (mix_pairs(G, col_set, row_set, span, name) if pairs
              else style_mixing_grid(G, row_set, col_set, span, name))
    folder = prepare_outdir(outdir)  # after every input is validated and rendered: a mistake leaves no folder
    written = write_mix(result, folder)
    echo_written("figure", written["figure"])
    echo_written(f"{len(written['images'])} mixed images", folder)
    echo_written("latents (W+)", written["latents"])
