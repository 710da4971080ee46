"""What the converters share: the network config of a foreign model, from its channel widths."""

from __future__ import annotations

import torch

from modiste.errors import ModisteError
from modiste.gan.networks.config import NetworkConfig

Tensors = dict[str, torch.Tensor]


def channel_settings(channels: dict[int, int], source: str) -> tuple[int, int]:
    """(channel_base, channel_max) such that min(base // width, max) gives `channels` {width: C}.

    StyleGAN2 configs (NVlabs' `channel_base`/`channel_max`, rosinality's `channel_multiplier`)
    all have this form; a hand-edited width table does not and is refused (ModisteError).
    """
    channel_max = max(channels.values())
    widest = max(channels)
    below_max = [w for w, c in channels.items() if c < channel_max]
    channel_base = min(below_max) * channels[min(below_max)] if below_max else channel_max * widest
    if all(min(channel_base // w, channel_max) == c for w, c in channels.items()):
        return channel_base, channel_max
    raise ModisteError(f"{source}: the channel widths {dict(sorted(channels.items()))} are not a StyleGAN2 config "
                       "(min(base / width, max)): this model cannot be converted")


def network_config(resolution: int, channels: dict[int, int], z_dim: int, w_dim: int, mapping_layers: int,
                   c_dim: int, img_channels: int, source: str, mbstd_group: int = 4) -> NetworkConfig:
    base, cmax = channel_settings(channels, source)
    names = [f"class{i}" for i in range(c_dim)]  # published pickles do not carry class names
    return NetworkConfig(resolution=resolution, img_channels=img_channels, c_dim=c_dim, z_dim=z_dim, w_dim=w_dim,
                         mapping_layers=mapping_layers, channel_base=base, channel_max=cmax, mbstd_group=mbstd_group,
                         class_names=names)


def rename(source: Tensors, pairs: list[tuple[str, str]], reshape: dict[str, torch.Size] | None = None) -> Tensors:
    """{new_name: source[old_name]} for (new, old) pairs, reshaped where `reshape` says; a missing
    source name raises ModisteError (the file is not the layout it claims)."""
    out: Tensors = {}
    for new, old in pairs:
        if old not in source:
            raise ModisteError(f"the checkpoint has no {old!r}: it is not a StyleGAN2 network of the expected layout")
        value = source[old].detach().float()
        out[new] = value.reshape((reshape or {}).get(new, value.shape)).contiguous()
    return out


def check_complete(module: torch.nn.Module, tensors: Tensors, what: str) -> None:
    """Every parameter and buffer of `module` is in `tensors` with its shape, and nothing else."""
    expected = {k: v.shape for k, v in module.state_dict().items()}
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    wrong = sorted(k for k in set(expected) & set(tensors) if tensors[k].shape != expected[k])
    if missing or extra or wrong:
        raise ModisteError(f"the converted {what} does not fit Modiste's network (missing {missing[:3]}, unexpected "
                           f"{extra[:3]}, wrong shape {wrong[:3]}): this model's layout is not supported")
