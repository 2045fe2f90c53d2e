"""MKS PR4000B (instrument side, 9600 7O1): channel 1 reads the tube and drives the twin's throttle valve."""

from __future__ import annotations

from simulators.emulators.base import Faults, LineEmulator
from simulators.twin import Twin


class PR4000BEmulator(LineEmulator):
    """Answers ?ID, AV<ch>, SP<ch>,<v>, ?SP<ch>, VL<ch>,ON|OFF, ?VL<ch>; bad commands get #E010."""

    name = "pr4000b"
    bytesize = 7
    parity = "O"

    def __init__(self, twin: Twin, *, baudrate: int = 9600, link: str | None = None, faults: Faults | None = None,
                 pace: bool = False) -> None:
        super().__init__(baudrate=baudrate, link=link, faults=faults, pace=pace)
        self.twin = twin
        self.setpoints = [0.0, 0.0]
        self.valves = [False, False]

    def _apply(self) -> None:
        on, sp = self.valves[0], self.setpoints[0]
        self.twin.set_pressure_setpoint(sp if on and sp > 0 else None)

    def answer(self, line: str) -> bytes | None:
        text = line.strip().upper()
        try:
            reply = self._dispatch(text)
        except (ValueError, IndexError):
            reply = "#E010"
        return reply.encode("ascii") + b"\r"

    def _dispatch(self, text: str) -> str:
        if text == "?ID":
            return "PR42v2.03"
        head, _, arg = text.partition(",")
        name, ch = head.lstrip("?")[:2], int(head.lstrip("?")[2:])
        if ch not in (1, 2):
            raise ValueError(ch)
        i = ch - 1
        if name == "AV" and not arg:
            value = self.twin.read("pressure") if ch == 1 else 0.0
            return f"{value:.5g}"
        if name == "SP" and head.startswith("?") and not arg:
            return f"{self.setpoints[i]:.5g}"
        if name == "SP" and arg:
            value = float(arg)
            if value < 0:
                return "#E020"
            self.setpoints[i] = value
            self._apply()
            return ""
        if name == "VL" and head.startswith("?") and not arg:
            return "ON" if self.valves[i] else "OFF"
        if name == "VL" and arg in ("ON", "OFF"):
            self.valves[i] = arg == "ON"
            self._apply()
            return ""
        raise ValueError(text)
