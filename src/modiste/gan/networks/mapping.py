"""The mapping network z (+ class) -> w, with the running average of w used for truncation.

The discriminator reuses it (z_dim=0, no w_avg) to embed the class for its projection head.
"""

from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from modiste.errors import ModisteError
from modiste.gan.networks.ops import EqualLinear, normalize_2nd_moment


def class_one_hot(c: torch.Tensor | None, c_dim: int, device: torch.device) -> torch.Tensor | None:
    """Accept class indices [N] (integer) or one-hot / soft labels [N, c_dim]; return floats [N, c_dim]."""
    if c_dim == 0:
        return None
    if c is None:
        raise ModisteError(f"this network is conditional on {c_dim} classes: pass c (class indices or one-hot)")
    if c.dtype in (torch.int64, torch.int32, torch.int16, torch.int8, torch.uint8):
        if c.dim() != 1:
            raise ModisteError(f"class indices must have shape [N], got {list(c.shape)}")
        return F.one_hot(c.long().to(device), c_dim).float()
    if c.dim() != 2 or c.shape[1] != c_dim:
        raise ModisteError(f"c must be class indices [N] or one-hot [N, {c_dim}], got shape {list(c.shape)}")
    return c.to(device=device, dtype=torch.float32)


class MappingNetwork(nn.Module):
    """normalize(z) ++ normalize(embed(c)) -> `num_layers` FC layers (lr_mul 0.01) -> w, broadcast to num_ws."""

    def __init__(
        self,
        z_dim: int,
        c_dim: int,
        w_dim: int,
        num_ws: int | None,
        num_layers: int = 8,
        lr_mul: float = 0.01,
        w_avg_beta: float | None = 0.995,
    ) -> None:
        super().__init__()
        if z_dim == 0 and c_dim == 0:
            raise ValueError("a mapping network needs z_dim > 0 or c_dim > 0")
        self.z_dim, self.c_dim, self.w_dim, self.num_ws = z_dim, c_dim, w_dim, num_ws
        self.w_avg_beta = w_avg_beta
        self.embed = EqualLinear(c_dim, w_dim) if c_dim > 0 else None
        features = [z_dim + (w_dim if c_dim > 0 else 0)] + [w_dim] * num_layers
        self.layers = nn.Sequential(*[
            EqualLinear(features[i], features[i + 1], lr_mul=lr_mul, activation="lrelu") for i in range(num_layers)
        ])
        if w_avg_beta is not None:
            self.register_buffer("w_avg", torch.zeros(w_dim))

    def forward(
        self,
        z: torch.Tensor | None,
        c: torch.Tensor | None = None,
        truncation_psi: float = 1.0,
        truncation_cutoff: int | None = None,
        update_w_avg: bool = False,
    ) -> torch.Tensor:
        """ws [N, num_ws, w_dim] (or w [N, w_dim] when num_ws is None)."""
        parts = []
        if self.z_dim > 0:
            if z is None or z.dim() != 2 or z.shape[1] != self.z_dim:
                got = None if z is None else list(z.shape)
                raise ModisteError(f"z must have shape [N, {self.z_dim}], got {got}")
            parts.append(normalize_2nd_moment(z.float()))
        if self.embed is not None:
            onehot = class_one_hot(c, self.c_dim, self.embed.weight.device)
            parts.append(normalize_2nd_moment(self.embed(onehot)))
        x = self.layers(parts[0] if len(parts) == 1 else torch.cat(parts, dim=1))

        if update_w_avg and self.w_avg_beta is not None:
            with torch.no_grad():
                # in fp32 whatever autocast made of x: w_avg is a slow average, bf16 would stall it
                self.w_avg.copy_(x.detach().float().mean(dim=0).lerp(self.w_avg, self.w_avg_beta))
        if self.num_ws is None:
            return x
        ws = x.unsqueeze(1).expand(-1, self.num_ws, -1)
        if truncation_psi != 1.0:
            ws = self.truncate(ws, truncation_psi, truncation_cutoff)
        return ws

    def truncate(self, ws: torch.Tensor, psi: float, cutoff: int | None = None) -> torch.Tensor:
        """Pull ws towards w_avg: w_avg + psi (w - w_avg), for the first `cutoff` ws (all when None)."""
        if self.w_avg_beta is None:
            raise ValueError("this mapping network tracks no w_avg, so it cannot truncate")
        truncated = self.w_avg.lerp(ws.float(), psi)  # ws may be bf16/fp16 under autocast
        if cutoff is None or cutoff >= ws.shape[1]:
            return truncated
        return torch.cat([truncated[:, :cutoff], ws[:, cutoff:]], dim=1)

    def extra_repr(self) -> str:
        return f"z_dim={self.z_dim}, c_dim={self.c_dim}, w_dim={self.w_dim}, num_ws={self.num_ws}"
