"""Eurotherm 2400/3200 temperature controller over Modbus RTU (pymodbus does the framing and CRC).

Registers (scaled integers, `decimals` places): 1 PV, 2 target setpoint, 3 output %, 5 working setpoint,
35 setpoint rate limit (units/min, 0 = off), 273 auto (0) / manual (1). Heater off = manual at 0 % output.
"""

from __future__ import annotations

from pymodbus.framer import FramerRTU
from pymodbus.pdu import DecodePDU, ExceptionResponse, ModbusPDU
from pymodbus.pdu.register_message import (
    ReadHoldingRegistersRequest,
    ReadHoldingRegistersResponse,
    WriteSingleRegisterRequest,
    WriteSingleRegisterResponse,
)

from devices.drivers.transport import InstrumentError, LinkStats, Reader, ReplyError, SerialLink

PV, TARGET_SP, OUTPUT, WORKING_SP, RAMP_RATE, AUTO_MANUAL = 1, 2, 3, 5, 35, 273
MODBUS_EXCEPTIONS = {1: "illegal function", 2: "illegal data address", 3: "illegal data value",
                     4: "slave device failure"}
FRAME_GAP_CHARS = 3.5  # Modbus RTU silent interval between frames, in character times
_FRAMER = FramerRTU(DecodePDU(is_server=False))


def scale(value: float, decimals: int) -> int:
    """A value as the signed 16-bit register word for `decimals` decimal places."""
    word = round(value * 10**decimals)
    if not -32768 <= word <= 32767:
        raise ValueError(f"{value} does not fit a 16-bit register at {decimals} decimal place(s)")
    return word & 0xFFFF


def unscale(word: int, decimals: int) -> float:
    """The value of a signed 16-bit register word with `decimals` decimal places."""
    return (word - 0x10000 if word & 0x8000 else word) / 10**decimals


def read_request(address: int, register: int, count: int = 1) -> bytes:
    """Function 03 frame reading `count` registers from `register`."""
    return _FRAMER.buildFrame(ReadHoldingRegistersRequest(address=register, count=count, dev_id=address))


def write_request(address: int, register: int, word: int) -> bytes:
    """Function 06 frame writing one register."""
    return _FRAMER.buildFrame(WriteSingleRegisterRequest(address=register, registers=[word], dev_id=address))


def read_reply(reader: Reader, address: int, function: int) -> ModbusPDU:
    """Read one RTU reply frame for `function` from `address`; check its CRC and decode it."""
    head = reader.exact(2)
    if head[0] != address:
        raise ReplyError(f"reply from address {head[0]}, expected {address}")
    if head[1] == function | 0x80:
        rest = reader.exact(3)
    elif head[1] == function == 3:
        count = reader.exact(1)
        rest = count + reader.exact(count[0] + 2)
    elif head[1] == function:
        rest = reader.exact(6)
    else:
        raise ReplyError(f"reply function {head[1]:#04x}, expected {function:#04x}")
    frame = head + rest
    if not FramerRTU.check_CRC(frame[:-2], int.from_bytes(frame[-2:], "big")):
        raise ReplyError(f"CRC mismatch in {frame.hex(' ')}")
    pdu = _FRAMER.decoder.decode(frame[1:-2])
    if pdu is None:
        raise ReplyError(f"undecodable frame {frame.hex(' ')}")
    if isinstance(pdu, ExceptionResponse):
        code = pdu.exception_code
        raise InstrumentError(f"Modbus exception {code} ({MODBUS_EXCEPTIONS.get(code, 'unknown')}) "
                              f"to function {function}")
    return pdu


def frame_seconds(n_bytes: int, baudrate: int, bits_per_char: int = 10) -> float:
    """Wire time of an RTU frame plus the 3.5-character silent interval that ends it."""
    return (n_bytes + FRAME_GAP_CHARS) * bits_per_char / baudrate


class EurothermController:
    """A `TemperatureController` for a Eurotherm 2400/3200 at Modbus `address` on `link`."""

    def __init__(self, link: SerialLink, address: int = 1, *, decimals: int = 1, output_decimals: int = 1,
                 name: str = "furnace") -> None:
        self.link = link
        self.address = address
        self.decimals = decimals
        self.output_decimals = output_decimals
        self.name = name
        self.stats = LinkStats()
        # Modbus RTU needs 3.5 character times of silence after each frame before the next request.
        self._gap_s = frame_seconds(0, link.settings.baudrate)

    def read_register(self, register: int, decimals: int | None = None) -> float:
        """One register, unscaled by `decimals` (default: the temperature decimals)."""
        pdu = self.link.exchange(self.name, self.stats, read_request(self.address, register),
                                 lambda r: read_reply(r, self.address, 3), settle_s=self._gap_s)
        if not isinstance(pdu, ReadHoldingRegistersResponse) or len(pdu.registers) != 1:
            raise InstrumentError(f"{self.name}: unexpected reply {pdu} to a read of register {register}")
        return unscale(pdu.registers[0], self.decimals if decimals is None else decimals)

    def write_register(self, register: int, value: float, decimals: int | None = None) -> None:
        """Write one register, scaled by `decimals` (default: the temperature decimals)."""
        word = scale(value, self.decimals if decimals is None else decimals)
        pdu = self.link.exchange(self.name, self.stats, write_request(self.address, register, word),
                                 lambda r: read_reply(r, self.address, 6), settle_s=self._gap_s)
        if not isinstance(pdu, WriteSingleRegisterResponse) or pdu.registers != [word]:
            raise InstrumentError(f"{self.name}: write of register {register} not echoed ({pdu})")

    def read_pv(self) -> float:
        return self.read_register(PV)

    def read_setpoint(self) -> float:
        return self.read_register(TARGET_SP)

    def write_setpoint(self, celsius: float) -> None:
        self.write_register(TARGET_SP, celsius)

    def read_working_setpoint(self) -> float:
        return self.read_register(WORKING_SP)

    def read_ramp_rate(self) -> float:
        return self.read_register(RAMP_RATE)

    def write_ramp_rate(self, c_per_min: float) -> None:
        self.write_register(RAMP_RATE, c_per_min)

    def read_output_pct(self) -> float:
        return self.read_register(OUTPUT, self.output_decimals)

    def read_heater(self) -> bool:
        return self.read_register(AUTO_MANUAL, 0) == 0

    def write_heater(self, on: bool) -> None:
        """On: automatic mode. Off: manual mode, then 0 % output."""
        self.write_register(AUTO_MANUAL, 0 if on else 1, 0)
        if not on:
            self.write_register(OUTPUT, 0.0, self.output_decimals)
