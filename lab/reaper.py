"""Helper processes end with the process that started them, even when it is killed by SIGKILL (which runs no exit
handler).

`helper_group()` starts this process's reaper once, `python -m lab.reaper` in a process group of its own, with a
pipe as its stdin whose other end this process keeps open, and returns that group. A helper started in it
(`subprocess.Popen(..., process_group=helper_group())`) is tied to this process from the moment it exists: there is
no moment at which this process could die and leave it running. When this process exits or dies, the pipe closes
and the reaper terminates its group (SIGTERM), every helper still running. Used for Prefect's temporary server,
which Prefect stops at a normal exit only: a killed campaign process would leave it running (~200 MB each).

A helper in that group is not in the terminal's foreground group: Ctrl-C reaches this process, which stops its
helpers in order, and not the helpers themselves.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

_reaper: subprocess.Popen[bytes] | None = None  # kept for this process's lifetime: its stdin is the signal
_lock = threading.Lock()


def helper_group() -> int:
    """The process group whose members are terminated once this process has exited or died (its reaper, started
    on first use)."""
    global _reaper
    with _lock:
        if _reaper is None:
            _reaper = subprocess.Popen([sys.executable, "-m", "lab.reaper"], stdin=subprocess.PIPE, process_group=0)
        return _reaper.pid


def wait_and_reap() -> None:
    """Block until stdin closes, then terminate every other process of this process's group."""
    sys.stdin.buffer.read()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.killpg(os.getpgrp(), signal.SIGTERM)


if __name__ == "__main__":
    wait_and_reap()
