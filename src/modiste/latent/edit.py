"""Editing W+ codes along attribute directions: w' = w + strength * step * d on a layer range.

d is a unit direction in W from a directions file (SeFa, GANSpace, supervised). `step` is the
W distance of one strength unit, as in the directions preview (`direction_step`): the spread of
sampled W along d when the file records it ("w_std": strengths are then in standard deviations, as
GANSpace's sigma), else 1 (W units). Conditional editing (InterFaceGAN, Shen et al. 2020, sec. 2.3):
with held directions, d is first made orthogonal to all of them (Gram-Schmidt / QR), so moving
along it leaves the held attributes' linear scores unchanged. Works on any W+: seeds, or photos
projected with `modiste project` (with their PTI-tuned generator, see modiste.latent.inputs).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from modiste.errors import ModisteError
from modiste.latent.directions.file import DirectionSet, load_directions, parse_direction_ref
from modiste.latent.directions.preview import direction_step
from modiste.latent.directions.supervised import orthogonalise
from modiste.latent.inputs import base_identity
from modiste.latent.labelled_grid import labelled_grid
from modiste.latent.latents import LatentSet
from modiste.latent.mixing import source_label
from modiste.latent.render import figure_scale, rgb, synthesize_images


def parse_strengths(text: str, steps: int | None = None) -> list[float]:
    """'-3,3' with steps 7 -> [-3, -2, -1, 0, 1, 2, 3] (evenly spaced, both ends included);
    without steps, the listed values ('-2,0,2'); one value ('2' or '2,') is that one strength.
    Raises ModisteError for non-numbers, NaN, infinity or values beyond float32's range, steps < 1,
    or steps = 1 between two different ends (it would silently edit by their midpoint only)."""
    try:
        values = [float(v) for v in str(text).split(",") if v.strip()]
    except ValueError:
        raise ModisteError(f"bad --strength {text!r}: use numbers like -3,3") from None
    if not values:
        raise ModisteError("no strengths given: pass --strength like -3,3")
    if not all(math.isfinite(v) and abs(v) <= float(np.finfo(np.float32).max) for v in values):
        raise ModisteError(f"--strength {text!r} is not finite (or beyond float32's range): use finite numbers "
                           f"like -3,3")
    if steps is None:
        return values
    if steps < 1:
        raise ModisteError(f"--steps must be at least 1, got {steps}")
    if len(values) == 1:
        return values
    if len(values) != 2:
        raise ModisteError(f"--steps spaces strengths between two ends: pass --strength LOW,HIGH, got {text!r}")
    if steps == 1:
        if values[0] != values[1]:
            raise ModisteError(f"--steps 1 between {values[0]:g} and {values[1]:g} would only edit by their midpoint: "
                               f"pass --steps 2 or more, or one --strength")
        return values[:1]
    return [float(v) for v in np.linspace(values[0], values[1], steps)]


def apply_direction(ws: torch.Tensor, direction: torch.Tensor, strength: float | torch.Tensor,
                    layers: tuple[int, int] | None = None, hold: torch.Tensor | list[torch.Tensor] | None = None) -> torch.Tensor:
    """ws [N, num_ws, w_dim] moved by strength * unit(direction) on W+ indices [start, end) (all if None).

    direction: [w_dim] (any length; it is normalised); strength: a float or [N] (per row), in W
    units; hold: [M, w_dim] (or a list of [w_dim]) directions to keep fixed: the step is made
    orthogonal to their span first. Returns a new tensor. Raises ModisteError for a non-finite
    strength, a bad layer range, or a direction inside the held span.
    """
    strength = torch.as_tensor(strength, dtype=torch.float32)
    if not torch.isfinite(strength).all():
        raise ModisteError(f"edit strength must be finite, got {strength.tolist()}")
    start, end = layers if layers is not None else (0, ws.shape[1])
    if not 0 <= start < end <= ws.shape[1]:
        raise ModisteError(f"layer range {start}-{end - 1} is outside W+ indices 0-{ws.shape[1] - 1}")
    if isinstance(hold, (list, tuple)):
        hold = torch.stack(list(hold)) if hold else None
    if direction.norm() == 0 or not torch.isfinite(direction).all():
        raise ModisteError("the edit direction is zero or not finite: re-create the directions file")
    d = orthogonalise(direction, hold) if hold is not None else (direction.double() / direction.double().norm()).float()
    step = strength.to(ws.device).reshape(-1, 1, 1) * d.to(ws)  # [N or 1, 1, w_dim]
    out = ws.clone()
    out[:, start:end] += step
    return out


def open_direction(G: torch.nn.Module, ref: str) -> tuple[DirectionSet, str]:
    """'FILE:NAME' -> (the directions file, NAME), refused unless made for G's checkpoint.

    A PTI-tuned G accepts the directions of the checkpoint it was tuned from (PTI keeps W as it was).
    Raises ModisteError for a missing file, another generator, or an unknown name (listing the names).
    """
    path, name = parse_direction_ref(ref)
    ds = load_directions(path)
    ds.identity.require_same(base_identity(G), f"directions file {Path(path).name}")
    ds.index(name)
    return ds, name


@dataclass
class EditResult:
    """ws: edited W+ [N, S, num_ws, w_dim] (input n, strength s); images: uint8 [N, S, C, H, W];
    figure: labelled grid uint8 [H', W', 3] (rows = inputs, columns = strengths); latents: the
    edited W+ as a LatentSet, row-major (n * S + s)."""

    ws: torch.Tensor
    images: torch.Tensor
    figure: np.ndarray
    latents: LatentSet
    meta: dict = field(default_factory=dict)


@torch.no_grad()
def edit_grid(G: torch.nn.Module, inputs: LatentSet, ds: DirectionSet, name: str, strengths: list[float],
              layers: tuple[int, int] | None = None, hold: list[str] = ()) -> EditResult:
    """Edit every input ("w+" LatentSet) at every strength along direction `name` of `ds`.

    layers: W+ range to edit (default: the direction's own range from the file); hold: names of
    directions in the same file to keep fixed. Strength unit: `direction_step` (see module doc).
    """
    k = ds.index(name)
    if name in hold:
        raise ModisteError(f"--hold names the edited direction {name!r} itself: hold other directions")
    held = [ds.vector(h) for h in hold]  # unknown names list the file's names
    span = tuple(layers) if layers is not None else ds.layers[k]
    step = direction_step(ds, k)
    S, N = len(strengths), len(inputs)
    base = inputs.latents.repeat_interleave(S, dim=0)  # [N * S, num_ws, w_dim], row n * S + s
    amounts = torch.tensor(strengths, dtype=torch.float32).repeat(N) * step
    ws = apply_direction(base, ds.vectors[k], amounts, span, held or None)
    images = synthesize_images(G, ws)
    grid = images.reshape(N, S, *images.shape[1:])
    unit = "sigma" if "w_std" in ds.meta else "W units"  # as direction_step decides
    figure = labelled_grid(rgb(grid), [source_label(inputs, i) for i in range(N)], [f"{s:+g}" for s in strengths],
                           title=f"{name} ({unit}), layers {span[0]}-{span[1] - 1}"
                                 + (f", holding {', '.join(hold)}" if hold else ""),
                           scale=figure_scale(G.cfg.width))
    meta = {"kind": "edit", "direction": name, "method": ds.method, "strengths": list(strengths),
            "strength_unit": unit, "step_w": step, "layers": list(span), "hold": list(hold),
            "input_seeds": inputs.seeds, "rows": "input n, strength s at n * len(strengths) + s",
            **{key: v for key, v in inputs.meta.items() if key in ("pti_weights", "truncation_psi", "truncation_center")}}
    classes = [c for c in inputs.classes for _ in range(S)] if any(inputs.classes) else []
    latents = LatentSet("w+", ws.cpu(), inputs.identity, classes, [], meta)
    return EditResult(ws.reshape(N, S, *ws.shape[1:]), grid, figure, latents, meta)


def edit_video_ws(result: EditResult, frames: int = 48) -> torch.Tensor:
    """W+ of an edit video: every input sweeps the strengths from the lowest to the highest and back
    (a seamless loop), linear in W: [N, frames, num_ws, w_dim]."""
    from modiste.latent.walks import interpolate

    ends = torch.stack([result.ws[:, 0], result.ws[:, -1]], dim=1)  # [N, 2, L, D]
    return torch.stack([interpolate(e, frames, loop=True, spherical=False) for e in ends])


def write_edit(G: torch.nn.Module, result: EditResult, outdir: str | Path, video: bool = False, fps: float = 24.0,
               frames: int = 48, progress: bool = False) -> dict:
    """Write grid.png, edited.safetensors/.json (W+) and, with `video`, edit.mp4 (inputs side by side)."""
    from modiste.gan.images import save_png
    from modiste.latent.latents import save_latents
    from modiste.latent.video import write_video
    from modiste.latent.walks import Walk, keyframe_frames, render_frames

    outdir = Path(outdir)
    written = {"latents": save_latents(outdir / "edited", result.latents)}
    if video:
        clip = Walk(edit_video_ws(result, frames), (1, result.ws.shape[0]), keyframe_frames(2, frames, True),
                    result.meta)
        write_video(render_frames(G, clip, progress=progress), outdir / "edit.mp4", fps)
        written["video"] = outdir / "edit.mp4"
    save_png(result.figure, outdir / "grid.png")
    written["figure"] = outdir / "grid.png"
    return written
