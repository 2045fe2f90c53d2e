"""The deployment's services: start, check and stop them. PostgreSQL runs from the system's binaries (`initdb`,
`pg_ctl`; as the `postgres` user when sdlab runs as root, which PostgreSQL refuses); the Prefect server, the tiled
catalog server and the workers are processes of their own (a session each: they outlive the command that started
them), tracked by pid files in `$SDLAB_HOME/deploy/run`, their output in `$SDLAB_HOME/deploy/logs`."""

from __future__ import annotations

import asyncio
import contextlib
import glob
import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

from lab.deploy.layout import DATABASES, DB_USER, Layout, deploy_dir, write_private
from lab.errors import ServiceError, UserError

PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
START_TIMEOUT_S = 180.0  # a busy two-core host starts the Prefect server slowly


def pg_bin() -> Path | None:
    """The folder of the system's PostgreSQL server binaries (the newest version), if installed."""
    found = sorted(glob.glob(PG_BIN_GLOB), key=lambda path: int(Path(path).parent.name))
    on_path = shutil.which("pg_ctl")
    return Path(found[-1]) if found else Path(on_path).parent if on_path else None


def _as_postgres() -> list[str]:
    """A prefix running a command as the `postgres` user when this process is root (PostgreSQL refuses root)."""
    if os.geteuid() != 0:
        return []
    runuser = shutil.which("runuser", path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if runuser is None:
        raise UserError("sdlab runs as root, which PostgreSQL refuses, and runuser (util-linux) is missing to run it "
                        "as user postgres: run sdlab as another user")
    return [runuser, "-u", "postgres", "--"]


def _pg(command: str, *args: str, check: bool = True, timeout: float = 120.0) -> subprocess.CompletedProcess[str]:
    binaries = pg_bin()
    if binaries is None:
        raise UserError("PostgreSQL's server binaries are not installed (looked in /usr/lib/postgresql/*/bin and on "
                        "PATH): install postgresql-15 (Debian/Ubuntu: apt-get install postgresql-15)")
    result = subprocess.run([*_as_postgres(), str(binaries / command), *args], capture_output=True, text=True,
                            timeout=timeout)
    if check and result.returncode:
        raise ServiceError(f"PostgreSQL's {command} failed: {(result.stderr or result.stdout).strip()[-300:]}; "
                           f"see {pgdata() / 'server.log'}")
    return result


def pgdata() -> Path:
    return deploy_dir() / "postgres"


def _run_dir() -> Path:
    path = deploy_dir() / "run"
    path.mkdir(parents=True, exist_ok=True)
    return path


def log_path(name: str) -> Path:
    path = deploy_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path / f"{name}.log"


def init_postgres(layout: Layout) -> None:
    """Create the cluster (once): owned by `postgres` when run as root, password authentication only."""
    data = pgdata()
    if (data / "PG_VERSION").exists():
        return
    data.mkdir(parents=True, exist_ok=True)
    password = deploy_dir() / "initdb.pw"
    write_private(password, layout.db_password + "\n")
    if os.geteuid() == 0:
        postgres = pwd.getpwnam("postgres")
        for path in (data, password):
            os.chown(path, postgres.pw_uid, postgres.pw_gid)
        os.chmod(data, 0o700)
        if subprocess.run([*_as_postgres(), "test", "-w", str(data)]).returncode:
            raise UserError(f"PostgreSQL runs as user postgres (sdlab runs as root), and it cannot reach {data}: "
                            "set SDLAB_HOME to a folder every user may traverse (chmod o+x on its parents)")
    try:
        _pg("initdb", "-D", str(data), "-U", DB_USER, f"--pwfile={password}", "-A", "scram-sha-256", "-E", "UTF8",
            "--no-instructions")
    finally:
        password.unlink(missing_ok=True)


def postgres_pid() -> int | None:
    """The pid of the cluster's postmaster, if it runs."""
    try:
        pid = int((pgdata() / "postmaster.pid").read_text().split()[0])
        os.kill(pid, 0)
    except (OSError, ValueError, IndexError):
        return None
    return pid


def start_postgres(layout: Layout) -> None:
    """Start the cluster on loopback (no Unix socket) and create the deployment's databases."""
    if postgres_pid() is None:
        _pg("pg_ctl", "-D", str(pgdata()), "-l", str(pgdata() / "server.log"), "-w", "-t", "120", "-o",
            f"-p {layout.postgres_port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''", "start",
            timeout=180)
    asyncio.run(_create_databases(layout))


async def _create_databases(layout: Layout) -> None:
    import asyncpg

    connection = await asyncpg.connect(host="127.0.0.1", port=layout.postgres_port, user=DB_USER,
                                       password=layout.db_password, database="postgres")
    try:
        known = {row["datname"] for row in await connection.fetch("SELECT datname FROM pg_database")}
        for name in DATABASES:
            if name not in known:
                await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def stop_postgres() -> None:
    if postgres_pid() is not None:
        _pg("pg_ctl", "-D", str(pgdata()), "-m", "fast", "-w", "-t", "60", "stop")


def service_pid(name: str) -> int | None:
    """The pid of service `name` (prefect, tiled, worker-station-N), if it runs."""
    try:
        pid = int((_run_dir() / f"{name}.pid").read_text())
        os.kill(pid, 0)
    except (OSError, ValueError):
        return None
    return pid


def default_interrupts() -> None:
    """In a child process before it starts (``preexec_fn``): SIGINT and SIGQUIT as by default. A command started
    in the background (`&`, a CI job) ignores them and its children inherit that; a Prefect worker ends on SIGTERM
    by raising KeyboardInterrupt, so one that ignores SIGINT would run on until `stop` kills it."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGQUIT, signal.SIG_DFL)


def spawn(name: str, command: list[str], env: dict[str, str]) -> int:
    """Start service `name` in a session of its own (it outlives this command), its output in its log."""
    if (pid := service_pid(name)) is not None:
        return pid
    with open(log_path(name), "ab") as log:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
                                   stdin=subprocess.DEVNULL, start_new_session=True, cwd=deploy_dir(),
                                   preexec_fn=default_interrupts)
    (_run_dir() / f"{name}.pid").write_text(str(process.pid))
    return process.pid


def stop(*names: str, timeout_s: float = 30.0) -> None:
    """SIGTERM the process groups of services `names` at once, SIGKILL what is left of them after `timeout_s`;
    forget their pid files."""
    pids = [pid for pid in map(service_pid, names) if pid is not None]
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and any(_group_alive(pid) for pid in pids):
        time.sleep(0.2)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    for name in names:
        (_run_dir() / f"{name}.pid").unlink(missing_ok=True)


def _group_alive(pgid: int) -> bool:
    with contextlib.suppress(ChildProcessError):  # a leader this process started is reaped, or it stays a zombie
        os.waitpid(pgid, os.WNOHANG)
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_until(name: str, healthy: Callable[[], bool], timeout_s: float = START_TIMEOUT_S) -> None:
    """Return once `healthy()`; ServiceError naming the log when service `name` exits or stays unhealthy."""
    deadline = time.monotonic() + timeout_s
    while not healthy():
        if service_pid(name) is None:
            raise ServiceError(f"the deployment's {name} exited while starting; see {log_path(name)}")
        if time.monotonic() > deadline:
            raise ServiceError(f"the deployment's {name} did not answer within {timeout_s:.0f} s; "
                               f"see {log_path(name)}")
        time.sleep(0.5)


def answers(url: str, **kwargs: object) -> bool:
    """Whether `url` answers 200."""
    try:
        return httpx.get(url, timeout=3.0, trust_env=False, **kwargs).status_code == 200  # type: ignore[arg-type]
    except httpx.HTTPError:
        return False


def python() -> str:
    return sys.executable
