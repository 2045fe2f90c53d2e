"""arPLS baseline removal for display."""

from __future__ import annotations

import numpy as np

from lab.analysis import Spectrum, remove_baseline
from simulators.spectra import GrapheneSpot, SpectrometerModel, synthesize_spectrum, wavelength_axis


def test_the_cu_background_is_removed_and_the_bands_stay():
    wavelengths = wavelength_axis()
    quiet = SpectrometerModel(cosmic_ray_probability=0.0)
    synthetic = synthesize_spectrum(
        GrapheneSpot(1, 0.0), wavelengths, 1.0, np.random.default_rng(0), spectrometer=quiet
    )
    spectrum = Spectrum.from_wavelengths(wavelengths, synthetic.counts)
    corrected = remove_baseline(spectrum)
    away_from_bands = (spectrum.shift > 1800) & (spectrum.shift < 2400)
    assert abs(np.median(corrected.counts[away_from_bands])) < 30  # the background was ≈ 1000–7000 counts
    g = next(p for p in synthetic.peaks if p.name == "G")
    top = corrected.counts[np.abs(corrected.shift - g.center) < 2].max()
    assert 0.85 * g.height < top < 1.15 * g.height + 150
