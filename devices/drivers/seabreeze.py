"""Ocean-Optics-class spectrometers through python-seabreeze (install the `spectrometer` extra).

The driver is given the seabreeze `Spectrometer` class to open devices with (python-seabreeze's by default,
imported on first use with the chosen backend; any class with the same API, e.g. the `seatease` emulator's,
for tests). The device is opened on first use and reopened after a failure; every failure of the library
or the device becomes a `DeviceError` naming the device and its serial number, for the safety layer.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from devices.drivers.transport import DeviceError

log = logging.getLogger("devices.drivers")
BACKENDS = ("cseabreeze", "pyseabreeze")


def seabreeze_class(backend: str = "cseabreeze") -> type:
    """python-seabreeze's `Spectrometer` class on `backend`; DeviceError when seabreeze is not installed."""
    if backend not in BACKENDS:
        raise ValueError(f"seabreeze backend must be one of {BACKENDS}, got {backend!r}")
    try:
        import seabreeze

        seabreeze.use(backend)
        from seabreeze.spectrometers import Spectrometer
    except ImportError as exc:
        raise DeviceError(f"python-seabreeze is not available ({exc}); install it with: "
                          "pip install 'sdlab[spectrometer]'") from None
    return Spectrometer


class SeaBreezeSpectrometer:
    """A USB spectrometer through seabreeze: the `SpectrometerDriver` API with checked, translated errors."""

    def __init__(self, serial_number: str | None = None, *, name: str = "spectrometer",
                 spectrometer_class: type | None = None, backend: str = "cseabreeze",
                 correct_dark_counts: bool = False, correct_nonlinearity: bool = False) -> None:
        self.serial_number = serial_number
        self.name = name
        self.backend = backend
        self.correct_dark_counts = correct_dark_counts
        self.correct_nonlinearity = correct_nonlinearity
        self._class = spectrometer_class
        self._device: Any = None
        self._wavelengths: np.ndarray | None = None
        self._lock = threading.RLock()

    @property
    def where(self) -> str:
        return f"serial number {self.serial_number}" if self.serial_number else "first available"

    @contextmanager
    def _errors(self, doing: str) -> Iterator[None]:
        try:
            yield
        except DeviceError as exc:
            raise DeviceError(f"{self.name} ({self.where}): {exc}") from None
        except Exception as exc:  # the library raises its own SeaBreezeError, or OSError/usb errors
            self.close()
            raise DeviceError(f"{self.name} ({self.where}): {doing} failed: {exc}") from None

    def _open(self) -> tuple[Any, np.ndarray]:
        """The open device and its wavelength axis (opening it if needed)."""
        if self._device is None or self._wavelengths is None:
            with self._errors("opening the spectrometer"):
                cls = self._class or seabreeze_class(self.backend)
                self._device = cls.from_serial_number(self.serial_number)
                wavelengths = np.asarray(self._device.wavelengths(), dtype=float)
                log.debug("%s opened %s: %d pixels", self.name, self._device, wavelengths.size)
                self._wavelengths = wavelengths
        return self._device, self._wavelengths

    def close(self) -> None:
        """Release the device (it is reopened on the next call)."""
        with self._lock:
            device, self._device = self._device, None
            if device is not None:
                try:
                    device.close()
                except Exception as exc:  # closing a device that vanished must not hide the original fault
                    log.debug("%s close: %s", self.name, exc)

    def integration_time_micros(self, integration_time_micros: int) -> None:
        """Set the integration time, refusing values outside the device's limits (ValueError)."""
        with self._lock:
            device, _ = self._open()
            with self._errors("reading the integration-time limits"):
                low, high = device.integration_time_micros_limits
            if not low <= integration_time_micros <= high:
                raise ValueError(f"{self.name}: integration time {integration_time_micros} µs is outside the "
                                 f"device's limits {low}–{high} µs")
            with self._errors("setting the integration time"):
                device.integration_time_micros(int(integration_time_micros))

    def wavelengths(self) -> np.ndarray:
        """The wavelength of every pixel (nm)."""
        with self._lock:
            return self._open()[1].copy()

    def intensities(self) -> np.ndarray:
        """One acquisition: counts per pixel (dark/nonlinearity corrected where configured)."""
        with self._lock:
            device, wavelengths = self._open()
            with self._errors("acquiring a spectrum"):
                counts = np.asarray(device.intensities(correct_dark_counts=self.correct_dark_counts,
                                                       correct_nonlinearity=self.correct_nonlinearity), dtype=float)
            if counts.shape != wavelengths.shape:
                self.close()
                raise DeviceError(f"{self.name} ({self.where}): got {counts.size} intensities for "
                                  f"{wavelengths.size} pixels")
            return counts
