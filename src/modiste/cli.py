"""The one entry point: `modiste <command>`.

Commands live next to the code they drive (``modiste.gan.cli``, ``modiste.metrics.cli`` ...) and are
imported only when invoked, so `modiste --help` starts instantly and a command's heavy imports
(torch, transformers) are paid only by that command. User errors (`ModisteError`) print as one
line and exit with status 2.
"""

from __future__ import annotations

import importlib
import sys

import click

from modiste.errors import ModisteError

# command name -> "module:attribute" of a click command
COMMANDS: dict[str, str] = {
    "train": "modiste.gan.cli:train",
    "generate": "modiste.gan.cli:generate",
    "demo": "modiste.gan.cli:demo",
    "metrics": "modiste.metrics.cli:metrics",
    "text": "modiste.text.cli:text",
    "curate": "modiste.data.curate.cli:curate",
    "prepare": "modiste.data.cli:prepare",
    "import": "modiste.gan.convert.cli:import_model",
    "mix": "modiste.latent.cli.mix:mix",
    "walk": "modiste.latent.cli.walk:walk",
    "project": "modiste.latent.cli.project:project",
    "directions": "modiste.latent.cli.directions:directions",
    "edit": "modiste.latent.cli.edit:edit",
    "synthesize": "modiste.latent.cli.synthesize:synthesize",
    "tagger": "modiste.products.cli.tagger:tagger",
    "product": "modiste.products.cli.product:product",
    "serve": "modiste.serve.cli:serve",
}

HELP = {
    "train": "Train a StyleGAN2/SWAGAN generator on catalogue images.",
    "generate": "Generate images from a trained checkpoint.",
    "demo": "Train a small model on Fashion-MNIST on the CPU and write a report.",
    "metrics": "FID, KID and precision/recall of a generator or an image folder.",
    "text": "Fine-tune GPT-2 on product descriptions and generate new ones.",
    "curate": "Reject bad catalogue photos with reasons, scores and an HTML report.",
    "prepare": "Resize a catalogue once and pack it into shards for fast training.",
    "import": "Convert rosinality / stylegan2-ada-pytorch weights into a Modiste run.",
    "mix": "Style-mixing grid: coarse, middle or fine styles of one seed onto another.",
    "walk": "Latent walk between seeds or classes as MP4 or GIF.",
    "project": "Project real photos into W / W+ (optionally with pivotal tuning).",
    "directions": "Find attribute directions (SeFa, GANSpace, supervised).",
    "edit": "Edit seeds or projected photos along named directions.",
    "synthesize": "Make a labelled data set of a (rare) class for classifier training.",
    "tagger": "Train, evaluate and run the product attribute tagger.",
    "product": "Compose generated products: image, tags, description, checks, exports.",
    "serve": "Serve the studio web page and REST API.",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name not in COMMANDS:
            return None
        if ctx.resilient_parsing or "--help" in sys.argv[1:2]:
            # `modiste --help` lists commands without importing them
            return click.Command(name, help=HELP[name])
        module_name, attr = COMMANDS[name].split(":")
        return getattr(importlib.import_module(module_name), attr)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="modiste")
def cli() -> None:
    """Modiste: fashion products that don't exist."""


def main(argv: list[str] | None = None) -> None:
    try:
        cli.main(args=argv, prog_name="modiste", standalone_mode=False)
    except ModisteError as e:
        click.echo(f"error: {e}", err=True)
        sys.exit(2)
    except click.exceptions.Exit as e:
        sys.exit(e.exit_code)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.Abort as e:
        # click turns Ctrl-C into Abort; keep the shell's 130 (143 for SIGTERM) so scripts can tell an
        # interrupt from a refusal.
        if isinstance(e.__cause__, KeyboardInterrupt):
            _interrupted(e.__cause__)
        click.echo("aborted", err=True)
        sys.exit(1)
    except KeyboardInterrupt as e:
        _interrupted(e)


def _interrupted(e: KeyboardInterrupt) -> None:
    from modiste.interrupts import Terminated

    terminated = isinstance(e, Terminated)
    click.echo("terminated" if terminated else "interrupted", err=True)
    sys.exit(143 if terminated else 130)
