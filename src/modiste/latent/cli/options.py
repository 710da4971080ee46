"""Click options shared by the latent commands, and turning them into a generator and W+ codes.

Usage in a command module:

    @click.command()
    @checkpoint_option
    @input_options            # --seeds / --latents (exactly one)
    @class_option
    @truncation_options       # --truncation, --truncation-center
    @device_option
    @outdir_option
    def mix(checkpoint, seeds, latents, class_name, truncation, truncation_center, device, outdir): ...
        G, inputs = open_cli_inputs(checkpoint, seeds, latents, class_name, truncation, truncation_center, device)

All logic lives in modiste.latent.inputs / outputs so the studio gets the same behaviour.
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import click

from modiste.cli_options import DEVICE
from modiste.errors import ModisteError

checkpoint_option = click.option(
    "--checkpoint", required=True, help="Run folder (latest snapshot) or a snapshot folder.")

device_option = click.option(
    "--device", type=DEVICE, default="cpu", show_default=True, help="auto uses CUDA when present.")

class_option = click.option(
    "--class", "class_name", default=None,
    help="Class to generate (conditional models; an unknown name lists the classes).")

outdir_option = click.option("--outdir", required=True, help="Folder for the outputs (created if needed).")


def input_options(fn: Callable) -> Callable:
    """--seeds SEEDS | --latents FILE (exactly one)."""
    fn = click.option("--latents", default=None,
                      help="A latents file (.safetensors + .json) from project, mix, walk, edit or synthesize; "
                           "PTI weights it names are loaded.")(fn)
    return click.option("--seeds", default=None, help="Seeds, e.g. 0-7 or 1,5,9.")(fn)


def truncation_options(fn: Callable) -> Callable:
    """--truncation PSI and --truncation-center class|global."""
    fn = click.option("--truncation-center", type=click.Choice(["class", "global"]), default=None,
                      help="Truncate towards the requested class's mean W or the global mean W "
                           "[default: class for conditional models, else global].")(fn)
    return click.option("--truncation", type=float, default=1.0, show_default=True,
                        help="Truncation psi (1 = none, lower = closer to the centre, less varied).")(fn)


def out_option(suffixes: tuple[str, ...], help_text: str, required: bool = True) -> Callable:
    """--out FILE, whose name must end in one of `suffixes` (checked by check_out_file before any work)."""
    return click.option("--out", required=required, help=f"{help_text} ({' or '.join(suffixes)}).")


def parse_optional_seeds(text: str | None) -> list[int] | None:
    """'1,5,9' -> [1, 5, 9]; None stays None. Raises ModisteError for a bad list or a seed outside 0 .. 2^32 - 1."""
    from modiste.gan.generate import check_seeds
    from modiste.gan.images import parse_seeds

    return None if text is None else check_seeds(parse_seeds(text))


def resolve_device_text(device: str) -> str:
    from modiste.distributed import resolve_device

    return str(resolve_device(device))


def open_cli_inputs(checkpoint: str, seeds: str | None, latents: str | None, class_name: str | None,
                    truncation: float, truncation_center: str | None, device: str):
    """The options above -> (generator, W+ LatentSet) via modiste.latent.inputs.open_inputs."""
    from modiste.latent.inputs import open_inputs

    if (seeds is None) == (latents is None):
        raise ModisteError("pass exactly one of --seeds (e.g. 0-7) and --latents FILE")
    return open_inputs(checkpoint, parse_optional_seeds(seeds), latents, class_name, truncation,
                       truncation_center, resolve_device_text(device))


def echo_written(what: str, path: str | Path) -> None:
    """One line per output, e.g. 'wrote grid: out/mix/grid.png'."""
    click.echo(f"wrote {what}: {path}")
