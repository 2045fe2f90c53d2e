"""Eurotherm driver, byte for byte (Modbus RTU frames as in the 2400 series communications manual)."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from devices.drivers import DeviceError, EurothermController, InstrumentError
from devices.drivers.eurotherm import read_request, scale, unscale, write_request

H = bytes.fromhex


def test_request_frames_carry_the_standard_crc() -> None:
    assert read_request(1, 1) == H("01 03 00 01 00 01 d5 ca")  # read PV (register 1) at address 1
    assert write_request(1, 2, 8503) == H("01 06 00 02 21 37 71 8c")  # SP = 850.3 °C at 1 dp


def test_read_pv_setpoint_output(scripted) -> None:
    link = scripted([(H("01 03 00 01 00 01 d5 ca"), H("01 03 02 21 37 e1 c2")),
                     (H("01 03 00 03 00 01 74 0a"), H("01 03 02 00 8f f9 e0"))], 9600)
    furnace = EurothermController(link)
    assert furnace.read_pv() == pytest.approx(850.3)
    assert furnace.read_output_pct() == pytest.approx(14.3)


def test_write_setpoint_is_echoed(scripted) -> None:
    link = scripted([(H("01 06 00 02 21 37 71 8c"), H("01 06 00 02 21 37 71 8c"))], 9600)
    EurothermController(link).write_setpoint(850.3)


def test_heater_off_is_manual_then_zero_output(scripted) -> None:
    link = scripted([(H("01 06 01 11 00 01 19 f3"), H("01 06 01 11 00 01 19 f3")),
                     (H("01 06 00 03 00 00 79 ca"), H("01 06 00 03 00 00 79 ca"))], 9600)
    EurothermController(link).write_heater(False)


def test_exception_reply_is_an_instrument_error_naming_device_and_port(scripted) -> None:
    link = scripted([(H("01 03 00 01 00 01 d5 ca"), H("01 83 02 c0 f1"))], 9600)
    with pytest.raises(InstrumentError, match=r"furnace on scripted: Modbus exception 2 \(illegal data address\)"):
        EurothermController(link).read_pv()


def test_crc_error_is_retried_then_succeeds(scripted) -> None:
    request = H("01 03 00 01 00 01 d5 ca")
    link = scripted([(request, H("01 03 02 21 37 e1 c3")), (request, H("01 03 02 21 37 e1 c2"))], 9600, retries=1)
    furnace = EurothermController(link)
    assert furnace.read_pv() == pytest.approx(850.3)
    assert (furnace.stats.reply_errors, furnace.stats.retries) == (1, 1)


def test_silence_gives_one_line_device_error(scripted) -> None:
    request = H("01 03 00 01 00 01 d5 ca")
    link = scripted([(request, b""), (request, b"")], 9600, retries=1)
    with pytest.raises(DeviceError, match=r"^furnace on scripted: no reply within 0.05 s after 2 attempt") as err:
        EurothermController(link).read_pv()
    assert "\n" not in str(err.value)


@given(st.floats(-3276.8, 3276.7), st.integers(0, 1))
@example(0.35, 1)  # half-way in binary floating point: either neighbouring word is as near
def test_scaling_round_trips(value: float, decimals: int) -> None:
    if abs(value * 10**decimals) > 32767:
        return
    # the register holds a nearest word: within half a unit of the last decimal place
    assert abs(unscale(scale(value, decimals), decimals) - value) <= 0.5 * 10**-decimals + 1e-9
