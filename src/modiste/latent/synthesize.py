"""Synthesize a labelled data set of one class, to augment a classifier's training data (e.g. a rare
category), with a manifest from which every image can be regenerated.

Methods (codes in W, one w per image broadcast to all of W+, rendered with constant noise):

    conditional  w = mapping(z_seed, class), truncated towards the class centre (class-centred
                 truncation, modiste.latent.truncation) at psi;
    direction    a sample of another class, w = mapping(z_seed, c_source) (c_source cycles through
                 the other classes), pushed along the class's supervised direction n (InterFaceGAN,
                 class vs rest) onto the class mean's level, w + ((mu_class - w) . n + strength) n, then
                 truncated towards the class centre at psi: the attribute changes, the rest of the
                 sample (its "style") stays;
    filter       conditional samples kept only if a scorer puts them in the class (rejection sampling:
                 sample until n are kept or max_samples were tried).

Output folder:

    D/images/<class>/000000.png ...   one folder per class (torchvision ImageFolder reads D/images)
    D/labels.csv                      filename,<attribute>   (filename relative to D: `modiste train
                                      --data D --labels D/labels.csv --cond <attribute>` reads it)
    D/latents.safetensors/.json       the W+ code of every image (a modiste latents file)
    D/manifest.json                   method, class, truncation, centre, direction, generator identity,
                                      checkpoint, and per image its file, seed and source class

Images go to a temporary folder that is renamed into place when all are written; the manifest is
written last. `regenerate(G, manifest)` renders the same pixels again from the manifest alone.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import torch

from modiste.atomic import atomic_write_json, atomic_write_text, respect_umask
from modiste.errors import ModisteError
from modiste.gan.images import latents_for_seeds, save_image, to_uint8
from modiste.latent.identity import generator_identity
from modiste.latent.latents import LatentSet, save_latents
from modiste.latent.outputs import prepare_outdir
from modiste.latent.truncation import class_centres, resolve_center, truncate_ws

FORMAT = "modiste-synthesize/1"
METHODS = ("conditional", "direction", "filter")
Scorer = Callable[[torch.Tensor], torch.Tensor]  # images float [B, 3, H, W] in [-1, 1] -> bool [B] (in the class)


@dataclass
class SynthesisResult:
    """What `synthesize` wrote: the folder, the images (uint8 [N, 3, H, W]), the manifest, and the
    yield kept / sampled (1 for conditional and direction)."""

    outdir: Path
    images: torch.Tensor
    manifest: dict[str, Any]

    @property
    def yield_rate(self) -> float:
        return self.manifest["kept"] / self.manifest["sampled"]


def check_synthesis_args(G: torch.nn.Module, n: int, truncation_psi: float, strength: float) -> None:
    """Validate the numbers before anything is created: n in 1 .. what fits in memory, finite psi and
    strength. Raises ModisteError."""
    from modiste.latent.outputs import check_output_size

    if n < 1:
        raise ModisteError(f"--n must be at least 1, got {n}")
    check_output_size(G, n, f"--n {n}", "make the data set in several runs with --seed-start")
    if not torch.isfinite(torch.tensor(float(truncation_psi))):
        raise ModisteError(f"--truncation must be a finite number, got {truncation_psi}")
    if not torch.isfinite(torch.tensor(float(strength))):
        raise ModisteError(f"--strength must be a finite number, got {strength}")


def check_synthesis_outdir(outdir: str | Path) -> Path:
    """Create `outdir` if needed; ModisteError if it cannot be written or already holds a data set."""
    outdir = prepare_outdir(outdir)
    if (outdir / "manifest.json").exists() or (outdir / "images").exists():
        raise ModisteError(f"{outdir} already holds a synthesized data set: pick a new --outdir or delete it")
    return outdir


def source_classes(G: torch.nn.Module, k: int, seeds: list[int]) -> list[int]:
    """Direction method: the class each seed is first drawn from, cycling through the classes != k."""
    others = [j for j in range(G.c_dim) if j != k]
    return [others[s % len(others)] for s in seeds]


@torch.no_grad()
def codes_for(G: torch.nn.Module, method: str, k: int, seeds: list[int], src: list[int], psi: float,
              center: str, direction: dict | None) -> torch.Tensor:
    """W+ float32 [B, num_ws, w_dim] of the given seeds (source classes `src`) by `method`."""
    device = G.mapping.w_avg.device
    z = latents_for_seeds(seeds, G.z_dim).to(device)
    c = torch.full((len(seeds),), k, dtype=torch.long, device=device)
    if method != "direction":
        return truncate_ws(G, G.mapping(z, c, truncation_psi=1.0), c, psi, center).float()
    w = G.mapping(z, torch.tensor(src, device=device), truncation_psi=1.0)[:, 0].float()
    n = torch.tensor(direction["vector"], device=device, dtype=torch.float32)
    level = float(class_centres(G)[k].float() @ n) + float(direction["strength"])
    w = w + (level - w @ n).unsqueeze(1) * n
    return truncate_ws(G, w.unsqueeze(1).repeat(1, G.num_ws, 1), c, psi, center).float()


@torch.no_grad()
def render(G: torch.nn.Module, ws: torch.Tensor, batch: int = 32) -> torch.Tensor:
    """uint8 [N, 3, H, W] of W+ codes [N, num_ws, w_dim], constant noise, in fixed batches (so the
    same codes give the same pixels when regenerated)."""
    out = [to_uint8(G.synthesis(ws[i:i + batch], noise_mode="const")).cpu() for i in range(0, len(ws), batch)]
    return torch.cat(out) if out else torch.zeros(0, 3, G.cfg.height, G.cfg.width, dtype=torch.uint8)


def _class_direction(G: torch.nn.Module, class_name: str, direction: torch.Tensor | None, strength: float) -> dict:
    if direction is None:
        from modiste.latent.directions.supervised import class_directions

        direction = class_directions(G, [class_name]).vectors[0]
        source = f"supervised {class_name} vs rest (InterFaceGAN; 500 codes of the class, 500 of the others)"
    else:
        source = "given"
    v = direction.detach().float().cpu().reshape(-1)
    if v.shape[0] != G.w_dim or not torch.isfinite(v).all() or float(v.norm()) == 0:
        raise ModisteError(f"the class direction must be a finite non-zero vector of {G.w_dim} values")
    return {"vector": (v / v.norm()).tolist(), "strength": float(strength), "source": source}


def synthesize(
    G: torch.nn.Module,
    class_name: str,
    n: int,
    method: str,
    outdir: str | Path,
    truncation_psi: float = 1.0,
    center: str | None = None,
    seed_start: int = 0,
    scorer: Scorer | None = None,
    scorer_name: str = "custom",
    direction: torch.Tensor | None = None,
    strength: float = 0.0,
    max_samples: int | None = None,
    attribute: str = "class",
    batch: int = 32,
) -> SynthesisResult:
    """Write exactly `n` images of `class_name` to `outdir` with labels.csv, a latents file and manifest.json.

    method: "conditional" | "direction" | "filter" (module doc). direction: a W vector [w_dim] for
    the direction method (default: fitted now, class vs rest); strength: extra push beyond the
    class mean's level, in W units. scorer (filter): images float [B, 3, H, W] in [-1, 1] -> bool [B];
    max_samples (filter): give up after this many (default 20 n). attribute: the labels.csv column.
    Seeds are seed_start, seed_start + 1, ... (the filter keeps a subset). Raises ModisteError for an
    unconditional model, an unknown class (listing them), n < 1, a non-finite psi, a filter without
    a scorer or with too few kept, or an outdir that cannot be written or already holds a data set.
    """
    from modiste.gan.generate import class_index

    if method not in METHODS:
        raise ModisteError(f"unknown method {method!r}: use {', '.join(METHODS)}")
    if G.c_dim == 0:
        raise ModisteError("synthesize makes a data set of one class and needs a conditional generator: "
                           "train one with --cond")
    k = class_index(G, class_name)
    check_synthesis_args(G, n, truncation_psi, strength)
    if method == "filter" and scorer is None:
        raise ModisteError("--method filter needs a scorer: pass --real-data (nearest class mean of real images)")
    if method == "direction" and G.c_dim < 2:
        raise ModisteError("--method direction needs a generator with at least two classes")
    center = resolve_center(G, center)
    outdir = check_synthesis_outdir(outdir)
    dir_meta = _class_direction(G, class_name, direction, strength) if method == "direction" else None

    seeds, sampled = list(range(seed_start, seed_start + n)), n
    if method == "filter":
        seeds, sampled = _filter_seeds(G, k, n, truncation_psi, center, seed_start, scorer, max_samples or 20 * n,
                                       batch)
    src = source_classes(G, k, seeds) if method == "direction" else [k] * n
    ws = torch.cat([codes_for(G, method, k, seeds[i:i + batch], src[i:i + batch], truncation_psi, center, dir_meta)
                    for i in range(0, n, batch)])
    images = render(G, ws, batch)
    names = [f"images/{_safe(class_name)}/{i:06d}.png" for i in range(n)]
    manifest = {
        "format": FORMAT, "method": method, "class": class_name, "class_index": k, "attribute": attribute,
        "count": n, "sampled": sampled, "kept": n, "yield": n / sampled,
        "truncation_psi": float(truncation_psi), "truncation_center": center, "noise_mode": "const",
        "seed_start": seed_start, "render_batch": batch, "direction": dir_meta,
        "scorer": scorer_name if method == "filter" else None,
        "generator": generator_identity(G).to_json(), "checkpoint": str(getattr(G, "source_path", "")),
        "images": [{"file": f, "seed": s, "source_class": G.cfg.class_names[c]} for f, s, c in zip(names, seeds, src)],
    }
    _write(outdir, images, names, attribute, class_name, manifest,
           LatentSet("w+", ws.cpu(), generator_identity(G), [class_name] * n, seeds,
                     {"method": method, "truncation_psi": float(truncation_psi), "truncation_center": center}))
    return SynthesisResult(outdir, images, manifest)


@torch.no_grad()
def _filter_seeds(G, k, n, psi, center, seed_start, scorer, max_samples, batch) -> tuple[list[int], int]:
    kept, seed = [], seed_start
    while len(kept) < n and seed - seed_start < max_samples:
        seeds = list(range(seed, min(seed + batch, seed_start + max_samples)))
        ws = codes_for(G, "filter", k, seeds, [k] * len(seeds), psi, center, None)
        mask = torch.as_tensor(scorer(G.synthesis(ws, noise_mode="const"))).reshape(-1).bool().cpu()
        if mask.shape[0] != len(seeds):
            raise ModisteError(f"the scorer returned {mask.shape[0]} answers for {len(seeds)} images: return one each")
        kept += [s for s, m in zip(seeds, mask.tolist()) if m]
        seed += len(seeds)
    if len(kept) < n:
        raise ModisteError(f"only {len(kept)} of {max_samples} sampled images passed the scorer, {n} wanted: raise "
                           f"--max-samples, lower --n or use --method conditional")
    # sampled = images tried up to the n-th keeper (the rest of its batch was not needed)
    return kept[:n], kept[n - 1] - seed_start + 1


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name) or "class"


def _write(outdir: Path, images: torch.Tensor, names: list[str], attribute: str, class_name: str,
           manifest: dict, latents: LatentSet) -> None:
    tmp = Path(tempfile.mkdtemp(prefix=".images.", dir=outdir))
    try:
        respect_umask(tmp)  # mkdtemp makes 0700: the renamed images/ folder must read like a mkdir'd one
        for image, name in zip(images, names):
            save_image(image, tmp / Path(name).relative_to("images"))
        tmp.rename(outdir / "images")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    text = io.StringIO()
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(["filename", attribute])
    writer.writerows([name, class_name] for name in names)
    save_latents(outdir / "latents", latents)
    atomic_write_text(outdir / "labels.csv", text.getvalue())
    atomic_write_json(outdir / "manifest.json", manifest)


def regenerate(G: torch.nn.Module, manifest: dict) -> torch.Tensor:
    """The images of a synthesized data set, uint8 [N, 3, H, W], rendered again from its manifest.

    Raises ModisteError if G is not the generator the manifest names.
    """
    from modiste.latent.identity import GeneratorIdentity

    GeneratorIdentity.from_json(manifest["generator"]).require_same(generator_identity(G), "the data set")
    k, batch = manifest["class_index"], manifest["render_batch"]
    seeds = [item["seed"] for item in manifest["images"]]
    src = [G.cfg.class_names.index(item["source_class"]) for item in manifest["images"]]
    ws = torch.cat([codes_for(G, manifest["method"], k, seeds[i:i + batch], src[i:i + batch],
                              manifest["truncation_psi"], manifest["truncation_center"], manifest["direction"])
                    for i in range(0, len(seeds), batch)])
    return render(G, ws, batch)
