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

import pytest

from lab.deploy.services import default_interrupts

STACKS_WAIT_S = 10.0  # how long the processes of a hung child have to print their stacks
STOP_WAIT_S = 120.0  # how long a child has to end after its signal, before it is killed (a bound for a loaded host)


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
    """`subprocess.Popen(args, **popen)` in a session of its own, with SIGINT as by default (a test session
    started in the background ignores it, and a child inheriting that would never see the Ctrl-C a test sends it),
    killed with its group when the block ends."""
    process = subprocess.Popen(args, start_new_session=True, preexec_fn=default_interrupts, **popen)
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
    """Run `args` to the end with its output captured (stdin: /dev/null unless given). A child still running after
    `timeout_s` fails the test with the stack of every thread of every Python process of its group (each has
    `faulthandler` on and prints them at SIGABRT), so a hang in CI shows where it hangs."""
    popen.setdefault("stdin", subprocess.DEVNULL)
    popen["env"] = {**(os.environ if popen.get("env") is None else popen["env"]), "PYTHONFAULTHANDLER": "1"}
    with child(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen) as process:
        try:
            out, err = process.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            out, err = _stacks(process)
        else:
            return subprocess.CompletedProcess(list(args), process.returncode, out, err)
    pytest.fail(f"{' '.join(args)} still ran after {timeout_s:.0f} s; its output:\n{out[-5000:]}\n"
                f"its threads:\n{err[-60000:]}", pytrace=False)


def _stacks(process: subprocess.Popen[str]) -> tuple[str, str]:
    """SIGABRT to the hung child's group, then its output with the stacks its Python processes printed."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGABRT)
    try:
        return process.communicate(timeout=STACKS_WAIT_S)
    except subprocess.TimeoutExpired:  # a process of the group that is not Python holds the pipes open
        kill(process)
        return process.communicate()


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first, then the parent's pid); None once gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except FileNotFoundError:
        return None


def running(pid: int) -> bool:
    """Whether process `pid` exists and is not a zombie."""
    stat = _stat(pid)
    return stat is not None and stat[0] != "Z"


def children(parent: int, command: bytes = b"") -> list[int]:
    """Pids of the running children of `parent` whose command line contains `command`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        stat = _stat(int(entry.name))
        try:
            line = (entry / "cmdline").read_bytes()
        except (FileNotFoundError, ProcessLookupError):  # it ended meanwhile
            continue
        if stat is not None and int(stat[1]) == parent and command in line:
            found.append(int(entry.name))
    return found


def kill_all(pids: Sequence[int]) -> None:
    """SIGKILL those of `pids` still running (helpers a test must not leave behind)."""
    for pid in pids:
        if running(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

