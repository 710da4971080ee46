"""Tunes ADA's augmentation probability from the discriminator's overfitting (Karras et al. 2020).

The heuristic r_t = E[sign(D(real))] is ~0 when D cannot tell reals from fakes and tends to 1 as
D memorises the training set. Every ``interval`` D steps the tuner moves ``p`` by
``sign(r_t - target) * images_seen / (ada_kimg * 1000)``, so p can go from 0 to 1 in ``ada_kimg``
thousand real images, and clamps it to [0, 1].

DDP: the sign sum and image count are summed over all ranks before r_t is formed, so every rank
computes the same adjustment from the same p and the ``p`` buffers never drift apart. Every rank
must therefore call ``observe`` on every D step (it is a collective every ``interval`` calls).
"""

from __future__ import annotations

import torch

from modiste.distributed import all_reduce_sum
from modiste.errors import ModisteError
from modiste.gan.augment.ada import AdaptiveAugment


class AdaTuner:
    def __init__(self, augment: AdaptiveAugment, target: float = 0.6, interval: int = 4, ada_kimg: float = 500) -> None:
        if not isinstance(augment, AdaptiveAugment):
            raise ModisteError("AdaTuner needs the ADA augmenter: build it with build_augment('ada')")
        if interval < 1 or ada_kimg <= 0:
            raise ModisteError(f"ADA interval must be >= 1 and ada_kimg > 0, got {interval} and {ada_kimg}: use the defaults 4 and 500")
        self.augment = augment
        self.target = target
        self.interval = interval
        self.ada_kimg = ada_kimg
        self.r_t: float | None = None  # last measured overfitting heuristic, for logging
        self._stats: torch.Tensor | None = None  # [sum of sign(D(real)), number of reals], on D's device
        self._steps = 0

    @property
    def p(self) -> float:
        return float(self.augment.p)

    def observe(self, real_logits: torch.Tensor) -> bool:
        """Accumulate sign(D(real)) of one D step; every ``interval`` calls, adjust p (True when it did)."""
        logits = real_logits.detach().float()
        stats = torch.stack([logits.sign().sum(), torch.tensor(float(logits.numel()), device=logits.device)])
        self._stats = stats if self._stats is None else self._stats + stats
        self._steps += 1
        if self._steps < self.interval:
            return False
        return self.update()

    def update(self) -> bool:
        """Form r_t from everything observed since the last update (over all ranks) and move p."""
        if self._stats is None:
            return False
        sign_sum, count = all_reduce_sum(self._stats).double().tolist()
        self._stats, self._steps = None, 0
        if count <= 0:
            return False
        self.r_t = sign_sum / count
        direction = (self.r_t > self.target) - (self.r_t < self.target)
        step = direction * count / (self.ada_kimg * 1000)
        self.augment.p.copy_((self.augment.p + step).clamp(0.0, 1.0))
        return True

    def state_dict(self) -> dict[str, torch.Tensor]:
        """What is accumulated between updates, so a resumed run updates p at the same steps."""
        stats = self._stats if self._stats is not None else torch.zeros(2)
        return {"stats": stats.detach().double().cpu(), "steps": torch.tensor(self._steps),
                "has_stats": torch.tensor(self._stats is not None),
                "r_t": torch.tensor(float("nan") if self.r_t is None else self.r_t, dtype=torch.float64)}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        device = self.augment.p.device
        self._stats = state["stats"].float().to(device) if bool(state["has_stats"]) else None
        self._steps = int(state["steps"])
        r_t = float(state.get("r_t", float("nan")))  # absent in checkpoints written before it was saved
        self.r_t = None if r_t != r_t else r_t
