"""rosinality/stylegan2-pytorch checkpoints (`model.py`'s Generator and Discriminator) -> Modiste names.

The checkpoint is a dict with `g_ema` (and, from its train.py, `g`, `d`, optimiser states and the
argparse `args`; from its convert_weight.py, `latent_avg`), read with `torch.load(weights_only=True)`.

Conventions that make the mapping more than renaming (checked against a literal reimplementation
in tests/gan/test_import.py):
- the mapping network is `style.1 .. style.n` (index 0 is PixelNorm), equalised LR with lr_mul 0.01:
  weights stored N(0,1)/lr_mul and biases scaled by lr_mul at run time, as in Modiste: copied as is;
- modulated conv weights are [1, O, I, k, k]; `noise.weight` [1] is the noise strength,
  `activate.bias` (FusedLeakyReLU) is the layer bias; `to_rgb*.bias` is [1, 3, 1, 1];
- the learned constant is [1, C, 4, 4]; noises are `noises.noise_0 ..` in layer order;
- ws: conv1 w0, to_rgb1 w1, then each block (up conv, conv, toRGB) shares its toRGB w with the next
  block's first conv, as in Modiste, so `n_latent` = num_ws;
- w_avg is `latent_avg` when present (converted official models); training checkpoints have none,
  so it is the mean of 10,000 mapped z (seed 0), what rosinality's `mean_latent` estimates.
- D: `convs.0` is fromRGB (ConvLayer: conv `.0`, FusedLeakyReLU bias `.1`), then ResBlocks whose
  downsampling ConvLayers put a Blur first (`conv2.1`, `conv2.2`, `skip.1`), `final_conv`,
  `final_linear.0/.1`; the residual sum is divided by sqrt(2), Modiste's sqrt(1/2) gains.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import torch

from modiste.errors import ModisteError
from modiste.gan.convert.layout import Tensors, network_config, rename
from modiste.gan.networks.config import NetworkConfig

W_AVG_SAMPLES = 10_000


def read_checkpoint(path: str | Path) -> dict:
    """The checkpoint dict; torch's weights-only loader (argparse.Namespace allowed for `args`)."""
    try:
        with torch.serialization.safe_globals([argparse.Namespace]):
            ckpt = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 - torch raises many kinds for foreign or unsafe files
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise ModisteError(f"cannot read {path} with torch.load(weights_only=True) ({type(e).__name__}: {first}): "
                           "pass a rosinality checkpoint") from e
    if not isinstance(ckpt, dict) or "g_ema" not in ckpt:
        raise ModisteError(f"{path} is not a rosinality checkpoint (no 'g_ema'): pass the .pt its train.py or "
                           "convert_weight.py wrote")
    return ckpt


def _generator_config(g: Tensors, source: str) -> NetworkConfig:
    if any(k.endswith(".iwt.ll") or k.startswith("to_rgbs.0.dwt") for k in g):
        raise ModisteError(f"{source} is a rosinality SWAGAN checkpoint: only its StyleGAN2 (model.py) converts")
    n_blocks = sum(1 for k in g if re.fullmatch(r"to_rgbs\.\d+\.bias", k))
    resolution = 4 * 2**n_blocks
    layers = [k for k in g if re.fullmatch(r"style\.\d+\.weight", k)]
    channels = {4: g["input.input"].shape[1]}
    for j in range(n_blocks):
        channels[8 * 2**j] = g[f"convs.{2 * j}.conv.weight"].shape[1]
    w_dim = g["style.1.weight"].shape[0]
    return network_config(resolution, channels, z_dim=g["style.1.weight"].shape[1], w_dim=w_dim,
                          mapping_layers=len(layers), c_dim=0, img_channels=g["to_rgb1.conv.weight"].shape[1],
                          source=source)


def _layer_pairs(new: str, old: str) -> list[tuple[str, str]]:
    return [(f"{new}.weight", f"{old}.conv.weight"), (f"{new}.affine.weight", f"{old}.conv.modulation.weight"),
            (f"{new}.affine.bias", f"{old}.conv.modulation.bias"), (f"{new}.bias", f"{old}.activate.bias"),
            (f"{new}.noise_strength", f"{old}.noise.weight")]


def _torgb_pairs(new: str, old: str) -> list[tuple[str, str]]:
    return [(f"{new}.weight", f"{old}.conv.weight"), (f"{new}.affine.weight", f"{old}.conv.modulation.weight"),
            (f"{new}.affine.bias", f"{old}.conv.modulation.bias"), (f"{new}.bias", f"{old}.bias")]


def convert_generator(g: Tensors, cfg: NetworkConfig) -> Tensors:
    """rosinality Generator state dict -> Modiste generator state dict without `mapping.w_avg`."""
    from modiste.gan.networks import build_generator

    shapes = {k: v.shape for k, v in build_generator(cfg).state_dict().items()}
    pairs = [(f"mapping.layers.{i}.{p}", f"style.{i + 1}.{p}") for i in range(cfg.mapping_layers)
             for p in ("weight", "bias")]
    pairs += [("synthesis.blocks.0.const", "input.input")]
    pairs += _layer_pairs("synthesis.blocks.0.conv1", "conv1") + _torgb_pairs("synthesis.blocks.0.to_image", "to_rgb1")
    pairs += [("synthesis.blocks.0.conv1.noise_const", "noises.noise_0")]
    for j in range(1, cfg.log2_resolution - 1):
        block = f"synthesis.blocks.{j}"
        pairs += _layer_pairs(f"{block}.conv0", f"convs.{2 * j - 2}")
        pairs += _layer_pairs(f"{block}.conv1", f"convs.{2 * j - 1}")
        pairs += _torgb_pairs(f"{block}.to_image", f"to_rgbs.{j - 1}")
        pairs += [(f"{block}.conv0.noise_const", f"noises.noise_{2 * j - 1}"),
                  (f"{block}.conv1.noise_const", f"noises.noise_{2 * j}")]
    return rename(g, pairs, reshape={new: shapes[new] for new, _ in pairs})


def convert_discriminator(d: Tensors, cfg: NetworkConfig) -> Tensors:
    """rosinality Discriminator state dict -> Modiste discriminator state dict."""
    from modiste.gan.networks import build_discriminator

    shapes = {k: v.shape for k, v in build_discriminator(cfg).state_dict().items()}
    pairs = [("from_image.weight", "convs.0.0.weight"), ("from_image.bias", "convs.0.1.bias")]
    for i in range(cfg.log2_resolution - 2):
        old, new = f"convs.{i + 1}", f"blocks.{i}"
        pairs += [(f"{new}.conv0.weight", f"{old}.conv1.0.weight"), (f"{new}.conv0.bias", f"{old}.conv1.1.bias"),
                  (f"{new}.conv1.weight", f"{old}.conv2.1.weight"), (f"{new}.conv1.bias", f"{old}.conv2.2.bias"),
                  (f"{new}.skip.weight", f"{old}.skip.1.weight")]
    pairs += [("epilogue.conv.weight", "final_conv.0.weight"), ("epilogue.conv.bias", "final_conv.1.bias"),
              ("epilogue.fc.weight", "final_linear.0.weight"), ("epilogue.fc.bias", "final_linear.0.bias"),
              ("epilogue.out.weight", "final_linear.1.weight"), ("epilogue.out.bias", "final_linear.1.bias")]
    return rename(d, pairs, reshape={new: shapes[new] for new, _ in pairs})


def estimate_w_avg(G: torch.nn.Module, samples: int = W_AVG_SAMPLES) -> torch.Tensor:
    """Mean of w over `samples` z ~ N(0, I) drawn with seed 0: [w_dim]."""
    z = torch.randn(samples, G.z_dim, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        return G.mapping(z, None)[:, 0].mean(dim=0)


def convert(path: str | Path) -> tuple[NetworkConfig, dict[str, Tensors]]:
    """(config, {"G_ema", and "G", "D" when the file has them}) in Modiste names; ModisteError if unreadable."""
    from modiste.gan.networks import build_generator

    ckpt = read_checkpoint(path)
    cfg = _generator_config(ckpt["g_ema"], str(path))
    nets: dict[str, Tensors] = {}
    for new, old in (("G_ema", "g_ema"), ("G", "g")):
        if old in ckpt:
            nets[new] = convert_generator(ckpt[old], cfg)
    if "d" in ckpt:
        nets["D"] = convert_discriminator(ckpt["d"], cfg)
    latent_avg = ckpt.get("latent_avg")
    for name in [n for n in ("G_ema", "G") if n in nets]:
        if latent_avg is not None:
            nets[name]["mapping.w_avg"] = latent_avg.detach().float().reshape(-1)
        else:
            G = build_generator(cfg)
            G.load_state_dict({**nets[name], "mapping.w_avg": torch.zeros(cfg.w_dim)})
            nets[name]["mapping.w_avg"] = estimate_w_avg(G)
    return cfg, nets
