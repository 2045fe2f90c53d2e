"""Pfeiffer TPG 361/362 (instrument side): mnemonic → ACK, ENQ → data; channel 1 measures the twin's tube."""

from __future__ import annotations

from simulators.emulators.base import Faults, PtyEmulator
from simulators.twin import Twin

ACK_LINE, NAK_LINE, ENQ = b"\x06\r\n", b"\x15\r\n", 0x05
UNIT_FROM_TORR = {0: 1 / 0.750061683, 1: 1.0, 2: 133.322368, 3: 1000.0, 4: 1 / 0.750061683}
RANGE_MBAR = (5e-4, 1500.0)  # Pirani/piezo combination gauge


class TPGEmulator(PtyEmulator):
    """A TPG 362 with a gauge on channel 1 and none on channel 2; the unit starts at mbar (factory default)."""

    name = "tpg"
    keep_tail = 2

    def __init__(self, twin: Twin, *, baudrate: int = 9600, link: str | None = None, faults: Faults | None = None,
                 pace: bool = False) -> None:
        super().__init__(baudrate=baudrate, link=link, faults=faults, pace=pace)
        self.twin = twin
        self.unit = 0
        self._pending: str | None = None

    def take_requests(self) -> list[tuple[bytes, bytes | None]]:
        out = []
        while self._buffer:
            if self._buffer[0] == ENQ:
                del self._buffer[:1]
                out.append((bytes([ENQ]), self.data()))
                continue
            end = self._buffer.find(b"\r\n")
            if end < 0:
                break
            raw = bytes(self._buffer[:end + 2])
            del self._buffer[:end + 2]
            out.append((raw, self.mnemonic(raw[:-2].decode("ascii", "replace"))))
        return out

    def mnemonic(self, text: str) -> bytes:
        name, _, arg = text.partition(",")
        if name in ("PR1", "PR2", "UNI", "AYT") and (name != "UNI" or arg in ("", *map(str, range(6)))):
            if name == "UNI" and arg:
                self.unit = int(arg)
            self._pending = name
            return ACK_LINE
        self._pending = None
        return NAK_LINE

    def data(self) -> bytes | None:
        name, self._pending = self._pending, None
        if name is None:
            return None
        if name == "UNI":
            text = str(self.unit)
        elif name == "AYT":
            text = "TPG362,PTG28290,44990000,010100,010100"
        elif name == "PR2":
            text = "5,+0.0000E+00"
        else:
            text = self.reading()
        return text.encode("ascii") + b"\r\n"

    def reading(self) -> str:
        torr = self.twin.read("pressure")
        mbar = torr / 0.750061683
        status = 1 if mbar < RANGE_MBAR[0] else 2 if mbar > RANGE_MBAR[1] else 0
        if self.unit == 5:
            return f"{status},{min(10.0, max(0.0, 1.3 * (mbar + 1e-4) ** 0.2)):+.4E}"
        return f"{status},{torr * UNIT_FROM_TORR[self.unit]:+.4E}"
