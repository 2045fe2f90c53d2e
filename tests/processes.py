"""Child processes in tests: every one is killed in `finally`, with every process of its group, whatever happens.

A child runs in a session (and process group) of its own, so that killing it also kills what it started in its
group (catalog server, figure worker); Prefect's temporary server, in the child's helper group (`lab.reaper`),
ends with the child.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

STOP_WAIT_S = 30.0  # how long a child has to end after its signal, before it is killed


def sdlab_args(*args: str) -> list[str]:
    """The command line of `sdlab ARGS` in this interpreter."""
    return [sys.executable, "-m", "lab", *args]


def sdlab_env(home: Path, **extra: str) -> dict[str, str]:
    """A clean environment for `sdlab` on `home` (no Prefect API from the test session, no analytics)."""
    return {"SDLAB_HOME": str(home), "PATH": "/usr/bin:/bin", "PREFECT_SERVER_ANALYTICS_ENABLED": "false", **extra}


def kill(process: subprocess.Popen[Any]) -> None:
    """SIGKILL `process` and its process group, and reap it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait()


@contextlib.contextmanager
def child(args: Sequence[str], **popen: Any) -> Iterator[subprocess.Popen[Any]]:
    """`subprocess.Popen(args, **popen)` in a session of its own, killed with its group when the block ends."""
    process = subprocess.Popen(args, start_new_session=True, **popen)
    try:
        yield process
    finally:
        kill(process)
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def stop(process: subprocess.Popen[str], signum: int = signal.SIGINT, wait_s: float = STOP_WAIT_S) -> tuple[str, str]:
    """Send `signum` and return the output once the process has ended; if it does not end within `wait_s`, it is
    killed and TimeoutExpired raised."""
    process.send_signal(signum)
    try:
        return process.communicate(timeout=wait_s)
    except subprocess.TimeoutExpired:
        kill(process)
        raise


def run(args: Sequence[str], timeout_s: float = 120.0, **popen: Any) -> subprocess.CompletedProcess[str]:
    """Run `args` to the end with its output captured (stdin: /dev/null unless given); a child still running after
    `timeout_s` is killed and TimeoutExpired raised."""
    popen.setdefault("stdin", subprocess.DEVNULL)
    with child(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen) as process:
        out, err = process.communicate(timeout=timeout_s)
    return subprocess.CompletedProcess(list(args), process.returncode, out, err)
