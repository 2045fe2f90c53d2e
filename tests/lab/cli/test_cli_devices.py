"""`sdlab emulate` and `sdlab devices check` as an operator runs them: real processes, real ptys."""

from __future__ import annotations

import selectors
import signal
import subprocess
import sys
from pathlib import Path

import minimalmodbus
import pytest
import yaml

from lab.campaign.drivers import station_twin
from lab.settings import load_station
from simulators.emulators.station import EMULATED_TIMEOUT_S, start_emulated_station
from tests.processes import child, stop

pytestmark = pytest.mark.e2e


def _env(home: Path) -> dict[str, str]:
    return {"SDLAB_HOME": str(home), "PATH": "/usr/bin:/bin", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}


def _first_line(process: subprocess.Popen[str], timeout_s: float = 60.0) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        assert selector.select(timeout_s), "the emulator printed no device path"
    return process.stdout.readline().strip()


def test_emulate_prints_the_path_serves_a_client_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    link = tmp_path / "furnace"
    with child([sys.executable, "-m", "lab", "emulate", "eurotherm", "--link", str(link)],
               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(tmp_path)) as process:
        assert _first_line(process) == str(link)
        instrument = minimalmodbus.Instrument(str(link), 1)
        instrument.serial.baudrate = 9600
        instrument.serial.timeout = 1.0
        assert 0.0 < instrument.read_register(1, 1) < 60.0  # a cold furnace reads room temperature
        instrument.serial.close()
        _, err = stop(process, signal.SIGINT)  # killed if it does not stop in time, as on any way out
    assert process.returncode == 0, err
    assert err.startswith("stopped after 1 request;"), err
    assert not link.exists() and not link.is_symlink()


def test_emulate_refuses_a_bad_fault_rate_with_one_line(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "lab", "emulate", "tpg", "--fault-rate", "2"],
                            capture_output=True, text=True, timeout=60, env=_env(tmp_path))
    assert result.returncode == 2 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "--fault-rate" in result.stderr


def _check(config: dict, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "station.yaml"
    path.write_text(yaml.safe_dump(config))
    return subprocess.run([sys.executable, "-m", "lab", "devices", "check", "--config", str(path)],
                          capture_output=True, text=True, timeout=120, env=_env(tmp_path))


def _rows(output: str) -> dict[str, str]:
    return {line.split()[0]: line for line in output.splitlines()[1:]}


@pytest.fixture
def emulated():
    station = load_station()
    running = start_emulated_station(station, station_twin(station, speedup=60.0))
    yield running
    running.stop()


def test_devices_check_reads_every_device_over_serial(emulated, tmp_path: Path) -> None:
    result = _check(emulated.config.model_dump(mode="json"), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    rows = _rows(result.stdout)
    assert set(rows) == set(emulated.config.driver_specs())
    for key in ("furnace", "mfc:Ar", "mfc:H2", "mfc:CH4", "gauge", "pressure"):
        assert " serial " in rows[key] and emulated.emulators[key.split(":")[0]].path in rows[key]
        assert "ERROR" not in rows[key]
    assert rows["furnace"].endswith("°C") and rows["gauge"].endswith("Torr") and rows["mfc:H2"].endswith("sccm")
    assert rows["spectrometer"].endswith("px, 560.0–635.0 nm")


def test_devices_check_names_each_unreachable_device_and_port(emulated, tmp_path: Path) -> None:
    config = emulated.config.model_dump(mode="json")
    config["furnace"]["port"] = str(tmp_path / "no-such-tty")
    config["gauge"]["baudrate"] = 19200  # the TPG listens at 9600: it stays silent
    config["spectrometer"] = {"driver": "seabreeze", "serial_number": "NOSUCH1"}
    result = _check(config, tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    rows = _rows(result.stdout)
    assert f"ERROR furnace on {tmp_path / 'no-such-tty'}: cannot open port" in rows["furnace"]
    gauge_port = emulated.emulators["gauge"].path
    assert f"ERROR gauge on {gauge_port}: no reply within {EMULATED_TIMEOUT_S:g} s after 4 attempt(s)" in rows["gauge"]
    assert "ERROR spectrometer (serial number NOSUCH1): opening the spectrometer failed" in rows["spectrometer"]
    assert "ERROR" not in rows["pressure"] and "ERROR" not in rows["mfc:Ar"]
    assert "Traceback" not in result.stderr
