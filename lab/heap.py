"""The garbage collector while a process builds its lasting heap (a campaign's stack and session, a server's app).

Starting a campaign imports Prefect, torch, tiled and Bluesky and builds the station, the planner and the clients:
a few million objects that last to the end, and next to no garbage. The cyclic garbage collector meanwhile runs
full collections, each walking every object built so far again (nine of 0.03–0.6 s, ~2 s of a campaign's start).
Paused while they are built, and frozen afterwards (`gc.freeze`: left out of later collections), they cost nothing
more.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def building_heap() -> Iterator[Callable[[], None]]:
    """Pause the collector for the block; call what it yields (`settle`) once the lasting objects are built: they are
    frozen and the collector runs again. On leaving, everything is as before: unfrozen (collected as usual from
    then on, so nothing that dies later is kept for good) and the collector as it was."""
    enabled = gc.isenabled()
    gc.disable()

    def settle() -> None:
        gc.freeze()
        if enabled:
            gc.enable()

    try:
        yield settle
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


@contextmanager
def lasting_heap() -> Iterator[None]:
    """Pause the collector for the block and freeze what the block built for good: for a process that builds in the
    block what it keeps until it exits (a server's app)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
        gc.freeze()
    finally:
        if enabled:
            gc.enable()
