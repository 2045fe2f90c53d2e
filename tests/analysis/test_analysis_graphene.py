"""Accuracy of fit_graphene on synthetic spectra with known truth, and its rules and errors.

The figures are printed (run with ``-s``):
``.venv/bin/python -m pytest tests/analysis/test_analysis_graphene.py -s -q``
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from lab.analysis import Spectrum, classify_layers, fit_graphene
from simulators.spectra import GrapheneSpot, raman_counts, wavelength_axis

# Pass criteria on the synthetic set (320 spectra at 1 s with background, noise and ~30 % with cosmic rays).
RATIO_TOLERANCE = 0.10  # relative error of I2D/IG against the true peak-height ratio
FWHM_TOLERANCE = 2.0  # cm⁻¹, absolute error of the 2D FWHM
REQUIRED_SHARE = 0.98  # of monolayer + bilayer spectra within both tolerances
REQUIRED_CLASSIFICATION = 0.95


def _graphene(cases, layers):
    return [c for c in cases if c.spot.layers in layers]


def test_the_synthetic_set_has_what_the_criteria_are_about(cases):
    assert len(cases) >= 200
    assert sum(c.synthetic.spike_pixels.size > 0 for c in cases) >= 50
    assert sum(c.spot.id_ig > 0 for c in cases) >= 100


def test_i2d_ig_and_2d_fwhm_of_mono_and_bilayers_are_accurate(cases):
    selected = _graphene(cases, (1, 2))
    ratio_error = np.array(
        [c.fit.i2d_ig / (c.true_height("2D") / c.true_height("G")) - 1.0 for c in selected]
    )
    fwhm_error = np.array([c.fit.fwhm_2d - c.true_fwhm("2D") for c in selected])
    within = (np.abs(ratio_error) <= RATIO_TOLERANCE) & (np.abs(fwhm_error) <= FWHM_TOLERANCE)
    print(
        f"\nmono+bilayer (n={len(selected)}): I2D/IG relative error"
        f" rms {np.sqrt(np.mean(ratio_error**2)):.3f} max {np.abs(ratio_error).max():.3f};"
        f" 2D FWHM error rms {np.sqrt(np.mean(fwhm_error**2)):.2f}"
        f" max {np.abs(fwhm_error).max():.2f} cm⁻¹; within both tolerances {within.mean():.3f}"
    )
    assert within.mean() >= REQUIRED_SHARE
    assert abs(ratio_error.mean()) < 0.02  # no bias either
    assert abs(fwhm_error.mean()) < 0.5


def test_layers_are_classified_right(cases):
    right = np.array([c.fit.layers == c.spot.layers for c in cases])
    by_layer = {n: float(np.mean([c.fit.layers == n for c in cases if c.spot.layers == n])) for n in range(4)}
    print(f"\nclassification accuracy {right.mean():.3f}; by true layer number {by_layer}")
    assert right.mean() >= REQUIRED_CLASSIFICATION
    assert min(by_layer.values()) >= 0.9


def test_bare_spots_have_no_graphene_and_nan_ratios(cases):
    for c in _graphene(cases, (0,)):
        assert c.fit.fitted
        assert not c.fit.has_graphene
        assert c.fit.layers == 0
        assert math.isnan(c.fit.i2d_ig) and math.isnan(c.fit.id_ig) and math.isnan(c.fit.fwhm_2d)


def test_id_ig_of_defective_spots_is_accurate(cases):
    defective = [c for c in cases if c.spot.id_ig > 0]
    error = np.array([c.fit.id_ig - c.spot.id_ig for c in defective])
    truth = np.array([c.spot.id_ig for c in defective])
    within = np.abs(error) <= 0.1 * truth + 0.02
    print(
        f"\ndefective (n={len(defective)}): ID/IG error mean {error.mean():+.4f} rms"
        f" {np.sqrt(np.mean(error**2)):.4f} max {np.abs(error).max():.3f};"
        f" within 10 % + 0.02 {within.mean():.3f}"
    )
    assert within.mean() >= 0.95
    assert all(c.fit.defective for c in defective if c.spot.id_ig >= 0.2)  # D ≥ 200 counts: well above noise
    for c in defective:
        if c.fit.defective:
            assert c.fit.l_d_nm == pytest.approx(12.0 / math.sqrt(c.fit.id_ig))
            assert c.fit.l_a_nm == pytest.approx(4.4 / c.fit.id_ig)


def test_pristine_spots_show_no_defects(cases):
    pristine = [c for c in _graphene(cases, (1, 2, 3)) if c.spot.id_ig == 0]
    assert not any(c.fit.defective for c in pristine)
    assert all(math.isnan(c.fit.l_d_nm) and math.isnan(c.fit.l_a_nm) for c in pristine)
    assert np.mean([c.fit.id_ig for c in pristine]) < 0.02


def test_every_graphene_fit_reports_uncertainties(cases):
    for c in _graphene(cases, (1, 2, 3)):
        fit = c.fit
        for error in (fit.i2d_ig_err, fit.id_ig_err, fit.fwhm_2d_err):
            assert 0 < error < math.inf
        for band in ("G", "2D"):
            peak = fit.peaks[band]
            assert peak.ok
            assert all(
                0 < e < math.inf for e in (peak.center_err, peak.fwhm_err, peak.height_err, peak.area_err)
            )


def test_uncertainties_match_the_actual_errors(cases):
    selected = _graphene(cases, (1, 2, 3))
    pulls = np.array(
        [(c.fit.i2d_ig - c.true_height("2D") / c.true_height("G")) / c.fit.i2d_ig_err for c in selected]
    )
    print(f"\nI2D/IG error / reported uncertainty: sd {pulls.std():.2f}")
    assert 0.7 < pulls.std() < 1.5


def test_as_dict_is_a_flat_record_with_band_positions(cases):
    record = next(c for c in cases if c.spot.id_ig > 0).fit.as_dict()
    for key in ("layers", "i2d_ig", "id_ig_err", "fwhm_2d", "l_d_nm", "g_center", "2d_center", "d_height"):
        assert key in record
    assert all(isinstance(value, bool | int | float) for value in record.values())


def test_fitting_one_spectrum_takes_less_than_20_ms():
    wavelengths = wavelength_axis()
    rng = np.random.default_rng(3)
    spectra = [
        Spectrum.from_wavelengths(
            wavelengths, raman_counts(GrapheneSpot(i % 4, 0.3 * (i % 2)), wavelengths, 1.0, rng)
        )
        for i in range(40)
    ]
    durations = []  # CPU time, so that other processes on a busy machine do not count
    for spectrum in spectra:
        start = time.process_time()
        fit_graphene(spectrum)
        durations.append(time.process_time() - start)
    print(
        f"\nfit_graphene: median {1e3 * np.median(durations):.1f} ms, mean {1e3 * np.mean(durations):.1f} ms"
    )
    assert np.median(durations) < 0.020


@pytest.mark.parametrize(
    ("ratio", "fwhm", "layers"),
    [
        (3.0, 30.0, 1),
        (1.5, 40.0, 1),
        (1.49, 30.0, 2),
        (2.5, 40.1, 2),
        (1.0, 55.0, 2),
        (0.7, 65.0, 2),
        (0.69, 50.0, 3),
        (1.0, 65.1, 3),
        (0.45, 70.0, 3),
        (0.0, 30.0, 3),
    ],
)
def test_layer_rule(ratio, fwhm, layers):
    assert classify_layers(ratio, fwhm) == layers


def test_a_spectrum_missing_the_g_band_is_rejected():
    shift = np.linspace(1700.0, 3000.0, 500)
    with pytest.raises(ValueError, match="must cover the G band, 1555–1615"):
        fit_graphene(Spectrum(shift, np.ones_like(shift)))


def test_a_spectrum_that_cannot_be_fitted_is_reported_unfit_not_raised():
    shift = np.linspace(1000.0, 3000.0, 12)  # covers the range, but too few points in each window
    fit = fit_graphene(Spectrum(shift, np.arange(12.0)))
    assert not fit.fitted
    assert not fit.has_graphene
    assert fit.layers == 0
