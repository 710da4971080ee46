"""stylegan2-ada-pytorch network pickles (`G`, `D`, `G_ema` of `training/networks.py`) -> Modiste names.

The pickle is read by `safe_pickle` (nothing in it runs); each network arrives as a
PersistentRecord whose parameters and buffers give an NVlabs state dict:

    mapping.embed / mapping.fc{i} / mapping.w_avg        -> mapping.embed / mapping.layers.{i} / mapping.w_avg
    synthesis.b{4}.const, .conv1, .torgb                -> synthesis.blocks.0.const, .conv1, .to_image
    synthesis.b{r}.conv0, .conv1, .torgb                 -> synthesis.blocks.{log2(r) - 2}.*
    layer .affine / .weight / .bias / .noise_strength    -> the same names; .noise_const [r, r] -> [1, 1, r, r]
    torgb.weight [O, I, 1, 1]                            -> to_image.weight [O, I]
    D b{r}.fromrgb (first block) / .conv0 / .conv1 / .skip, b4.conv / .fc / .out, mapping.*
                                                         -> from_image, blocks.{i}.*, epilogue.*, class_mapping.*

The storage conventions agree (weights N(0,1)/lr_mul scaled by lr_mul/sqrt(fan_in); biases scaled by
lr_mul at run time), so values are copied, not rescaled. Only the StyleGAN2 configurations convert:
the 'skip' generator and 'resnet' discriminator that train.py builds for every --cfg. StyleGAN3
(alias-free) generators have a different synthesis network (Fourier-feature input, filtered
layers) with no Modiste equivalent and are refused with one line.
"""

from __future__ import annotations

import re
from pathlib import Path

from modiste.errors import ModisteError
from modiste.gan.convert.layout import Tensors, network_config, rename
from modiste.gan.convert.safe_pickle import PersistentRecord, load_network_pickle
from modiste.gan.networks.config import NetworkConfig

LAYER_PARAMS = ("weight", "bias", "affine.weight", "affine.bias", "noise_strength", "noise_const")
TORGB_PARAMS = ("weight", "bias", "affine.weight", "affine.bias")
CONV_PARAMS = ("weight", "bias")


def read_pickle(path: str | Path) -> dict[str, PersistentRecord]:
    data = load_network_pickle(path)
    if not isinstance(data, dict) or not isinstance(data.get("G_ema"), PersistentRecord):
        raise ModisteError(f"{path} is not a stylegan2-ada-pytorch network pickle (no 'G_ema' network)")
    nets = {name: data[name] for name in ("G", "D", "G_ema") if isinstance(data.get(name), PersistentRecord)}
    synthesis = nets["G_ema"].module("synthesis")
    modules = set((synthesis.state.get("_modules") or {}).keys())
    if "input" in modules or any(re.match(r"L\d+_", m) for m in modules):
        raise ModisteError(f"{path} is a StyleGAN3 (alias-free) network, which Modiste has no equivalent for: "
                           "only StyleGAN2 pickles (stylegan2-ada-pytorch, stylegan3's --cfg=stylegan2) convert")
    return nets


def _generator_config(g: Tensors, source: str) -> NetworkConfig:
    resolutions = sorted(int(m.group(1)) for k in g if (m := re.match(r"synthesis\.b(\d+)\.torgb\.bias$", k)))
    blocks = sorted({int(m.group(1)) for k in g if (m := re.match(r"synthesis\.b(\d+)\.", k))})
    if resolutions != blocks:
        raise ModisteError(f"{source}: only the 'skip' generator architecture (a toRGB in every block) converts")
    c_dim = g["mapping.embed.weight"].shape[1] if "mapping.embed.weight" in g else 0
    w_dim = g["mapping.fc0.weight"].shape[0]
    z_dim = g["mapping.fc0.weight"].shape[1] - (g["mapping.embed.weight"].shape[0] if c_dim else 0)
    channels = {r: g[f"synthesis.b{r}.conv1.weight"].shape[0] for r in blocks}
    layers = sum(1 for k in g if re.match(r"mapping\.fc\d+\.weight$", k))
    return network_config(blocks[-1], channels, z_dim=z_dim, w_dim=w_dim, mapping_layers=layers, c_dim=c_dim,
                          img_channels=g[f"synthesis.b{blocks[-1]}.torgb.weight"].shape[0], source=source)


def _mbstd_group(record: PersistentRecord | None) -> int:
    try:
        group = record.module("b4").module("mbstd").state.get("group_size")  # type: ignore[union-attr]
    except (KeyError, AttributeError):
        return 4
    return int(group) if isinstance(group, int) and group > 0 else 4


def _pairs(new: str, old: str, params: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(f"{new}.{p}", f"{old}.{p}") for p in params]


def _mapping_pairs(new: str, cfg_layers: int, c_dim: int) -> list[tuple[str, str]]:
    pairs = [p for i in range(cfg_layers) for p in _pairs(f"{new}.layers.{i}", f"mapping.fc{i}", CONV_PARAMS)]
    return pairs + (_pairs(f"{new}.embed", "mapping.embed", CONV_PARAMS) if c_dim else [])


def convert_generator(g: Tensors, cfg: NetworkConfig) -> Tensors:
    from modiste.gan.networks import build_generator

    shapes = {k: v.shape for k, v in build_generator(cfg).state_dict().items()}
    pairs = _mapping_pairs("mapping", cfg.mapping_layers, cfg.c_dim) + [("mapping.w_avg", "mapping.w_avg")]
    for j in range(cfg.log2_resolution - 1):
        old, new = f"synthesis.b{4 * 2**j}", f"synthesis.blocks.{j}"
        pairs += [(f"{new}.const", f"{old}.const")] if j == 0 else _pairs(f"{new}.conv0", f"{old}.conv0", LAYER_PARAMS)
        pairs += _pairs(f"{new}.conv1", f"{old}.conv1", LAYER_PARAMS)
        pairs += _pairs(f"{new}.to_image", f"{old}.torgb", TORGB_PARAMS)
    return rename(g, pairs, reshape={new: shapes[new] for new, _ in pairs})


def convert_discriminator(d: Tensors, cfg: NetworkConfig) -> Tensors:
    from modiste.gan.networks import build_discriminator

    shapes = {k: v.shape for k, v in build_discriminator(cfg).state_dict().items()}
    top = cfg.resolution
    pairs = _pairs("from_image", f"b{top}.fromrgb", CONV_PARAMS)
    for i in range(cfg.log2_resolution - 2):
        old, new = f"b{top >> i}", f"blocks.{i}"
        for conv in ("conv0", "conv1"):
            pairs += _pairs(f"{new}.{conv}", f"{old}.{conv}", CONV_PARAMS)
        pairs += [(f"{new}.skip.weight", f"{old}.skip.weight")]
    pairs += _pairs("epilogue.conv", "b4.conv", CONV_PARAMS) + _pairs("epilogue.fc", "b4.fc", CONV_PARAMS)
    pairs += _pairs("epilogue.out", "b4.out", CONV_PARAMS)
    if cfg.c_dim:
        d_layers = sum(1 for k in d if re.match(r"mapping\.fc\d+\.weight$", k))
        if d_layers != 8:
            raise ModisteError(f"the discriminator's class mapping has {d_layers} layers; Modiste's has 8")
        pairs += _mapping_pairs("class_mapping", d_layers, cfg.c_dim)
    return rename(d, pairs, reshape={new: shapes[new] for new, _ in pairs})


def convert(path: str | Path) -> tuple[NetworkConfig, dict[str, Tensors]]:
    """(config, {"G_ema", and "G", "D" when present}) in Modiste names; ModisteError if not convertible."""
    records = read_pickle(path)
    g_ema = records["G_ema"].tensors()
    cfg = _generator_config(g_ema, str(path))
    cfg.mbstd_group = _mbstd_group(records.get("D"))
    nets = {name: convert_generator(records[name].tensors(), cfg) for name in ("G_ema", "G") if name in records}
    if "D" in records:
        d = records["D"].tensors()
        if f"b{cfg.resolution}.fromrgb.weight" not in d or f"b{cfg.resolution}.skip.weight" not in d:
            raise ModisteError(f"{path}: only the 'resnet' discriminator architecture converts")
        nets["D"] = convert_discriminator(d, cfg)
    return cfg, nets
