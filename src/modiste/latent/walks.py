"""Latent walks: frames that pass through keyframe latents (seeds or classes), as W+ codes and video.

Between keyframes z is interpolated spherically (slerp; Shoemake 1985, as White 2016 "Sampling
generative networks" recommends for Gaussian z, whose samples lie near a sphere) and W linearly (W
is not Gaussian; StyleGAN's perceptual path length also uses lerp in W, Karras et al. 2019 sec. 4.2).
A walk between classes interpolates the one-hot class label linearly (soft labels [N, c_dim] into
the mapping network's class embedding) in z space, or the keyframes' W in w space.

Frame schedule: with F frames and K keyframes, keyframe k is frame round(k (F-1)/(K-1)) (or
round(k F / K) with `loop`, where the walk then goes on to keyframe 0 and stops one frame short of
it, so the video loops seamlessly); frames between two keyframes are evenly spaced.

Grids of walks: cell i (row-major, from 0) walks the seeds s + i * (max(seeds) + 1), so cell 0 is
the seeds given and no two cells share a seed; from a latents file the rows are split into
consecutive groups, one per cell. A latents file is walked in z (z rows only) or in W (any rows).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from modiste.errors import ModisteError
from modiste.gan.generate import class_index
from modiste.gan.images import latents_for_seeds
from modiste.latent.latents import LatentSet
from modiste.latent.render import synthesize_images
from modiste.latent.truncation import resolve_center, truncate_ws

SPACES = ("z", "w")


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor | float) -> torch.Tensor:
    """Spherical interpolation of rows: a, b [N, D], t [N] or a float in [0, 1] -> [N, D].

    Moves along the great circle at constant angular speed while the norm goes linearly from |a|
    to |b| (equal norms stay equal). t = 0 gives a, t = 1 gives b exactly; (anti)parallel rows fall
    back to linear interpolation.
    """
    t = torch.as_tensor(t, dtype=a.dtype, device=a.device).reshape(-1, 1).expand(a.shape[0], 1)
    na, nb = a.norm(dim=1, keepdim=True), b.norm(dim=1, keepdim=True)
    ua, ub = a / na.clamp_min(1e-12), b / nb.clamp_min(1e-12)
    omega = torch.arccos((ua * ub).sum(1, keepdim=True).clamp(-1, 1))
    so = torch.sin(omega)
    direction = (torch.sin((1 - t) * omega) * ua + torch.sin(t * omega) * ub) / so.clamp_min(1e-7)
    spherical = direction * torch.lerp(na, nb, t)
    out = torch.where(so > 1e-6, spherical, torch.lerp(a, b, t))
    return torch.where(t == 0, a, torch.where(t == 1, b, out))


def keyframe_frames(num_keys: int, frames: int, loop: bool) -> list[int]:
    """Frame index of each keyframe (see the module docstring). Raises ModisteError if frames are too few."""
    if num_keys < 1 or frames < 1:
        raise ModisteError(f"a walk needs keyframes and frames, got {num_keys} keyframes and {frames} frames")
    if num_keys == 1:
        raise ModisteError("a walk needs at least two keyframes (seeds or classes): pass more seeds or classes")
    if frames < num_keys:
        raise ModisteError(f"--frames {frames} is fewer than the {num_keys} keyframes: pass --frames {num_keys} or more")
    if loop:
        return [round(k * frames / num_keys) for k in range(num_keys)]
    return [round(k * (frames - 1) / (num_keys - 1)) for k in range(num_keys)]


def frame_schedule(num_keys: int, frames: int, loop: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(from_key [F] long, to_key [F] long, t [F] float64 in [0, 1]) for every frame (t = 1 only on the
    last frame of a walk that does not loop)."""
    keys = keyframe_frames(num_keys, frames, loop)
    ends = keys + ([frames] if loop else [])
    src, dst, ts = [], [], []
    for f in range(frames):
        k = max(i for i in range(len(ends) - 1) if ends[i] <= f) if f < ends[-1] else len(ends) - 2
        start, stop = ends[k], ends[k + 1]
        src.append(k)
        dst.append((k + 1) % num_keys)
        ts.append((f - start) / (stop - start))
    return torch.tensor(src), torch.tensor(dst), torch.tensor(ts, dtype=torch.float64)


def interpolate(keys: torch.Tensor, frames: int, loop: bool, spherical: bool) -> torch.Tensor:
    """keys [K, ...] -> [F, ...]: slerp (flattened rows) if `spherical`, else lerp, along the schedule."""
    src, dst, t = frame_schedule(keys.shape[0], frames, loop)
    a, b = keys[src].flatten(1), keys[dst].flatten(1)
    tt = t.to(keys.dtype).to(keys.device)
    out = slerp(a, b, tt) if spherical else torch.lerp(a, b, tt.unsqueeze(1))
    return out.reshape(frames, *keys.shape[1:])


def _key_classes(G: torch.nn.Module, class_names: list[str], n: int) -> torch.Tensor | None:
    """Soft labels [n, c_dim] (one-hot per keyframe) or None for an unconditional G."""
    indices = [class_index(G, name) for name in class_names]  # validates every name
    if G.c_dim == 0:
        return None
    if not indices:
        raise ModisteError(f"this generator is conditional: pass --class, one of {', '.join(G.cfg.class_names)}")
    if len(indices) == 1:
        indices = indices * n
    return F.one_hot(torch.tensor(indices), G.c_dim).float()


@torch.no_grad()
def walk_ws(G: torch.nn.Module, seeds: list[int], class_names: list[str] | None = None, frames: int = 60,
            space: str = "z", loop: bool = False, truncation_psi: float = 1.0, center: str | None = None) -> torch.Tensor:
    """W+ of every frame of a walk through seeds (and/or classes): [F, num_ws, w_dim] on G's device.

    Keyframe k is seed k with class k; a single seed or class is held for every keyframe, so
    `--seeds 3 --class Tshirts,Dresses` walks seed 3 from T-shirt to dress. space "z": slerp z,
    lerp the one-hot labels, then map; "w": map each keyframe, lerp W+. Truncation (psi towards
    `center`) is applied to every frame, so keyframes equal `modiste generate`'s images.
    Raises ModisteError for an unknown space or class, or mismatched seed and class counts.
    """
    if space not in SPACES:
        raise ModisteError(f"unknown walk space {space!r}: use z or w")
    class_names = list(class_names or [])
    counts = {len(seeds), len(class_names)} - {0, 1}
    if len(counts) > 1:
        raise ModisteError(f"{len(seeds)} seeds and {len(class_names)} classes: give as many of each, or one of either")
    n = max(len(seeds), len(class_names), 1)
    if not seeds:
        raise ModisteError("no seeds given: pass --seeds like 1,5,9")
    device = next(G.parameters()).device
    z = latents_for_seeds(seeds * n if len(seeds) == 1 else seeds, G.z_dim).to(device)
    return walk_keys_ws(G, z, _key_classes(G, class_names, n), frames, space, loop, truncation_psi, center)


@torch.no_grad()
def walk_keys_ws(G: torch.nn.Module, z: torch.Tensor, c: torch.Tensor | None, frames: int, space: str = "z",
                 loop: bool = False, truncation_psi: float = 1.0, center: str | None = None) -> torch.Tensor:
    """W+ of every frame of a walk through keyframes z [K, z_dim] with labels c [K, c_dim] (one-hot or
    soft; None unconditional): [F, num_ws, w_dim]. space "z": slerp z and lerp c, then map and
    truncate each frame; "w": map and truncate each keyframe, lerp W+."""
    if space not in SPACES:
        raise ModisteError(f"unknown walk space {space!r}: use z or w")
    center = resolve_center(G, center) if truncation_psi != 1.0 else center
    device = next(G.parameters()).device
    z = z.to(device)
    c = None if c is None else c.to(device)
    if space == "z":
        zf = interpolate(z.double(), frames, loop, spherical=True).float()
        cf = None if c is None else interpolate(c, frames, loop, spherical=False)
        ws = G.mapping(zf, cf, truncation_psi=1.0)
        return truncate_ws(G, ws, cf, truncation_psi, center).float()
    keys = truncate_ws(G, G.mapping(z, c, truncation_psi=1.0), c, truncation_psi, center)
    return interpolate(keys.float(), frames, loop, spherical=False)


def grid_seeds(seeds: list[int], cells: int) -> list[list[int]]:
    """The seeds each cell of a grid of walks goes through: cell i gets s + i * (max(seeds) + 1).

    Raises ModisteError when the last cell's seeds pass 2^32 - 1 (numpy's seed range).
    """
    from modiste.gan.generate import check_seeds

    stride = max(seeds) + 1
    per_cell = [[s + i * stride for s in seeds] for i in range(cells)]
    check_seeds(per_cell[-1], f"--grid with {cells} cells")
    return per_cell


def parse_grid(text: str | None) -> tuple[int, int]:
    """'3x3' -> (3, 3) rows x columns; None -> (1, 1). Raises ModisteError for anything else."""
    if text is None:
        return 1, 1
    parts = text.lower().split("x")
    if len(parts) != 2 or not all(p.strip().isdigit() and int(p) > 0 for p in parts):
        raise ModisteError(f"bad --grid {text!r}: use ROWSxCOLS like 3x3")
    return int(parts[0]), int(parts[1])


@dataclass
class Walk:
    """A planned walk: ws [cells, F, num_ws, w_dim]; grid (rows, cols); keyframes: frame index per keyframe."""

    ws: torch.Tensor
    grid: tuple[int, int]
    keyframes: list[int]
    meta: dict = field(default_factory=dict)

    @property
    def frames(self) -> int:
        return int(self.ws.shape[1])


def render_frames(G: torch.nn.Module, walk: Walk, batch: int = 8, progress: bool = False):
    """Yield each frame of the walk as uint8 [H', W', 3] (cells tiled row-major), rendering `batch`
    frames of every cell at a time; a tqdm bar on stderr with `progress`."""
    from tqdm import tqdm

    rows, cols = walk.grid
    cells = walk.ws.shape[0]
    bar = tqdm(total=walk.frames, unit="frame", desc="walk", disable=not progress, leave=False)
    try:
        for start in range(0, walk.frames, batch):
            stop = min(start + batch, walk.frames)
            images = synthesize_images(G, walk.ws[:, start:stop].reshape(-1, *walk.ws.shape[2:]), batch=batch * cells)
            images = images.reshape(cells, stop - start, *images.shape[1:])
            if images.shape[2] == 1:
                images = images.expand(-1, -1, 3, -1, -1)
            _, _, _, h, w = images.shape
            for f in range(stop - start):
                tiles = images[:, f].reshape(rows, cols, 3, h, w).permute(0, 3, 1, 4, 2)  # rows, h, cols, w, 3
                yield np.ascontiguousarray(tiles.reshape(rows * h, cols * w, 3).numpy())
                bar.update(1)
    finally:
        bar.close()


@torch.no_grad()
def plan_walk(G: torch.nn.Module, seeds: list[int] | None = None, latents: LatentSet | None = None,
              class_names: list[str] | None = None, frames: int = 60, space: str = "z", loop: bool = False,
              grid: tuple[int, int] = (1, 1), truncation_psi: float = 1.0, center: str | None = None) -> Walk:
    """Every frame's W+ for a walk (or a grid of walks) through seeds or the rows of a latents set.

    Seeds: `walk_ws` per cell with `grid_seeds`. Latents (as read from a file): the rows are split
    into rows*cols consecutive groups, one walk each; space "z" needs z latents (each row mapped with
    its class, or class_names[0]), space "w" takes any (z rows mapped; W rows broadcast; W+ as is).
    Raises ModisteError.
    """
    from modiste.latent.inputs import class_indices, provenance_meta, ws_from_inputs

    cells = grid[0] * grid[1]
    if (seeds is None) == (latents is None):
        raise ModisteError("pass exactly one of --seeds and --latents")
    if space not in SPACES:
        raise ModisteError(f"unknown walk space {space!r}: use z or w")
    meta = {"kind": "walk", "space": space, "loop": loop, "frames": frames, "grid": list(grid),
            "truncation_psi": float(truncation_psi), "truncation_center": center, **provenance_meta(G)}
    if seeds is not None:
        per_cell = grid_seeds(seeds, cells) if seeds else [[]]
        ws = torch.stack([walk_ws(G, s, class_names, frames, space, loop, truncation_psi, center) for s in per_cell])
        meta.update({"cell_seeds": per_cell, "classes": list(class_names or [])})
        return Walk(ws, grid, keyframe_frames(max(len(seeds), len(class_names or [])), frames, loop), meta)
    if len(latents) % cells:
        raise ModisteError(f"{len(latents)} latents do not split into the {cells} cells of --grid: pass a multiple")
    if len(class_names or []) > 1:
        raise ModisteError("a walk between classes takes --seeds, not --latents")
    class_name = class_names[0] if class_names else None
    per = len(latents) // cells
    if space == "z":
        if latents.space != "z":
            raise ModisteError(f"a z walk needs z latents, this file holds {latents.space}: pass --space w")
        c = class_indices(G, latents.classes, class_name)
        onehot = None if c is None else F.one_hot(c, G.c_dim).float()
        ws = torch.stack([walk_keys_ws(G, latents.latents[i * per:(i + 1) * per],
                                       None if onehot is None else onehot[i * per:(i + 1) * per],
                                       frames, "z", loop, truncation_psi, center) for i in range(cells)])
    else:
        mapped = ws_from_inputs(G, latents=latents, class_name=class_name, truncation_psi=truncation_psi,
                                center=center).latents
        ws = torch.stack([interpolate(mapped[i * per:(i + 1) * per].float(), frames, loop, spherical=False)
                          for i in range(cells)])
    meta.update({"source_seeds": latents.seeds, "source_meta": latents.meta})
    return Walk(ws, grid, keyframe_frames(per, frames, loop), meta)


def walk_latents(G: torch.nn.Module, walk: Walk, class_names: list[str] | None = None) -> LatentSet:
    """The walk's frames as a "w+" LatentSet ([cells * F, num_ws, w_dim], cell-major), for saving.

    A row's class is recorded only when the whole walk is of one class (interpolated labels have none).
    """
    from modiste.latent.inputs import base_identity

    n = walk.ws.shape[0] * walk.frames
    one_class = class_names[0] if class_names and len(set(class_names)) == 1 and G.c_dim > 0 else None
    meta = {**walk.meta, "keyframes": walk.keyframes, "rows": "cell-major: row = cell * frames + frame"}
    return LatentSet("w+", walk.ws.reshape(n, *walk.ws.shape[2:]).cpu(), base_identity(G),
                     [one_class] * n if one_class else [], [], meta)


def write_walk(G: torch.nn.Module, walk: Walk, out, fps: float = 24.0, progress: bool = False,
               class_names: list[str] | None = None, batch: int = 8) -> dict:
    """Render the walk to `out` (.mp4 or .gif, atomically) and its frames' W+ to `<out stem>.safetensors/.json`.

    Returns {"video": path, "latents": path, "frames": count}.
    """
    from pathlib import Path

    from modiste.latent.latents import save_latents
    from modiste.latent.video import write_video

    out = Path(out)
    count = write_video(render_frames(G, walk, batch=batch, progress=progress), out, fps)
    latents = save_latents(out.with_suffix(""), walk_latents(G, walk, class_names))
    return {"video": out, "latents": latents, "frames": count}
