"""lab/deploy/services.py: a service started by `sdlab deploy up` from a background job still ends on SIGTERM as
it would from a terminal."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from lab.deploy import services
from tests.processes import kill_all, run

# Ends on SIGTERM by raising KeyboardInterrupt, as a Prefect worker does.
WORKER_LIKE = ("import os, signal, time\n"
               "signal.signal(signal.SIGTERM, lambda *_: os.kill(os.getpid(), signal.SIGINT))\n"
               "print('started', flush=True)\n"
               "try:\n    time.sleep(600)\nexcept KeyboardInterrupt:\n    print('interrupted', flush=True)\n")


def test_a_service_started_from_a_background_job_stops_on_sigterm(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDLAB_HOME", str(tmp_path))
    # As `sdlab deploy up &` in a shell script: the command ignores SIGINT, starts the service and ends.
    started = run([sys.executable, "-c", "import signal, sys\n"
                   "signal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                   "from lab.deploy.services import spawn\n"
                   "print(spawn('worker-test', [sys.executable, '-c', sys.argv[1]], {}))\n", WORKER_LIKE])
    pid = int(started.stdout)
    log = services.log_path("worker-test")
    try:
        services.wait_until("worker-test", lambda: "started" in log.read_text(), timeout_s=120)
        services.stop("worker-test", timeout_s=120)  # SIGTERM, SIGKILL only if still running after 120 s
    finally:
        kill_all([pid])
    assert log.read_text().split() == ["started", "interrupted"]  # it ended on SIGTERM, not killed
