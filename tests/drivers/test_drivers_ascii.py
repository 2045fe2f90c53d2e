"""Alicat, Pfeiffer TPG 36x and MKS PR4000B drivers, byte for byte (exchanges as in their manuals)."""

from __future__ import annotations

import pytest

from devices.drivers import AlicatFlowController, InstrumentError, PR4000BController, TPGGauge
from devices.drivers.alicat import parse_frame


def test_alicat_poll_parses_the_manual_frame(scripted) -> None:
    link = scripted([(b"A\r", b"A +014.61 +023.30 +00.000 +00.000 00.156 Air\r")], 19200)
    reading = AlicatFlowController(link, "A").poll()
    assert (reading.pressure_psia, reading.temperature_c, reading.mass_flow, reading.setpoint, reading.gas) == (
        14.61, 23.30, 0.0, 0.156, "Air")


def test_alicat_setpoint_gas_and_hold(scripted) -> None:
    link = scripted([(b"BS10.00\r", b"B +014.61 +023.30 +09.990 +10.001 10.000 H2\r"),
                     (b"B$$W46=6\r", b"B   046 = 6\r"),
                     (b"B$$H\r", b"B +014.61 +023.30 +09.990 +10.001 10.000 H2 HLD\r"),
                     (b"B$$C\r", b"B +014.61 +023.30 +09.990 +10.001 10.000 H2\r")], 19200)
    mfc = AlicatFlowController(link, "B")
    mfc.write_setpoint(10.0)
    mfc.select_gas("H2")
    mfc.hold()
    mfc.cancel_hold()


def test_alicat_status_flags_and_wrong_unit() -> None:
    assert parse_frame("A +014.61 +023.30 +640.000 +640.000 500.000 Ar MOV VOV", "A").flags == ("MOV", "VOV")
    with pytest.raises(ValueError, match="unit B, expected A"):
        parse_frame("B +014.61 +023.30 +00.000 +00.000 00.156 Air", "A")


def test_alicat_unknown_command_reply(scripted) -> None:
    link = scripted([(b"AS1.00\r", b"?\r")], 19200)
    with pytest.raises(InstrumentError, match="not recognized"):
        AlicatFlowController(link, "A").write_setpoint(1.0)


def test_tpg_ack_enq_exchange_and_unit_conversion(scripted) -> None:
    link = scripted([(b"UNI\r\n", b"\x06\r\n"), (b"\x05", b"0\r\n"),
                     (b"PR1\r\n", b"\x06\r\n"), (b"\x05", b"0,+1.2340E-02\r\n")], 9600)
    assert TPGGauge(link).read_pressure() == pytest.approx(1.234e-2 * 0.750061683)


def test_tpg_sensor_error_and_nak(scripted) -> None:
    link = scripted([(b"UNI\r\n", b"\x06\r\n"), (b"\x05", b"1\r\n"),
                     (b"PR2\r\n", b"\x06\r\n"), (b"\x05", b"5,+0.0000E+00\r\n"),
                     (b"XYZ\r\n", b"\x15\r\n")], 9600)
    gauge = TPGGauge(link, channel=2)
    with pytest.raises(InstrumentError, match="status 5 \\(no sensor\\)"):
        gauge.read_pressure()
    with pytest.raises(InstrumentError, match="NAK"):
        gauge.ask("XYZ")


def test_pr4000b_read_setpoint_valve_and_errors(scripted) -> None:
    link = scripted([(b"?ID\r", b"PR42v2.03\r"), (b"AV1\r", b"1.2345\r"), (b"SP1,5\r", b"\r"),
                     (b"VL1,ON\r", b"\r"), (b"VL1,OFF\r", b"\r"), (b"SP1,-1\r", b"#E020\r")], 9600, 7, "O")
    controller = PR4000BController(link)
    assert controller.identify() == "PR42v2.03"
    assert controller.read_pressure() == pytest.approx(1.2345)
    controller.write_setpoint(5.0)
    controller.write_setpoint(0.0)
    with pytest.raises(InstrumentError, match="#E020"):
        controller.ask("SP1,-1")
