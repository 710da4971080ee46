"""SIGTERM (`kill`, `timeout`, a batch scheduler's stop) handled like Ctrl-C inside a block, so a
long command's clean-up and its "kept N finished ..." note run for both."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from typing import Iterator


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where Ctrl-C would be: the same clean-up runs, and `modiste.cli.main` exits with
    the shell's 143 (128 + SIGTERM) instead of Ctrl-C's 130."""


@contextmanager
def sigterm_as_keyboard_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM raises `Terminated` (a KeyboardInterrupt) in the main thread; the
    previous handler is restored on exit. Outside the main thread (a server's worker) it changes nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise Terminated(f"signal {signum}")

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
