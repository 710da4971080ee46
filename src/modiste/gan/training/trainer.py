"""One GAN training step: the four lazy-regularisation phases, EMA and ADA, on one process or many.

Per step (StyleGAN2-ADA's schedule):
    G main   non-saturating loss through D(augment(G(z)))                       every step
    G reg    path-length penalty x pl_interval, on a half batch                  every pl_interval steps
    D main   logistic loss on augment(real) and augment(G(z))                     every step
    D reg    R1 penalty x gamma/2 x r1_interval on the un-augmented reals        every r1_interval steps
then the generator EMA is updated (ADA tunes its probability after D main). Each phase has its
own optimiser step, which is why Adam's lr and betas get the lazy-regularisation correction.

As in stylegan2-ada-pytorch, every pass of G's mapping network in training mode updates the W
average used for truncation (G main, G reg and the fakes of D main: 2 + 1/pl_interval updates per
step), except the second latent of style mixing.

The same object serves the training loop, the throughput benchmark and the tests.
"""

from __future__ import annotations

import copy
from collections import defaultdict

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel

from modiste.data import to_model_range
from modiste.distributed import DistContext, all_reduce_mean
from modiste.gan.augment import AdaTuner, build_augment
from modiste.gan.training.ema import ema_beta, update_ema
from modiste.gan.training.losses import (
    PathLengthRegularizer,
    discriminator_loss,
    generator_loss,
    lazy_adam_params,
    r1_penalty,
)
from modiste.gan.networks.config import NetworkConfig
from modiste.gan.networks import build_discriminator, build_generator
from modiste.gan.training.precision import resolve_precision, resolve_reg_precision
from modiste.gan.training.state_io import flatten_optimizer, unflatten_optimizer
from modiste.gan.training.config import TrainConfig
from modiste.gan.training.forward import GeneratorTrainingForward


class GANTrainer:
    def __init__(self, cfg: TrainConfig, net: NetworkConfig, ctx: DistContext):
        cfg.resolve()
        cfg.validate_batch(ctx.world_size)
        self.cfg, self.net, self.ctx = cfg, net, ctx
        device = ctx.device
        if device.type == "cuda":  # shapes never change during training: let cuDNN pick the fastest kernels
            torch.backends.cudnn.benchmark = True
        self.memory_format = torch.channels_last if cfg.channels_last else torch.contiguous_format
        self.G = build_generator(net).to(device, memory_format=self.memory_format).train()
        self.D = build_discriminator(net).to(device, memory_format=self.memory_format).train()
        self.G_ema = copy.deepcopy(self.G).eval().requires_grad_(False)
        if cfg.sync_bn:  # our networks have no BatchNorm; this serves models that add some
            self.G = nn.SyncBatchNorm.convert_sync_batchnorm(self.G)
            self.D = nn.SyncBatchNorm.convert_sync_batchnorm(self.D)
        self.augment = build_augment(cfg.aug, policy=cfg.diffaugment_policy).to(device)
        self.ada_tuner = (AdaTuner(self.augment, target=cfg.ada_target, interval=cfg.ada_interval,
                                   ada_kimg=cfg.ada_kimg) if cfg.aug == "ada" else None)
        self.pl_reg = PathLengthRegularizer(weight=cfg.pl_weight).to(device)
        self.precision = resolve_precision(cfg.precision, device)
        self.reg_precision = resolve_reg_precision(cfg.reg_precision, self.precision)
        self.scaler_G = self.precision.grad_scaler()
        self.scaler_D = self.precision.grad_scaler()

        self.G_forward = self._parallel(GeneratorTrainingForward(self.G, cfg.style_mixing))
        self.D_forward = self._parallel(self.D)
        # compiled copies share the parameters; double backward (R1, path length) stays eager
        self.G_main = torch.compile(self.G_forward) if cfg.compile else self.G_forward
        self.D_main = torch.compile(self.D_forward) if cfg.compile else self.D_forward

        betas = (cfg.beta1, cfg.beta2)
        lr_g, betas_g = lazy_adam_params(cfg.lr_g, betas, cfg.pl_interval if cfg.pl_weight > 0 else None)
        lr_d, betas_d = lazy_adam_params(cfg.lr_d, betas, cfg.r1_interval if cfg.r1_gamma > 0 else None)
        self.opt_G = torch.optim.Adam(self.G.parameters(), lr=lr_g, betas=betas_g)
        self.opt_D = torch.optim.Adam(self.D.parameters(), lr=lr_d, betas=betas_d)
        self._adam_settings = [(self.opt_G, lr_g, betas_g), (self.opt_D, lr_d, betas_d)]
        self.step = 0  # optimiser steps taken (per process, identical on every rank)
        self.nimg = 0  # real images shown to D, over all processes
        self._stats: dict[str, list[torch.Tensor]] = defaultdict(list)

    # ------------------------------------------------------------------ setup helpers
    def _parallel(self, module: nn.Module) -> nn.Module:
        if self.cfg.parallel == "dp":
            return nn.DataParallel(module) if self.ctx.device.type == "cuda" else module
        if not self.ctx.is_distributed:
            return module
        device_ids = [self.ctx.device.index] if self.ctx.device.type == "cuda" else None
        return DistributedDataParallel(module, device_ids=device_ids, broadcast_buffers=False)

    @property
    def local_batch(self) -> int:
        return self.cfg.batch // self.ctx.world_size

    def _micro_batches(self, *tensors: torch.Tensor | None) -> list[tuple]:
        n = self.cfg.grad_accum
        chunks = [t.chunk(n) if t is not None else [None] * n for t in tensors]
        return list(zip(*chunks))

    def _sample_c(self, labels: torch.Tensor | None, n: int) -> torch.Tensor | None:
        """Classes for fakes follow the data: a shuffle of this batch's labels."""
        if labels is None:
            return None
        return labels[torch.randint(0, labels.shape[0], (n,), device=labels.device)]

    def _no_sync(self, module: nn.Module, last: bool):
        if isinstance(module, DistributedDataParallel) and not last:
            return module.no_sync()
        return torch.enable_grad()

    def _record(self, name: str, value: torch.Tensor) -> None:
        self._stats[name].append(value.detach().float().mean())

    # ------------------------------------------------------------------ the step
    def train_step(self, images: torch.Tensor, labels: torch.Tensor | None) -> None:
        """One optimiser step of G and of D on this process's share of the global batch.

        `images` are uint8 [B, C, H, W] (or floats in [-1, 1]); `labels` class indices or None.
        """
        cfg = self.cfg
        real, c_real = self.prepare_reals(images, labels)
        self.generator_main(real.shape[0], c_real)
        if cfg.pl_weight > 0 and self.step % cfg.pl_interval == 0:
            self.generator_reg(real.shape[0], c_real)
        self.discriminator_main(real, c_real)
        if cfg.r1_gamma > 0 and self.step % cfg.r1_interval == 0:
            self.discriminator_reg(real, c_real)
        self.end_step()

    def prepare_reals(self, images: torch.Tensor, labels: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor | None]:
        device = self.ctx.device
        real = images.to(device, non_blocking=True)
        real = to_model_range(real) if real.dtype == torch.uint8 else real.float()
        real = real.contiguous(memory_format=self.memory_format)
        if self.cfg.xflip:
            flip = torch.rand(real.shape[0], 1, 1, 1, device=device) < 0.5
            real = torch.where(flip, real.flip(3), real)
        c_real = labels.to(device) if (labels is not None and self.net.c_dim > 0) else None
        return real, c_real

    def end_step(self) -> None:
        """Update the generator EMA, then count the step (ADA tunes its p after each D step).

        The EMA's ramp-up uses the images seen *before* this step, as stylegan2-ada does: the
        first step copies G into G_ema (half-life 0).
        """
        update_ema(self.G_ema, self.G, ema_beta(self.cfg.batch, self.nimg, self.cfg.ema_kimg, self.cfg.ema_rampup))
        self.step += 1
        self.nimg += self.cfg.batch

    def generator_main(self, n: int, c_real: torch.Tensor | None) -> None:
        self.G.requires_grad_(True)
        self.D.requires_grad_(False)
        self.opt_G.zero_grad(set_to_none=True)
        parts = self._micro_batches(torch.randn(n, self.G.z_dim, device=self.ctx.device), self._sample_c(c_real, n))
        for i, (z, c) in enumerate(parts):
            with self._no_sync(self.G_forward, i == len(parts) - 1), self.precision.autocast():
                fake = self.G_main(z, c, update_w_avg=True)
                # D is frozen here: outside no_sync its DDP would arm a gradient all-reduce that then
                # fires in D main's first micro-batch (stylegan2-ada runs D with sync=False here too)
                with self._no_sync(self.D_forward, last=False):
                    logits = self.D_main(self.augment(fake), c)
                loss = generator_loss(logits.float())
            self.scaler_G.scale(loss / len(parts)).backward()
            self._record("loss/G", loss)
        self._optimizer_step(self.opt_G, self.scaler_G, self.G)

    def generator_reg(self, n: int, c_real: torch.Tensor | None) -> None:
        cfg = self.cfg
        self.opt_G.zero_grad(set_to_none=True)
        n_pl = self.pl_reg.shrunk_batch(n)  # path length on a half batch, as in StyleGAN2
        parts = self._micro_batches(torch.randn(n_pl, self.G.z_dim, device=self.ctx.device), self._sample_c(c_real, n_pl))
        for i, (z, c) in enumerate(parts):
            with self._no_sync(self.G_forward, i == len(parts) - 1), self.reg_precision.autocast():
                fake, ws = self.G_forward(z, c, update_w_avg=True, return_ws=True)
                penalty = self.pl_reg(fake, ws)  # already x pl_weight; reduced in fp32
                # `fake[:, 0, 0, 0] * 0` keeps every generator parameter in the graph for DDP
                loss = penalty * cfg.pl_interval + fake[:, 0, 0, 0].mean() * 0
            loss.div(len(parts)).backward()
            self._record("loss/pl_penalty", penalty)
            self._record("pl/length", self.pl_reg.last_lengths)
        self._optimizer_step(self.opt_G, None, self.G)

    def discriminator_main(self, real: torch.Tensor, c_real: torch.Tensor | None) -> None:
        self.G.requires_grad_(False)
        self.D.requires_grad_(True)
        self.opt_D.zero_grad(set_to_none=True)
        n = real.shape[0]
        parts = self._micro_batches(real, c_real, torch.randn(n, self.G.z_dim, device=self.ctx.device), self._sample_c(c_real, n))
        real_logits_all = []
        for i, (x, c, z, c_fake) in enumerate(parts):
            with torch.no_grad(), self.precision.autocast():
                fake = self.G_main(z, c_fake, update_w_avg=True)
            with self._no_sync(self.D_forward, i == len(parts) - 1), self.precision.autocast():
                fake_logits = self.D_main(self.augment(fake), c_fake).float()
                real_logits = self.D_main(self.augment(x), c).float()
                loss = discriminator_loss(real_logits, fake_logits)
            self.scaler_D.scale(loss / len(parts)).backward()
            self._record("loss/D", loss)
            self._record("D/real_sign", real_logits.sign())
            self._record("D/real", real_logits)
            self._record("D/fake", fake_logits)
            real_logits_all.append(real_logits.detach())
        self._optimizer_step(self.opt_D, self.scaler_D, self.D)
        if self.ada_tuner is not None:
            self.ada_tuner.observe(torch.cat(real_logits_all))

    def discriminator_reg(self, real: torch.Tensor, c_real: torch.Tensor | None) -> None:
        cfg = self.cfg
        self.opt_D.zero_grad(set_to_none=True)
        parts = self._micro_batches(real, c_real)
        for i, (x, c) in enumerate(parts):
            x = x.detach().requires_grad_(True)
            with self._no_sync(self.D_forward, i == len(parts) - 1), self.reg_precision.autocast():
                logits = self.D_forward(self.augment(x), c)
                penalty = r1_penalty(x, logits)  # gradient w.r.t. the fp32 reals, reduced in fp32
                loss = penalty.mean() * (cfg.r1_gamma / 2) * cfg.r1_interval + logits.mean() * 0
            loss.div(len(parts)).backward()
            self._record("loss/r1_penalty", penalty)
        self._optimizer_step(self.opt_D, None, self.D)

    def _optimizer_step(self, opt: torch.optim.Optimizer, scaler: torch.amp.GradScaler | None, module: nn.Module) -> None:
        if scaler is not None and scaler.is_enabled():
            scaler.unscale_(opt)
        for p in module.parameters():  # one bad sample must not poison the weights
            if p.grad is not None:
                torch.nan_to_num_(p.grad, nan=0.0, posinf=1e5, neginf=-1e5)
        if scaler is not None and scaler.is_enabled():
            scaler.step(opt)
            scaler.update()
        else:
            opt.step()

    # ------------------------------------------------------------------ stats and state
    def pop_stats(self) -> dict[str, float]:
        """Means since the last call, averaged over all processes (every rank must call it)."""
        names = sorted(self._stats)
        if not names:
            return {}
        means = torch.stack([torch.stack(self._stats[k]).mean() for k in names])
        means = all_reduce_mean(means).tolist()
        self._stats.clear()
        stats = dict(zip(names, means))
        stats["pl_mean"] = float(self.pl_reg.pl_mean)
        if self.ada_tuner is not None:
            stats["augment/p"] = self.ada_tuner.p
            if self.ada_tuner.r_t is not None:
                stats["augment/r_t"] = self.ada_tuner.r_t
        return stats

    def state_tensors(self) -> dict[str, dict[str, torch.Tensor]]:
        opt_g, _ = flatten_optimizer("opt_G", self.opt_G.state_dict())
        opt_d, _ = flatten_optimizer("opt_D", self.opt_D.state_dict())
        extra = {f"augment/{k}": v for k, v in self.augment.state_dict().items()}
        extra.update({f"pl_reg/{k}": v for k, v in self.pl_reg.state_dict().items()})
        if self.ada_tuner is not None:
            extra.update({f"ada_tuner/{k}": v for k, v in self.ada_tuner.state_dict().items()})
        return {
            "G": self.G.state_dict(),
            "D": self.D.state_dict(),
            "G_ema": self.G_ema.state_dict(),
            "train_state": {**opt_g, **opt_d, **extra},
        }

    def state_meta(self) -> dict:
        _, opt_g = flatten_optimizer("opt_G", self.opt_G.state_dict())
        _, opt_d = flatten_optimizer("opt_D", self.opt_D.state_dict())
        return {"step": self.step, "nimg": self.nimg, "opt_G": opt_g, "opt_D": opt_d,
                "scaler_G": self.scaler_G.state_dict(), "scaler_D": self.scaler_D.state_dict()}

    def load_state(self, tensors: dict[str, dict[str, torch.Tensor]], meta: dict) -> None:
        self.G.load_state_dict(tensors["G"])
        self.D.load_state_dict(tensors["D"])
        self.G_ema.load_state_dict(tensors["G_ema"])
        ts = tensors["train_state"]
        self.opt_G.load_state_dict(unflatten_optimizer("opt_G", ts, meta["opt_G"]))
        self.opt_D.load_state_dict(unflatten_optimizer("opt_D", ts, meta["opt_D"]))
        for opt, lr, betas in self._adam_settings:  # this run's lr and betas (a resume may retune them)
            for group in opt.param_groups:
                group["lr"], group["betas"] = lr, betas
        self.augment.load_state_dict({k[len("augment/"):]: v for k, v in ts.items() if k.startswith("augment/")})
        self.pl_reg.load_state_dict({k[len("pl_reg/"):]: v for k, v in ts.items() if k.startswith("pl_reg/")})
        if self.ada_tuner is not None:
            self.ada_tuner.load_state_dict({k[len("ada_tuner/"):]: v for k, v in ts.items() if k.startswith("ada_tuner/")})
        if meta.get("scaler_G"):
            self.scaler_G.load_state_dict(meta["scaler_G"])
            self.scaler_D.load_state_dict(meta["scaler_D"])
        self.step, self.nimg = int(meta["step"]), int(meta["nimg"])
