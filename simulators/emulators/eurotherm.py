"""Eurotherm 2400/3200 (instrument side): Modbus RTU slave over the twin's furnace."""

from __future__ import annotations

from pymodbus.framer import FramerRTU
from pymodbus.pdu import DecodePDU, ExceptionResponse
from pymodbus.pdu.register_message import (
    ReadHoldingRegistersRequest,
    ReadHoldingRegistersResponse,
    WriteMultipleRegistersRequest,
    WriteMultipleRegistersResponse,
    WriteSingleRegisterRequest,
    WriteSingleRegisterResponse,
)

from simulators.emulators.base import Faults, PtyEmulator
from simulators.twin import Twin

ILLEGAL_FUNCTION, ILLEGAL_ADDRESS, ILLEGAL_VALUE = 1, 2, 3
NOT_A_PARAMETER = 0x8000  # what block reads return for registers that hold no parameter


class EurothermEmulator(PtyEmulator):
    """Answers function 03/06/16 at one Modbus address; temperatures with `decimals` places, output 0.1 %."""

    name = "eurotherm"
    keep_tail = 0

    def __init__(self, twin: Twin, *, address: int = 1, decimals: int = 1, baudrate: int = 9600,
                 link: str | None = None, faults: Faults | None = None, pace: bool = False) -> None:
        super().__init__(baudrate=baudrate, link=link, faults=faults, pace=pace)
        self.twin = twin
        self.address = address
        self.decimals = decimals
        self._framer = FramerRTU(DecodePDU(is_server=True))

    def turnaround_s(self) -> float:
        return 3.5 * self.bits_per_char / self.baudrate

    # ---- registers ---------------------------------------------------------------------------------
    def _word(self, value: float, decimals: int) -> int:
        return round(value * 10**decimals) & 0xFFFF

    def _value(self, word: int, decimals: int) -> float:
        return (word - 0x10000 if word >= 0x8000 else word) / 10**decimals

    def read_register(self, register: int) -> int | None:
        twin, d = self.twin, self.decimals
        with twin._lock:
            twin.advance()
            furnace = twin.furnace
            values = {1: (lambda: twin.read("temperature"), d), 2: (lambda: furnace.target_c, d),
                      3: (lambda: furnace.output_pct, 1), 5: (lambda: furnace.working_setpoint_c, d),
                      35: (lambda: furnace.ramp_c_per_min, d), 273: (lambda: float(furnace.manual), 0)}
            if register not in values:
                return None
            get, decimals = values[register]
            return self._word(get(), decimals)

    def write_register(self, register: int, word: int) -> int | None:
        """Apply a write; returns a Modbus exception code or None."""
        twin = self.twin
        if register == 2:
            twin.update(target_c=self._value(word, self.decimals))
        elif register == 35:
            twin.update(ramp_c_per_min=max(0.0, self._value(word, self.decimals)))
        elif register == 273:
            if word not in (0, 1):
                return ILLEGAL_VALUE
            with twin._lock:
                twin.advance()
                state = twin.furnace
                if word == 1 and not state.manual:
                    twin.update(manual=True, manual_output_pct=state.output_pct)
                elif word == 0 and state.manual:  # bumpless transfer: the ramp restarts from the PV
                    twin.update(manual=False, working_setpoint_c=state.tube_c, integral=0.0)
        elif register == 3:
            if not self.twin.furnace.manual:
                return ILLEGAL_VALUE  # output power is read-only in automatic mode
            twin.update(manual_output_pct=min(100.0, max(0.0, self._value(word, 1))))
        else:
            return ILLEGAL_ADDRESS
        return None

    # ---- framing ------------------------------------------------------------------------------------
    def _frame_size(self) -> int | None:
        buf = self._buffer
        if len(buf) < 2:
            return None
        if buf[1] in (3, 6):
            return 8
        if buf[1] == 16:
            return 9 + buf[6] if len(buf) >= 7 else None
        return 4  # unknown function: address, function, CRC

    def take_requests(self) -> list[tuple[bytes, bytes | None]]:
        out = []
        while (size := self._frame_size()) is not None and len(self._buffer) >= size:
            frame = bytes(self._buffer[:size])
            del self._buffer[:size]
            out.append((frame, self.reply(frame)))
        return out

    def reply(self, frame: bytes) -> bytes | None:
        """The reply frame to a request frame (None: not for us, or failed its CRC)."""
        if frame[0] != self.address or not FramerRTU.check_CRC(frame[:-2], int.from_bytes(frame[-2:], "big")):
            return None
        request = self._framer.decoder.decode(frame[1:-2])
        fn = frame[1]
        if isinstance(request, ReadHoldingRegistersRequest):
            words = [self.read_register(r) for r in range(request.address, request.address + request.count)]
            if request.count == 1 and words[0] is None:
                response = ExceptionResponse(fn, ILLEGAL_ADDRESS)
            else:
                response = ReadHoldingRegistersResponse(
                    registers=[NOT_A_PARAMETER if w is None else w for w in words])
        elif isinstance(request, WriteSingleRegisterRequest):
            error = self.write_register(request.address, request.registers[0])
            response = (ExceptionResponse(fn, error) if error else
                        WriteSingleRegisterResponse(address=request.address, registers=request.registers))
        elif isinstance(request, WriteMultipleRegistersRequest):
            errors = [self.write_register(request.address + i, w) for i, w in enumerate(request.registers)]
            error = next((e for e in errors if e), None)
            response = (ExceptionResponse(fn, error) if error else
                        WriteMultipleRegistersResponse(address=request.address, count=len(request.registers)))
        else:
            response = ExceptionResponse(fn & 0x7F, ILLEGAL_FUNCTION)
        response.dev_id = self.address
        return self._framer.buildFrame(response)
