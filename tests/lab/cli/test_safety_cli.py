"""`sdlab safety status|stop|clear|log`: what an operator sees and does; what the audit log keeps (and not)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from lab.cli.safety import safety_app
from lab.safety.audit import AUDIT_FILE, AuditLog, latest_audit, read_audit, safety_dir
from lab.safety.latch import Latch

STATION = "sim-graphene-1"


@pytest.fixture(autouse=True)
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SDLAB_HOME", str(tmp_path))
    return tmp_path


def safety(*args: str) -> str:
    result = CliRunner().invoke(safety_app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_an_operator_stops_inspects_and_clears_a_station() -> None:
    assert safety("status").strip() == "no station is latched"
    assert "latched; the process driving it (if any) goes to the safe state" in safety(
        "stop", "--station", STATION, "--operator", "ann", "--reason", "smell of gas")
    status = safety("status", "--station", STATION)
    assert f"{STATION}: LATCHED since" in status and "operator stop by ann: smell of gas" in status
    assert "safe state not driven by any process yet" in status
    assert "already latched" in safety("stop", "--station", STATION, "--operator", "bob", "--reason", "again")
    cleared = safety("clear", "--station", STATION, "--operator", "ann", "--reason", "leak fixed, tube checked")
    assert f"{STATION}: cleared (was latched since" in cleared
    assert safety("status", "--station", STATION).strip() == f"{STATION}: not latched"
    log = safety("log", "--refused").splitlines()
    assert [line.split()[2] for line in log] == ["trip", "clear"]
    assert "cleared by ann: leak fixed, tube checked" in log[1]


@pytest.mark.parametrize("args", [["clear", "--station", STATION, "--operator", "ann", "--reason", "x"],
                                  ["clear", "--station", STATION, "--operator", " ", "--reason", "x"],
                                  ["stop", "--station", "../etc", "--operator", "ann", "--reason", "x"]])
def test_operator_mistakes_are_one_line_errors(args: list[str]) -> None:
    from lab.errors import UserError

    result = CliRunner().invoke(safety_app, args)
    assert isinstance(result.exception, UserError) and "\n" not in str(result.exception)


def test_the_log_shows_every_command_with_its_source_and_decision() -> None:
    audit = AuditLog(STATION, source={"campaign": "c"})
    audit.track("start", {"plan_name": "cvd_growth", "uid": "u1", "campaign": "c", "experiment_id": "c/2"})
    audit.record("allow", device="mfc:H2", method="write_setpoint", args=(20.0,), clock_s=5.0)
    audit.record("refuse", device="furnace", method="write_setpoint", args=(1200.0,), reason="above the Cu cap")
    lines = safety("log", "--station", STATION).splitlines()
    assert "allow" in lines[0] and "c/2" in lines[0] and "mfc:H2.write_setpoint(20.0)" in lines[0]
    assert "refuse" in lines[1] and "— above the Cu cap" in lines[1]
    (stored,) = [json.loads(line) for line in safety("log", "--json", "--last", "1").splitlines()]
    assert stored["decision"] == "refuse" and stored["args"] == [1200.0]


@pytest.mark.parametrize("block_bytes", [7, 64, 1 << 16])
def test_the_log_s_last_records_are_read_from_its_end_as_they_were_written(block_bytes: int) -> None:
    """Across block boundaries, multi-byte characters and filters, the tail equals the last records of a forward
    read; a line still being written is left out, and the start of a long log is not parsed for its tail."""
    for i in range(60):
        AuditLog(("sim-graphene-1", "furnace-7")[i % 2]).record(
            ("allow", "refuse")[i % 3 == 0], device="furnace", method="write_setpoint", args=(float(i),),
            reason=f"№{i} — ±5 °C")
    path = safety_dir() / AUDIT_FILE
    forward = list(read_audit())
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"station": "sim-graphene-1", "decisi')  # a writer is half-way through its record

    def refused_on_7(entry: dict) -> bool:
        return entry["station"] == "furnace-7" and entry["decision"] == "refuse"

    for last, admit in ((1, lambda _: True), (25, lambda _: True), (60, lambda _: True), (500, lambda _: True),
                        (4, refused_on_7), (100, refused_on_7)):
        assert latest_audit(last, admit=admit, block_bytes=block_bytes) == [e for e in forward if admit(e)][-last:]
    assert latest_audit(0) == []
    path.write_text('{"not json\n' + path.read_text())
    assert latest_audit(25, block_bytes=block_bytes) == forward[-25:]


def test_a_line_that_is_no_record_is_skipped_and_stops_no_command(sdlab_cli) -> None:
    """A record cut short (a full disk, a writer killed half-way through a long one) and the record appended to
    its line are no record; the others are read, and every command works (before, each raised a traceback)."""
    AuditLog(STATION).record("allow", device="furnace", method="write_setpoint", args=(900.0,))
    path = safety_dir() / AUDIT_FILE
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"station": "sim-graphene-1", "device": "mfc:CH4", "args": [1.5], "reason": "±')
    AuditLog("furnace-7").record("allow", device="furnace", method="write_setpoint", args=(20.0,))
    AuditLog(STATION).record("refuse", device="furnace", method="write_setpoint", args=(1200.0,), reason="cap")
    assert [(e["station"], e["args"]) for e in read_audit()] == [(STATION, [900.0]), (STATION, [1200.0])]
    assert [e["args"] for e in latest_audit(5)] == [[900.0], [1200.0]]
    for args in (["safety", "log"], ["safety", "log", "--json"],
                 ["safety", "stop", "--station", "furnace-8", "--operator", "a", "--reason", "r"],
                 ["safety", "stop", "--station", STATION, "--operator", "ann", "--reason", "gas smell"]):
        done = sdlab_cli(*args)
        assert "Traceback" not in done.err and done.code == (2 if "furnace-8" in args else 0), done.err
    assert "sim-graphene-1: LATCHED since" in sdlab_cli("safety", "status").out


def test_no_secret_from_run_metadata_reaches_the_audit_log() -> None:
    audit = AuditLog(STATION)
    audit.track("start", {"plan_name": "cvd_growth", "uid": "u1", "experiment_id": "c/0",
                          "tiled_api_key": "s3cr3t", "password": "hunter2"})
    audit.record("allow", device="furnace", method="write_ramp_rate", args=(10.0,))
    Latch(STATION, audit).trip("operator stop", source="operator")
    text = (audit.path).read_text()
    assert "s3cr3t" not in text and "hunter2" not in text
    assert next(read_audit())["source"] == {"plan": "cvd_growth", "run": "u1", "experiment_id": "c/0"}


def test_stopping_an_unknown_station_is_refused_naming_the_known_ones(sdlab_cli) -> None:
    refused = sdlab_cli("safety", "stop", "--station", "typo-station", "--operator", "a", "--reason", "r")
    assert refused.code == 2 and refused.out == ""
    (line,) = refused.err_lines
    assert line.startswith("sdlab: error:") and "unknown station 'typo-station'" in line
    assert "sim-graphene-1" in line and "sim-tmd-1" in line  # the built-in stations
    assert sdlab_cli("safety", "status").out.strip() == "no station is latched"
    assert sdlab_cli("safety", "status", "--station", "typo-station").code == 2
    assert list(read_audit()) == []


@pytest.mark.parametrize("seen", ["audit log", "campaign record"])
def test_a_station_this_lab_has_driven_can_be_stopped(seen: str, home: Path, sdlab_cli) -> None:
    from lab.history.records import CampaignRecord, open_record
    from lab.settings import campaign_config, load_station

    if seen == "audit log":
        AuditLog("furnace-7").record("allow", device="furnace", method="write_setpoint", args=(20.0,))
    else:
        station = load_station().model_copy(update={"name": "furnace-7"})
        open_record(CampaignRecord(campaign_config(campaign_id="on-furnace-7"), station))
    stopped = sdlab_cli("safety", "stop", "--station", "furnace-7", "--operator", "ann", "--reason", "smell of gas")
    assert stopped.code == 0 and "furnace-7: latched" in stopped.out
    assert "furnace-7: LATCHED since" in sdlab_cli("safety", "status").out
