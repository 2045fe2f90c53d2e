"""TMD Raman analysis against simulated spectra of known truth, and its edge cases."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from lab.analysis import Spectrum, classify_tmd_layers, fit_tmd_raman, monolayer_delta, raman_shift
from lab.analysis.tmd import layer_pair
from simulators.spectra import SyntheticSpectrum
from simulators.tmd_spectra import TmdSpot, synthesize_raman

COMPOSITIONS = [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (0.5, 0.0), (0.3, 0.3), (0.2, 0.8)]


def _spectrum(raman_nm: np.ndarray, counts: np.ndarray) -> Spectrum:
    return Spectrum(raman_shift(raman_nm, 532.0), counts)


def _polarized(spot: TmdSpot, raman_nm: np.ndarray, seed: int, exposure_s: float = 2.0) -> list[SyntheticSpectrum]:
    """A parallel and a crossed Raman acquisition of ``spot`` (the same bands: the spot gets ``seed``)."""
    rng = np.random.default_rng(seed)
    spot = replace(spot, seed=seed)
    return [synthesize_raman(spot, raman_nm, exposure_s, rng, analyzer=setting) for setting in ("parallel", "crossed")]


def _center(synthetic: SyntheticSpectrum, mode: str) -> float:
    return next(p.center for p in synthetic.peaks if p.name == mode)


def test_monolayer_delta_of_end_members() -> None:
    assert monolayer_delta(0.0, 0.0) == pytest.approx(20.0)  # MoS2 CVD monolayer
    assert monolayer_delta(1.0, 0.0) == pytest.approx(61.0)  # WS2: E¹2g 356.5, A1g 417.5
    assert monolayer_delta(0.0, 1.0) == pytest.approx(-46.0)  # MoSe2: A1g 241 below E¹2g 287


def test_layer_rule_boundaries() -> None:
    assert [classify_tmd_layers(e) for e in (-1.0, 0.99, 1.0, 2.99, 3.0, 6.0)] == [1, 1, 2, 2, 3, 3]


@pytest.mark.parametrize(("x_w", "y_se"), COMPOSITIONS)
@pytest.mark.parametrize("substrate", ["SiO2/Si", "sapphire"])
def test_known_truth_modes_delta_and_layers(acquire, raman_nm, x_w: float, y_se: float, substrate: str) -> None:
    for layers in (1, 2, 3):
        case = acquire(TmdSpot(layers, x_w, y_se, 1e12, substrate), seed=100 * layers + int(10 * x_w + y_se))
        fit = fit_tmd_raman(_spectrum(raman_nm, case.raman.counts), x_w, y_se, substrate)
        assert fit.fitted and fit.has_tmd
        assert abs(fit.x_w - x_w) <= 4.0 * fit.x_w_err < 0.2  # measured for Mo/W sulfide alloys, else given
        e_name, a_name = layer_pair(fit.x_w, y_se)  # the pair the analysis used
        true_e, true_a = case.raman_center(e_name), case.raman_center(a_name)
        assert fit.layers == layers
        assert abs(fit.e12g - true_e) < 0.5 and abs(fit.a1g - true_a) < 0.5
        assert abs(fit.delta - (true_a - true_e)) < 0.5
        for value, err, truth in ((fit.e12g, fit.e12g_err, true_e), (fit.a1g, fit.a1g_err, true_a)):
            assert 0.0 < err < 0.5 and abs(value - truth) < 4.0 * err  # present and sensible
        assert fit.delta_err == pytest.approx(math.hypot(fit.e12g_err, fit.a1g_err))


def test_every_fitted_band_reports_uncertainties(acquire, raman_nm) -> None:
    case = acquire(TmdSpot(1, 0.4, 0.0, 3e12), seed=7)
    fit = fit_tmd_raman(_spectrum(raman_nm, case.raman.counts), 0.4, 0.0)
    assert set(fit.peaks) == {"A1g(S)", "E12g(Mo-S)", "E12g(W-S)"}  # two-mode E¹2g of the alloy
    record = fit.as_dict()
    for name in fit.peaks:
        for attr in ("center", "fwhm", "height", "area"):
            assert math.isfinite(record[f"{name}_{attr}_err"]) and record[f"{name}_{attr}_err"] > 0


def test_bare_substrate_has_no_film(acquire, raman_nm) -> None:
    for substrate in ("SiO2/Si", "sapphire"):
        case = acquire(TmdSpot(0, substrate=substrate), seed=3)
        fit = fit_tmd_raman(_spectrum(raman_nm, case.raman.counts), 0.0, 0.0, substrate)
        assert fit.fitted and not fit.has_tmd and fit.layers == 0 and math.isnan(fit.delta)


def test_pure_noise_has_no_film(raman_nm) -> None:
    counts = np.random.default_rng(0).normal(1500.0, 40.0, raman_nm.size)
    fit = fit_tmd_raman(_spectrum(raman_nm, counts))
    assert fit.fitted and not fit.has_tmd


def test_spikes_on_the_bands_are_rejected(acquire, raman_nm) -> None:
    case = acquire(TmdSpot(1), seed=11)
    clean = fit_tmd_raman(_spectrum(raman_nm, case.raman.counts))
    counts = case.raman.counts.copy()
    shift = raman_shift(raman_nm, 532.0)
    for center in (clean.e12g, clean.a1g):
        pixel = int(np.argmin(np.abs(shift - center)))
        counts[pixel : pixel + 2] += 20000.0  # a cosmic ray on top of each band
    spiked = fit_tmd_raman(_spectrum(raman_nm, counts))
    assert spiked.layers == 1
    assert abs(spiked.e12g - clean.e12g) < 0.1 and abs(spiked.a1g - clean.a1g) < 0.1


def test_too_few_pixels_give_an_unfit_result() -> None:
    shift = np.linspace(300.0, 460.0, 12)  # covers the window, but 7 points cannot fit 3 bands + background
    fit = fit_tmd_raman(Spectrum(shift, np.full(shift.size, 1000.0)))
    assert not fit.fitted and fit.layers == 0 and not fit.has_tmd


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"x_w": 1.2}, "x_w"), ({"y_se": math.nan}, "y_se"), ({"substrate": "glass"}, "substrate")],
)
def test_invalid_composition_or_substrate_raise(raman_nm, kwargs: dict, message: str) -> None:
    spectrum = _spectrum(raman_nm, np.full(raman_nm.size, 1000.0))
    with pytest.raises(ValueError, match=message):
        fit_tmd_raman(spectrum, **kwargs)


def test_spectrum_not_covering_the_window_raises() -> None:
    shift = np.linspace(360.0, 700.0, 500)
    with pytest.raises(ValueError, match="must cover 330–440"):
        fit_tmd_raman(Spectrum(shift, np.full(shift.size, 1000.0)))


@pytest.mark.parametrize("true_x", [0.25, 0.7])
def test_sulfide_alloy_w_fraction_is_measured_not_assumed(acquire, raman_nm, true_x: float) -> None:
    for layers in (1, 2, 3):
        case = acquire(TmdSpot(layers, true_x, 0.0, 1e12), seed=40 + layers, exposure_s=5.0)
        fit = fit_tmd_raman(_spectrum(raman_nm, case.raman.counts), 0.5, 0.0)  # intended x = 0.5
        assert abs(fit.x_w - true_x) < max(4.0 * fit.x_w_err, 0.02) and fit.x_w_err < 0.05
        assert fit.layers == layers


def test_uncertainties_match_the_errors(acquire, raman_nm) -> None:
    pulls = []
    for seed in range(40):
        x_w = float(seed % 2)  # MoS2 and WS2
        case = acquire(TmdSpot(1 + seed % 3, x_w, 0.0, 1e12), seed=1000 + seed, exposure_s=1.0)
        fit = fit_tmd_raman(_spectrum(raman_nm, case.raman.counts), x_w, 0.0)
        e_name, a_name = layer_pair(x_w, 0.0)
        pulls += [(fit.e12g - case.raman_center(e_name)) / fit.e12g_err,
                  (fit.a1g - case.raman_center(a_name)) / fit.a1g_err]
    within = np.mean(np.abs(pulls) < 2.0)
    assert 0.85 <= within <= 1.0 and abs(np.median(pulls)) < 0.5  # ≈ 95 % within 2σ, no bias


# ---- crossed polarization ------------------------------------------------------------------------------------


@pytest.mark.parametrize("substrate", ["SiO2/Si", "sapphire"])
def test_a_crossed_spectrum_resolves_the_wse2_doublet(raman_nm, substrate: str) -> None:
    """WSe2: E¹2g 248.5 and A1g 250.5 cm⁻¹, 3–5 cm⁻¹ wide; the crossed spectrum shows the E¹2g alone."""
    for seed in range(12):
        layers = 1 + seed % 3
        parallel, crossed = _polarized(TmdSpot(layers, 1.0, 1.0, 1e12, substrate), raman_nm, 300 + seed)
        fit = fit_tmd_raman(_spectrum(raman_nm, parallel.counts), 1.0, 1.0, substrate,
                            crossed=_spectrum(raman_nm, crossed.counts))
        assert fit.has_tmd and fit.layers == layers
        true_e, true_a = _center(parallel, "E12g(Se)"), _center(parallel, "A1g(Se)")
        assert abs(fit.e12g - true_e) < 0.5 and abs(fit.a1g - true_a) < 0.5
        assert abs(fit.delta - (true_a - true_e)) < 0.5
        assert fit.crossed_peaks["A1g(Se)"].height < 0.1 * fit.peaks["A1g(Se)"].height  # the leak only
        assert fit.crossed_peaks["E12g(Se)"].center == fit.peaks["E12g(Se)"].center  # one band, two spectra


def test_the_crossed_fit_reports_honest_uncertainties(raman_nm) -> None:
    pulls = []
    for seed in range(30):
        x_w, layers = (1.0, 0.8)[seed % 2], 1 + seed % 3
        parallel, crossed = _polarized(TmdSpot(layers, x_w, 1.0, 3e12), raman_nm, 700 + seed, exposure_s=1.0)
        fit = fit_tmd_raman(_spectrum(raman_nm, parallel.counts), x_w, 1.0, crossed=_spectrum(raman_nm, crossed.counts))
        e_name, a_name = layer_pair(x_w, 1.0)
        pulls += [(fit.e12g - _center(parallel, e_name)) / fit.e12g_err,
                  (fit.a1g - _center(parallel, a_name)) / fit.a1g_err]
    within = np.mean(np.abs(pulls) < 2.0)
    assert 0.85 <= within <= 1.0 and abs(np.median(pulls)) < 0.5


def test_a_parallel_spectrum_alone_is_fitted_as_before(raman_nm) -> None:
    parallel, _ = _polarized(TmdSpot(1, 0.0, 0.0, 1e12), raman_nm, 11)
    alone = fit_tmd_raman(_spectrum(raman_nm, parallel.counts))
    assert alone.has_tmd and alone.layers == 1 and alone.crossed_peaks == {}
    assert abs(alone.e12g - _center(parallel, "E12g(Mo-S)")) < 0.5
    assert not any(key.endswith("_crossed_center") for key in alone.as_dict())


def test_the_crossed_bands_are_recorded_with_uncertainties(raman_nm) -> None:
    parallel, crossed = _polarized(TmdSpot(1, 0.0, 1.0, 3e12, "sapphire"), raman_nm, 12)
    fit = fit_tmd_raman(_spectrum(raman_nm, parallel.counts), 0.0, 1.0, "sapphire",
                        crossed=_spectrum(raman_nm, crossed.counts))
    record = fit.as_dict()
    for name in fit.peaks:
        for attr in ("height", "area"):
            assert math.isfinite(record[f"{name}_crossed_{attr}_err"]) and record[f"{name}_crossed_{attr}_err"] > 0


def test_a_crossed_spectrum_not_covering_the_window_raises(raman_nm) -> None:
    shift = np.linspace(360.0, 700.0, 500)
    spectrum = _spectrum(raman_nm, np.full(raman_nm.size, 1000.0))
    with pytest.raises(ValueError, match="crossed TMD Raman spectrum must cover"):
        fit_tmd_raman(spectrum, crossed=Spectrum(shift, np.full(shift.size, 1000.0)))


@pytest.mark.parametrize(("x_w", "y_se", "pair"), [(0.0, 0.55, ("E12g(Mo-S)", "A1g(S)")),
                                                   (0.0, 0.97, ("E12g(Se)", "A1g(Se)")),
                                                   (1.0, 0.7, ("E12g(Se)", "A1g(Se)"))])
def test_a_film_with_both_chalcogens_uses_the_more_precise_pair(raman_nm, x_w: float, y_se: float,
                                                                pair: tuple[str, str]) -> None:
    """A Mo-rich film just past y = 0.5 has a weak Se E¹2g: its S modes tell Δ better."""
    for seed in range(4):
        parallel, crossed = _polarized(TmdSpot(1 + seed % 3, x_w, y_se, 1e12), raman_nm, 40 + seed)
        fit = fit_tmd_raman(_spectrum(raman_nm, parallel.counts), x_w, y_se,
                            crossed=_spectrum(raman_nm, crossed.counts))
        assert fit.pair == pair and fit.layers == 1 + seed % 3
        true_e, true_a = _center(parallel, pair[0]), _center(parallel, pair[1])
        assert abs(fit.e12g - true_e) < 0.5 and abs(fit.a1g - true_a) < 0.5
        assert abs(fit.delta_excess - (true_a - true_e - monolayer_delta(x_w, y_se, pair[1] == "A1g(Se)"))) < 0.5
