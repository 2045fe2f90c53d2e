"""Where a deployment lives (`$SDLAB_HOME/deploy`) and what it was set up with: ports, station count and generated
secrets, in `deploy.json`, readable by its owner only (mode 0600). The PostgreSQL password is also in `pgpass`
(libpq's password file), so that no URL or command line carries it."""

from __future__ import annotations

import json
import os
import secrets
import socket
from dataclasses import asdict, dataclass
from pathlib import Path

from lab.home import sdlab_home

DB_USER = "sdlab"
DATABASES = ("prefect", "catalog", "tables")  # Prefect's database, tiled's catalog, tiled's tables


def deploy_dir() -> Path:
    """`$SDLAB_HOME/deploy`."""
    return sdlab_home() / "deploy"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path`, readable and writable by this user only (mode 0600 from the start)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    os.chmod(path, 0o600)


@dataclass(frozen=True)
class Layout:
    """A deployment's settings: ports (chosen once, kept across down/up), stations and secrets."""

    stations: int
    postgres_port: int
    prefect_port: int
    tiled_port: int
    db_password: str
    prefect_auth: str  # user:password of the Prefect server's basic auth
    tiled_api_key: str

    @classmethod
    def create(cls, stations: int) -> Layout:
        return cls(stations, _free_port(), _free_port(), _free_port(), secrets.token_hex(24),
                   f"sdlab:{secrets.token_hex(24)}", secrets.token_hex(32))

    @classmethod
    def load(cls) -> Layout | None:
        """The deployment's settings, if it was ever set up."""
        path = deploy_dir() / "deploy.json"
        return cls(**json.loads(path.read_text())) if path.exists() else None

    def save(self) -> None:
        write_private(deploy_dir() / "deploy.json", json.dumps(asdict(self), indent=1))
        write_private(deploy_dir() / "pgpass", f"127.0.0.1:{self.postgres_port}:*:{DB_USER}:{self.db_password}\n")

    @property
    def prefect_api(self) -> str:
        return f"http://127.0.0.1:{self.prefect_port}/api"

    @property
    def tiled_uri(self) -> str:
        """The catalog's URI with its API key (what `SDLAB_CATALOG_URI` holds for clients)."""
        return f"http://127.0.0.1:{self.tiled_port}/api/v1?api_key={self.tiled_api_key}"

    def database(self, name: str, driver: str = "postgresql", password: str | None = None) -> str:
        """The URL of one of the deployment's databases, by default without its password (clients that read
        libpq's password file, `pgpass`, find it there)."""
        user = DB_USER if password is None else f"{DB_USER}:{password}"
        return f"{driver}://{user}@127.0.0.1:{self.postgres_port}/{name}"

    def client_env(self) -> dict[str, str]:
        """What a client of the deployment (a CLI command, a worker, a flow run) needs in its environment."""
        return {"PREFECT_API_URL": self.prefect_api, "PREFECT_API_AUTH_STRING": self.prefect_auth,
                "SDLAB_CATALOG_URI": self.tiled_uri}

    def station_pools(self) -> list[str]:
        return [f"station-{index}" for index in range(1, self.stations + 1)]
