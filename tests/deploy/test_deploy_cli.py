"""`sdlab deploy` and `sdlab submit` without a deployment: said in one line, nothing started."""

from __future__ import annotations

import stat
from pathlib import Path


def test_submit_without_a_deployment_exits_2_saying_how_to_start_one(sdlab_cli) -> None:
    refused = sdlab_cli("submit", "--station", "station-1", "--experiments", "2")
    assert refused.code == 2
    assert refused.err_lines == ["sdlab: error: no deployment is up: start it with sdlab deploy up"]


def test_submit_refuses_bad_settings_before_asking_the_deployment(sdlab_cli) -> None:
    refused = sdlab_cli("submit", "--station", "station-1", "--planner", "nope")
    assert refused.code == 2 and "unknown planner 'nope'" in refused.err_lines[0]


def test_status_and_down_without_a_deployment(sdlab_cli) -> None:
    assert "no deployment here yet: sdlab deploy up" in sdlab_cli("deploy", "status").out
    assert sdlab_cli("deploy", "down").code == 0


def test_the_deployment_secrets_are_readable_by_their_owner_only(sdlab_cli, tmp_path: Path) -> None:
    from lab.deploy.layout import Layout, deploy_dir

    layout = Layout.create(2)
    layout.save()
    assert Layout.load() == layout
    for name in ("deploy.json", "pgpass"):
        assert stat.S_IMODE((deploy_dir() / name).stat().st_mode) == 0o600
    assert layout.database("prefect", "postgresql+asyncpg").endswith(f"sdlab@127.0.0.1:{layout.postgres_port}/prefect")
    assert layout.station_pools() == ["station-1", "station-2"]
