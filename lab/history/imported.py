"""Past growth runs of a lab, imported from its spreadsheet (CSV or Excel) into the run history as a campaign.

A column map (YAML) names, for every parameter of the material's search space, the column holding it and its
unit, and for the outcome the columns of ``grew`` (yes/no), ``quality`` (0–1) and any figures of merit
(``coverage``, ``monolayer_fraction``, ``pl_gap_ev``, …), e.g.::

    parameters:
      temperature_c: {column: T, unit: K}
      pressure_torr: {column: p, unit: mbar}
      growth_min: {column: time, unit: s}
      substrate: {column: foil}
    outcome:
      grew: {column: grown}
      quality: {column: Q}

Units are converted to those the parameter's name ends in (``_c`` °C, ``_min``/``_s`` time, ``_torr`` pressure,
``_sccm`` flow, ``_mg`` mass, fractions). Every row becomes one characterization run (plan ``characterize``) of
the campaign, marked ``imported`` and carrying its source file and row (every column, used or not), with its
outcome; a row that did not grow is a failed experiment. The whole file is checked before anything is stored:
a bad file is refused with every bad row and column and why.
"""

from __future__ import annotations

import io
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from event_model import compose_run
from pydantic import BaseModel, ConfigDict, ValidationError

from lab.errors import UserError, describe_validation
from lab.files import read_bytes
from lab.history.store import CHARACTERIZATION_PLAN, RunStore
from lab.materials import Material
from lab.settings import read_yaml
from planners import Categorical, Integer, Space

IMPORTED_STATION = "imported"
TABLE_BYTES = 64 << 20  # a spreadsheet of past runs is kB to a few MB; beyond this it is not one
_UNITS: dict[str, dict[str, Any]] = {  # parameter-name suffix → unit → conversion to the parameter's unit
    "_c": {"C": lambda v: v, "°C": lambda v: v, "degC": lambda v: v, "K": lambda v: v - 273.15},
    "_min": {"min": lambda v: v, "s": lambda v: v / 60.0, "h": lambda v: v * 60.0},
    "_s": {"s": lambda v: v, "min": lambda v: v * 60.0, "h": lambda v: v * 3600.0},
    "_torr": {"Torr": lambda v: v, "mbar": lambda v: v * 0.750062, "Pa": lambda v: v * 0.00750062},
    "_sccm": {"sccm": lambda v: v, "slm": lambda v: v * 1000.0},
    "_mg": {"mg": lambda v: v, "g": lambda v: v * 1000.0},
    "_fraction": {"fraction": lambda v: v, "%": lambda v: v / 100.0},
}
_OUTCOME_UNITS = {"": lambda v: v, "fraction": lambda v: v, "%": lambda v: v / 100.0, "eV": lambda v: v,
                  "meV": lambda v: v / 1000.0}
_YES = {"1", "yes", "y", "true", "grew", "ok"}
_NO = {"0", "no", "n", "false", "failed", "none"}


class Column(BaseModel):
    """Where a value is: the column's header and the unit its numbers are in (default: the parameter's own)."""

    model_config = ConfigDict(extra="forbid")
    column: str
    unit: str | None = None


class ColumnMap(BaseModel):
    """The column map file: parameter → column, and outcome figure → column (``grew`` and ``quality``)."""

    model_config = ConfigDict(extra="forbid")
    parameters: dict[str, Column]
    outcome: dict[str, Column]


@dataclass(frozen=True)
class ImportedRun:
    """One row, checked and converted: its parameters, outcome and the source row as read."""

    row: int  # 1-based data row of the file (the header is row 0)
    params: dict[str, Any]
    outcome: dict[str, Any]
    source: dict[str, Any]


def load_map(path: Path) -> ColumnMap:
    """The column map from YAML; UserError for a missing, unreadable or invalid file."""
    data = read_yaml(path, "column map")
    try:
        return ColumnMap.model_validate(data)
    except ValidationError as exc:
        raise describe_validation(f"--columns {path}", exc) from exc


def read_table(path: Path) -> list[dict[str, Any]]:
    """The rows of a CSV or Excel file as dicts of header → cell (text or number)."""
    import pandas as pd

    data = io.BytesIO(read_bytes(path, "past runs", TABLE_BYTES))
    try:
        if path.suffix.lower() in (".xlsx", ".xls"):
            frame = pd.read_excel(data, dtype=object)
        else:
            frame = pd.read_csv(data, dtype=object, sep=None, engine="python")
    except Exception as exc:  # pandas' many parse errors: one line
        raise UserError(f"{path}: not a readable CSV or Excel table ({type(exc).__name__}: "
                        f"{str(exc).splitlines()[0] if str(exc) else ''}); export it again") from exc
    if frame.empty:
        raise UserError(f"{path}: no rows; the file needs a header row and one row per growth")
    return [{str(k): (None if v is None or (isinstance(v, float) and math.isnan(v)) else v) for k, v in row.items()}
            for row in frame.to_dict("records")]


def _converter(name: str, unit: str | None) -> Any:
    """The conversion of ``unit`` into parameter ``name``'s unit; None if the unit does not apply."""
    for suffix, units in _UNITS.items():
        if name.endswith(suffix):
            return units.get(unit or next(iter(units)))
    return (lambda v: v) if unit in (None, "") else None


def _check_map(columns: ColumnMap, space: Space, headers: list[str]) -> list[str]:
    problems = []
    for name in space.names:
        if name not in columns.parameters:
            problems.append(f"parameter {name}: not in the column map (the {space.names} of the space need one)")
    for name, column in columns.parameters.items():
        if name not in space.names:
            problems.append(f"parameter {name}: not a parameter of this material ({', '.join(space.names)})")
        elif column.unit is not None and not isinstance(space[name], Categorical) and \
                _converter(name, column.unit) is None:
            units = next((list(u) for s, u in _UNITS.items() if name.endswith(s)), ["none"])
            problems.append(f"parameter {name}: unit {column.unit!r} is not one of {', '.join(units)}")
    for name, column in columns.outcome.items():
        if (column.unit or "") not in _OUTCOME_UNITS:
            problems.append(f"outcome {name}: unit {column.unit!r} is not one of {', '.join(_OUTCOME_UNITS)}")
    if "grew" not in columns.outcome and "quality" not in columns.outcome:
        problems.append("outcome: map at least grew or quality")
    for where, column in [*columns.parameters.items(), *columns.outcome.items()]:
        if column.column not in headers:
            problems.append(f"{where}: column {column.column!r} is not in the file (columns: {', '.join(headers)})")
    return problems


def _number(cell: Any) -> float:
    if isinstance(cell, str):
        cell = cell.strip().replace(",", ".")
    value = float(cell)
    if not math.isfinite(value):
        raise ValueError
    return value


def _parameter(space: Space, name: str, column: Column, cell: Any) -> Any:
    parameter = space[name]
    if cell is None:
        raise ValueError("empty")
    if isinstance(parameter, Categorical):
        text = str(cell).strip()
        if text not in parameter.choices:
            raise ValueError(f"{text!r} is not one of {', '.join(map(str, parameter.choices))}")
        return text
    try:
        value = _converter(name, column.unit)(_number(cell))
    except (TypeError, ValueError):
        raise ValueError(f"{cell!r} is not a number") from None
    return round(value) if isinstance(parameter, Integer) else value


def _outcome_value(name: str, column: Column, cell: Any) -> Any:
    if name == "grew":
        text = str(cell).strip().lower() if cell is not None else ""
        if text not in _YES | _NO:
            raise ValueError(f"{cell!r} is not yes or no")
        return text in _YES
    if cell is None:
        return None
    try:
        value = _OUTCOME_UNITS[column.unit or ""](_number(cell))
    except (TypeError, ValueError):
        raise ValueError(f"{cell!r} is not a number") from None
    if name == "quality" and not 0.0 <= value <= 1.0:
        raise ValueError(f"{value:g} is outside 0–1")
    return value


def check_rows(rows: list[dict[str, Any]], columns: ColumnMap, material: Material, source: str) -> list[ImportedRun]:
    """Every row checked and converted; UserError listing every bad column of the map and every bad cell."""
    space = material.space()
    problems = _check_map(columns, space, list(rows[0]))
    if problems:
        raise UserError(f"{source}: {len(problems)} problem(s) with the column map: " + "; ".join(problems))
    runs = []
    for number, row in enumerate(rows, start=1):
        params, outcome = {}, {}
        for name, column in columns.parameters.items():
            try:
                params[name] = _parameter(space, name, column, row[column.column])
            except ValueError as exc:
                problems.append(f"row {number} column {column.column!r} ({name}): {exc}")
        for name, column in columns.outcome.items():
            try:
                outcome[name] = _outcome_value(name, column, row[column.column])
            except ValueError as exc:
                problems.append(f"row {number} column {column.column!r} ({name}): {exc}")
        grew = outcome.pop("grew", outcome.get("quality") is not None)
        if grew and "quality" in columns.outcome and row[columns.outcome["quality"].column] is None:
            problems.append(f"row {number} column {columns.outcome['quality'].column!r} (quality): empty, but the "
                            "row grew")
        runs.append(ImportedRun(number, params, {**outcome, "failed": not grew,
                                                 "quality": outcome.get("quality", 0.0) if grew else 0.0,
                                                 "imported": True}, row))
    if problems:
        shown = "; ".join(problems[:20]) + (f"; … and {len(problems) - 20} more" if len(problems) > 20 else "")
        raise UserError(f"{source}: {len(problems)} bad cell(s), nothing imported: {shown}")
    return runs


def _plain(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)


def store_runs(store: RunStore, campaign: str, material: Material, runs: list[ImportedRun], source: str) -> None:
    """Write ``runs`` as the characterization runs of campaign ``campaign`` (marked imported, with their source
    row) and their outcomes. UserError if the campaign already has runs."""
    if store.runs(campaign):
        raise UserError(f"campaign {campaign!r} already exists in the run history; pick another --campaign name")
    write = store.writer()
    now = time.time()
    for index, run in enumerate(runs):
        bundle = compose_run(metadata={
            "plan_name": CHARACTERIZATION_PLAN, "campaign": campaign, "experiment_id": f"{campaign}/{index}",
            "experiment_index": index, "params": run.params, "material": material.name,
            "station": IMPORTED_STATION, "planner": "imported", "imported": True,
            "source": {"file": source, "row": run.row, "values": {k: _plain(v) for k, v in run.source.items()}}},
            time=now + index * 1e-3)
        write("start", bundle.start_doc)
        write("stop", bundle.compose_stop())
        store.record_outcome(bundle.start_doc["uid"], run.outcome)
