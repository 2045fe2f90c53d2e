"""A whole simulated station over serial: one emulator per serial-capable device, all on one twin."""

from __future__ import annotations

import string
from dataclasses import dataclass

from devices.config import StationConfig
from simulators.emulators.alicat import AlicatEmulator
from simulators.emulators.base import Faults, PtyEmulator
from simulators.emulators.eurotherm import EurothermEmulator
from simulators.emulators.pr4000b import PR4000BEmulator
from simulators.emulators.tpg import TPGEmulator
from simulators.twin import Twin

EMULATED_TIMEOUT_S = 1.0  # a pty answers in well under a millisecond; a loaded 2-core host can stall ~0.5 s


@dataclass
class EmulatedStation:
    """Running emulators and the station config whose serial devices point at them."""

    config: StationConfig
    emulators: dict[str, PtyEmulator]

    def stop(self) -> None:
        for emulator in self.emulators.values():
            emulator.stop()

    def fault_counts(self) -> dict[str, dict[str, int]]:
        """Injected faults per emulator."""
        return {name: emulator.fault_counts() for name, emulator in self.emulators.items()}


def alicat_units(config: StationConfig) -> dict[str, tuple[str, float]]:
    """Alicat unit id (A, B, C…, in gas-line order) → (gas, full scale sccm) of the station's MFCs."""
    return {uid: (line.gas, line.full_scale_sccm) for uid, line in zip(string.ascii_uppercase, config.gas_lines,
                                                                         strict=False)}


def start_emulated_station(config: StationConfig, twin: Twin, *, fault_rate: float = 0.0, seed: int = 0,
                           pace: bool = False) -> EmulatedStation:
    """Start a Eurotherm, Alicats (units A, B, C… on one shared port), a TPG and a PR4000B on ptys."""
    def faults(offset: int) -> Faults:
        return Faults(rate=fault_rate, seed=seed * 16 + offset, delay_s=EMULATED_TIMEOUT_S / 4)

    units = alicat_units(config)
    emulators: dict[str, PtyEmulator] = {}
    try:
        emulators["furnace"] = EurothermEmulator(twin, decimals=config.furnace.decimals, faults=faults(0), pace=pace)
        emulators["mfc"] = AlicatEmulator(twin, units, faults=faults(1), pace=pace)
        emulators["gauge"] = TPGEmulator(twin, faults=faults(2), pace=pace)
        emulators["pressure"] = PR4000BEmulator(twin, faults=faults(3), pace=pace)
        for emulator in emulators.values():
            emulator.start()
    except BaseException:
        for emulator in emulators.values():
            emulator.stop()
        raise
    serial = {"driver": "serial", "timeout_s": EMULATED_TIMEOUT_S, "retries": 3}
    update = {
        "furnace": config.furnace.model_copy(update={**serial, "port": emulators["furnace"].path, "address": 1}),
        "gas_lines": [line.model_copy(update={**serial, "port": emulators["mfc"].path, "address": uid})
                      for uid, line in zip(units, config.gas_lines, strict=True)],
        "gauge": config.gauge.model_copy(update={**serial, "port": emulators["gauge"].path, "address": 1}),
        "pressure_controller": config.pressure_controller.model_copy(
            update={**serial, "port": emulators["pressure"].path, "address": 1}),
    }
    return EmulatedStation(config.model_copy(update=update), emulators)
