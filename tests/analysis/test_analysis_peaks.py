"""Lorentzian band fitting: recovered parameters, honest uncertainties, failures that do not raise."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lab.analysis import PeakFit, PeakGuess, fit_lorentzians, lorentzian
from lab.analysis.peaks import Segment, fit_shared

X = np.linspace(1450.0, 1750.0, 300)
G = PeakGuess("G", 1585.0, 15.0, (1550.0, 1620.0), (5.0, 50.0))
D_PRIME = PeakGuess("D'", 1620.0, 12.0, (1605.0, 1640.0), (5.0, 30.0))
TRUE_G = (1583.0, 16.0, 1000.0)


def _noisy(seed: int, *bands: tuple[float, float, float]) -> np.ndarray:
    """Bands on a sloping, curved background with Gaussian noise of rms 20."""
    rng = np.random.default_rng(seed)
    y = 300.0 + 0.5 * (X - 1600.0) + 1e-3 * (X - 1600.0) ** 2 + rng.normal(0.0, 20.0, X.size)
    for band in bands:
        y += lorentzian(X, *band)
    return y


def test_a_single_band_is_recovered_within_its_uncertainties():
    fit = fit_lorentzians(X, _noisy(0, TRUE_G), [G])
    assert fit.ok
    g = fit.peaks["G"]
    for value, error, truth in zip(
        (g.center, g.fwhm, g.height), (g.center_err, g.fwhm_err, g.height_err), TRUE_G, strict=True
    ):
        assert 0 < error < math.inf
        assert abs(value - truth) < 4 * error
    assert g.area == pytest.approx(math.pi / 2 * g.height * g.fwhm)
    assert 0 < g.area_err < math.inf
    assert fit.noise == pytest.approx(20.0, rel=0.15)


def test_uncertainties_match_the_scatter_of_repeated_fits():
    fits = [fit_lorentzians(X, _noisy(seed, TRUE_G), [G]).peaks["G"] for seed in range(60)]
    for attribute, truth in zip(("center", "fwhm", "height"), TRUE_G, strict=True):
        pulls = [(getattr(f, attribute) - truth) / getattr(f, f"{attribute}_err") for f in fits]
        assert 0.7 < np.std(pulls) < 1.4, attribute


def test_overlapping_bands_are_separated():
    true_d_prime = (1621.0, 12.0, 150.0)
    fit = fit_lorentzians(X, _noisy(1, TRUE_G, true_d_prime), [G, D_PRIME])
    assert fit.peaks["G"].height == pytest.approx(TRUE_G[2], rel=0.05)
    assert fit.peaks["D'"].height == pytest.approx(true_d_prime[2], rel=0.3)
    assert fit.peaks["D'"].center == pytest.approx(true_d_prime[0], abs=2.0)


def test_an_absent_band_fits_to_zero_height_with_an_undetermined_position():
    fit = fit_lorentzians(X, np.full(X.size, 300.0), [G])  # a noise-free flat background
    g = fit.peaks["G"]
    assert fit.ok
    assert g.height == pytest.approx(0.0, abs=1e-6)
    assert g.center_err == math.inf
    assert g.fwhm_err == math.inf


@pytest.mark.parametrize(
    ("x", "y"),
    [
        (X[:5], _noisy(3, TRUE_G)[:5]),  # fewer points than parameters
        (X, np.where(X > 1600, np.inf, 1.0)),  # non-finite data
    ],
)
def test_a_failed_fit_gives_unfit_results_instead_of_raising(x, y):
    fit = fit_lorentzians(x, y, [G, D_PRIME])
    assert not fit.ok
    assert math.isnan(fit.noise)
    for name in ("G", "D'"):
        peak = fit.peaks[name]
        assert not peak.ok
        assert math.isnan(peak.height) and math.isnan(peak.height_err)


def test_unfit_peak():
    peak = PeakFit.unfit("2D")
    assert peak.name == "2D" and not peak.ok and math.isnan(peak.center)


def test_shared_bands_are_fitted_to_two_spectra_with_bounded_height_ratios() -> None:
    """A blended doublet (as WSe2's E¹2g/A1g) and a second spectrum where one of them is nearly forbidden."""
    x = np.linspace(200.0, 300.0, 400)
    rng = np.random.default_rng(3)
    a, e = lorentzian(x, 250.5, 5.0, 1000.0), lorentzian(x, 248.5, 4.0, 400.0)
    parallel = a + e + 100.0 + rng.normal(0.0, 5.0, x.size)
    crossed = 0.02 * a + e + 120.0 + rng.normal(0.0, 5.0, x.size)
    guesses = [PeakGuess("A", 250.5, 5.0, (245.5, 255.5), (1.5, 20.0), ratio_bounds=(0.0, 0.1)),
               PeakGuess("E", 248.5, 5.0, (243.5, 253.5), (1.5, 20.0), ratio_bounds=(0.8, 1.25))]
    fits = fit_shared([Segment(x, parallel), Segment(x, crossed)], guesses, 2, starts={"E": (248.0, 4.0)})
    par, cro = fits
    assert par.ok and cro.ok
    for name, center in (("A", 250.5), ("E", 248.5)):
        assert par.peaks[name].center == cro.peaks[name].center  # one band, two spectra
        assert abs(par.peaks[name].center - center) < min(0.2, 4.0 * par.peaks[name].center_err)
    assert cro.peaks["A"].height <= 0.1 * par.peaks["A"].height + 1e-9
    assert 0.8 <= cro.peaks["E"].height / par.peaks["E"].height <= 1.25
    assert all(math.isfinite(p.height_err) and p.height_err > 0 for p in cro.peaks.values())
    alone = fit_lorentzians(x, parallel, guesses)
    assert alone == fit_shared([Segment(x, parallel)], guesses)[0]  # one segment: the single-spectrum fit
