"""SIGTERM inside `sigterm_as_keyboard_interrupt` is a KeyboardInterrupt, and only there."""

from __future__ import annotations

import os
import signal
import threading

import pytest

from modiste.interrupts import Terminated, sigterm_as_keyboard_interrupt


def test_sigterm_is_a_keyboard_interrupt_inside_the_block_only():
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated):  # a KeyboardInterrupt: Ctrl-C's clean-up runs for it too
        with sigterm_as_keyboard_interrupt():
            os.kill(os.getpid(), signal.SIGTERM)  # the handler runs before the next bytecode
    assert signal.getsignal(signal.SIGTERM) is before


def test_outside_the_main_thread_nothing_changes():
    seen = []

    def worker():
        with sigterm_as_keyboard_interrupt():
            seen.append(signal.getsignal(signal.SIGTERM))

    before = signal.getsignal(signal.SIGTERM)
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert seen == [before]
