"""The micro-batcher batches, and under concurrent requests every client gets its own seed's image."""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from PIL import Image

from modiste.serve.batching import MicroBatcher


def test_batcher_groups_waiting_items_and_keeps_order():
    calls = []
    gate = threading.Event()

    def fn(items):
        gate.wait(5)
        calls.append(list(items))
        return [x * 10 for x in items]

    b = MicroBatcher(fn, max_batch=4, max_wait_ms=50)
    futures = [b.submit(i) for i in range(10)]
    gate.set()
    assert [f.result(5) for f in futures] == [i * 10 for i in range(10)]
    assert all(len(c) <= 4 for c in calls) and sum(map(len, calls)) == 10
    assert len(calls) <= 4  # 1 (first, alone while the gate was shut) + ceil(9 / 4)
    b.close()


def test_batcher_waits_at_most_max_wait():
    b = MicroBatcher(lambda items: items, max_batch=64, max_wait_ms=30)
    t0 = time.perf_counter()
    assert b.submit("x").result(5) == "x"
    assert time.perf_counter() - t0 < 2.0  # bounded wait, not until 64 items arrive
    b.close()


def test_batch_error_reaches_every_caller_and_batcher_survives():
    def fn(items):
        if "bad" in items:
            raise ValueError("boom")
        return items

    b = MicroBatcher(fn, max_batch=8, max_wait_ms=1)
    with pytest.raises(ValueError):
        b.submit("bad").result(5)
    assert b.submit("good").result(5) == "good"
    b.close()


def test_concurrent_clients_get_their_own_seeds(client):
    def one(seed: int) -> tuple[int, np.ndarray]:
        r = client.post("/api/generate", json={"model": "cond", "seeds": [seed], "class": "Jeans", "truncation": 0.8})
        assert r.status_code == 200, r.text
        return seed, np.asarray(Image.open(io.BytesIO(r.content))).astype(int)

    seeds = list(range(100, 124))
    with ThreadPoolExecutor(12) as pool:
        concurrent = dict(pool.map(one, seeds))
    batcher = client.app.state.studio.batcher("cond")
    assert batcher.batches < len(seeds)  # requests really were batched together
    for seed in seeds[:6]:  # the same request alone gives the same image
        alone = one(seed)[1]
        assert np.abs(concurrent[seed] - alone).max() <= 1
    images = list(concurrent.values())
    assert all(np.abs(images[0] - im).mean() > 0.5 for im in images[1:])  # no two clients got the same image
