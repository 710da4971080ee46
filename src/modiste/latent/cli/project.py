"""`modiste project`: real photos -> W / W+ latents, optionally with pivotal tuning."""

from __future__ import annotations

import click

from modiste.latent.cli.options import (
    checkpoint_option, class_option, device_option, echo_written, outdir_option, resolve_device_text,
)


@click.command()
@click.argument("photos", nargs=-1, required=True)
@checkpoint_option
@click.option("--space", type=click.Choice(["w", "w+"]), default="w+", show_default=True,
              help="W (one w for all layers: easier to edit) or W+ (one per layer: closer reconstruction).")
@click.option("--steps", type=int, default=300, show_default=True, help="Optimisation steps of the W/W+ search.")
@click.option("--init", type=click.Choice(["mean", "nearest"]), default="mean", show_default=True,
              help="Start from the mean W (the class centre with --class) or from the perceptually nearest of "
                   "--bank sampled W's.")
@click.option("--bank", "bank_size", type=int, default=256, show_default=True, help="Sampled W's for --init nearest.")
@click.option("--pti/--no-pti", default=False, show_default=True,
              help="Pivotal tuning: then fine-tune a copy of the generator so the photo is reproduced; the tuned "
                   "weights are saved beside the latents (<name>.pti.safetensors) for every --latents command.")
@click.option("--pti-steps", type=int, default=100, show_default=True, help="Steps of pivotal tuning.")
@click.option("--pti-lr", type=float, default=3e-3, show_default=True, help="Learning rate of pivotal tuning (Adam).")
@click.option("--noise/--no-noise", "optimise_noise", default=True, show_default=True,
              help="Optimise the generator's noise maps too (regularised; saved beside the latents).")
@click.option("--latent-noise", type=float, default=0.01, show_default=True,
              help="Initial latent noise of the search, as a fraction of the spread of W (StyleGAN2: 0.05 for "
                   "1000 steps), decaying to 0 at 75 % of the steps.")
@click.option("--mode", type=click.Choice(["pad", "crop"]), default=None,
              help="How a photo of another aspect is fitted to the canvas [default: as the generator was trained].")
@click.option("--video/--no-video", default=False, show_default=True,
              help="Also write <name>.mp4: target beside the reconstruction during the search.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the latent noise and locality samples.")
@class_option
@device_option
@outdir_option
def project(photos: tuple[str, ...], checkpoint: str, space: str, steps: int, init: str, bank_size: int, pti: bool,
            pti_steps: int, pti_lr: float, optimise_noise: bool, latent_noise: float, mode: str | None, video: bool,
            seed: int, class_name: str | None, device: str, outdir: str) -> None:
    """Project PHOTOS into the generator's latent space (StyleGAN2 projector; PTI with --pti).

    Writes per photo NAME.safetensors + NAME.json (latents), NAME.pti.safetensors (noise maps and
    tuned weights), NAME-reconstruction.png, NAME.mp4 with --video; and comparison.png and
    projection.json (PSNR, MS-SSIM, perceptual distance) for all photos.
    """
    from modiste.gan.checkpoint import load_generator
    from modiste.latent.projection.api import ProjectOptions, project_photos, write_projections

    G = load_generator(checkpoint, resolve_device_text(device))
    options = ProjectOptions(space=space, steps=steps, init=init, class_name=class_name, mode=mode, pti=pti,
                             pti_steps=pti_steps, pti_lr=pti_lr, optimise_noise=optimise_noise,
                             latent_noise=latent_noise, bank_size=bank_size, video=video, seed=seed)
    results = project_photos(G, list(photos), options, outdir=outdir)
    for r in results:
        if r.photo.note:
            click.echo(f"fitted {r.photo.path.name}: {r.photo.note}")
    summary = write_projections(G, results, outdir, options)
    for entry in summary["photos"]:
        line = "  ".join(f"{k} {v}" for k, v in entry["scores"].items())
        if entry["scores_pti"]:
            line += "  | PTI: " + "  ".join(f"{k} {v}" for k, v in entry["scores_pti"].items())
        click.echo(f"{entry['photo']}: {line}  ({entry['seconds']} s)")
        echo_written("latents", f"{outdir}/{entry['latents']}")
    echo_written("figure", f"{outdir}/comparison.png")
    echo_written("scores", f"{outdir}/projection.json")
