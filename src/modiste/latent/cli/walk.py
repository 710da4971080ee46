"""`modiste walk`: a latent walk (or a grid of walks) through seeds, classes or latents, as MP4 or GIF."""

from __future__ import annotations

import click

from modiste.errors import ModisteError
from modiste.latent.cli.options import (
    checkpoint_option, device_option, echo_written, input_options, out_option,
    parse_optional_seeds, resolve_device_text, truncation_options,
)


@click.command()
@checkpoint_option
@input_options
@click.option("--class", "class_name", default=None,
              help="Class of every frame, or several (A,B,...) to walk between classes by interpolating the "
                   "one-hot class label (one per seed, or one seed held throughout).")
@click.option("--frames", type=int, default=60, show_default=True, help="Frames in the video.")
@click.option("--space", type=click.Choice(["z", "w"]), default=None,
              help="z: spherical interpolation of z; w: linear interpolation of W+ [default: z, or w for a "
                   "latents file of W or W+].")
@click.option("--loop", is_flag=True, help="Return to the first keyframe so the video loops seamlessly.")
@click.option("--fps", type=float, default=24.0, show_default=True, help="Frames per second.")
@click.option("--grid", default=None, help="ROWSxCOLS walks side by side; cell i walks seeds s + i*(max seed + 1).")
@truncation_options
@device_option
@out_option((".mp4", ".gif"), "The video; the frames' W+ go beside it as <name>.safetensors/.json")
@click.option("--quiet", is_flag=True, help="No progress bar.")
def walk(checkpoint: str, seeds: str | None, latents: str | None, class_name: str | None, frames: int, space: str | None,
         loop: bool, fps: float, grid: str | None, truncation: float, truncation_center: str | None, device: str,
         out: str, quiet: bool) -> None:
    """A latent walk through seeds (z: slerp, w: lerp), between classes, or through a latents file's W+."""
    from modiste.latent.inputs import load_generator_for, read_latents_for, resolve_center_for
    from modiste.latent.outputs import check_out_file, check_output_size
    from modiste.latent.walks import parse_grid, plan_walk, write_walk

    if (seeds is None) == (latents is None):
        raise ModisteError("pass exactly one of --seeds (e.g. 1,5,9) and --latents FILE")
    if frames < 2:
        raise ModisteError(f"--frames must be at least 2, got {frames}")
    if not fps > 0 or fps == float("inf"):
        raise ModisteError(f"--fps must be a positive number, got {fps}")
    out_path = check_out_file(out, (".mp4", ".gif"))
    shape = parse_grid(grid)
    classes = [c.strip() for c in class_name.split(",") if c.strip()] if class_name else []
    G = load_generator_for(checkpoint, latents, resolve_device_text(device))
    check_output_size(G, frames * shape[0] * shape[1], f"--frames {frames} x {shape[0]}x{shape[1]} walks",
                      "use fewer --frames or a smaller --grid",
                      frame_px=(shape[0] * G.cfg.height, shape[1] * G.cfg.width))
    source = read_latents_for(G, latents) if latents is not None else None
    space = space or ("w" if source is not None and source.space != "z" else "z")
    plan = plan_walk(G, seeds=parse_optional_seeds(seeds), latents=source, class_names=classes, frames=frames,
                     space=space, loop=loop, grid=shape, truncation_psi=truncation,
                     center=resolve_center_for(G, truncation, truncation_center))
    if source is not None and G.c_dim > 0:
        classes = sorted({c for c in source.classes if c} | set(classes))
    written = write_walk(G, plan, out_path, fps, progress=not quiet, class_names=classes)
    echo_written(f"video ({written['frames']} frames at {fps:g} fps)", written["video"])
    echo_written("latents (W+ per frame)", written["latents"])
