"""Alicat mass-flow controller, ASCII protocol (19200 8N1, CR-terminated), several unit ids per RS-485 port.

A poll `A\\r` answers `A +014.61 +023.30 +00.000 +00.000 00.156 Air [flags]`: unit id, pressure (psia),
temperature (°C), volumetric flow, mass flow, setpoint, gas, then status flags (MOV VOV POV TOV HLD ...).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from devices.drivers.ascii import read_line
from devices.drivers.transport import InstrumentError, LinkStats, ReplyError, SerialLink

CR = b"\r"
GAS_NUMBERS = {"Air": 0, "Ar": 1, "CH4": 2, "CO": 3, "CO2": 4, "C2H6": 5, "H2": 6, "He": 7, "N2": 8, "N2O": 9,
               "Ne": 10, "O2": 11}
STATUS_FLAGS = {"MOV": "mass flow over range", "VOV": "volumetric flow over range", "POV": "pressure over range",
                "TOV": "temperature over range", "HLD": "valve held", "LCK": "front panel locked",
                "EXH": "exhaust", "OPL": "overpressure limit"}
_NUMBER = r"[+-]?\d+(?:\.\d*)?"
_FRAME = re.compile(rf"^([A-Z]) ({_NUMBER}) ({_NUMBER}) ({_NUMBER}) ({_NUMBER}) ({_NUMBER}) (\S+)((?: [A-Z]{{3}})*)$")
_REGISTER = re.compile(r"^([A-Z])\s+(\d+)\s*=\s*(-?\d+)$")


@dataclass(frozen=True)
class AlicatReading:
    """One data frame."""

    unit: str
    pressure_psia: float
    temperature_c: float
    volumetric_flow: float
    mass_flow: float
    setpoint: float
    gas: str
    flags: tuple[str, ...] = ()


def command(unit: str, body: str = "") -> bytes:
    """A command line for `unit` (e.g. command('A', 'S10.00') == b'AS10.00\\r')."""
    return f"{unit}{body}".encode("ascii") + CR


def parse_frame(line: str, unit: str) -> AlicatReading:
    """A data frame line, checked to come from `unit`."""
    if line.strip() == "?":
        raise InstrumentError("command not recognized ('?')")
    match = _FRAME.match(line.strip())
    if match is None:
        raise ReplyError(f"not a data frame: {line!r}")
    if match[1] != unit:
        raise ReplyError(f"frame from unit {match[1]}, expected {unit}")
    flags = tuple(match[8].split())
    unknown = [f for f in flags if f not in STATUS_FLAGS]
    if unknown:
        raise ReplyError(f"unknown status flags {unknown} in {line!r}")
    return AlicatReading(match[1], *(float(match[i]) for i in range(2, 7)), match[7], flags)


def parse_register(line: str, unit: str) -> tuple[int, int]:
    """A register reply `A   046 = 6` → (46, 6)."""
    match = _REGISTER.match(line.strip())
    if match is None or match[1] != unit:
        raise ReplyError(f"not a register reply from unit {unit}: {line!r}")
    return int(match[2]), int(match[3])


class AlicatFlowController:
    """A `FlowController` for an Alicat MFC with unit id `unit` on `link` (flows in the device's sccm)."""

    def __init__(self, link: SerialLink, unit: str = "A", *, name: str = "mfc", max_sccm: float | None = None) -> None:
        if not re.fullmatch(r"[A-Z]", unit):
            raise ValueError(f"Alicat unit id must be one letter A-Z, got {unit!r}")
        self.link = link
        self.unit = unit
        self.name = name
        self.max_sccm = max_sccm
        self.stats = LinkStats()

    def _line(self, body: str) -> str:
        return self.link.exchange(self.name, self.stats, command(self.unit, body),
                                  lambda r: read_line(r, CR))

    def _frame(self, body: str = "") -> AlicatReading:
        return self.link.exchange(self.name, self.stats, command(self.unit, body),
                                  lambda r: parse_frame(read_line(r, CR), self.unit))

    def poll(self) -> AlicatReading:
        """The full data frame."""
        return self._frame()

    def read_flow(self) -> float:
        return self.poll().mass_flow

    def read_setpoint(self) -> float:
        return self.poll().setpoint

    def write_setpoint(self, sccm: float) -> None:
        if sccm < 0 or (self.max_sccm is not None and sccm > self.max_sccm):
            raise ValueError(f"{self.name}: setpoint {sccm} sccm outside 0..{self.max_sccm}")
        reading = self._frame(f"S{sccm:.2f}")
        if abs(reading.setpoint - round(sccm, 2)) > 0.011:
            raise InstrumentError(f"{self.name}: setpoint {sccm:.2f} not taken (reads {reading.setpoint})")

    def select_gas(self, gas: str | int) -> None:
        """Select the gas calibration by name or Alicat gas number (register 46)."""
        number = GAS_NUMBERS[gas] if isinstance(gas, str) else gas
        reply = self.link.exchange(self.name, self.stats, command(self.unit, f"$$W46={number}"),
                                   lambda r: parse_register(read_line(r, CR), self.unit))
        if reply != (46, number):
            raise InstrumentError(f"{self.name}: gas {gas} not selected (register 46 reads {reply[1]})")

    def hold(self) -> None:
        """Hold the valve at its present position."""
        if "HLD" not in self._frame("$$H").flags:
            raise InstrumentError(f"{self.name}: valve hold not confirmed")

    def cancel_hold(self) -> None:
        """Return to closed-loop control."""
        if "HLD" in self._frame("$$C").flags:
            raise InstrumentError(f"{self.name}: valve hold not cancelled")

    def read_line(self, body: str) -> str:
        """Send any command body and return its raw reply line."""
        return self._line(body)
