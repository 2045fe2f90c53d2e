"""The tests' child processes are killed when a test ends, also when they ignore the signal meant to stop them."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest

from tests.processes import child, run, stop

IGNORES_CTRL_C = ("import signal, subprocess, time; signal.signal(signal.SIGINT, signal.SIG_IGN); "
                  "helper = subprocess.Popen(['sleep', '600']); print(helper.pid, flush=True); time.sleep(600)")


def _ends(pid: int, within_s: float = 30.0) -> bool:
    """Whether process `pid` is gone (or a zombie) within `within_s`."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as stat:
                if stat.read().rpartition(")")[2].split()[0] == "Z":
                    return True
        except FileNotFoundError:
            return True
        time.sleep(0.05)
    return False


def test_a_child_that_ignores_ctrl_c_is_killed_with_what_it_started() -> None:
    with child([sys.executable, "-c", IGNORES_CTRL_C], stdout=subprocess.PIPE, text=True) as process:
        helper = int(process.stdout.readline())
        with pytest.raises(subprocess.TimeoutExpired):
            stop(process, signal.SIGINT, wait_s=1.0)
    assert process.returncode == -signal.SIGKILL
    assert _ends(helper)


def test_a_child_is_killed_when_the_test_fails_while_it_runs() -> None:
    with pytest.raises(AssertionError), child([sys.executable, "-c", "import time; time.sleep(600)"]) as process:
        raise AssertionError("the test failed")
    assert process.returncode == -signal.SIGKILL


HANGS = ("import subprocess, sys, threading, time; "
         "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)']); "
         "threading.Thread(target=time.sleep, args=(600,), name='stuck-writer').start(); time.sleep(600)")


def test_a_hung_child_fails_the_test_with_the_stacks_of_its_group() -> None:
    with pytest.raises(pytest.fail.Exception) as failure:
        run([sys.executable, "-c", HANGS], timeout_s=2.0)
    message = str(failure.value)
    assert "still ran after 2 s" in message
    # the child and its own child; each writes "Fatal Python error: " in one write, but the two reports interleave
    assert message.count("Fatal Python error: ") == 2 and "Aborted" in message
    assert "threading.py" in message and 'File "<string>", line 1 in <module>' in message


def test_a_child_gets_ctrl_c_also_when_the_test_session_ignores_it() -> None:
    """A suite started in the background (`pytest &`) ignores SIGINT; the children it stops with Ctrl-C must not."""
    ignored = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with child([sys.executable, "-c", "import signal; print(signal.getsignal(signal.SIGINT).__name__, flush=True); "
                    "import time; time.sleep(600)"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                   text=True) as process:
            assert process.stdout.readline().strip() == "default_int_handler"
            _, err = stop(process, signal.SIGINT, wait_s=30.0)
    finally:
        signal.signal(signal.SIGINT, ignored)
    assert process.returncode == -signal.SIGINT and "KeyboardInterrupt" in err
