"""The CLI refuses bad input with exit code 2 and one line, before anything runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import lab

GRAPHENE_STATION = Path(lab.__file__).parent / "stations" / "graphene-sim.yaml"


def test_the_entry_point_refuses_bad_input_with_exit_2_and_one_line(tmp_path: Path) -> None:
    """As a user meets it (the tests below run `sdlab` in-process, as its entry point does)."""
    result = subprocess.run([sys.executable, "-m", "lab", "simulate", "--experiments", "-3"], capture_output=True,
                            text=True, timeout=120, env={"SDLAB_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"})
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("sdlab: error:") and "experiments" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []  # nothing recorded


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
def test_bad_input_exits_2_with_one_line(args: list[str], says: str, sdlab_cli, nothing_starts) -> None:
    result = sdlab_cli(*args)
    assert result.code == 2
    assert result.out == ""
    assert len(result.err_lines) == 1, result.err
    assert result.err_lines[0].startswith("sdlab: error:") and says in result.err_lines[0]


@pytest.mark.parametrize("config", [
    "name: [unclosed\n",
    "just a string\n",
    "name: s\nsubstrates: [Cu]\nlimits: {max_temperature_c: 1500, max_ramp_c_per_min: 10, max_pressure_torr: 10}\n"
    "gas_lines: [{gas: Ar, full_scale_sccm: 100, inert: true}]\n",
    "name: s\nsubstrates: [Cu]\nlimits: {max_temperature_c: 1000, max_ramp_c_per_min: 10, max_pressure_torr: 10}\n"
    "gas_lines: [{gas: H2, full_scale_sccm: 100, flammable: true}]\n",
])
def test_malformed_or_out_of_range_station_config_exits_2(config: str, tmp_path: Path, sdlab_cli,
                                                          nothing_starts) -> None:
    path = tmp_path / "station.yaml"
    path.write_text(config)
    result = sdlab_cli("simulate", "--config", str(path))
    assert result.code == 2, result.err
    assert len(result.err_lines) == 1 and "station config" in result.err_lines[0], result.err
    assert "Traceback" not in result.err


def test_a_search_space_beyond_the_station_limits_exits_2(tmp_path: Path, sdlab_cli, nothing_starts) -> None:
    path = tmp_path / "station.yaml"
    path.write_text("name: cold\nsubstrates: [Cu, CuNi]\n"
                    "limits: {max_temperature_c: 1000, max_ramp_c_per_min: 25, max_pressure_torr: 20}\n"
                    "gas_lines: [{gas: Ar, full_scale_sccm: 500, inert: true},"
                    " {gas: H2, full_scale_sccm: 100, flammable: true},"
                    " {gas: CH4, full_scale_sccm: 50, flammable: true}]\n")
    result = sdlab_cli("simulate", "--config", str(path))
    assert result.code == 2
    assert "limits" in result.err and len(result.err_lines) == 1


@pytest.fixture
def nothing_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Everything a command could start or record raises instead (a refusal must come first; a campaign records
    itself before it starts Prefect or the station)."""
    import lab.campaign.fleet
    import lab.cli.ui
    import lab.design.flows
    import lab.history.records
    import simulators.emulators.base

    def started(*args: object, **kwargs: object) -> None:
        raise AssertionError("bad input started something")

    for owner, name in [(lab.history.records, "open_record"), (lab.campaign.fleet, "run_fleet"),
                        (lab.design.flows, "design"),
                        (lab.design.flows, "discover"), (lab.cli.ui, "start"),
                        (simulators.emulators.base.PtyEmulator, "start")]:
        monkeypatch.setattr(owner, name, started)


BAD_NUMBER, OUT_OF_RANGE, MISSING_FILE, BAD_CHOICE, MISSING, NOT_APPLICABLE, UNEXPECTED = (
    "bad number", "out of range", "missing file", "bad choice", "missing", "not applicable", "unexpected")
MISSING_PATH = "/nonexistent/folder/x.yaml"
A_FILE = str(GRAPHENE_STATION)  # a file that exists, refused for what it holds only after the options
CAMPAIGN = str(GRAPHENE_STATION)  # a file that exists (run reads it as a campaign file only after the station)
TARGET = ["--target", "bandgap_ev=1.7"]


BAD_INPUT = [
    (BAD_NUMBER, ["simulate", "--experiments", "many"], "--experiments"),
    (OUT_OF_RANGE, ["simulate", "--experiments", "0"], "experiments"),
    (OUT_OF_RANGE, ["simulate", "--speedup", "-1"], "speedup"),
    (OUT_OF_RANGE, ["simulate", "--transport", "serial", "--fault-rate", "2"], "--fault-rate"),
    (MISSING_FILE, ["simulate", "--config", MISSING_PATH], "does not exist"),
    (BAD_CHOICE, ["simulate", "--transport", "usb"], "--transport"),
    (BAD_CHOICE, ["simulate", "--planner", "nope"], "unknown planner"),
    (BAD_CHOICE, ["simulate", "--material", "unobtainium"], "material"),
    (NOT_APPLICABLE, ["simulate", "--target-ev", "1.8"], "target_ev"),
    (NOT_APPLICABLE, ["simulate", "--fault-rate", "0.1"], "--transport serial"),
    (BAD_NUMBER, ["run", "--config", str(GRAPHENE_STATION), "--campaign", CAMPAIGN, "--approval-timeout", "soon"],
     "--approval-timeout"),
    (OUT_OF_RANGE, ["run", "--config", str(GRAPHENE_STATION), "--campaign", CAMPAIGN, "--approval-timeout", "0"],
     "--approval-timeout"),
    (MISSING_FILE, ["run", "--config", MISSING_PATH, "--campaign", CAMPAIGN], "does not exist"),
    (MISSING_FILE, ["run", "--config", str(GRAPHENE_STATION), "--campaign", MISSING_PATH], "does not exist"),
    (BAD_CHOICE, ["run", "--config", str(GRAPHENE_STATION), "--campaign", CAMPAIGN, "--approve-in", "email"],
     "--approve-in"),
    (MISSING, ["run", "--config", str(GRAPHENE_STATION)], "--campaign"),
    (BAD_NUMBER, ["resume", "c", "--experiments", "few"], "--experiments"),
    (OUT_OF_RANGE, ["resume", "c", "--approval-timeout", "0"], "--approval-timeout"),
    (BAD_CHOICE, ["resume", "c", "--approve-in", "email"], "--approve-in"),
    (MISSING_FILE, ["resume", "nosuch"], "no campaign 'nosuch'"),
    (BAD_NUMBER, ["history", "--since", "yesterday"], "--since"),
    (OUT_OF_RANGE, ["history", "--since", "2026-13-01"], "--since"),
    (MISSING_FILE, ["history", "--output", "/nonexistent/folder/rows.csv"], "does not exist"),
    (BAD_CHOICE, ["history", "--format", "xml"], "--format"),
    (BAD_CHOICE, ["history", "--status", "bogus"], "unknown campaign status"),
    (NOT_APPLICABLE, ["history", "--format", "json", "--output", "rows.csv"], "--format json"),
    (BAD_NUMBER, ["emulate", "tpg", "--speedup", "fast"], "--speedup"),
    (OUT_OF_RANGE, ["emulate", "tpg", "--fault-rate", "2"], "--fault-rate"),
    (MISSING_FILE, ["emulate", "alicat", "--link", "/nonexistent/folder/alicat"], "does not exist"),
    (BAD_CHOICE, ["emulate", "keithley"], "keithley"),
    (MISSING_FILE, ["devices", "check", "--config", MISSING_PATH], "does not exist"),
    (MISSING, ["devices", "check"], "--config"),
    (BAD_CHOICE, ["devices", "nosuch"], "nosuch"),
    (BAD_NUMBER, ["safety", "log", "--last", "x"], "--last"),
    (OUT_OF_RANGE, ["safety", "log", "--last", "0"], "--last"),
    (BAD_CHOICE, ["safety", "stop", "--station", "typo", "--operator", "a", "--reason", "r"], "unknown station"),
    (BAD_CHOICE, ["safety", "status", "--station", "typo"], "unknown station"),
    (MISSING, ["safety", "clear", "--station", "sim-graphene-1"], "--operator"),
    (NOT_APPLICABLE, ["safety", "clear", "--station", "sim-graphene-1", "--operator", "a", "--reason", "r"],
     "not latched"),
    (BAD_CHOICE, ["safety", "nosuch"], "nosuch"),
    (BAD_NUMBER, ["design", *TARGET, "--top", "x"], "--top"),
    (OUT_OF_RANGE, ["design", *TARGET, "--top", "0"], "--top"),
    (BAD_CHOICE, ["design", "--target", "bandgap_ev=one"], "cannot parse target"),
    (BAD_CHOICE, ["design", *TARGET, "--constraint", "Nb-based"], "'Nb'"),
    (MISSING, ["design"], "--target"),
    (BAD_NUMBER, ["discover", *TARGET, "--simulate", "--budget", "x"], "--budget"),
    (OUT_OF_RANGE, ["discover", *TARGET, "--simulate", "--budget", "0"], "--budget"),
    (BAD_CHOICE, ["discover", *TARGET, "--simulate", "--campaign", "moon"], "--campaign"),
    (NOT_APPLICABLE, ["discover", *TARGET], "--simulate"),
    (BAD_NUMBER, ["ui", "--tiled-port", "http"], "--tiled-port"),
    (OUT_OF_RANGE, ["ui", "--prefect-port", "70000"], "--prefect-port"),
    (BAD_NUMBER, ["fleet", "--campaigns", "two"], "--campaigns"),
    (OUT_OF_RANGE, ["fleet", "--campaigns", "0"], "--campaigns"),
    (OUT_OF_RANGE, ["fleet", "--experiments", "0"], "experiments"),
    (BAD_CHOICE, ["fleet", "--material", "unobtainium"], "material"),
    (OUT_OF_RANGE, ["simulate", "--substrates", "0"], "substrates"),
    (MISSING_FILE, ["simulate", "--world", MISSING_PATH], "does not exist"),
    (MISSING_FILE, ["analyze", MISSING_PATH], "does not exist"),
    (BAD_NUMBER, ["analyze", A_FILE, "--laser-nm", "green"], "--laser-nm"),
    (OUT_OF_RANGE, ["analyze", A_FILE, "--laser-nm", "5"], "--laser-nm"),
    (OUT_OF_RANGE, ["analyze", A_FILE, "--workers", "0"], "--workers"),
    (BAD_CHOICE, ["analyze", A_FILE, "--format", "xml"], "--format"),
    (BAD_CHOICE, ["analyze", A_FILE, "--axis", "furlongs"], "--axis"),
    (BAD_CHOICE, ["analyze", A_FILE, "--material", "unobtainium"], "material"),
    (MISSING_FILE, ["analyze", A_FILE, "--output", "/nonexistent/folder/r.csv"], "does not exist"),
    (MISSING_FILE, ["analyze", A_FILE, "--plots", "/nonexistent/folder/plots"], "does not exist"),
    (NOT_APPLICABLE, ["analyze", A_FILE, "--format", "json", "--output", "r.csv"], "--format json"),
    (NOT_APPLICABLE, ["analyze", A_FILE, "--output", "r.txt"], "--format csv or json"),
    (MISSING, ["analyze"], "files"),
    (MISSING_FILE, ["import", MISSING_PATH, "--material", "graphene", "--columns", A_FILE], "does not exist"),
    (MISSING_FILE, ["import", A_FILE, "--material", "graphene", "--columns", MISSING_PATH], "does not exist"),
    (BAD_CHOICE, ["import", A_FILE, "--material", "unobtainium", "--columns", A_FILE], "material"),
    (MISSING, ["import", A_FILE, "--material", "graphene"], "--columns"),
    (MISSING_FILE, ["calibrate", "c", "--out", "/nonexistent/folder/world.yaml"], "does not exist"),
    (MISSING, ["calibrate"], "campaigns"),
    (MISSING_FILE, ["predict", A_FILE, "--world", MISSING_PATH], "does not exist"),
    (MISSING_FILE, ["predict", A_FILE, "--world", A_FILE, "--output", "/nonexistent/folder/p.csv"],
     "does not exist"),
    (NOT_APPLICABLE, ["predict", A_FILE, "--world", A_FILE], "not a world file"),
    (MISSING, ["predict", A_FILE], "--world"),
    (BAD_NUMBER, ["submit", "--station", "station-1", "--seed", "x"], "--seed"),
    (OUT_OF_RANGE, ["submit", "--station", "station-1", "--experiments", "0"], "experiments"),
    (BAD_CHOICE, ["submit", "--station", "station-1", "--planner", "nope"], "unknown planner"),
    (MISSING, ["submit"], "--station"),
    (BAD_NUMBER, ["deploy", "up", "--stations", "x"], "--stations"),
    (OUT_OF_RANGE, ["deploy", "up", "--stations", "0"], "--stations"),
    (BAD_CHOICE, ["deploy", "nosuch"], "nosuch"),
    (UNEXPECTED, ["deploy", "status", "now"], "unexpected extra argument"),
    (UNEXPECTED, ["deploy", "down", "now"], "unexpected extra argument"),
    (BAD_CHOICE, ["nosuch"], "nosuch"),
    (MISSING, ["simulate", "--nosuch"], "--nosuch"),
]


def _commands(group: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command of the command group `group` and of its subgroups, as the words that call it."""
    found = []
    for name, command in group.commands.items():
        found.append((*prefix, name))
        if hasattr(command, "commands"):
            found += _commands(command, (*prefix, name))
    return found


def test_every_command_has_its_bad_input_checked() -> None:
    from lab.cli.app import _command

    checked = {tuple(args[:2]) for _, args, _ in BAD_INPUT} | {tuple(args[:1]) for _, args, _ in BAD_INPUT}
    assert [words for words in _commands(_command()) if words not in checked] == []


@pytest.mark.parametrize(("kind", "args", "says"), BAD_INPUT)
def test_every_command_refuses_bad_input_with_exit_2_and_one_line(kind: str, args: list[str], says: str,
                                                                  tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                  sdlab_cli, nothing_starts) -> None:
    monkeypatch.chdir(tmp_path)  # where relative paths would be written
    refused = sdlab_cli(*args)
    assert refused.code == 2, f"{kind}: {refused.err}"
    assert refused.out == ""
    assert len(refused.err_lines) == 1, refused.err
    assert refused.err_lines[0].startswith("sdlab: error:") and says in refused.err_lines[0], refused.err
    assert "Traceback" not in refused.err
    assert [path for path in tmp_path.rglob("*") if path.is_file()] == []  # nothing recorded


def test_a_helper_service_that_does_not_start_is_one_line_and_exit_1(sdlab_cli, monkeypatch) -> None:
    import lab.cli.campaigns
    from lab.errors import ServiceError

    def fails(*args: object, **kwargs: object) -> None:
        raise ServiceError("Prefect's temporary server exited with code 1 while starting")

    monkeypatch.setattr(lab.cli.campaigns, "_run_campaign", fails)
    failed = sdlab_cli("simulate")
    assert failed.code == 1 and failed.out == ""
    assert failed.err_lines == ["sdlab: error: Prefect's temporary server exited with code 1 while starting"]
