"""`sdlab ui`: the Prefect server (flow runs, artifacts) and a tiled server of the run catalog, until Ctrl-C.

Both run as child processes bound to loopback unless told otherwise. The tiled server announces itself in
the catalog's server record, so campaigns started meanwhile write their runs through it.
"""

from __future__ import annotations

import ipaddress
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Annotated

import httpx
import typer

from lab.campaign import prefect_database
from lab.cli.common import console
from lab.errors import UserError
from lab.history.catalog_server import initialize
from lab.history.servers import forget_server, live_server, record_server
from lab.home import sdlab_home
from lab.reaper import helper_group

LOOPBACK_NAMES = {"localhost"}
STARTUP_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 15.0


def is_loopback(host: str) -> bool:
    """Whether `host` (a name or address) is reachable only from this machine."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def client_host(host: str) -> str:
    """The address a local client uses to reach a server bound to `host` (a wildcard means loopback)."""
    return "127.0.0.1" if host in ("0.0.0.0", "::", "") else host


def url(host: str, port: int, path: str = "") -> str:
    """The http URL of `path` on a server bound to `host`:`port`, as a local client reaches it."""
    shown = client_host(host)
    return f"http://{f'[{shown}]' if ':' in shown else shown}:{port}{path}"


@dataclass
class Service:
    """One server child process and the URL that answers when it is ready."""

    name: str
    process: subprocess.Popen[bytes]
    health: str
    log: Path

    def ready(self) -> bool:
        try:
            return httpx.get(self.health, timeout=1.0, trust_env=False).status_code == 200
        except httpx.HTTPError:
            return False

    def failure(self) -> str:
        tail = self.log.read_text(errors="replace").strip().splitlines()[-1:] if self.log.exists() else []
        return f"{self.name} exited with code {self.process.returncode}" + (f": {tail[0]}" if tail else "") + \
            f" (log: {self.log})"

    def stop(self) -> None:
        """SIGINT (a graceful shutdown), then SIGKILL if it does not end in time."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def _spawn(name: str, command: list[str], health: str, logs: Path, env: dict[str, str]) -> Service:
    log = logs / f"ui-{name}.log"
    stream: IO[bytes] = log.open("wb")
    # In the helper group (`lab.reaper`): a terminal's Ctrl-C reaches only `sdlab ui`, which stops the children in
    # order, and `sdlab ui` killed at any moment leaves no server running.
    process = subprocess.Popen(command, stdout=stream, stderr=subprocess.STDOUT, env=env,
                               process_group=helper_group())
    stream.close()
    return Service(name, process, health, log)


@dataclass
class Lab:
    """The running servers of `sdlab ui`."""

    prefect: Service
    tiled: Service
    prefect_url: str
    tiled_url: str
    catalog: Path
    catalog_uri: str  # what local clients (campaigns, sdlab history) connect to
    migrated_here: tuple[Path, Path] | None = None  # Prefect's new database and memo store, when no template seeded it

    @property
    def services(self) -> tuple[Service, Service]:
        return self.prefect, self.tiled

    def wait_ready(self, timeout_s: float = STARTUP_TIMEOUT_S) -> None:
        """Block until both answer over HTTP, then announce the catalog server to other processes; RuntimeError
        naming the one that died or never answered."""
        pending = list(self.services)
        deadline = time.monotonic() + timeout_s
        while pending:
            for service in list(pending):
                if service.process.poll() is not None:
                    raise RuntimeError(service.failure())
                if service.ready():
                    pending.remove(service)
            if pending and time.monotonic() > deadline:
                raise RuntimeError(f"{pending[0].name} did not answer within {timeout_s:g} s (log: {pending[0].log})")
            time.sleep(0.2)
        if self.migrated_here is not None:
            prefect_database.keep_template(*self.migrated_here)
        record_server(self.catalog, self.tiled.process.pid, self.catalog_uri)

    def watch(self) -> None:
        """Return when a child ends by itself (RuntimeError naming it); Ctrl-C raises KeyboardInterrupt."""
        while True:
            for service in self.services:
                if service.process.poll() is not None:
                    raise RuntimeError(service.failure())
            time.sleep(0.5)

    def stop(self) -> None:
        """Stop both children and withdraw the catalog's server record."""
        for service in self.services:
            service.stop()
        forget_server(self.catalog, self.tiled.process.pid)


def start(home: Path, host: str, prefect_port: int, tiled_port: int) -> Lab:
    """Start the Prefect server (its database under `home/prefect`) and a tiled server of `home/catalog`."""
    catalog = home / "catalog"
    (catalog / "data").mkdir(parents=True, exist_ok=True)
    owner = live_server(catalog)
    if owner is not None:
        raise UserError(f"the run catalog is being served by process {owner['pid']} (a running campaign?); start "
                        "sdlab ui when it has finished, or before campaigns, which then write through it")
    check_port(host, prefect_port, "--prefect-port")
    check_port(host, tiled_port, "--tiled-port")
    logs = home / "logs"
    logs.mkdir(exist_ok=True)
    env = {**os.environ, "PREFECT_HOME": os.environ.get("PREFECT_HOME", str(home / "prefect")),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1"}
    api_key = secrets.token_hex(16)
    database, memo = prefect_database.server_database(env)
    migrated_here = prefect_database.prepare(database, memo)
    prefect = _spawn("prefect", [sys.executable, "-m", "prefect", "server", "start", "--host", host,
                                 "--port", str(prefect_port)], url(host, prefect_port, "/api/health"), logs, env)
    nodes = catalog / "catalog.db"
    initialize(f"sqlite:///{nodes}")  # here: tiled's --init would start a second interpreter
    tiled = _spawn("tiled", [sys.executable, "-m", "tiled", "serve", "catalog", str(nodes),
                             "-w", str(catalog / "data"), "-w", f"duckdb:///{catalog / 'storage.duckdb'}",
                             "--host", host, "--port", str(tiled_port), "--api-key", api_key],
                   url(host, tiled_port, "/healthz"), logs, env)
    return Lab(prefect, tiled, url(host, prefect_port), url(host, tiled_port, f"/?api_key={api_key}"), catalog,
               url(host, tiled_port, f"/api/v1?api_key={api_key}"),
               None if migrated_here is None else (migrated_here, memo))


def check_port(host: str, port: int, option: str) -> None:
    """UserError unless `port` can be bound on `host` now."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError as exc:
            raise UserError(f"{option} {port}: cannot listen on {host} ({exc.strerror}); pick another port") from None


def interrupt_on_sigterm() -> None:
    """Make SIGTERM stop `sdlab ui` as Ctrl-C does (children stopped, record withdrawn)."""
    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def ui_command(
    host: Annotated[str, typer.Option(help="Address both servers listen on (default: loopback only).")
                    ] = "127.0.0.1",
    prefect_port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the Prefect server and UI.")] = 4200,
    tiled_port: Annotated[int, typer.Option(min=1, max=65535, help="Port of the tiled server of the run catalog.")
                          ] = 8000,
) -> None:
    """Serve the Prefect UI (flow runs, artifacts) and the run catalog (tiled) until Ctrl-C."""
    if not is_loopback(host):
        print(f"sdlab: warning: --host {host} exposes the Prefect API (no authentication unless "
              "PREFECT_SERVER_API_AUTH_STRING is set) and the catalog beyond this machine", file=sys.stderr)
    interrupt_on_sigterm()
    lab = start(sdlab_home(), host, prefect_port, tiled_port)
    try:
        lab.wait_ready()
        console.print(f"Prefect UI  {lab.prefect_url}\ntiled       {lab.tiled_url}\n"
                      f"(catalog {lab.catalog}; campaigns started now write through this tiled server; "
                      f"logs in {lab.prefect.log.parent})\nCtrl-C stops both.", soft_wrap=True)
        lab.watch()
    except KeyboardInterrupt:
        print("sdlab ui: stopping", file=sys.stderr)
    except RuntimeError as exc:
        print(f"sdlab: error: {exc}", file=sys.stderr)
        raise typer.Exit(1) from None
    finally:
        lab.stop()

