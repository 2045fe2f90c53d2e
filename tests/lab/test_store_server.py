"""The catalog's tiled server runs in a child process, which ends with the process that started it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

OWNER = """
import os, sys
from pathlib import Path
from lab.store import RunStore
store = RunStore(Path(sys.argv[1]))
store.client.create_container(key="kept")
print(store._server._process.pid, flush=True)  # once the container is written
sys.stdin.readline()
"""


def _stat(pid: int) -> tuple[str, int] | None:
    """State letter and parent pid of a process (Linux /proc), None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except FileNotFoundError:
        return None
    return fields[0], int(fields[1])


def _gone(pid: int, within_s: float) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        stat = _stat(pid)
        if stat is None or stat[0] == "Z":
            return True
        time.sleep(0.1)
    return False


def test_the_server_child_exits_when_its_owner_is_killed_and_what_was_written_stays(tmp_path: Path) -> None:
    catalog = tmp_path / "catalog"
    owner = subprocess.Popen([sys.executable, "-c", OWNER, str(catalog)], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert owner.stdout is not None
    server_pid = int(owner.stdout.readline())
    assert _stat(server_pid) is not None and _stat(server_pid)[1] == owner.pid
    owner.send_signal(signal.SIGKILL)
    owner.wait()
    assert _gone(server_pid, within_s=10)

    from lab.store import RunStore

    with RunStore(catalog) as store:  # the next process serves the same catalog
        assert "kept" in list(store.client)
