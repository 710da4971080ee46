"""`modiste project` as a function: photos -> W / W+ latents (+ pivotal tuning), files and scores.

    options = ProjectOptions(space="w+", steps=300, pti=True, class_name="Shirts")
    results = project_photos(G, ["shirt.jpg"], options, outdir="out/")
    summary = write_projections(G, results, "out/", options)

All photos are checked (readable, large enough, class known) and the output folder is checked
before any optimisation; files are written only after every photo is done, each atomically.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

import torch
from tqdm import tqdm

from modiste.atomic import atomic_write_json
from modiste.errors import ModisteError
from modiste.gan.generate import class_index
from modiste.gan.images import save_image, save_png, to_uint8
from modiste.latent.identity import generator_identity
from modiste.latent.latents import LatentSet, save_latents
from modiste.latent.outputs import prepare_outdir
from modiste.latent.video import write_video
from modiste.latent.projection.figures import comparison_figure, video_frame
from modiste.latent.projection.init import INITS, mean_init, nearest_init
from modiste.latent.projection.losses import LossWeights, ReconstructionLoss, reconstruction_scores
from modiste.latent.projection.noise import noise_of, private_copy, set_noise
from modiste.latent.projection.perceptual import InceptionPerceptual
from modiste.latent.projection.projector import ProjectorConfig, project, w_spread
from modiste.latent.projection.pti import PTIConfig, changed_tensors, pivotal_tuning
from modiste.latent.projection.targets import FittedPhoto, load_photo, training_mode
from modiste.latent.projection.tuned import META_KEY, save_tuned_weights, tuned_weights_path

VIDEO_FRAMES = 72  # frames of the search recorded per photo (plus the result held for a second)


@dataclass(frozen=True)
class ProjectOptions:
    """Settings of `modiste project` (see its --help and docs/latent.md "Project" for each one)."""

    space: str = "w+"
    steps: int = 300
    init: str = "mean"
    class_name: str | None = None
    mode: str | None = None  # None: the mode the generator was trained with
    pti: bool = False
    pti_steps: int = 100
    pti_lr: float = PTIConfig.lr
    optimise_noise: bool = True
    latent_noise: float = ProjectorConfig.initial_noise_factor  # StyleGAN2's latent noise, x spread of W
    weights: LossWeights = field(default_factory=LossWeights)
    bank_size: int = 256
    video: bool = False
    seed: int = 0
    progress: bool = True


@dataclass
class PhotoProjection:
    """One photo's result. ws: [1, num_ws, w_dim]; images float [1, 3, H, W] in [-1, 1];
    changed: generator tensors to save beside the latents (noise maps, tuned weights)."""

    photo: FittedPhoto
    ws: torch.Tensor
    image: torch.Tensor
    scores: dict[str, float]
    changed: dict[str, torch.Tensor]
    pti_image: torch.Tensor | None = None
    pti_scores: dict[str, float] | None = None
    seconds: float = 0.0  # this photo's share of the batched search, plus its tuning
    pti_seconds: float = 0.0
    frames: list = field(default_factory=list)
    class_name: str | None = None

    @property
    def final_image(self) -> torch.Tensor:
        return self.pti_image if self.pti_image is not None else self.image


def check_options(G: torch.nn.Module, options: ProjectOptions, classes: list[str | None] | None = None,
                  n: int = 1) -> torch.Tensor | None:
    """Validate options against G before any work; return class indices [n] or None.

    `classes` (one name per photo) overrides options.class_name; a conditional model without a
    class starts from the global mean W.
    """
    ProjectorConfig(space=options.space, steps=options.steps, initial_noise_factor=options.latent_noise)
    if options.pti:
        PTIConfig(steps=options.pti_steps, lr=options.pti_lr)
    if options.init not in INITS:
        raise ModisteError(f"unknown --init {options.init!r}: use mean or nearest")
    names = list(classes) if classes is not None else [options.class_name] * n
    if len(names) != n:
        raise ModisteError(f"{len(names)} classes for {n} photos: give one class per photo")
    ks = [class_index(G, name) for name in names]  # refuses a class on unconditional models, unknown names
    if all(k is None for k in ks):
        return None
    if any(k is None for k in ks):
        raise ModisteError("give a class for every photo or for none")
    return torch.tensor(ks, device=G.mapping.w_avg.device)


def project_photos(G: torch.nn.Module, paths: list[str | Path], options: ProjectOptions,
                   perceptual: InceptionPerceptual | None = None,
                   outdir: str | Path | None = None,
                   on_progress: Callable[[float], None] | None = None,
                   classes: list[str | None] | None = None) -> list[PhotoProjection]:
    """Fit every photo, project them together in one batch, then tune per photo when options.pti.

    Raises ModisteError for bad options or photos, and for an `outdir` (checked, then created, only
    when given and after the photos passed) that cannot be written, before optimising anything.
    """
    if not paths:
        raise ModisteError("no photos given: pass one or more image files")
    c = check_options(G, options, classes, len(paths))
    mode = options.mode or training_mode(G)
    photos = [load_photo(p, (G.cfg.width, G.cfg.height), mode, G.img_channels) for p in paths]
    if outdir is not None:
        prepare_outdir(outdir)
    device = G.mapping.w_avg.device
    perceptual = perceptual or InceptionPerceptual(device=device)
    targets = torch.stack([p.image for p in photos]).to(device)
    n = len(photos)
    start = time.perf_counter()
    if options.init == "mean":
        w_init = mean_init(G, c, n)
    else:
        w_init = nearest_init(G, perceptual, targets, c, options.bank_size)
    cfg = ProjectorConfig(space=options.space, steps=options.steps, optimise_noise=options.optimise_noise,
                          initial_noise_factor=options.latent_noise, weights=options.weights)
    loss_fn = ReconstructionLoss(perceptual, targets, options.weights)
    w_std = w_spread(G, c)
    frames: list[list] = [[] for _ in range(n)]
    every = max(1, options.steps // VIDEO_FRAMES)
    bar = tqdm(total=options.steps, desc=f"project {options.space}", unit="step", disable=not options.progress)

    def on_step(step: int, images: torch.Tensor) -> None:
        bar.update(1)
        if on_progress is not None:  # the studio's job progress (and cancel point)
            on_progress((step + 1) / (options.steps * (2 if options.pti else 1)))
        if options.video and step % every == 0:
            u8 = to_uint8(images)
            for i in range(n):
                frames[i].append(video_frame(photos[i].uint8, u8[i]))

    projection = project(G, loss_fn, w_init, cfg, w_std, seed=options.seed, on_step=on_step)
    bar.close()
    with torch.no_grad():
        images = projection.G_noise.synthesis(projection.ws, noise_mode="const")
    scores = reconstruction_scores(perceptual, images, targets)
    search_seconds = (time.perf_counter() - start) / n
    results = []
    for i, photo in enumerate(photos):
        noise = noise_of(projection.G_noise, i) if options.optimise_noise else {}
        with_noise = private_copy(G)
        set_noise(with_noise, noise)
        result = PhotoProjection(photo, projection.ws[i:i + 1], images[i:i + 1], scores[i],
                                 changed_tensors(G, with_noise), seconds=search_seconds, frames=frames[i],
                                 class_name=None if c is None else G.cfg.class_names[int(c[i])])
        if options.pti:
            t0 = time.perf_counter()
            tuned = pivotal_tuning(G, result.ws, targets[i:i + 1], perceptual,
                                   PTIConfig(steps=options.pti_steps, lr=options.pti_lr), w_std, noise,
                                   None if c is None else c[i:i + 1], seed=options.seed + i)
            with torch.no_grad():
                result.pti_image = tuned.G.synthesis(result.ws, noise_mode="const")
            result.pti_scores = reconstruction_scores(perceptual, result.pti_image, targets[i:i + 1])[0]
            result.changed = tuned.changed
            result.pti_seconds = time.perf_counter() - t0
            result.seconds += result.pti_seconds
        if options.video:
            last = video_frame(photo.uint8, to_uint8(result.final_image)[0])
            result.frames.extend([last] * 24)
        results.append(result)
    return results


def output_stems(results: list[PhotoProjection]) -> list[str]:
    """A file stem per photo (its own name; a number is added when two photos share a name)."""
    stems, seen = [], set()
    for r in results:
        stem, k = r.photo.path.stem, 1
        while stem in seen:
            k += 1
            stem = f"{r.photo.path.stem}-{k}"
        seen.add(stem)
        stems.append(stem)
    return stems


def write_projections(G: torch.nn.Module, results: list[PhotoProjection], outdir: str | Path,
                      options: ProjectOptions) -> dict[str, Any]:
    """Write per photo: latents (<stem>.safetensors + .json), <stem>.pti.safetensors (noise maps /
    tuned weights), <stem>-reconstruction.png, optional <stem>.mp4; plus comparison.png and
    projection.json (scores and settings) for all. Returns the summary written to projection.json."""
    outdir = prepare_outdir(outdir)
    identity = generator_identity(G)
    photos_summary, rows = [], []
    for stem, r in zip(output_stems(results), results):
        latents_path = outdir / f"{stem}.safetensors"
        meta: dict[str, Any] = {
            "command": "project", "photo": str(r.photo.path), "fit_mode": r.photo.mode, "fit_note": r.photo.note,
            "steps": options.steps, "init": options.init, "noise_optimised": options.optimise_noise,
            "pti": options.pti, "pti_steps": options.pti_steps if options.pti else 0,
            "pti_lr": options.pti_lr if options.pti else None, "scores": r.scores, "scores_pti": r.pti_scores,
        }
        if r.changed:
            weights_path = save_tuned_weights(tuned_weights_path(latents_path), r.changed, G)
            meta[META_KEY] = weights_path.name
        codes = r.ws[:, 0] if options.space == "w" else r.ws
        classes = [r.class_name] if r.class_name else []
        save_latents(latents_path, LatentSet(options.space, codes.detach().cpu(), identity, classes, [], meta))
        save_image(to_uint8(r.final_image)[0], outdir / f"{stem}-reconstruction.png")
        if options.video:
            write_video(r.frames, outdir / f"{stem}.mp4")
        row = [r.photo.uint8, to_uint8(r.image)[0].cpu()] + ([to_uint8(r.pti_image)[0].cpu()] if options.pti else [])
        rows.append(row)
        photos_summary.append({"photo": str(r.photo.path), "latents": latents_path.name, "fit_note": r.photo.note,
                               "scores": r.scores, "scores_pti": r.pti_scores, "seconds": round(r.seconds, 2)})
    columns = ["target", options.space.upper()] + (["PTI"] if options.pti else [])
    save_png(comparison_figure(rows, output_stems(results), columns), outdir / "comparison.png")
    summary = {"space": options.space, "steps": options.steps, "init": options.init, "pti": options.pti,
               "pti_steps": options.pti_steps if options.pti else 0, "loss_weights": asdict(options.weights),
               "generator": identity.checkpoint_hash, "photos": photos_summary}
    atomic_write_json(outdir / "projection.json", summary)
    return summary
