"""Stop a helper process when the process that started it dies, even by SIGKILL (which runs no exit handler).

`reap_with_this_process(pid)` starts `python -m lab.reaper PID` with a pipe as its stdin and keeps the pipe's
other end open; the pipe closes when this process exits or dies, and the reaper then terminates PID. Used for
Prefect's temporary server, which Prefect stops at a normal exit only: a killed campaign process would leave it
running (~200 MB each).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

_reapers: list[subprocess.Popen[bytes]] = []  # kept open for this process's lifetime: their stdin is the signal


def reap_with_this_process(pid: int) -> None:
    """Terminate process `pid` (SIGTERM) once this process has exited or died."""
    _reapers.append(subprocess.Popen([sys.executable, "-m", "lab.reaper", str(pid)], stdin=subprocess.PIPE,
                                     start_new_session=True))


def wait_and_reap(pid: int) -> None:
    """Block until stdin closes, then terminate `pid` if it still exists."""
    sys.stdin.buffer.read()
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


if __name__ == "__main__":
    wait_and_reap(int(sys.argv[1]))
