"""`modiste train`: the outer loop around GANTrainer (data, run folder, logs, snapshots, resume).

Launched as a plain process (one CPU or GPU) or by torchrun (one process per GPU, any number of
nodes): every rank runs this same function; rank 0 alone writes files.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Any

import torch

from modiste.atomic import atomic_write_json
from modiste.data import infinite_loader, open_image_dataset
from modiste.distributed import (
    DistContext,
    all_gather_cat,
    all_reduce_sum,
    broadcast_object,
    init_distributed,
    max_param_divergence,
    process_group_backend,
)
from modiste.errors import ModisteError
from modiste.gan.checkpoint import read_state, read_tensors, resolve_checkpoint, save_checkpoint
from modiste.gan.images import latents_for_seeds, make_grid, save_png, to_uint8
from modiste.gan.networks.config import NetworkConfig
from modiste.gan.training.run_dir import RunLog, latest_resumable_run, new_run_dir
from modiste.gan.training.state_io import capture_rng, restore_rng
from modiste.gan.training.config import TrainConfig
from modiste.gan.training.init_from import start_from_model
from modiste.gan.training.divergence import diverged, non_finite_stats, non_finite_tensors
from modiste.gan.training.progress import TrainingProgress
from modiste.gan.training.trainer import GANTrainer

# Settings that may change when a run is resumed (length, logging, hardware); all else is the recipe.
RESUMABLE_CHANGES = {"kimg", "max_minutes", "snap", "log_every", "keep", "workers", "metrics", "metrics_every",
                     "device", "compile", "data", "init_from", "init_from_sha256"}
# What a diverged run's message advises changing; on resume they apply from the snapshot's step on.
RETUNABLE_ON_RESUME = {"lr_g", "lr_d", "r1_gamma", "precision"}
# Defaults derived from other settings: a resumed run keeps the snapshot's value unless one is given.
DERIVED_DEFAULTS = ("r1_gamma", "ema_kimg")


def train(cfg: TrainConfig, outdir: str | Path = "runs", resume: str | None = None, dry_run: bool = False,
          progress: bool = True) -> Path | None:
    """Train until `cfg.kimg` thousand images (or `cfg.max_minutes`); return the run folder."""
    cfg.validate()
    not_given = [key for key in DERIVED_DEFAULTS if getattr(cfg, key) is None]
    cfg.resolve()
    ctx = init_distributed(cfg.device)
    cfg.validate_batch(ctx.world_size)  # before the data is opened: a bad batch fails at once
    dataset = open_image_dataset(cfg.data, **_dataset_kwargs(cfg))
    class_names = list(dataset.class_names) if cfg.cond else []
    net = cfg.network_config(dataset.num_channels, class_names)
    torch.manual_seed(cfg.seed)  # identical initial weights on every rank
    trainer = GANTrainer(cfg, net, ctx)
    if dry_run:
        if ctx.is_main:
            print(json.dumps(_summary(cfg, net, trainer, dataset, ctx), indent=2))
        return None

    snapshot = _find_resume(resume, outdir)
    if snapshot is not None:
        state = read_state(snapshot)
        for key in not_given:  # e.g. a run from before the portrait R1 fix keeps its gamma
            setattr(cfg, key, state["config"].get(key, getattr(cfg, key)))
        _check_resumable(cfg, net, state)
        run_dir = snapshot.parent.parent
        trainer.load_state({name: read_tensors(snapshot, name) for name in ("G", "D", "G_ema", "train_state")},
                           state["trainer"])
        rng = read_tensors(snapshot, "rng")
        key = f"rank{ctx.rank}"
        if key not in rng:
            raise ModisteError(f"checkpoint {snapshot} was written by {len(rng)} processes, this run has "
                               f"{ctx.world_size}: resume with the same number of processes")
        restore_rng(rng[key], ctx.device)
        cfg.init_from, cfg.init_from_sha256 = (state["config"].get(k) for k in ("init_from", "init_from_sha256"))
    else:
        if cfg.init_from:  # fine-tuning: G, D, G_ema from another model; cfg records its path and hash
            start_from_model(trainer, cfg)
        torch.manual_seed(cfg.seed * 1000 + ctx.rank + 1)  # per-rank randomness from here on
        run_dir = Path(broadcast_object(str(new_run_dir(outdir, dataset.name, cfg.resolution, cfg.aspect, cfg.arch))
                                        if ctx.is_main else None))
    log = _start_run_files(run_dir, cfg, net, dataset, ctx, resumed_from=snapshot)
    try:
        _loop(cfg, trainer, dataset, ctx, run_dir, log, progress)
    finally:
        if log is not None:
            log.close()
    return run_dir


def _aspect(cfg: TrainConfig) -> tuple[int, int]:
    from modiste.gan.networks.config import parse_aspect

    return parse_aspect(cfg.aspect)


def _find_resume(resume: str | None, outdir: str | Path) -> Path | None:
    if resume in (None, "", "none"):
        return None
    if resume == "auto":
        run = latest_resumable_run(outdir)
        return resolve_checkpoint(run) if run is not None else None
    return resolve_checkpoint(resume)


def _check_resumable(cfg: TrainConfig, net: NetworkConfig, state: dict[str, Any]) -> None:
    if state["network"] != net.to_dict():
        raise ModisteError("the checkpoint's network differs from this run's (resolution, preset, arch, classes or "
                           "channels): use the same settings, or start a new run with --resume none")
    saved = state["config"]
    for key, value in cfg.to_dict().items():
        if key not in RESUMABLE_CHANGES | RETUNABLE_ON_RESUME and saved.get(key) != value:
            raise ModisteError(f"--{key.replace('_', '-')} is {value!r} but the checkpoint was trained with "
                               f"{saved.get(key)!r}: resume with the same value, or start a new run with --resume none")


def _summary(cfg: TrainConfig, net: NetworkConfig, trainer: GANTrainer, dataset, ctx: DistContext) -> dict:
    count = lambda m: sum(p.numel() for p in m.parameters())  # noqa: E731
    return {
        "config": cfg.to_dict(),
        "network": net.to_dict(),
        "image_shape": [net.img_channels, net.height, net.width],
        "dataset": {"name": dataset.name, "images": len(dataset), "classes": len(dataset.class_names),
                    "skipped_unreadable": dataset.num_skipped},
        "parameters": {"G": count(trainer.G), "D": count(trainer.D), "G.mapping": count(trainer.G.mapping),
                       "G.synthesis": count(trainer.G.synthesis)},
        "processes": ctx.world_size,
        "device": str(ctx.device),
        "precision": trainer.precision.name,
    }


def _start_run_files(run_dir: Path, cfg, net, dataset, ctx, resumed_from: Path | None) -> RunLog | None:
    if not ctx.is_main:
        return None
    atomic_write_json(run_dir / "config.json", {
        "config": cfg.to_dict(), "network": net.to_dict(), "processes": ctx.world_size,
        "dataset": {"name": dataset.name, "images": len(dataset), "class_names": list(dataset.class_names),
                    "skipped_unreadable": dataset.num_skipped},
    })
    log = RunLog(run_dir)
    log.write({"event": "resume" if resumed_from else "start", "from": str(resumed_from) if resumed_from else None,
               "processes": ctx.world_size, "device": str(ctx.device), "backend": process_group_backend(),
               "command": sys.argv})
    return log


def _loop(cfg: TrainConfig, trainer: GANTrainer, dataset, ctx: DistContext, run_dir: Path, log: RunLog | None,
          progress: bool) -> None:
    total = int(cfg.kimg * 1000)
    loader = infinite_loader(dataset, trainer.local_batch, rank=ctx.rank, world_size=ctx.world_size, seed=cfg.seed,
                             num_workers=cfg.workers, start_batch=trainer.step)
    grid_z, grid_c = _grid_inputs(trainer, dataset)
    if ctx.is_main and trainer.step == 0:
        _save_reals(dataset, run_dir, grid_z.shape[0])
    bar = TrainingProgress(total, cfg.max_minutes, start_nimg=trainer.nimg, enabled=progress and ctx.is_main)
    start, last_log_time, last_log_nimg = time.time(), time.time(), trainer.nimg
    next_log = _next_boundary(trainer.nimg, cfg.log_every)
    next_snap = _next_boundary(trainer.nimg, cfg.snap)
    try:  # closed on an error too, so `error: ...` starts its own line instead of trailing the bar
        while trainer.nimg < total:
            images, labels = next(loader)
            trainer.train_step(images, labels if trainer.net.c_dim > 0 else None)
            bar.update(trainer.nimg, time.time() - start)
            out_of_time = _out_of_time(cfg, start, ctx)
            done = trainer.nimg >= total or out_of_time
            if trainer.nimg >= next_log or trainer.nimg >= next_snap or done:  # a snapshot never goes unchecked
                now = time.time()
                stats = trainer.pop_stats()
                _stop_if_diverged(non_finite_stats(stats), trainer, run_dir, log)
                rate = (trainer.nimg - last_log_nimg) / max(now - last_log_time, 1e-9)
                last_log_time, last_log_nimg = now, trainer.nimg
                next_log = _next_boundary(trainer.nimg, cfg.log_every)
                if ctx.is_main:
                    bar.show({"G": f"{stats.get('loss/G', 0):.3f}", "D": f"{stats.get('loss/D', 0):.3f}",
                              "p": f"{stats.get('augment/p', 0):.2f}"})
                    log.write({"kimg": trainer.nimg / 1000, "step": trainer.step, "img_per_s": round(rate, 2),
                               **stats}, step_kimg=trainer.nimg / 1000)
            if trainer.nimg >= next_snap or done:
                next_snap = _next_boundary(trainer.nimg, cfg.snap)
                _snapshot(cfg, trainer, ctx, run_dir, log, grid_z, grid_c)
            if out_of_time:
                break
    finally:
        bar.close()
    if log is not None:
        log.write({"event": "done", "kimg": trainer.nimg / 1000, "step": trainer.step,
                   "minutes": round((time.time() - start) / 60, 2)})


def _stop_if_diverged(what: list[str], trainer: GANTrainer, run_dir: Path, log: RunLog | None) -> None:
    """Raise TrainingDiverged (every rank alike) when `what` names non-finite statistics or networks."""
    if not what:
        return
    error = diverged(run_dir, trainer.nimg / 1000, trainer.step, what)
    if log is not None:
        log.write({"event": "diverged", "kimg": trainer.nimg / 1000, "step": trainer.step, "non_finite": what,
                   "message": str(error)})
    raise error


def _next_boundary(nimg: int, every_kimg: float) -> int:
    every = max(1, int(every_kimg * 1000))
    return (nimg // every + 1) * every


def _out_of_time(cfg: TrainConfig, start: float, ctx: DistContext) -> bool:
    if cfg.max_minutes is None:
        return False
    flag = torch.tensor([float(time.time() - start > cfg.max_minutes * 60)], device=ctx.device)
    return bool(all_reduce_sum(flag).item() > 0)  # every rank stops at the same step


def _grid_inputs(trainer: GANTrainer, dataset) -> tuple[torch.Tensor, torch.Tensor | None]:
    n = 64 if trainer.net.resolution <= 64 else 32 if trainer.net.resolution <= 256 else 16
    z = latents_for_seeds(list(range(n)), trainer.G.z_dim)
    c = torch.arange(n) % trainer.net.c_dim if trainer.net.c_dim > 0 else None
    return z, c


def _save_reals(dataset, run_dir: Path, n: int) -> None:
    step = max(1, len(dataset) // n)
    images = torch.stack([dataset[i * step][0] for i in range(min(n, len(dataset)))])
    save_png(make_grid(images), run_dir / "reals.png")


@torch.no_grad()
def _snapshot(cfg, trainer: GANTrainer, ctx: DistContext, run_dir: Path, log: RunLog | None, grid_z, grid_c) -> None:
    rng = capture_rng(ctx.device)
    all_rng = all_gather_cat(rng.to(ctx.device).unsqueeze(0)).cpu()  # one row per rank
    divergence = max_param_divergence(torch.nn.ModuleList([trainer.G, trainer.D]))
    kimg = trainer.nimg / 1000
    images = (trainer.G_ema(grid_z.to(ctx.device), None if grid_c is None else grid_c.to(ctx.device),
                            noise_mode="const") if ctx.is_main else None)
    _stop_if_diverged(non_finite_tensors({"G": trainer.G, "D": trainer.D, "G_ema": trainer.G_ema,
                                          "path-length mean": trainer.pl_reg, "sample grid": images}, ctx.device),
                      trainer, run_dir, log)
    metrics: dict[str, float] = {}
    if cfg.metrics and _metrics_due(cfg, trainer):
        from modiste.metrics import evaluate_generator

        metrics = evaluate_generator(trainer.G_ema, cfg.data, metrics=cfg.metrics, device=ctx.device,
                                     dataset_kwargs=_dataset_kwargs(cfg), progress=False)
    if ctx.is_main:
        tensors = trainer.state_tensors()
        tensors["rng"] = {f"rank{r}": all_rng[r] for r in range(all_rng.shape[0])}
        state = {"config": cfg.to_dict(), "network": trainer.net.to_dict(), "kimg": kimg,
                 "processes": ctx.world_size, "trainer": trainer.state_meta()}
        path = save_checkpoint(run_dir, kimg, tensors, state, keep=cfg.keep)
        save_png(make_grid(to_uint8(images)), run_dir / f"fakes-{kimg:010.3f}.png")
        save_png(make_grid(to_uint8(images)), run_dir / "fakes-latest.png")
        log.write({"event": "snapshot", "kimg": kimg, "path": str(path.relative_to(run_dir)),
                   "ddp/max_param_divergence": divergence, **{f"metrics/{k}": v for k, v in metrics.items()}},
                  step_kimg=kimg)
    restore_rng(rng, ctx.device)  # sampling grids and metrics must not change the training's random stream


def _metrics_due(cfg: TrainConfig, trainer: GANTrainer) -> bool:
    if cfg.metrics_every <= 0:
        return True
    every = int(cfg.metrics_every * 1000)
    return trainer.nimg // every > (trainer.nimg - cfg.batch) // every or trainer.nimg >= cfg.kimg * 1000


def _dataset_kwargs(cfg: TrainConfig) -> dict[str, Any]:
    return {"resolution": cfg.resolution, "aspect": _aspect(cfg), "mode": cfg.mode, "labels": cfg.labels,
            "label_field": cfg.cond, "drop_unlabelled": cfg.drop_unlabelled}
