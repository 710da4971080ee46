"""Score every image of a catalogue in worker processes, in order, with bounded memory.

The main process lists and reads files (sequential I/O is what local disks and object stores like
best) and keeps at most `8 * workers` images in flight; workers decode and score. Results come
back in listing order, so output files are deterministic whatever the number of workers.
"""

from __future__ import annotations

import collections
import concurrent.futures as futures
import os
from dataclasses import dataclass
from typing import Iterator

from tqdm import tqdm

from modiste.data.curate.config import CurationConfig
from modiste.data.curate.filters import ImageScores, score_image
from modiste.data.curate.source import Catalogue

IN_FLIGHT_PER_WORKER = 8


@dataclass
class ScannedImage:
    index: int
    path: str  # relative to the catalogue root
    size_bytes: int
    result: ImageScores


def default_workers() -> int:
    return max(1, min(8, (os.cpu_count() or 1)))


def _read(catalogue: Catalogue, path: str) -> tuple[bytes, str]:
    """The file's bytes, or an error message when it cannot be read at all."""
    try:
        return catalogue.read(path), ""
    except PermissionError:
        return b"", "permission denied"
    except OSError as e:
        return b"", f"read failed: {e}"


def _unreadable(error: str) -> ImageScores:
    return ImageScores(reasons=["unreadable"], error=error)


def scan(
    catalogue: Catalogue, config: CurationConfig, workers: int = 0, progress: bool = True
) -> Iterator[ScannedImage]:
    """Yield a `ScannedImage` per image file, in listing order. `workers=0` scores in this process."""
    bar = tqdm(desc="curate", unit="img", disable=not progress, smoothing=0.05)
    try:
        if workers <= 0:
            for index, path in enumerate(catalogue.images()):
                data, error = _read(catalogue, path)
                result = score_image(data, config) if not error else _unreadable(error)
                bar.update()
                yield ScannedImage(index, path, len(data), result)
            return
        with futures.ProcessPoolExecutor(max_workers=workers) as pool:
            pending: collections.deque[tuple[int, str, int, futures.Future | ImageScores]] = collections.deque()
            for index, path in enumerate(catalogue.images()):
                data, error = _read(catalogue, path)
                job = pool.submit(score_image, data, config) if not error else _unreadable(error)
                pending.append((index, path, len(data), job))
                while len(pending) >= workers * IN_FLIGHT_PER_WORKER:
                    yield _finish(pending.popleft())
                    bar.update()
            while pending:
                yield _finish(pending.popleft())
                bar.update()
    finally:
        bar.close()


def _finish(item: tuple[int, str, int, futures.Future | ImageScores]) -> ScannedImage:
    index, path, size, job = item
    result = job.result() if isinstance(job, futures.Future) else job
    return ScannedImage(index, path, size, result)
