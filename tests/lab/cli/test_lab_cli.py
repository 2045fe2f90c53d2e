"""The CLI refuses bad input with exit code 2 and one line, before anything runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import lab

GRAPHENE_STATION = Path(lab.__file__).parent / "stations" / "graphene-sim.yaml"


def sdlab(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "lab", *args], capture_output=True, text=True, timeout=120,
                          env={"SDLAB_HOME": str(home), "PATH": "/usr/bin:/bin"})


@pytest.mark.parametrize(("args", "says"), [
    (["simulate", "--experiments", "-3"], "experiments"),
    (["simulate", "--planner", "nope"], "unknown planner 'nope'"),
    (["simulate", "--batch", "abc"], "--batch"),
    (["simulate", "--material", "unobtainium"], "material"),
    (["simulate", "--config", "/does/not/exist.yaml"], "does not exist"),
    (["simulate", "--material", "MoS3"], "chalcogens (S, Se) must add up to 2"),
    (["simulate", "--material", "MoTe2"], "element Te"),
    (["simulate", "--material", "mos2", "--target-ev", "9"], "target_ev"),
    (["simulate", "--material", "WS2", "--config", str(GRAPHENE_STATION)], "needs a tmd station"),
    (["history", "x", "--format", "xml"], "--format"),
])
def test_bad_input_exits_2_with_one_line(args: list[str], says: str, tmp_path: Path) -> None:
    result = sdlab(*args, home=tmp_path)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("sdlab: error:") and says in lines[0]


@pytest.mark.parametrize("config", [
    "name: [unclosed\n",
    "just a string\n",
    "name: s\nsubstrates: [Cu]\nlimits: {max_temperature_c: 1500, max_ramp_c_per_min: 10, max_pressure_torr: 10}\n"
    "gas_lines: [{gas: Ar, full_scale_sccm: 100, inert: true}]\n",
    "name: s\nsubstrates: [Cu]\nlimits: {max_temperature_c: 1000, max_ramp_c_per_min: 10, max_pressure_torr: 10}\n"
    "gas_lines: [{gas: H2, full_scale_sccm: 100, flammable: true}]\n",
])
def test_malformed_or_out_of_range_station_config_exits_2(config: str, tmp_path: Path) -> None:
    path = tmp_path / "station.yaml"
    path.write_text(config)
    result = sdlab("simulate", "--config", str(path), home=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "station config" in lines[0], result.stderr
    assert "Traceback" not in result.stderr


def test_a_search_space_beyond_the_station_limits_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "station.yaml"
    path.write_text("name: cold\nsubstrates: [Cu, CuNi]\n"
                    "limits: {max_temperature_c: 1000, max_ramp_c_per_min: 25, max_pressure_torr: 20}\n"
                    "gas_lines: [{gas: Ar, full_scale_sccm: 500, inert: true},"
                    " {gas: H2, full_scale_sccm: 100, flammable: true},"
                    " {gas: CH4, full_scale_sccm: 50, flammable: true}]\n")
    result = sdlab("simulate", "--config", str(path), home=tmp_path)
    assert result.returncode == 2
    assert "limits" in result.stderr and len(result.stderr.strip().splitlines()) == 1
