"""Synthetic spectra with known truth: graphene Raman (simulators.spectra, fitted once per test session) and
TMD Raman + PL acquisitions (simulators.tmd_spectra)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

from lab.analysis import GrapheneFit, Spectrum, fit_graphene
from simulators.spectra import GrapheneSpot, Peak, SyntheticSpectrum, synthesize_spectrum, wavelength_axis
from simulators.tmd_spectra import PL_SPECTROMETER, RAMAN_SPECTROMETER, TmdSpot, synthesize_pl, synthesize_raman

N_PER_LAYER = 80  # bare, monolayer, bilayer, multilayer: 320 spectra in all
EXPOSURE_S = 1.0


@dataclass(frozen=True)
class Case:
    """One synthetic spot: its truth, its simulated acquisition and the analysis result."""

    spot: GrapheneSpot
    synthetic: SyntheticSpectrum
    fit: GrapheneFit

    def true_height(self, band: str) -> float:
        """True height of ``band`` in counts per second (0 when the spot does not have it)."""
        return next((p.height for p in self.synthetic.peaks if p.name == band), 0.0)

    def true_fwhm(self, band: str) -> float:
        """True FWHM of ``band`` in cm⁻¹."""
        return next(p.fwhm for p in self.synthetic.peaks if p.name == band)


@pytest.fixture(scope="session")
def cases() -> list[Case]:
    """Bare, mono-, bi- and multilayer spots, half of the graphene ones defective (ID/IG 0.1–1), at 1 s.

    Every spectrum has the Cu photoluminescence background, shot and read noise; about 30 % carry cosmic rays.
    """
    rng = np.random.default_rng(20240611)
    wavelengths = wavelength_axis()
    result = []
    for i in range(4 * N_PER_LAYER):
        layers = i % 4
        id_ig = float(rng.uniform(0.1, 1.0)) if layers and (i // 4) % 2 else 0.0
        spot = GrapheneSpot(layers, id_ig)
        synthetic = synthesize_spectrum(spot, wavelengths, EXPOSURE_S, rng)
        fit = fit_graphene(Spectrum.from_wavelengths(wavelengths, synthetic.counts))
        result.append(Case(spot, synthetic, fit))
    return result


@dataclass(frozen=True)
class TmdAcquisition:
    """One simulated TMD spot: its truth and one Raman and one PL acquisition (from simulators.tmd_spectra)."""

    spot: TmdSpot
    raman: SyntheticSpectrum
    pl: SyntheticSpectrum

    def raman_center(self, mode: str) -> float:
        """True centre (cm⁻¹) of the Raman ``mode``."""
        return next(p.center for p in self.raman.peaks if p.name == mode)

    def pl_band(self, band: str) -> Peak:
        """The true PL ``band`` (centre and FWHM in eV)."""
        return next(p for p in self.pl.peaks if p.name == band)


@pytest.fixture(scope="session")
def raman_nm() -> np.ndarray:
    """The pixel wavelengths of the simulated Raman grating (≈ 140–680 cm⁻¹ at 532 nm)."""
    return wavelength_axis(RAMAN_SPECTROMETER)


@pytest.fixture(scope="session")
def pl_nm() -> np.ndarray:
    """The pixel wavelengths of the simulated PL grating (550–900 nm)."""
    return wavelength_axis(PL_SPECTROMETER)


@pytest.fixture
def acquire(raman_nm: np.ndarray, pl_nm: np.ndarray) -> Callable[..., TmdAcquisition]:
    """``acquire(spot, seed, exposure_s=2.0)``: one Raman and one PL acquisition of ``spot``."""

    def _acquire(spot: TmdSpot, seed: int, exposure_s: float = 2.0) -> TmdAcquisition:
        rng = np.random.default_rng(seed)
        return TmdAcquisition(spot, synthesize_raman(spot, raman_nm, exposure_s, rng),
                              synthesize_pl(spot, pl_nm, exposure_s, rng))

    return _acquire
