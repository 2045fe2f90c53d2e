"""The seabreeze spectrometer driver against the `seatease` emulator of python-seabreeze, and the real library."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from devices.drivers import DeviceError, SeaBreezeSpectrometer
from devices.interfaces import SpectrometerDriver
from devices.optics import Spectrometer

seatease = pytest.importorskip("seatease.spectrometers")


@pytest.fixture
def driver():
    spectrometer = SeaBreezeSpectrometer(spectrometer_class=seatease.Spectrometer)
    yield spectrometer
    spectrometer.close()


def test_acquires_through_the_seabreeze_api(driver: SeaBreezeSpectrometer) -> None:
    assert isinstance(driver, SpectrometerDriver)
    wavelengths = driver.wavelengths()
    driver.integration_time_micros(100_000)
    counts = driver.intensities()
    assert counts.shape == wavelengths.shape and wavelengths.size > 1000
    assert np.all(np.diff(wavelengths) > 0) and counts.dtype == float


def test_an_ophyd_spectrometer_reads_through_it(driver: SeaBreezeSpectrometer) -> None:
    device = Spectrometer(driver, max_integration_s=10.0)
    device.configure_exposure(0.05)
    device.trigger().wait(5)
    reading = device.read()
    assert reading["spectrometer_spectrum"]["value"].shape == driver.wavelengths().shape
    assert device.integration_time.get() == 0.05


def test_integration_time_outside_the_device_limits_is_refused(driver: SeaBreezeSpectrometer) -> None:
    with pytest.raises(ValueError, match=r"integration time 10 µs is outside the device's limits 3000–20000000 µs"):
        driver.integration_time_micros(10)


def test_unsupported_correction_becomes_a_device_error_and_the_device_is_released() -> None:
    driver = SeaBreezeSpectrometer(spectrometer_class=seatease.Spectrometer, correct_dark_counts=True)
    with pytest.raises(DeviceError, match=r"spectrometer \(first available\): acquiring a spectrum failed: .*dark"):
        driver.intensities()
    other = SeaBreezeSpectrometer(spectrometer_class=seatease.Spectrometer)  # the device was closed again
    assert other.wavelengths().size > 0
    other.close()


def test_an_unknown_serial_number_names_device_and_serial() -> None:
    driver = SeaBreezeSpectrometer("QEP01234", spectrometer_class=seatease.Spectrometer, name="raman")
    with pytest.raises(DeviceError, match=r"^raman \(serial number QEP01234\): opening the spectrometer failed"):
        driver.wavelengths()


def test_a_device_already_open_elsewhere_is_a_device_error(driver: SeaBreezeSpectrometer) -> None:
    driver.wavelengths()
    second = SeaBreezeSpectrometer(spectrometer_class=seatease.Spectrometer)
    with pytest.raises(DeviceError, match="opening the spectrometer failed"):
        second.intensities()


def test_real_seabreeze_without_a_device_gives_one_line() -> None:
    pytest.importorskip("seabreeze")
    driver = SeaBreezeSpectrometer("NOSUCH1")
    with pytest.raises(DeviceError, match=r"^spectrometer \(serial number NOSUCH1\): opening") as info:
        driver.intensities()
    assert "\n" not in str(info.value)


def test_missing_seabreeze_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "seabreeze", None)
    with pytest.raises(DeviceError, match=r"pip install 'sdlab\[spectrometer\]'"):
        SeaBreezeSpectrometer().wavelengths()


def test_unknown_backend_is_refused() -> None:
    with pytest.raises(DeviceError, match="backend must be one of"):
        SeaBreezeSpectrometer(backend="usb").wavelengths()
