"""`modiste edit`: move seeds or projected photos along a named direction; grid, latents, optional MP4."""

from __future__ import annotations

import click

from modiste.errors import ModisteError
from modiste.latent.cli.options import (
    checkpoint_option, class_option, device_option, echo_written, input_options, open_cli_inputs, outdir_option,
    truncation_options,
)


@click.command()
@checkpoint_option
@input_options
@click.option("--direction", required=True, help="FILE:NAME, a direction from `modiste directions --out FILE`.")
@click.option("--strength", default="-3,3", show_default=True,
              help="LOW,HIGH spaced by --steps, or a list of strengths (sigma units when the file records the "
                   "spread of W along the direction, else W units).")
@click.option("--steps", type=int, default=7, show_default=True, help="Strengths between LOW and HIGH (grid columns).")
@click.option("--layers", default=None,
              help="W+ layers to edit: coarse, middle, fine, all or A-B [default: the direction's own range].")
@click.option("--hold", default=None, help="NAME,... directions of the same file to keep fixed (InterFaceGAN "
                                           "conditional editing: the edit is made orthogonal to them).")
@class_option
@truncation_options
@device_option
@outdir_option
@click.option("--video", is_flag=True, help="Also write edit.mp4: each input sweeping LOW -> HIGH -> LOW.")
@click.option("--fps", type=float, default=24.0, show_default=True)
@click.option("--frames", type=int, default=48, show_default=True, help="Frames of the --video loop.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def edit(checkpoint: str, seeds: str | None, latents: str | None, direction: str, strength: str, steps: int,
         layers: str | None, hold: str | None, class_name: str | None, truncation: float, truncation_center: str | None,
         device: str, outdir: str, video: bool, fps: float, frames: int, quiet: bool) -> None:
    """Edit seeds or projected photos along a direction: grid.png (rows = inputs, columns = strengths),
    edited.safetensors (W+) and, with --video, edit.mp4."""
    from modiste.latent.edit import edit_grid, open_direction, parse_strengths, write_edit
    from modiste.latent.layers import layer_range
    from modiste.latent.outputs import check_output_size, prepare_outdir

    values = parse_strengths(strength, steps if len(strength.split(",")) == 2 else None)
    if video and (frames < 2 or not fps > 0 or fps == float("inf")):
        raise ModisteError(f"--video needs --frames >= 2 and a positive --fps, got {frames} and {fps}")
    G, inputs = open_cli_inputs(checkpoint, seeds, latents, class_name, truncation, truncation_center, device)
    check_output_size(G, len(inputs) * (len(values) + (frames if video else 0)),
                      f"{len(inputs)} inputs x {len(values)} strengths", "use fewer --steps, --frames or inputs")
    ds, name = open_direction(G, direction)
    held = [h.strip() for h in hold.split(",") if h.strip()] if hold else []
    span = layer_range(layers, G.num_ws) if layers else None
    result = edit_grid(G, inputs, ds, name, values, span, held)
    folder = prepare_outdir(outdir)
    written = write_edit(G, result, folder, video=video, fps=fps, frames=frames, progress=not quiet)
    echo_written(f"edit grid ({len(inputs)} inputs x {len(values)} strengths)", written["figure"])
    echo_written("latents (edited W+)", written["latents"])
    if "video" in written:
        echo_written("video", written["video"])
