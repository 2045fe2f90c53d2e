"""Drivers and third-party clients against the protocol emulators on ptys."""

from __future__ import annotations

import asyncio
import time

import minimalmodbus
import pytest

from devices.drivers import (
    AlicatFlowController,
    DeviceError,
    EurothermController,
    PortSettings,
    PR4000BController,
    SerialLink,
    TPGGauge,
)
from simulators.clock import SimClock
from simulators.emulators import AlicatEmulator, EurothermEmulator, Faults, PR4000BEmulator, TPGEmulator
from simulators.twin import Twin
from simulators.worlds import GrapheneWorld


@pytest.fixture
def twin() -> Twin:
    return Twin(GrapheneWorld.draw(0), SimClock(600.0))


def test_minimalmodbus_reads_and_writes_the_eurotherm_emulator(twin: Twin) -> None:
    with EurothermEmulator(twin) as emulator:
        instrument = minimalmodbus.Instrument(emulator.path, 1)
        instrument.serial.baudrate = 9600  # the Eurotherm default (minimalmodbus defaults to 19200)
        instrument.serial.timeout = 0.5
        assert abs(instrument.read_register(1, 1) - 25.0) < 2.0
        instrument.write_register(2, 850.3, 1)  # function 16
        instrument.write_register(35, 5.0, 1, functioncode=6)
        assert instrument.read_register(2, 1) == pytest.approx(850.3)
        assert twin.furnace.target_c == pytest.approx(850.3)
        assert twin.furnace.ramp_c_per_min == pytest.approx(5.0)
        with pytest.raises(minimalmodbus.IllegalRequestError):
            instrument.read_register(999)
        instrument.serial.close()


def test_numat_alicat_client_talks_to_the_alicat_emulator(twin: Twin) -> None:
    alicat = pytest.importorskip("alicat")
    twin.set_valve("H2", True)

    async def session(path: str) -> dict:
        async with alicat.FlowController(path, unit="B") as mfc:
            await mfc.set_gas("H2")
            await mfc.set_flow_rate(20.0)
            await asyncio.sleep(0.05)
            return await mfc.get()

    with AlicatEmulator(twin, {"A": ("Ar", 500.0), "B": ("H2", 100.0)}) as emulator:
        state = asyncio.run(session(emulator.path))
    assert state["gas"] == "H2"
    assert state["setpoint"] == pytest.approx(20.0)
    assert twin.flow_setpoints["H2"] == pytest.approx(20.0)


def test_drivers_drive_the_twin_through_every_emulator(twin: Twin) -> None:
    twin.set_valve("Ar", True)
    with (EurothermEmulator(twin) as euro, AlicatEmulator(twin, {"A": ("Ar", 500.0), "B": ("H2", 100.0)}) as mfcs,
          TPGEmulator(twin) as tpg, PR4000BEmulator(twin) as pr):
        furnace = EurothermController(SerialLink(euro.path, PortSettings(9600)))
        furnace.write_setpoint(900.0)
        furnace.write_ramp_rate(10.0)
        assert (furnace.read_setpoint(), furnace.read_ramp_rate()) == (900.0, 10.0)
        furnace.write_heater(False)
        assert not furnace.read_heater() and furnace.read_output_pct() == 0.0 and twin.furnace.manual
        furnace.write_heater(True)
        assert furnace.read_heater()
        bus = SerialLink(mfcs.path, PortSettings(19200))  # one RS-485 port, two unit ids
        ar, h2 = AlicatFlowController(bus, "A"), AlicatFlowController(bus, "B")
        ar.write_setpoint(100.0)
        assert (ar.read_setpoint(), h2.read_setpoint()) == (100.0, 0.0)
        time.sleep(0.05)
        assert ar.read_flow() == pytest.approx(100.0, rel=0.05)
        gauge = TPGGauge(SerialLink(tpg.path, PortSettings(9600)))
        assert gauge.read_unit() == "mbar"
        assert gauge.read_pressure() == pytest.approx(twin.pressure_torr, rel=0.05)
        pressure = PR4000BController(SerialLink(pr.path, PortSettings(9600, 7, "O")))
        pressure.write_setpoint(5.0)
        assert pressure.read_setpoint() == 5.0 and twin.pressure_setpoint_torr == 5.0
        pressure.write_setpoint(0.0)
        assert pressure.read_setpoint() == 0.0 and twin.pressure_setpoint_torr is None


def test_faults_are_retried_and_counted(twin: Twin) -> None:
    with EurothermEmulator(twin, faults=Faults(rate=0.3, seed=1, delay_s=0.02)) as emulator:
        furnace = EurothermController(SerialLink(emulator.path, PortSettings(9600), timeout_s=0.1, retries=5))
        for _ in range(40):
            assert 0 < furnace.read_pv() < 100
        injected = emulator.fault_counts()
    assert injected["dropped"] > 0 and injected["corrupted"] > 0 and injected["delayed"] > 0
    assert furnace.stats.timeouts >= injected["dropped"] and furnace.stats.reply_errors > 0


def test_a_reply_later_than_the_timeout_never_answers_the_next_request() -> None:
    only_delays = Faults(rate=0.4, seed=3, delay_s=0.15, counts={"delayed": 0})
    real_time = Twin(GrapheneWorld.draw(0), SimClock(1.0))  # the furnace barely warms during the test
    with EurothermEmulator(real_time, faults=only_delays) as emulator:
        furnace = EurothermController(SerialLink(emulator.path, PortSettings(9600), timeout_s=0.1, retries=4))
        furnace.write_setpoint(850.3)
        for _ in range(12):  # two reads whose replies look alike but for the value
            assert furnace.read_setpoint() == pytest.approx(850.3)
            assert furnace.read_pv() < 100
        assert emulator.fault_counts()["delayed"] >= 3 and furnace.stats.timeouts >= 3


def test_wrong_baud_rate_and_silence_fail_fast_with_one_line(twin: Twin, tmp_path) -> None:
    with EurothermEmulator(twin) as emulator:
        wrong = EurothermController(SerialLink(emulator.path, PortSettings(19200), timeout_s=0.1, retries=1))
        with pytest.raises(DeviceError, match=r"^furnace on /dev/pts/\d+: no reply within 0.1 s after 2") as err:
            wrong.read_pv()
        assert "\n" not in str(err.value)
        assert emulator.line_errors > 0
    missing = EurothermController(SerialLink(str(tmp_path / "ttyNONE"), PortSettings(9600)))
    with pytest.raises(DeviceError, match=r"^furnace on .*ttyNONE: cannot open port"):
        missing.read_pv()


def test_reconnects_after_the_port_disappears(twin: Twin, tmp_path) -> None:
    link_path = tmp_path / "ttyEURO"
    link = SerialLink(str(link_path), PortSettings(9600), timeout_s=0.1, retries=1)
    furnace = EurothermController(link)
    with EurothermEmulator(twin, link=link_path):
        assert furnace.read_pv() > 0
    with pytest.raises(DeviceError):
        furnace.read_pv()  # the instrument is gone
    with EurothermEmulator(twin, link=link_path):  # back, on a new pty behind the same path
        assert furnace.read_pv() > 0
    assert furnace.stats.reconnects >= 1
