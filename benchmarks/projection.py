"""Projection must-reach figures on the product-photo generator (issue 12, item 6).

(a) the generator's own samples (known W): W+ reconstruction PSNR; (b) real photos it never saw
(clothing-cc0 test split, 2 per garment class, each projected with the matching articleType):
PSNR, MS-SSIM and the perceptual distance without and with pivotal tuning, and seconds per image;
(c) a figure: targets, W+ reconstructions, PTI reconstructions and one edit of each (GANSpace's
first component, applied to the PTI-tuned generator loaded back through the shared --latents loader).
`--sweep` instead compares loss-weight settings on a few real photos. Prints JSON.

    OMP_NUM_THREADS=1 python benchmarks/projection.py --checkpoint /work/runs/product-model/<run> \
        --own 20 --real 20 --steps 200 --pti-steps 100 --out /work/runs/projection-bench
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parents[1]
# clothing-cc0 folder -> the product model's articleType
CC0_CLASSES = {"dress": "Dresses", "hat": "Caps", "longsleeve": "Sweatshirts", "outwear": "Jackets",
               "pants": "Trousers", "shirt": "Shirts", "shoes": "Casual Shoes", "shorts": "Shorts",
               "skirt": "Skirts", "t-shirt": "Tshirts"}


def real_photos(data: Path, count: int) -> tuple[list[Path], list[str]]:
    """`count` photos from clothing-cc0/test, round-robin over the garment classes (sorted names)."""
    folders = {k: sorted((data / "clothing-cc0" / "test" / k).glob("*.jpg")) for k in CC0_CLASSES}
    paths, classes, i = [], [], 0
    while len(paths) < count:
        for k, files in folders.items():
            if i < len(files) and len(paths) < count:
                paths.append(files[i])
                classes.append(CC0_CLASSES[k])
        i += 1
    return paths, classes


def summary(scores: list[dict]) -> dict:
    out = {}
    for key in scores[0]:
        values = torch.tensor([s[key] for s in scores], dtype=torch.float64)
        out[key] = {"mean": round(float(values.mean()), 4), "min": round(float(values.min()), 4),
                    "max": round(float(values.max()), 4)}
    return out


def own_samples(G, n: int, steps: int, classes: list[str], perceptual, options_cls) -> dict:
    from modiste.gan.images import latents_for_seeds, to_uint8
    from modiste.latent.projection.init import mean_init
    from modiste.latent.projection.losses import ReconstructionLoss, reconstruction_scores
    from modiste.latent.projection.projector import ProjectorConfig, project, w_spread

    seeds = list(range(n))
    names = [classes[s % len(classes)] for s in seeds] if G.c_dim else []
    c = torch.tensor([G.cfg.class_names.index(k) for k in names]) if names else None
    with torch.no_grad():
        true_ws = G.mapping(latents_for_seeds(seeds, G.z_dim), c)
        targets = G.synthesis(true_ws, noise_mode="const")
    options = options_cls()
    t0 = time.perf_counter()
    loss = ReconstructionLoss(perceptual, targets, options.weights)
    result = project(G, loss, mean_init(G, c, n), ProjectorConfig(space="w+", steps=steps), w_spread(G, c))
    with torch.no_grad():
        images = result.G_noise.synthesis(result.ws, noise_mode="const")
        images_const_noise = G.synthesis(result.ws, noise_mode="const")
    seconds = (time.perf_counter() - t0) / n
    scores = reconstruction_scores(perceptual, images, targets)
    psnrs = [s["psnr_db"] for s in scores]
    return {"count": n, "steps": steps, "space": "w+", "truncation_psi": 1.0, "seconds_per_image": round(seconds, 2),
            "scores": summary(scores), "psnr_at_least_30db": sum(p >= 30 for p in psnrs),
            "psnr_with_the_generators_own_noise_maps": summary(reconstruction_scores(perceptual, images_const_noise,
                                                                                      targets))["psnr_db"],
            "_images": (to_uint8(targets), to_uint8(images))}


SWEEP = {  # loss-weight settings compared by --sweep (perceptual, pixel, ms_ssim); the noise weight stays 1e5
    "default (1, 1, 0.5)": (1.0, 1.0, 0.5),
    "pixel only (0, 1, 0)": (0.0, 1.0, 0.0),
    "perceptual only (1, 0, 0)": (1.0, 0.0, 0.0),
    "no MS-SSIM (1, 1, 0)": (1.0, 1.0, 0.0),
    "pixel-heavy (1, 10, 0.5)": (1.0, 10.0, 0.5),
}


def sweep(G, paths: list[Path], classes: list[str] | None, steps: int, perceptual) -> dict:
    """W+ projection (no PTI) of the same photos under each loss setting, plus the paper's latent noise."""
    from modiste.latent.projection.api import ProjectOptions, project_photos
    from modiste.latent.projection.losses import LossWeights

    out = {}
    runs = [(name, LossWeights(*w), None) for name, w in SWEEP.items()]
    runs.append(("default + paper latent noise 0.05", LossWeights(), 0.05))
    for name, weights, noise_factor in runs:
        options = ProjectOptions(space="w+", steps=steps, weights=weights, progress=False,
                                 latent_noise=ProjectOptions.latent_noise if noise_factor is None else noise_factor)
        t0 = time.perf_counter()
        results = project_photos(G, paths, options, perceptual=perceptual, classes=classes)
        out[name] = {"scores": summary([r.scores for r in results]),
                     "seconds_per_image": round((time.perf_counter() - t0) / len(paths), 2)}
        print(json.dumps({name: out[name]}), flush=True)
    return out


def retune(G, out: Path, skip: int, count: int, steps: int, lr: float | None, perceptual) -> dict:
    """Pivotal tuning again, with `steps`, from the W+ pivots and noise maps a `--parts real` run saved."""
    from safetensors.torch import load_file

    from modiste.latent import load_latents
    from modiste.latent.projection.losses import reconstruction_scores
    from modiste.latent.projection.noise import NOISE_BUFFER
    from modiste.latent.projection.projector import w_spread
    from modiste.latent.projection.pti import PTIConfig, pivotal_tuning
    from modiste.latent.projection.targets import load_photo

    entries = json.loads((out / "projection.json").read_text())["photos"][skip:skip + count]
    cfg = PTIConfig(steps=steps, **({"lr": lr} if lr else {}))
    rows = []
    for entry in entries:
        latents = load_latents(out / entry["latents"], G)
        saved = load_file(str(out / latents.meta["pti_weights"]))
        noise = {k[: -len(NOISE_BUFFER) - 1]: v for k, v in saved.items() if k.endswith(NOISE_BUFFER)}
        c = torch.tensor([G.cfg.class_names.index(latents.classes[0])]) if latents.classes[0] else None
        target = load_photo(entry["photo"], (G.cfg.width, G.cfg.height), latents.meta["fit_mode"]).image[None]
        t0 = time.perf_counter()
        tuned = pivotal_tuning(G, latents.latents, target, perceptual, cfg, w_spread(G, c), noise, c)
        with torch.no_grad():
            image = tuned.G.synthesis(latents.latents, noise_mode="const")
        after = reconstruction_scores(perceptual, image, target)[0]
        rows.append({"photo": entry["photo"], "before": entry["scores"], "after": after,
                     "gain_db": round(after["psnr_db"] - entry["scores"]["psnr_db"], 3),
                     "seconds": round(time.perf_counter() - t0, 2)})
        print(json.dumps(rows[-1]), flush=True)
    return {"steps": steps, "lr": cfg.lr, "photos": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--checkpoint", required=True)
    ap.add_argument("--data", default=os.environ.get("MODISTE_DATA", str(ROOT.parent / "shared" / "data")))
    ap.add_argument("--own", type=int, default=20)
    ap.add_argument("--real", type=int, default=20)
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--pti-steps", type=int, default=100)
    ap.add_argument("--figure-rows", type=int, default=10)
    ap.add_argument("--out", default="/work/runs/projection-bench")
    ap.add_argument("--figures", default=str(ROOT / "docs" / "images"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--parts", default="own,real", help="own, real (with the figure), or both.")
    ap.add_argument("--pti-lr", type=float, default=None, help="Pivotal tuning learning rate [default: the API's].")
    ap.add_argument("--skip", type=int, default=0, help="--parts pti: start at this photo of the saved run.")
    ap.add_argument("--sweep", type=int, default=0, help="Instead: compare loss settings on this many real photos.")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    import modiste
    from modiste.gan.images import save_png, to_uint8
    from modiste.gan.checkpoint import resolve_checkpoint, read_state
    from modiste.latent.directions import ganspace_directions
    from modiste.latent.edit import apply_direction
    from modiste.latent.inputs import load_generator_for, read_latents_for
    from modiste.latent.labelled_grid import labelled_grid
    from modiste.latent.projection.api import ProjectOptions, project_photos, write_projections
    from modiste.latent.projection.perceptual import InceptionPerceptual

    G = modiste.load_generator(args.checkpoint)
    kimg = read_state(resolve_checkpoint(args.checkpoint)).get("kimg")
    perceptual = InceptionPerceptual()
    figures = Path(args.figures)
    figures.mkdir(parents=True, exist_ok=True)
    report = {"benchmark": "projection", "checkpoint": str(G.source_path), "kimg": kimg, "threads": args.threads}
    if args.sweep:
        paths, classes = real_photos(Path(args.data), args.sweep)
        report["sweep"] = {"photos": args.sweep, "steps": args.steps,
                           "runs": sweep(G, paths, classes if G.c_dim else None, args.steps, perceptual)}
        print(json.dumps(report))
        return

    parts = {p.strip() for p in args.parts.split(",")}
    if "pti" in parts:  # re-tune from the pivots a --parts real run saved in --out (photos --skip .. --skip+--real)
        report["pti_from_saved_pivots"] = retune(G, Path(args.out), args.skip, args.real, args.pti_steps,
                                                 args.pti_lr, perceptual)
        print(json.dumps(report))
        return
    if "own" in parts:
        own = own_samples(G, args.own, args.steps, list(CC0_CLASSES.values()), perceptual, ProjectOptions)
        targets_u8, recon_u8 = own.pop("_images")
        k = min(args.figure_rows, args.own)
        save_png(labelled_grid(torch.stack([targets_u8[:k], recon_u8[:k]]), ["sample", "W+"], None, scale=2),
                 figures / "projection-own.png")
        report["own_samples"] = own
        print(json.dumps({"own_samples": own}), flush=True)
    if "real" not in parts:
        print(json.dumps(report))
        return

    paths, classes = real_photos(Path(args.data), args.real)
    options = ProjectOptions(space="w+", steps=args.steps, pti=True, pti_steps=args.pti_steps, progress=False,
                             **({"pti_lr": args.pti_lr} if args.pti_lr else {}))
    t0 = time.perf_counter()
    results = project_photos(G, paths, options, perceptual=perceptual, classes=classes if G.c_dim else None)
    seconds = (time.perf_counter() - t0) / len(paths)
    out = Path(args.out)
    write_projections(G, results, out, options)
    before = [r.scores for r in results]
    after = [r.pti_scores for r in results]
    gains = [a["psnr_db"] - b["psnr_db"] for a, b in zip(after, before)]
    report["real_photos"] = {
        "source": "clothing-cc0/test (photos by people on varied backgrounds; no product photo is held out of "
                  "the model's training set)",
        "count": len(paths), "steps": args.steps, "pti_steps": args.pti_steps, "pti_lr": options.pti_lr,
        "fit_mode": results[0].photo.mode,
        "without_pti": summary(before), "with_pti": summary(after),
        "pti_psnr_gain_db": {"mean": round(sum(gains) / len(gains), 3), "min": round(min(gains), 3)},
        "seconds_per_image": round(seconds, 2),
        "seconds_per_image_search": round(sum(r.seconds - r.pti_seconds for r in results) / len(results), 2),
        "seconds_per_image_pti": round(sum(r.pti_seconds for r in results) / len(results), 2),
    }
    print(json.dumps({"real_photos": report["real_photos"]}), flush=True)

    # (c) targets, W+, PTI and one edit (GANSpace pc_0 at +2 std on the PTI-tuned generator)
    ds = ganspace_directions(G, num=1, samples=2000)
    step = 2.0 * float(ds.meta["w_std"][0]) if "w_std" in ds.meta else 2.0
    rows, labels = [], []
    for r, stem in list(zip(results, [p.stem for p in paths]))[:args.figure_rows]:
        latents_path = out / f"{stem}.safetensors"
        tuned = load_generator_for(args.checkpoint, latents_path)
        ws = read_latents_for(tuned, latents_path).latents
        edited = apply_direction(ws, ds.vectors[0], step, ds.layers[0])
        with torch.no_grad():
            edit_image = to_uint8(tuned.synthesis(edited, noise_mode="const"))[0]
        rows.append(torch.stack([r.photo.uint8, to_uint8(r.image)[0], to_uint8(r.pti_image)[0], edit_image]))
        labels.append(r.class_name or "")
    save_png(labelled_grid(torch.stack(rows), labels, ["photo", "W+", "PTI", "PTI+edit"], scale=2),
             figures / "projection-real.png")
    report["edit"] = {"direction": "GANSpace pc_0 (2000 samples)", "strength_w_units": round(step, 3),
                      "layers": list(ds.layers[0])}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
