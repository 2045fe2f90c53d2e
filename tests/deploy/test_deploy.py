"""deploy/: the Prefect deployments resolve to our flows, every station pool runs one flow at a time, the
compose file takes its secrets from the environment only, and Prefect accepts the project file."""

from __future__ import annotations

import importlib
import inspect
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect import Flow

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def _deployments() -> list[dict[str, Any]]:
    return yaml.safe_load((DEPLOY / "prefect.yaml").read_text())["deployments"]


def _flow(entrypoint: str) -> Flow:
    path, name = entrypoint.split(":")
    return getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), name)


RUN_PARAMETERS = {"campaign_id": "c-1", "target": "bandgap_ev=1.70"}  # what a run is started with


def test_every_deployment_runs_one_of_our_flows_with_valid_parameters() -> None:
    deployments = _deployments()
    assert len({d["name"] for d in deployments}) == len(deployments)
    for deployment in deployments:
        flow = _flow(deployment["entrypoint"])
        assert isinstance(flow, Flow)
        signature = inspect.signature(flow.fn).parameters
        required = {name for name, p in signature.items() if p.default is p.empty}
        assert required <= set(RUN_PARAMETERS)
        flow.validate_parameters({**{k: v for k, v in RUN_PARAMETERS.items() if k in signature},
                                  **deployment["parameters"]})


def test_each_station_pool_runs_one_flow_at_a_time() -> None:
    pools = [d["work_pool"]["name"] for d in _deployments()]
    assert len(set(pools)) == len(pools)  # one deployment per station pool
    assert all(d["concurrency_limit"] == 1 for d in _deployments())
    assert "concurrency_limit=1" in (DEPLOY / "pools.sh").read_text()


def test_a_discover_deployment_only_with_a_discover_flow() -> None:
    has_flow = (ROOT / "lab" / "design" / "flows.py").exists()
    assert any("discover" in d["entrypoint"] for d in _deployments()) == has_flow


def test_compose_runs_postgres_prefect_tiled_and_a_worker_with_secrets_from_the_env() -> None:
    text = (DEPLOY / "docker-compose.yml").read_text()
    services = yaml.safe_load(text)["services"]
    assert {"postgres", "prefect-server", "tiled", "worker-sim"} <= set(services)
    server = services["prefect-server"]["environment"]
    assert server["PREFECT_SERVER_API_AUTH_STRING"].startswith("${")
    assert server["PREFECT_API_DATABASE_CONNECTION_URL"].startswith("postgresql+asyncpg://")
    assert "prefect worker start --pool sim" in services["worker-sim"]["command"]
    assert services["worker-sim"]["environment"]["PREFECT_API_AUTH_STRING"].startswith("${")
    assert all(port.startswith("127.0.0.1:") for s in services.values() for port in s.get("ports", []))
    used = set(re.findall(r"\$\{(\w+)", text))
    example = dict(line.split("=", 1) for line in (DEPLOY / ".env.example").read_text().splitlines()
                   if line and not line.startswith("#"))
    assert used == set(example)
    assert all("change-me" in value for value in example.values())  # placeholders, not secrets
    assert ".env" in (DEPLOY / ".gitignore").read_text().split()


def test_the_compose_catalog_is_served_with_the_outage_middleware_from_a_config_of_env_secrets(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from tiled.config import parse_configs

    tiled = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())["services"]["tiled"]
    *command, config = tiled["command"].split()
    assert command == ["python", "-m", "lab.deploy.catalog"]
    mounted = dict(reversed(volume.split(":")[:2]) for volume in tiled["volumes"] if volume.startswith("./"))
    monkeypatch.setenv("POSTGRES_PASSWORD", "pw-from-env")
    monkeypatch.setenv("TILED_API_KEY", "key-from-env")
    parsed = parse_configs(DEPLOY / mounted[config])
    assert parsed.authentication.single_user_api_key == "key-from-env"
    assert all("pw-from-env@postgres" in uri for uri in [parsed.trees[0].args["uri"],
                                                          parsed.trees[0].args["writable_storage"][1]])
    assert tiled["environment"] == {"POSTGRES_PASSWORD": "${POSTGRES_PASSWORD}", "TILED_API_KEY": "${TILED_API_KEY}"}


@pytest.mark.e2e
def test_prefect_accepts_the_pools_and_deployments(prefect_harness: None, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.settings import get_current_settings

    env = {**os.environ, "PREFECT_API_URL": get_current_settings().api.url, "PREFECT_HOME": str(tmp_path),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}  # this venv's prefect
    pools = [d["work_pool"]["name"] for d in _deployments()]
    for command in (["bash", str(DEPLOY / "pools.sh"), *pools],
                    ["prefect", "--no-prompt", "deploy", "--all", "--prefect-file", str(DEPLOY / "prefect.yaml")]):
        result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
        assert result.returncode == 0, result.stdout + result.stderr
    with get_client(sync_client=True) as client:
        for pool in pools:
            assert client.read_work_pool(pool).concurrency_limit == 1
        deployments = {d.name: d for d in client.read_deployments()}
    for expected in _deployments():
        deployment = deployments[expected["name"]]
        assert deployment.work_pool_name == expected["work_pool"]["name"]
        assert deployment.entrypoint == expected["entrypoint"]
        assert deployment.global_concurrency_limit.limit == 1


def test_no_module_beside_a_deployed_flow_shadows_an_installed_package() -> None:
    """Prefect loads a deployment's entrypoint as a script, with its folder first on sys.path: a module there named
    like an installed package (say `requests.py`) would be imported in its place, by Prefect itself."""
    import sysconfig
    from importlib.machinery import PathFinder

    installed = [sysconfig.get_paths()[key] for key in ("stdlib", "platstdlib", "purelib", "platlib")]
    folders = {(ROOT / d["entrypoint"].split(":")[0]).parent for d in _deployments()}
    shadowing = [f"{folder.relative_to(ROOT)}/{module.name}" for folder in folders for module in folder.glob("*.py")
                 if module.stem != "__init__" and PathFinder.find_spec(module.stem, installed) is not None]
    assert shadowing == []
