"""A new Prefect database starts from the migrated template of its Prefect version (`lab.campaign.prefect_database`)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from lab.campaign.prefect_database import keep_template, prepare, server_database, sqlite_file, template_files


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache" / "sdlab"


def migrated(path: Path, block_types: int = 2) -> Path:
    """A database as a server leaves it once it answers: its schema's revision and registered block types."""
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE alembic_version (version_num TEXT)")
        db.execute("INSERT INTO alembic_version VALUES ('head')")
        db.execute("CREATE TABLE block_type (name TEXT)")
        db.executemany("INSERT INTO block_type VALUES (?)", [(f"block {i}",) for i in range(block_types)])
    return path


def rows(path: Path) -> list[tuple[str, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute("SELECT name FROM block_type ORDER BY name").fetchall()


def test_the_first_new_database_is_migrated_by_its_server_and_kept_and_the_next_starts_as_its_copy(
        tmp_path: Path, cache: Path) -> None:
    first, memo = tmp_path / "one" / "prefect.db", tmp_path / "one" / "memo_store.toml"
    assert prepare(f"sqlite+aiosqlite:///{first}", memo) == first  # no template: its server migrates it
    assert not first.exists()
    first.parent.mkdir()
    migrated(first)
    memo.write_text('block_auto_registration = "abc"\n')
    keep_template(first, memo)
    template, template_memo = template_files()
    assert template.parent == cache and "prefect-" in template.name
    assert rows(template) == rows(first) and template_memo.read_text() == memo.read_text()

    second, second_memo = tmp_path / "two" / "prefect.db", tmp_path / "two" / "memo_store.toml"
    assert prepare(f"sqlite+aiosqlite:///{second}", second_memo) is None  # seeded: nothing to keep afterwards
    assert rows(second) == rows(first) and second_memo.read_text() == memo.read_text()
    assert [p.name for p in cache.iterdir() if p.name.startswith(".")] == []  # no partial file left behind


def test_a_home_keeps_its_own_memo_store_and_an_existing_database_is_never_touched(
        tmp_path: Path, cache: Path) -> None:
    cache.mkdir(parents=True)
    template, template_memo = template_files()
    migrated(template)
    template_memo.write_text('block_auto_registration = "template"\n')
    database, memo = tmp_path / "prefect.db", tmp_path / "memo_store.toml"
    memo.write_text('block_auto_registration = "own"\n')
    assert prepare(f"sqlite:///{database}", memo) is None
    assert memo.read_text() == 'block_auto_registration = "own"\n' and rows(database) == rows(template)

    with sqlite3.connect(database) as db:
        db.execute("INSERT INTO block_type VALUES ('a flow of its own')")
    assert prepare(f"sqlite:///{database}", memo) is None
    assert ("a flow of its own",) in rows(database)


@pytest.mark.parametrize("damage", ["truncated", "not a database", "no block types"])
def test_a_damaged_template_is_not_copied_but_replaced_by_the_next_migrated_database(
        tmp_path: Path, cache: Path, damage: str) -> None:
    cache.mkdir(parents=True)
    template, _ = template_files()
    if damage == "no block types":
        migrated(template, block_types=0)
    else:
        migrated(tmp_path / "whole.db", block_types=200)
        whole = (tmp_path / "whole.db").read_bytes()
        template.write_bytes(whole[: len(whole) // 2] if damage == "truncated" else b"sdlab" * 1000)
    database, memo = tmp_path / "home" / "prefect.db", tmp_path / "home" / "memo_store.toml"
    assert prepare(f"sqlite+aiosqlite:///{database}", memo) == database  # its server migrates it
    assert not database.exists() and not template.exists()
    database.parent.mkdir()
    migrated(database)
    memo.write_text('block_auto_registration = "abc"\n')
    keep_template(database, memo)
    assert rows(template) == rows(database)


def test_a_database_without_registered_block_types_is_not_kept(tmp_path: Path, cache: Path) -> None:
    """A home whose memo store said the blocks were registered: its server did not register them in the new
    database, which must not become every later database's start."""
    database, memo = migrated(tmp_path / "prefect.db", block_types=0), tmp_path / "memo_store.toml"
    memo.write_text('block_auto_registration = "abc"\n')
    keep_template(database, memo)
    assert not any(path.exists() for path in template_files())


def test_a_database_that_something_ran_on_is_not_kept(tmp_path: Path, cache: Path) -> None:
    database, memo = migrated(tmp_path / "prefect.db"), tmp_path / "memo_store.toml"
    memo.write_text('block_auto_registration = "abc"\n')
    with sqlite3.connect(database) as db:
        db.execute("CREATE TABLE flow_run (name TEXT)")
        db.execute("CREATE TABLE deployment (name TEXT)")
        db.execute("INSERT INTO flow_run VALUES ('a campaign')")
    keep_template(database, memo)
    assert not any(path.exists() for path in template_files())
    with sqlite3.connect(database) as db:
        db.execute("DELETE FROM flow_run")
    keep_template(database, memo)  # empty tables of every kind are what a migrated database has
    assert rows(template_files()[0]) == rows(database)


def test_only_sqlite_files_are_seeded(tmp_path: Path, cache: Path) -> None:
    assert sqlite_file("postgresql+asyncpg://user:secret@localhost/prefect") is None
    assert sqlite_file("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_file("sqlite+aiosqlite:////data/prefect.db?mode=rwc") == Path("/data/prefect.db")
    assert prepare("postgresql+asyncpg://user:secret@localhost/prefect", tmp_path / "memo_store.toml") is None


def test_a_cache_that_cannot_be_written_only_costs_the_migration(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocked = tmp_path / "a file, not a folder"
    blocked.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    database, memo = migrated(tmp_path / "prefect.db"), tmp_path / "memo_store.toml"
    memo.write_text('block_auto_registration = "abc"\n')
    keep_template(database, memo)  # nothing raised
    assert prepare(f"sqlite:///{tmp_path / 'new.db'}", memo) == tmp_path / "new.db"


def test_the_template_is_named_for_the_installed_prefect_version(cache: Path) -> None:
    import prefect

    assert all(prefect.__version__ in path.name for path in template_files())


def test_a_server_s_database_is_read_from_its_environment_as_prefect_reads_it(tmp_path: Path) -> None:
    home = {"PREFECT_HOME": str(tmp_path)}
    assert server_database(home) == (f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}", tmp_path / "memo_store.toml")
    configured = {**home, "PREFECT_API_DATABASE_CONNECTION_URL": "postgresql+asyncpg://db/prefect",
                  "PREFECT_MEMO_STORE_PATH": str(tmp_path / "memo.toml")}
    assert server_database(configured) == ("postgresql+asyncpg://db/prefect", tmp_path / "memo.toml")
