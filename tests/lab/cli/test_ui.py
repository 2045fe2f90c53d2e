"""`sdlab ui` serves Prefect and the run catalog on loopback, and Ctrl-C stops both."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from lab.cli.ui import client_host, is_loopback, url
from tests.processes import child, children, kill_all, stop


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.parametrize(("host", "loopback"), [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                                ("127.0.0.2", True), ("0.0.0.0", False), ("10.1.2.3", False),
                                                ("lab-server", False)])
def test_loopback_hosts(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_wildcard_hosts_are_reached_through_loopback() -> None:
    assert client_host("0.0.0.0") == "127.0.0.1"
    assert url("::1", 8000, "/healthz") == "http://[::1]:8000/healthz"


@pytest.mark.e2e
def test_ui_serves_prefect_and_the_catalog_until_sigint(tmp_path: Path) -> None:
    prefect_port, tiled_port = _free_port(), _free_port()
    env = {**os.environ, "SDLAB_HOME": str(tmp_path)}
    env.pop("PREFECT_API_URL", None)
    env.pop("PREFECT_HOME", None)
    with child([sys.executable, "-m", "lab", "ui", "--prefect-port", str(prefect_port), "--tiled-port",
                str(tiled_port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env) as process:
        lines = [process.stdout.readline() for _ in range(2)]  # type: ignore[union-attr]
        assert lines[0].startswith("Prefect UI") and lines[1].startswith("tiled"), lines
        prefect_url, tiled_url = (line.split()[-1] for line in lines)
        assert prefect_url == f"http://127.0.0.1:{prefect_port}"
        assert tiled_url.startswith(f"http://127.0.0.1:{tiled_port}/?api_key=")
        assert httpx.get(f"{prefect_url}/api/health", trust_env=False).json() is True
        api_key = tiled_url.split("api_key=")[1]
        answer = httpx.get(f"http://127.0.0.1:{tiled_port}/api/v1/search/", params={"api_key": api_key},
                           trust_env=False)
        assert answer.status_code == 200 and answer.json()["meta"]["count"] == 0
        record = json.loads((tmp_path / "catalog" / "server.json").read_text())
        assert record["uri"] == f"http://127.0.0.1:{tiled_port}/api/v1?api_key={api_key}"
        _, err = stop(process)  # its output read meanwhile: a full pipe would block it from ending
        assert process.returncode == 0, err
        deadline = time.monotonic() + 60  # (inside the block: its end kills what is left of the process group)
        while (_listening(prefect_port) or _listening(tiled_port)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _listening(prefect_port) and not _listening(tiled_port)
        assert not (tmp_path / "catalog" / "server.json").exists()


@pytest.mark.e2e
def test_ui_killed_leaves_no_server_listening(tmp_path: Path) -> None:
    prefect_port, tiled_port = _free_port(), _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("PREFECT_API_URL", "PREFECT_HOME")}
    with child([sys.executable, "-m", "lab", "ui", "--prefect-port", str(prefect_port), "--tiled-port",
                str(tiled_port)], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
               env={**env, "SDLAB_HOME": str(tmp_path)}) as process:
        assert process.stdout.readline().startswith("Prefect UI")  # both servers answer
        servers = children(process.pid, b"serve")
        try:
            os.kill(process.pid, signal.SIGKILL)  # no chance to stop them
            process.wait()
            deadline = time.monotonic() + 60
            while (_listening(prefect_port) or _listening(tiled_port)) and time.monotonic() < deadline:
                time.sleep(0.2)
            assert not _listening(prefect_port) and not _listening(tiled_port)
        finally:
            kill_all(servers)
