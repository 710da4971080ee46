"""The job runner: bounded queue, progress, cancel, failures as one line, only reported files served."""

from __future__ import annotations

import threading
import time

import pytest

from modiste.errors import ModisteError
from modiste.serve.jobs import JobRunner, QueueFull


def wait_for(job, states=("done", "failed", "cancelled"), seconds=10):
    end = time.time() + seconds
    while job.status not in states and time.time() < end:
        time.sleep(0.01)
    return job.status


def test_queue_is_bounded(tmp_path):
    gate = threading.Event()
    runner = JobRunner(tmp_path, queue_size=2, workers=1)
    running = runner.submit("slow", lambda ctx: (gate.wait(10), [])[1])
    wait_for(running, ("running",))
    waiting = [runner.submit("slow", lambda ctx: []) for _ in range(2)]
    with pytest.raises(QueueFull):
        runner.submit("slow", lambda ctx: [])
    gate.set()
    assert all(wait_for(j) == "done" for j in [running, *waiting])
    runner.close()


def test_progress_result_files_and_cancel(tmp_path):
    runner = JobRunner(tmp_path, queue_size=4)
    release = threading.Event()

    def work(ctx):
        (ctx.outdir / "out.txt").write_text("hi")
        ctx.progress(0.5, "half")
        release.wait(10)
        ctx.progress(0.9)  # raises JobCancelled once cancelled
        return ["out.txt"], {"n": 1}

    job = runner.submit("w", work)
    end = time.time() + 5
    while job.progress < 0.5 and time.time() < end:
        time.sleep(0.01)
    assert job.message == "half"
    runner.cancel(job.id)
    release.set()
    assert wait_for(job) == "cancelled"

    ok = runner.submit("w2", lambda ctx: ((ctx.outdir / "a.png").write_bytes(b"x"), (["a.png"], {"k": 2}))[1])
    assert wait_for(ok) == "done" and ok.result == {"k": 2}
    assert runner.file(ok.id, "a.png").read_bytes() == b"x"
    with pytest.raises(ModisteError, match="a.png"):
        runner.file(ok.id, "../../etc/passwd")
    runner.close()


def test_failures_are_one_line(tmp_path):
    runner = JobRunner(tmp_path)

    def user_error(ctx):
        raise ModisteError("the photo is too small: send at least 64x96")

    def crash(ctx):
        raise RuntimeError("secret internals\nTraceback")

    a, b = runner.submit("a", user_error), runner.submit("b", crash)
    assert wait_for(a) == wait_for(b) == "failed"
    assert a.error == "the photo is too small: send at least 64x96"
    assert "secret" not in b.error and "\n" not in b.error
    runner.close()
