"""Alicat MFCs (instrument side): several unit ids on one RS-485 line, each on one gas line of the twin."""

from __future__ import annotations

from dataclasses import dataclass

from simulators.emulators.base import Faults, LineEmulator
from simulators.twin import Twin

GASES = ["Air", "Ar", "CH4", "CO", "CO2", "C2H6", "H2", "He", "N2", "N2O", "Ne", "O2"]
OVER_RANGE = 1.28  # Alicat flags flow above 128 % of full scale
MASS_FLOW_CONTROL = 37  # register 122: control loop variable


@dataclass
class AlicatUnit:
    """The state of one emulated controller."""

    line: str
    full_scale_sccm: float
    gas_number: int
    setpoint: float = 0.0
    held: bool = False
    control_point: int = MASS_FLOW_CONTROL


class AlicatEmulator(LineEmulator):
    """Answers polls, setpoints, gas select (register 46), hold/cancel and register reads of its units."""

    name = "alicat"

    def __init__(self, twin: Twin, units: dict[str, tuple[str, float]], *, baudrate: int = 19200,
                 link: str | None = None, faults: Faults | None = None, pace: bool = False) -> None:
        super().__init__(baudrate=baudrate, link=link, faults=faults, pace=pace)
        self.twin = twin
        self.units = {uid: AlicatUnit(line, fs, GASES.index(line) if line in GASES else 0)
                      for uid, (line, fs) in units.items()}

    def frame(self, uid: str) -> str:
        unit = self.units[uid]
        flow = self.twin.read(f"flow:{unit.line}")
        volumetric = flow * 1.013  # at 23 °C, 14.7 psia vs the 0 °C mass-flow reference
        flags = []
        if flow > OVER_RANGE * unit.full_scale_sccm:
            flags.append("MOV")
        if volumetric > OVER_RANGE * unit.full_scale_sccm:
            flags.append("VOV")
        if unit.held:
            flags.append("HLD")
        text = (f"{uid} {14.61:+07.2f} {23.30:+07.2f} {volumetric:+08.3f} {flow:+08.3f} {unit.setpoint:07.3f} "
                f"{GASES[unit.gas_number]}")
        return " ".join([text, *flags])

    def _apply(self, unit: AlicatUnit) -> None:
        if not unit.held:
            self.twin.set_flow(unit.line, unit.setpoint)

    def answer(self, line: str) -> bytes | None:
        uid, body = line[:1], line[1:]
        if uid not in self.units:
            return None  # another unit on the bus
        unit = self.units[uid]
        if body == "":
            reply = self.frame(uid)
        elif body.startswith("S"):
            try:
                unit.setpoint = min(max(0.0, float(body[1:])), unit.full_scale_sccm)
            except ValueError:
                return b"?\r"
            self._apply(unit)
            reply = self.frame(uid)
        elif body == "$$H":
            unit.held = True
            self.twin.set_flow(unit.line, self.twin.flows[unit.line])
            reply = self.frame(uid)
        elif body == "$$C":
            unit.held = False
            self._apply(unit)
            reply = self.frame(uid)
        elif body.startswith(("$$W46=", "W46=")):
            try:
                number = int(body.split("=", 1)[1]) & 0x1FF
            except ValueError:
                return b"?\r"
            if number >= len(GASES):
                return b"?\r"
            unit.gas_number = number
            reply = f"{uid}   046 = {number}"
        elif body in ("$$R46", "R46"):
            reply = f"{uid}   046 = {unit.gas_number}"
        elif body == "R122":
            reply = f"{uid}   122 = {unit.control_point}"
        elif body.startswith("W122="):
            unit.control_point = int(body.split("=", 1)[1])
            reply = f"{uid}   122 = {unit.control_point}"
        elif body == "LS":
            reply = f"{uid} {unit.setpoint:07.3f} {unit.setpoint:07.3f} 12"
        else:
            return b"?\r"
        return reply.encode("ascii") + b"\r"
