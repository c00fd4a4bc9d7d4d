"""Keeping the measuring process out of its own figures."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_held() -> Iterator[None]:
    """No garbage collection in this process while the block runs.

    A benchmark's own process holds the emulator and every simulated person, and their history
    grows through the run: a full collection of it paused the process for 100–150 ms at a time,
    holding up the bot's requests and the people's view of its answers, and the figures charged
    that to the bot. What was alive before the block is frozen out of later collections too.
    """
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.unfreeze()
