"""Slow work as jobs: a bounded queue, worker threads, progress, cancel, result files.

The runner is deliberately small: `submit(kind, fn)`, `get(id)`, `cancel(id)`, `file(id, name)`.
That is the whole interface the routes use, so an existing task queue (RQ on Redis fits this
shape best: one function per job, `job.meta` for progress, results as files on shared storage)
can replace `JobRunner` without touching the routes. See docs/studio.md.

A job function receives a `JobContext`: its own output folder (named by the server, never by a
request), `progress(fraction, message)` which also raises `JobCancelled` once the client has
cancelled, and it returns the names of the files it wrote there.
"""

from __future__ import annotations

import queue
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from modiste.errors import ModisteError

STATES = ("queued", "running", "done", "failed", "cancelled")


class QueueFull(Exception):
    """The job queue is at capacity: answer 503 with Retry-After."""


class JobCancelled(Exception):
    """Raised inside a job function when its client cancelled it."""


@dataclass
class Job:
    id: str
    kind: str
    status: str = "queued"
    progress: float = 0.0
    message: str = ""
    error: str | None = None
    files: list[str] = field(default_factory=list)
    result: dict[str, Any] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    finished: float | None = None
    cancel_requested: bool = False

    def public(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "status": self.status, "progress": round(self.progress, 4),
                "message": self.message, "error": self.error, "files": list(self.files), "result": self.result}


@dataclass
class JobContext:
    job: Job
    outdir: Path

    def progress(self, fraction: float, message: str = "") -> None:
        """Report progress in [0, 1]; raises JobCancelled if the client cancelled."""
        self.job.progress = min(max(float(fraction), 0.0), 1.0)
        if message:
            self.job.message = message
        if self.job.cancel_requested:
            raise JobCancelled()


JobFn = Callable[[JobContext], tuple[list[str], dict[str, Any]] | list[str]]


class JobRunner:
    """Runs job functions on `workers` threads with at most `queue_size` waiting."""

    def __init__(self, storage: Path, queue_size: int = 4, workers: int = 1, ttl_s: float = 3600.0) -> None:
        self.root = Path(storage) / "jobs"
        self.root.mkdir(parents=True, exist_ok=True)
        self.ttl = ttl_s
        self._jobs: dict[str, Job] = {}
        self._queue: queue.Queue[tuple[Job, JobFn] | None] = queue.Queue(maxsize=queue_size)
        self._lock = threading.Lock()
        self._threads = [threading.Thread(target=self._work, name=f"job-worker-{i}", daemon=True) for i in range(workers)]
        for t in self._threads:
            t.start()

    def submit(self, kind: str, fn: JobFn) -> Job:
        """Queue `fn`; raises QueueFull when `queue_size` jobs are already waiting."""
        self._expire()
        job = Job(id=uuid.uuid4().hex, kind=kind)
        with self._lock:
            self._jobs[job.id] = job
        try:
            self._queue.put_nowait((job, fn))
        except queue.Full:
            with self._lock:
                del self._jobs[job.id]
            raise QueueFull() from None
        return job

    def get(self, job_id: str) -> Job:
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise ModisteError(f"no job {job_id!r}: it never existed or expired; submit it again (POST /api/jobs)")
        return job

    def list(self) -> list[Job]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.created)

    def cancel(self, job_id: str) -> Job:
        job = self.get(job_id)
        job.cancel_requested = True
        if job.status == "queued":
            job.status, job.finished = "cancelled", time.time()
        return job

    def file(self, job_id: str, name: str) -> Path:
        """The path of a result file, only if `name` is one the job itself reported."""
        job = self.get(job_id)
        if name not in job.files:
            listed = ", ".join(job.files) or "none yet"
            raise ModisteError(f"job {job_id} has no file {name!r}: its files are {listed}")
        return self.root / job.id / name

    def close(self) -> None:
        for _ in self._threads:
            self._queue.put(None)

    def _work(self) -> None:
        while True:
            entry = self._queue.get()
            if entry is None:
                return
            job, fn = entry
            if job.status == "cancelled":
                continue
            job.status = "running"
            outdir = self.root / job.id
            outdir.mkdir(parents=True, exist_ok=True)
            try:
                out = fn(JobContext(job, outdir))
                files, result = out if isinstance(out, tuple) else (out, {})
                job.files, job.result = list(files), dict(result)
                job.status, job.progress = "done", 1.0
            except JobCancelled:
                job.status = "cancelled"
            except ModisteError as e:
                job.status, job.error = "failed", str(e)
            except Exception as e:  # noqa: BLE001 - reported to the client as one line, logged server-side
                job.status, job.error = "failed", f"internal error ({type(e).__name__}): the server log has details"
                import logging

                logging.getLogger("modiste.serve").exception("job %s (%s) failed", job.id, job.kind)
            finally:
                job.finished = time.time()

    def _expire(self) -> None:
        now = time.time()
        with self._lock:
            old = [j for j in self._jobs.values() if j.finished is not None and now - j.finished > self.ttl]
            for job in old:
                del self._jobs[job.id]
        for job in old:
            shutil.rmtree(self.root / job.id, ignore_errors=True)
