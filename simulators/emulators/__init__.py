"""Instrument protocols served on ptys, backed by the physics twin (written independently of devices.drivers)."""

from simulators.emulators.alicat import AlicatEmulator
from simulators.emulators.base import Faults, PtyEmulator
from simulators.emulators.eurotherm import EurothermEmulator
from simulators.emulators.pr4000b import PR4000BEmulator
from simulators.emulators.tpg import TPGEmulator

__all__ = ["AlicatEmulator", "EurothermEmulator", "Faults", "PR4000BEmulator", "PtyEmulator", "TPGEmulator"]
