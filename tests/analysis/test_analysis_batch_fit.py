"""Fitting many spectra at once (lab.analysis.batch_fit, fit_graphene_spectra) gives each spectrum the answer the
per-spectrum least-squares fit (scipy, lab.analysis.peaks.fit_lorentzians) gives it: on synthetic graphene spectra
with cosmic rays, and on the shared real instrument files (read, not taken as ground truth)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

import lab.analysis.batch_fit
import lab.analysis.peaks
from lab.analysis import GrapheneFit, Spectrum, fit_graphene, fit_lorentzians
from lab.analysis.batch_fit import fit_lorentzians_batch
from lab.analysis.graphene import _2D, _D, _G, D_G_WINDOW, WINDOW_2D, fit_graphene_spectra
from lab.analysis.spikes import spike_mask
from lab.spectra import read_spectra
from simulators.spectra import GrapheneSpot, synthesize_spectrum, wavelength_axis

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata" / "spectra"
WINDOWS = {"D–G": (D_G_WINDOW, [_G, _D]), "2D": (WINDOW_2D, [_2D])}


@pytest.fixture(scope="module")
def stack() -> tuple[np.ndarray, np.ndarray]:
    """A map's worth of synthetic spots on one axis: bare, mono-, bi- and multilayer, pristine and defective
    (ID/IG 0.3), about a third with cosmic rays."""
    rng = np.random.default_rng(11)
    nm = wavelength_axis()
    spots = [GrapheneSpot(layers, id_ig) for layers in range(4) for id_ig in (0.0, 0.3) if layers or not id_ig] * 6
    counts = np.array([synthesize_spectrum(spot, nm, 1.0, rng).counts for spot in spots])
    shift = Spectrum.from_wavelengths(nm, counts[0]).shift
    return shift, counts


@pytest.fixture
def scipy_to_the_optimum(monkeypatch):
    """The per-spectrum fit run until it no longer moves (its default stops within ~0.2 σ of the optimum)."""
    monkeypatch.setattr(lab.analysis.peaks, "_FTOL", 1e-12)
    monkeypatch.setattr(lab.analysis.peaks, "_MAX_NFEV", 1000)


def _agree(reference, batched, strong_bands: set[str]) -> bool:
    """The batched window fit matches the reference; returns whether both reached the same optimum.

    Its residual is never more than 1 % above the reference's. Where the two residuals agree (to 1e-4), the
    ``strong_bands`` have the same centre, FWHM and height within 0.02 of their uncertainties, which agree within
    1 %. Where they do not, a band at noise level settled in another local optimum (as often with a lower residual
    as with a higher one); the strong bands then agree within 0.25 σ, their uncertainties within 10 %.
    """
    assert batched.ok and reference.ok
    assert batched.noise <= 1.01 * reference.noise
    same = abs(batched.noise / reference.noise - 1.0) <= 1e-4
    within_sigma, within_rel = (0.02, 0.01) if same else (0.25, 0.1)
    for name in strong_bands:
        ref, got = reference.peaks[name], batched.peaks[name]
        for attribute in ("center", "fwhm", "height"):
            error = getattr(ref, f"{attribute}_err")
            assert abs(getattr(got, attribute) - getattr(ref, attribute)) <= within_sigma * error, (name, attribute)
        for attribute in ("center_err", "fwhm_err", "height_err", "area_err"):
            assert getattr(got, attribute) == pytest.approx(getattr(ref, attribute), rel=within_rel), (name, attribute)
    return same


@pytest.mark.usefixtures("scipy_to_the_optimum")
@pytest.mark.parametrize("window", WINDOWS)
def test_every_spectrum_of_a_batch_gets_the_optimum_of_its_own_fit(stack, window):
    shift, counts = stack
    (low, high), guesses = WINDOWS[window]
    inside = (shift >= low) & (shift <= high)
    keep = ~spike_mask(counts)[:, inside]
    assert (~keep).any(axis=1).sum() >= 2  # cosmic-ray pixels are left out of some spectra's fits
    batch = fit_lorentzians_batch(shift[inside], counts[:, inside], guesses, keep)
    strong_bands, same = 0, 0
    for row in range(counts.shape[0]):
        reference = fit_lorentzians(shift[inside][keep[row]], counts[row, inside][keep[row]], guesses)
        strong = {g.name for g in guesses if reference.peaks[g.name].height > 10 * reference.noise}
        same += _agree(reference, batch.window_fit(row), strong)
        strong_bands += len(strong)
    assert strong_bands >= counts.shape[0] // 2
    assert same >= 0.75 * counts.shape[0]


def _same(a: GrapheneFit, b: GrapheneFit) -> None:
    one, other = a.as_dict(), b.as_dict()
    assert one.keys() == other.keys()
    for key, value in one.items():
        if isinstance(value, float) and math.isnan(value):
            assert math.isnan(other[key]), key
        else:
            assert other[key] == pytest.approx(value, rel=1e-4, abs=1e-9), key
    assert a.missing == b.missing


def test_a_map_fitted_at_once_gives_every_pixel_the_fit_it_gets_alone(stack):
    shift, counts = stack
    together = fit_graphene_spectra(shift, counts)
    assert {fit.layers for fit in together} == {0, 1, 2, 3}
    assert any(fit.defective for fit in together)
    for fit, pixel in zip(together, counts, strict=True):
        _same(fit, fit_graphene(Spectrum(shift, pixel)))


def test_a_pixel_that_cannot_be_fitted_leaves_the_others_as_they_are(stack):
    shift, counts = stack
    broken = counts[:4].copy()
    broken[1, 100:] = np.nan
    fits = fit_graphene_spectra(shift, broken)
    assert not fits[1].fitted and fits[1].layers == 0
    for row in (0, 2, 3):
        _same(fits[row], fit_graphene(Spectrum(shift, counts[row])))


def test_a_batch_without_spectra_or_without_points_gives_unfit_rows():
    x = np.linspace(1500.0, 1700.0, 50)
    assert fit_lorentzians_batch(x, np.empty((0, 50)), [_G]).ok.size == 0
    few = fit_lorentzians_batch(x[:5], np.ones((2, 5)), [_G])
    assert not few.ok.any()
    assert not few.window_fit(0).ok and math.isnan(few.window_fit(1).peaks["G"].height)


@pytest.mark.skipif(not (REAL / "test1.wdf").is_file(), reason="the shared real spectra are absent")
@pytest.mark.usefixtures("scipy_to_the_optimum")
@pytest.mark.parametrize("name", ["test1.wdf", "Spectrum_532nm.wdf", "Spectrum_532nm.spc"])
def test_real_spectra_get_the_d_g_window_fit_of_the_per_spectrum_fit(name):
    """The D–G window decides whether a spectrum shows graphene (none of these does): its fit on each real file
    is the per-spectrum one. (On the organic spectrum's 2D window, a broad C–H shoulder without a 2D band, the
    two fits end in different local optima; no figure comes from that window when there is no G band.)"""
    read = read_spectra(REAL / name)
    spectrum = read.spectra[0].spectrum(read.laser_nm)
    (low, high), guesses = WINDOWS["D–G"]
    inside = (spectrum.shift >= low) & (spectrum.shift <= high)
    keep = ~spike_mask(spectrum.counts)[inside]
    reference = fit_lorentzians(spectrum.shift[inside][keep], spectrum.counts[inside][keep], guesses)
    batched = fit_lorentzians_batch(spectrum.shift[inside], spectrum.counts[None, inside], guesses, keep[None])
    strong = {g.name for g in guesses if reference.peaks[g.name].height > 10 * reference.noise}
    assert _agree(reference, batched.window_fit(0), strong)
    fit = fit_graphene(spectrum)
    assert fit.fitted and not fit.has_graphene


def test_a_singular_system_gives_unfit_spectra_instead_of_raising(stack, monkeypatch):
    shift, counts = stack

    def singular(*args):
        raise np.linalg.LinAlgError("Singular matrix")

    monkeypatch.setattr(lab.analysis.batch_fit, "_step", singular)
    fits = fit_graphene_spectra(shift, counts[:3])
    assert all(not fit.fitted and fit.layers == 0 for fit in fits)
