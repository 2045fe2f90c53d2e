"""Prefect's temporary server (the one flows use when no `PREFECT_API_URL` is set): one per process, started here,
tied to this process from the moment it exists, and a start-up that fails is one clear line.

Prefect would start it on first use (`SubprocessASGIServer().start()`), but a start-up that fails for a moment on a
busy host (a health check that times out or is cut off) leaves that server running while Prefect forgets it, and
its next use starts a second server on the same port ("address already in use"); and the server exists for a while
before anything could tie it to this process. Here it is launched in this process's helper group (`lab.reaper`),
its output goes to `$SDLAB_HOME/logs/prefect-server.log`, and once it answers it becomes this process's Prefect API,
as if `PREFECT_API_URL` had been set before Prefect read its settings: Prefect never starts a server of its own, and
never imports its server's modules into the campaign's process (`prefect.server.api.server`, ~4 s of CPU under the
GIL, which the campaign's threads then waited for).
"""

from __future__ import annotations

import atexit
import os
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import Any

import httpx
import prefect
import prefect.context
from prefect.settings import PREFECT_API_URL, get_current_settings

from lab.campaign import prefect_database
from lab.errors import ServiceError
from lab.heap import lasting_heap
from lab.home import sdlab_home
from lab.reaper import helper_group

HEALTH_POLL_S = 0.2  # between health checks while the server starts
HEALTH_TIMEOUT_S = 2.0  # a check a busy server does not answer in time is simply made again
STOP_WAIT_S = 5.0  # a server not gone this long after SIGTERM is killed
_lock = threading.Lock()


@dataclass
class TemporaryServer:
    """This process's temporary Prefect server."""

    process: subprocess.Popen[bytes]
    port: int

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def stop(self) -> None:
        """Terminate the server (killed if it does not end within `STOP_WAIT_S`)."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=STOP_WAIT_S)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


_server: TemporaryServer | None = None


def temporary_server() -> TemporaryServer | None:
    """The temporary server `ensure_server` started in this process, if any."""
    return _server


def server_log() -> str:
    """Where the temporary server writes its output."""
    folder = sdlab_home() / "logs"
    folder.mkdir(exist_ok=True)
    return str(folder / "prefect-server.log")


def _free_port() -> int:
    """A loopback port nothing uses now, chosen by the system."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _launch(port: int) -> subprocess.Popen[bytes]:
    """The server process on `port`, run as Prefect 3 runs it (`SubprocessASGIServer._run_uvicorn_command`: uvicorn,
    no UI), but in this process's helper group, with its output in the log and its app built by `server_app`."""
    env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT__SERVER_EPHEMERAL": "1",
           "PREFECT__SERVER_FINAL": "1", **get_current_settings().to_environment_variables(exclude_unset=True)}
    with open(server_log(), "ab") as log:
        return subprocess.Popen([sys.executable, "-m", "uvicorn", "--app-dir", str(prefect.__module_path__.parent),
                                 "--factory", f"{__name__}:server_app", "--host", "127.0.0.1",
                                 "--port", str(port), "--log-level", "error", "--lifespan", "on"],
                                env=env, stdout=log, stderr=subprocess.STDOUT, process_group=helper_group())


def server_app() -> Any:
    """The server's app, as Prefect builds it (`prefect.server.api.server.create_app`), with the garbage collector
    paused while the server's modules are imported and the app is built, and what was built frozen (`lab.heap`):
    ~1.2 s less of a start-up that competes with the campaign process's own."""
    with lasting_heap():
        from prefect.server.api.server import create_app

        return create_app()


def _await_health(server: TemporaryServer, timeout_s: float) -> None:
    """Return once the server answers its health check; ServiceError when it exits or stays silent too long."""
    deadline = time.monotonic() + timeout_s
    with httpx.Client(timeout=HEALTH_TIMEOUT_S, trust_env=False) as client:  # one: each builds an SSL context (~50 ms)
        while not _healthy(server, client):
            if time.monotonic() > deadline:
                raise ServiceError(f"Prefect's temporary server did not answer within {timeout_s:g} s (log: "
                                   f"{server_log()}); on a busy host raise PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_"
                                   "SECONDS, or set PREFECT_API_URL to a running Prefect server (e.g. sdlab ui)")
            time.sleep(HEALTH_POLL_S)


def _healthy(server: TemporaryServer, client: httpx.Client) -> bool:
    """Whether the server answers its health check now; ServiceError when it has exited."""
    code = server.process.poll()
    if code is not None:
        raise ServiceError(f"Prefect's temporary server exited with code {code} while starting (log: "
                           f"{server_log()}); set PREFECT_API_URL to a running Prefect server (e.g. sdlab ui) "
                           "to use that instead")
    try:
        return client.get(f"{server.api_url}/health").status_code == 200
    except httpx.HTTPError:
        return False  # not listening yet, or too busy to answer: it is still starting


def ensure_server() -> str | None:
    """Start Prefect's temporary server unless a Prefect API is configured or it runs already; return once it
    answers, with the API's URL (None: no API is configured and temporary servers are off). ServiceError (one line)
    when it does not start; it is then stopped. Settings entered before (`temporary_settings`) keep their own API."""
    global _server
    settings = get_current_settings()
    if settings.api.url or not settings.server.ephemeral.enabled:
        return settings.api.url
    with _lock:
        if _server is not None and _server.process.poll() is None:
            return _server.api_url
        if "prefect.server.api.server" in sys.modules:  # something made Prefect start a server of its own
            from prefect.server.api.server import SubprocessASGIServer

            if SubprocessASGIServer().running:
                return SubprocessASGIServer().api_url
        memo = settings.server.memo_store_path
        migrated_here = prefect_database.prepare(settings.server.database.connection_url.get_secret_value(), memo)
        port = _free_port()
        server = TemporaryServer(_launch(port), port)
        atexit.register(server.stop)
        try:
            _await_health(server, settings.server.ephemeral.startup_timeout_seconds)
        except BaseException:
            server.stop()
            raise
        if migrated_here is not None:
            prefect_database.keep_template(migrated_here, memo)
        _server = server
        _use_api(server.api_url)
        return server.api_url


def _use_api(url: str) -> None:
    """Make `url` this process's Prefect API, for every thread and context without settings of their own (Prefect's
    process-wide settings, which it reads when no `temporary_settings` are entered); child processes' environment
    is not changed."""
    default = prefect.context.GLOBAL_SETTINGS_CONTEXT
    prefect.context.GLOBAL_SETTINGS_CONTEXT = prefect.context.SettingsContext(
        profile=default.profile, settings=default.settings.copy_with_update(updates={PREFECT_API_URL: url}))


class PrefectStart(threading.Thread):
    """`ensure_server` in the background, so that the server comes up while the catalog and the station start."""

    def __init__(self) -> None:
        super().__init__(name="prefect-start", daemon=True)
        self.failure: ServiceError | None = None

    def run(self) -> None:
        try:
            ensure_server()
        except ServiceError as exc:
            self.failure = exc

    def wait(self) -> None:
        """Block until the server answers; ServiceError if it did not start."""
        self.join()
        if self.failure is not None:
            raise self.failure


def start_prefect() -> PrefectStart:
    """Start Prefect's temporary server in the background (see `ensure_server`); `wait()` before the first flow."""
    starting = PrefectStart()
    starting.start()
    return starting
