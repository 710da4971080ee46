"""The progress bar of a training run: minutes when the run is time-limited, images otherwise.

A run with `--max-minutes` (the demo always has one) ends on the clock long before `--kimg`, so
its bar counts elapsed minutes towards the limit, with the images trained so far beside it; a run
without one counts images towards `--kimg`.
"""

from __future__ import annotations

from typing import IO

from tqdm import tqdm

TIME_FORMAT = "{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} min [{elapsed}<{remaining}{postfix}]"


class TrainingProgress:
    def __init__(self, total_nimg: int, max_minutes: float | None, start_nimg: int = 0, enabled: bool = True,
                 file: IO[str] | None = None, mininterval: float = 0.1) -> None:
        """`total_nimg` images to train towards (`--kimg` x 1000), `max_minutes` the time limit or
        None, `start_nimg` images already trained (a resumed run). Writes to `file` (stderr)."""
        self.total_nimg, self.max_minutes = total_nimg, max_minutes
        common = dict(desc="train", disable=not enabled, file=file, mininterval=mininterval, dynamic_ncols=file is None)
        if max_minutes is not None:
            self.bar = tqdm(total=max_minutes, initial=0, bar_format=TIME_FORMAT, **common)
        else:
            self.bar = tqdm(total=total_nimg, initial=min(start_nimg, total_nimg), unit="img", unit_scale=True, **common)
        self.postfix: dict[str, str] = {}

    @property
    def by_time(self) -> bool:
        return self.max_minutes is not None

    def update(self, nimg: int, elapsed_s: float) -> None:
        """Show `nimg` images trained so far and `elapsed_s` seconds since this process started training."""
        if self.by_time:
            self.postfix["kimg"] = f"{nimg / 1000:.1f}"
            self.bar.set_postfix(self.postfix, refresh=False)
            self.bar.update(min(elapsed_s / 60, self.max_minutes) - self.bar.n)
        else:
            self.bar.update(min(nimg, self.total_nimg) - self.bar.n)

    def show(self, values: dict[str, str]) -> None:
        """Values shown after the bar (losses, ADA p), kept until replaced."""
        self.postfix.update(values)
        self.bar.set_postfix(self.postfix, refresh=False)

    def close(self) -> None:
        self.bar.close()
