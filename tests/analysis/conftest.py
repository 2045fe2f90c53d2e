"""Synthetic Raman spectra with known truth (from simulators.spectra), fitted once per test session."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from lab.analysis import GrapheneFit, Spectrum, fit_graphene
from simulators.spectra import GrapheneSpot, SyntheticSpectrum, synthesize_spectrum, wavelength_axis

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
