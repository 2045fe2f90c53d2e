"""`sdlab safety status|stop|clear|log`: the latched safe state and the audit log, for operators."""

from __future__ import annotations

import contextlib
import json
import re
from typing import Annotated, Any

import typer

from lab.cli.common import HELP_MARKUP
from lab.errors import UserError
from lab.safety.audit import AuditLog, describe, latest_audit, read_audit, safety_dir
from lab.safety.latch import Latch
from lab.settings import DEFAULT_STATIONS, load_station

STATION_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")  # as in devices.station.StationConfig.name
STATION_FILES = (".latch.json", ".lease.json")  # in the safety directory, one per station
safety_app = typer.Typer(no_args_is_help=True, rich_markup_mode=HELP_MARKUP, help=(
    "The latched safe state and the audit log.\n\nA station is named as this lab knows it: a built-in simulated "
    "station, or one a campaign has run on with this $SDLAB_HOME (its record, latch, lease or audit log), since a "
    "latch stops only the processes that share this $SDLAB_HOME."))


def known_stations(*, audit: bool = True) -> set[str]:
    """The stations this lab knows: the built-in ones, and those of its campaign records, latches, leases and (unless
    `audit` is False: it is read whole) audit log."""
    from lab.history.records import known_campaigns, load_record

    known = {load_station(kind=kind).name for kind in DEFAULT_STATIONS}
    for campaign in known_campaigns():
        with contextlib.suppress(UserError):  # a record of another version: its station is in the audit log
            known.add(load_record(campaign).station.name)
    known |= {path.name.removesuffix(suffix) for suffix in STATION_FILES for path in safety_dir().glob(f"*{suffix}")}
    return known | _audited_stations() if audit else known


def _audited_stations() -> set[str]:
    """The stations of the audit log's records (read whole)."""
    return {entry["station"] for entry in read_audit()}


def _latch(station: str) -> Latch:
    """The latch of a station this lab knows (UserError naming the known ones otherwise)."""
    if not STATION_NAME.match(station):
        raise UserError(f"--station {station!r} is not a station name (letters, digits, '_', '.', '-')")
    # Most stations are known without the audit log, which is read (whole: it may be years long) only if not.
    known = known_stations(audit=False)
    if station not in known:
        known |= _audited_stations()
    if station not in known:
        raise UserError(f"unknown station {station!r}; the stations this lab knows: {', '.join(sorted(known))} "
                        "(a station becomes known when a campaign runs on it)")
    return Latch(station, AuditLog(station))


@safety_app.command("status")
def status(station: Annotated[str | None, typer.Option(help="One station (default: every latched one).")] = None
           ) -> None:
    """Whether a station is latched in the safe state, since when and why."""
    names = [station] if station else sorted(p.name.removesuffix(".latch.json")
                                             for p in safety_dir().glob("*.latch.json"))
    if not names:
        print("no station is latched")
    for name in names:
        record = _latch(name).read()
        if record is None:
            print(f"{name}: not latched")
            continue
        errors = record.get("safe_state_errors")
        reached = ("safe state not driven by any process yet" if "safe_state_clock_s" not in record else
                   "safe state reached" if not errors else f"safe state with failures: {'; '.join(errors)}")
        print(f"{name}: LATCHED since {record['tripped_at']} by {record['source']}: {record['reason']} ({reached})")


@safety_app.command("stop")
def stop(station: Annotated[str, typer.Option(help="The station to stop (one this lab knows, see sdlab safety "
                                                  "--help).")],
         operator: Annotated[str, typer.Option(help="Who stops it (recorded).")],
         reason: Annotated[str, typer.Option(help="Why (recorded).")]) -> None:
    """Operator stop: latch the station; the process driving it goes to the safe state at once."""
    if not operator.strip() or not reason.strip():
        raise UserError("safety stop needs --operator NAME and --reason TEXT (they go into the audit log)")
    latch = _latch(station)
    if not latch.trip(f"operator stop by {operator}: {reason}", source="operator"):
        print(f"{station}: already latched: {latch.reason}")
        return
    print(f"{station}: latched; the process driving it (if any) goes to the safe state")


@safety_app.command("clear")
def clear(station: Annotated[str, typer.Option(help="The latched station.")],
          operator: Annotated[str, typer.Option(help="Who checked the station and clears it (recorded).")],
          reason: Annotated[str, typer.Option(help="What was checked or fixed (recorded).")]) -> None:
    """Clear a station's latch after checking it (recorded in the audit log)."""
    record = _latch(station).clear(operator, reason)
    print(f"{station}: cleared (was latched since {record['tripped_at']}: {record['reason']})")


@safety_app.command("log")
def log(station: Annotated[str | None, typer.Option(help="Only this station.")] = None,
        last: Annotated[int, typer.Option(min=1, help="The last N records.")] = 50,
        refused: Annotated[bool, typer.Option(help="Only refused commands, trips and clears.")] = False,
        json_lines: Annotated[bool, typer.Option("--json", help="JSON lines as stored.")] = False) -> None:
    """The audit log: every command sent to every device, its source and the interlock's decision."""
    def admit(entry: dict[str, Any]) -> bool:
        return ((station is None or entry["station"] == station)
                and (not refused or entry["decision"] in ("refuse", "trip", "clear")))

    for entry in latest_audit(last, admit=admit):
        print(json.dumps(entry) if json_lines else describe(entry))
