"""Settings of a studio server: where models come from, limits, batching and the job queue."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

TOKEN_ENV = "MODISTE_TOKEN"


@dataclass
class ServeConfig:
    """Everything `create_app` needs. Sizes in bytes, times in seconds unless named otherwise."""

    runs: Path
    storage: Path  # the server's own folder for uploads and job results (generated names only)
    tagger: Path | None = None
    text_model: Path | None = None
    text_taxonomy: Path | None = None  # checks a description's category against the image's
    device: str = "cpu"
    token: str | None = None
    threads: int | None = None  # torch intra-op threads; None: leave torch's default
    max_batch: int = 16  # images per generator call when batching requests
    max_wait_ms: float = 10.0  # how long the first request of a batch waits for company
    queue_size: int = 4  # jobs waiting (not counting running ones); more -> 503 + Retry-After
    job_workers: int = 1
    max_body_bytes: int = 12 * 1024 * 1024  # request bodies, uploads included
    max_upload_pixels: int = 40_000_000  # decompression-bomb guard (a 24 MP photo is fine)
    request_timeout: float = 120.0  # per synchronous request
    max_seeds: int = 64
    max_seed: int = 2**31 - 1
    job_ttl_s: float = 3600.0  # finished jobs and their files are kept this long
    extra: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.runs, self.storage = Path(self.runs), Path(self.storage)
        if self.token is None:
            self.token = os.environ.get(TOKEN_ENV) or None
