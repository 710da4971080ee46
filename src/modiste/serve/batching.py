"""A micro-batcher: requests from many clients share one generator call.

Each request is an item; a worker thread takes the first waiting item, then waits at most
`max_wait_ms` for more (up to `max_batch`), runs `fn(items)` once and hands each caller its own
result. One worker per model copy, so the model is never entered twice at once, and the CPU
thread budget is the one torch was given. Callers get a concurrent.futures.Future (await it with
asyncio.wrap_future).
"""

from __future__ import annotations

import queue
import threading
import time
from concurrent.futures import Future
from typing import Any, Callable, Sequence


class MicroBatcher:
    """Batches calls to `fn(items: list) -> list` (same length, same order)."""

    def __init__(self, fn: Callable[[list[Any]], Sequence[Any]], max_batch: int = 16, max_wait_ms: float = 10.0,
                 name: str = "batcher") -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be >= 1")
        self.fn, self.max_batch, self.max_wait = fn, max_batch, max_wait_ms / 1000.0
        self._queue: queue.Queue[tuple[Any, Future] | None] = queue.Queue()
        self.batches = 0  # statistics, for tests and the load benchmark
        self.items = 0
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def submit(self, item: Any) -> Future:
        fut: Future = Future()
        self._queue.put((item, fut))
        return fut

    def close(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=5)

    def _collect(self) -> list[tuple[Any, Future]] | None:
        first = self._queue.get()
        if first is None:
            return None
        batch = [first]
        deadline = time.monotonic() + self.max_wait
        while len(batch) < self.max_batch:
            remaining = deadline - time.monotonic()
            try:
                nxt = self._queue.get(timeout=max(remaining, 0)) if remaining > 0 else self._queue.get_nowait()
            except queue.Empty:
                break
            if nxt is None:
                self._queue.put(None)  # close after this batch
                break
            batch.append(nxt)
        return batch

    def _run(self) -> None:
        while True:
            batch = self._collect()
            if batch is None:
                return
            live = [(item, fut) for item, fut in batch if fut.set_running_or_notify_cancel()]
            if not live:
                continue
            try:
                results = list(self.fn([item for item, _ in live]))
                if len(results) != len(live):
                    raise RuntimeError(f"batch function returned {len(results)} results for {len(live)} items")
            except BaseException as e:  # noqa: BLE001 - every caller of the batch gets the error
                for _, fut in live:
                    fut.set_exception(e)
                continue
            self.batches += 1
            self.items += len(live)
            for (_, fut), result in zip(live, results):
                fut.set_result(result)
