"""Prefect's SQLite database in a new home, started from a migrated template instead of from nothing.

A Prefect server that opens a database file that does not exist creates it by running every migration of its
schema (~11 s of processor on this project's machines) and registers Prefect's block types in it (~2 s more);
opening a migrated database whose blocks its home's memo store says are registered costs neither. So the first
server of each Prefect version that migrated a new database leaves a copy of it, taken once it answers (its schema
and block types, nothing of any flow), with its memo store, in the user's cache (`$XDG_CACHE_HOME/sdlab`, default
`~/.cache/sdlab`), and every later new database of that version starts as that copy. Prefect still checks the
schema and the blocks' memo at start-up and brings up to date whatever is behind. A cache that cannot be read or
written only costs the migration.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Mapping
from importlib.metadata import version
from pathlib import Path

SQLITE_PREFIXES = ("sqlite+aiosqlite:///", "sqlite:///")
DATABASE_VARIABLES = ("PREFECT_SERVER_DATABASE_CONNECTION_URL", "PREFECT_API_DATABASE_CONNECTION_URL")


def sqlite_file(url: str) -> Path | None:
    """The file of a SQLite database URL; None for any other database (or an in-memory one)."""
    for prefix in SQLITE_PREFIXES:
        if url.startswith(prefix):
            path = url.removeprefix(prefix).split("?", 1)[0]
            return Path(path) if path and path != ":memory:" else None
    return None


def template_files() -> tuple[Path, Path]:
    """Where the migrated database of the installed Prefect version, and its memo store, are kept."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "sdlab"
    release = version("prefect")
    return cache / f"prefect-{release}.db", cache / f"prefect-{release}.memo.toml"


def server_database(env: Mapping[str, str]) -> tuple[str, Path]:
    """The database URL and memo store of a Prefect server started with the environment `env` (which names its
    `PREFECT_HOME`), as Prefect derives them from it (a database configured in a Prefect profile is not seen)."""
    home = Path(env["PREFECT_HOME"]).expanduser()
    default = f"{SQLITE_PREFIXES[0]}{home / 'prefect.db'}"
    url = next((env[name] for name in DATABASE_VARIABLES if env.get(name)), default)
    return url, Path(env.get("PREFECT_MEMO_STORE_PATH") or home / "memo_store.toml")


def prepare(url: str, memo: Path) -> Path | None:
    """Before a server starts on the database `url` (with its home's memo store `memo`): a new SQLite file starts as
    the template, and the home's memo as the template's where it has none. Returns the file to pass to
    `keep_template` once the server answers (a new database that no template seeded), else None."""
    database = sqlite_file(url)
    if database is None or database.exists():
        return None
    template, template_memo = template_files()
    if not template.is_file():
        return database
    if not _sound(template):  # damaged in the cache: this server migrates, and its database becomes the template
        with contextlib.suppress(OSError):
            template.unlink()
        return database
    try:
        database.parent.mkdir(parents=True, exist_ok=True)
        _replace(database, lambda partial: shutil.copyfile(template, partial))
        if template_memo.is_file() and not memo.exists():
            _replace(memo, lambda partial: shutil.copyfile(template_memo, partial))
    except OSError:
        return None  # the server migrates whatever was not copied
    return None


def keep_template(database: Path, memo: Path) -> None:
    """Keep a consistent copy of `database`, which a server migrated just now, and of the memo store `memo` as the
    template, unless there is one, the server did not register Prefect's block types in it (its home's memo said
    they were: the database would lack them) or anything but those is in it already. SQLite's backup API copies
    the database consistently while the server has it open."""
    template, template_memo = template_files()
    if template.exists() or not memo.is_file():
        return

    def backup(partial: Path) -> None:
        with contextlib.closing(sqlite3.connect(database)) as source, \
                contextlib.closing(sqlite3.connect(partial)) as copy:
            if not source.execute("SELECT count(*) FROM block_type").fetchone()[0]:
                raise sqlite3.DatabaseError("no block types registered")
            source.backup(copy)
            if _filled(copy):
                raise sqlite3.DatabaseError("something ran on it already")

    with contextlib.suppress(OSError, sqlite3.Error):
        template.parent.mkdir(parents=True, exist_ok=True)
        _replace(template, backup)  # first: a database refused leaves no memo behind
        _replace(template_memo, lambda partial: shutil.copyfile(memo, partial))


def _filled(db: sqlite3.Connection) -> list[str]:
    """The tables of `db` that hold rows other than the schema's revision and Prefect's block types (a flow run, a
    deployment, an event, …)."""
    tables = [name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
    return [name for name in tables if name != "alembic_version" and not name.startswith(("block_", "sqlite_"))
            and db.execute(f'SELECT EXISTS (SELECT 1 FROM "{name}")').fetchone()[0]]


def _sound(template: Path) -> bool:
    """Whether `template` is an intact database with a schema revision and registered block types."""
    try:
        with contextlib.closing(sqlite3.connect(f"{template.as_uri()}?mode=ro", uri=True)) as db:
            return (db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
                    and db.execute("SELECT count(*) FROM alembic_version").fetchone()[0] > 0
                    and db.execute("SELECT count(*) FROM block_type").fetchone()[0] > 0)
    except sqlite3.Error:
        return False


def _replace(target: Path, write: Callable[[Path], object]) -> None:
    """Write `target` through a partial file beside it, renamed into place when complete (so that no reader ever
    sees half a file)."""
    handle, name = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    os.close(handle)
    partial = Path(name)
    try:
        write(partial)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
