"""Synthesized TMD Raman and PL spectra: literature positions, layer and defect trends, detection, bad input."""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from simulators.spectra import SpectrometerModel, lorentzian, raman_shift, wavelength_axis
from simulators.tmd_spectra import (
    DEPOLARIZATION_LEAK,
    HC_EV_NM,
    PL_SPECTROMETER,
    RAMAN_SPECTROMETER,
    TmdSpot,
    a_exciton_ev,
    pixel_width_ev,
    raman_pair,
    synthesize_pl,
    synthesize_raman,
    tmd_pl_counts,
    tmd_pl_peaks,
    tmd_raman_counts,
    tmd_raman_peaks,
)

RAMAN_AXIS = wavelength_axis(RAMAN_SPECTROMETER)
PL_AXIS = wavelength_axis(PL_SPECTROMETER)
ENERGY = HC_EV_NM / PL_AXIS
QUIET_RAMAN = replace(RAMAN_SPECTROMETER, cosmic_ray_probability=0.0)
QUIET_PL = replace(PL_SPECTROMETER, cosmic_ray_probability=0.0)
SEEDS = range(40)
END_MEMBERS = {"MoS2": (0.0, 0.0), "WS2": (1.0, 0.0), "MoSe2": (0.0, 1.0), "WSe2": (1.0, 1.0)}
LITERATURE_A_EV = {"MoS2": (1.85, 1.88), "WS2": (1.97, 2.02), "MoSe2": (1.55, 1.57), "WSe2": (1.62, 1.66)}


def raman_bands(spot: TmdSpot, seed: int) -> dict:
    return {p.name: p for p in tmd_raman_peaks(spot, np.random.default_rng(seed))}


def pl_bands(spot: TmdSpot, seed: int) -> dict:
    return {p.name: p for p in tmd_pl_peaks(spot, np.random.default_rng(seed))}


def mos2_delta(layers: int, seed: int) -> float:
    bands = raman_bands(TmdSpot(layers), seed)
    return bands["A1g(S)"].center - bands["E12g(Mo-S)"].center


# ---- axes and composition ------------------------------------------------------------------------------


def test_the_spectrometers_cover_the_tmd_bands():
    shift = raman_shift(RAMAN_AXIS)
    assert shift[0] < 200 and shift[-1] > 560  # Se modes ≈ 240 … Si band 520.7
    assert np.all(np.diff(shift) < 0.3)  # ≤ 0.3 cm⁻¹ per pixel resolves Δ to a fraction of 1 cm⁻¹
    assert ENERGY.min() < 1.5 and ENERGY.max() > 2.1  # MoSe2 A exciton … WS2 B exciton


@pytest.mark.parametrize("name", END_MEMBERS)
def test_end_member_a_excitons_lie_in_the_literature_ranges(name):
    low, high = LITERATURE_A_EV[name]
    assert low <= a_exciton_ev(*END_MEMBERS[name]) <= high


def test_mo_w_sulfide_alloys_bow_and_s_se_alloys_are_nearly_linear():
    mos2, ws2, mose2 = a_exciton_ev(0.0, 0.0), a_exciton_ev(1.0, 0.0), a_exciton_ev(0.0, 1.0)
    assert a_exciton_ev(0.5, 0.0) == pytest.approx((mos2 + ws2) / 2 - 0.25 / 4, abs=1e-9)  # b = 0.25 eV
    assert min(a_exciton_ev(x, 0.0) for x in np.linspace(0, 1, 21)) < mos2  # bowing dips below MoS2
    for y in (0.25, 0.5, 0.75):
        assert a_exciton_ev(0.0, y) == pytest.approx((1 - y) * mos2 + y * mose2, abs=0.015)
    energies = [a_exciton_ev(0.0, y) for y in np.linspace(0, 1, 11)]
    assert all(np.diff(energies) < 0)  # Se lowers the gap monotonically


# ---- Raman ------------------------------------------------------------------------------------------------


def test_mos2_monolayer_modes_sit_at_the_literature_positions():
    for seed in SEEDS:
        bands = raman_bands(TmdSpot(1), seed)
        assert 383.5 <= bands["E12g(Mo-S)"].center <= 386.0
        assert 403.0 <= bands["A1g(S)"].center <= 405.5
        assert not {"E12g(W-S)", "E12g(Se)", "A1g(Se)"} & set(bands)  # pure MoS2 has no W or Se modes


@pytest.mark.parametrize(("layers", "low", "high"), [(1, 18.5, 20.5), (2, 21.0, 23.0), (3, 23.5, 26.0)])
def test_raman_separation_tells_the_layer_number(layers, low, high):
    deltas = [mos2_delta(layers, seed) for seed in SEEDS]
    assert low <= min(deltas) and max(deltas) <= high


def test_thicker_films_soften_e12g_and_stiffen_a1g():
    def mean_center(layers: int, name: str) -> float:
        return float(np.mean([raman_bands(TmdSpot(layers), seed)[name].center for seed in SEEDS]))

    e = [mean_center(n, "E12g(Mo-S)") for n in (1, 2, 3)]
    a = [mean_center(n, "A1g(S)") for n in (1, 2, 3)]
    assert all(np.diff(e) < 0) and all(np.diff(a) > 0)


def test_alloy_modes_follow_composition():
    assert raman_pair(0.2, 0.0) == ("E12g(Mo-S)", "A1g(S)")
    assert raman_pair(0.8, 0.1) == ("E12g(W-S)", "A1g(S)")
    assert raman_pair(0.3, 0.9) == ("E12g(Se)", "A1g(Se)")
    ws2 = raman_bands(TmdSpot(1, x_w=1.0), 0)
    assert 355.0 <= ws2["E12g(W-S)"].center <= 358.0 and 416.0 <= ws2["A1g(S)"].center <= 419.0
    mose2 = raman_bands(TmdSpot(1, y_se=1.0), 0)
    assert 239.5 <= mose2["A1g(Se)"].center <= 242.5 and "A1g(S)" not in mose2
    alloy = raman_bands(TmdSpot(1, x_w=0.5), 0)
    assert {"E12g(Mo-S)", "E12g(W-S)"} <= set(alloy)  # two-mode behaviour of the in-plane mode
    assert alloy["A1g(S)"].fwhm > raman_bands(TmdSpot(1), 0)["A1g(S)"].fwhm  # alloy disorder broadens


def test_vacancies_raise_the_la_band_and_broaden_the_modes():
    clean = raman_bands(TmdSpot(1, defect_density_cm2=0.0), 3)
    defective = raman_bands(TmdSpot(1, defect_density_cm2=1e13), 3)
    assert "LA(M)" not in clean
    assert defective["LA(M)"].height == pytest.approx(0.5 * defective["A1g(S)"].height)
    assert defective["A1g(S)"].fwhm == pytest.approx(clean["A1g(S)"].fwhm + 1.5)


def test_substrate_bands_under_the_film():
    bare = raman_bands(TmdSpot(0), 5)
    assert set(bare) == {"Si"} and bare["Si"].center == pytest.approx(520.7, abs=0.25)
    silicon = [raman_bands(TmdSpot(n), 5)["Si"].height for n in (0, 1, 2, 3)]
    assert all(np.diff(silicon) < 0)  # thicker films attenuate the substrate
    sapphire = raman_bands(TmdSpot(1, substrate="sapphire"), 5)
    assert "Si" not in sapphire and "sapphire 417.5" in sapphire


def test_measured_raman_spectrum_shows_the_modes_and_the_si_band():
    synthetic = synthesize_raman(TmdSpot(1), RAMAN_AXIS, 5.0, np.random.default_rng(0), spectrometer=QUIET_RAMAN)
    shift, signal = raman_shift(RAMAN_AXIS), synthetic.counts - synthetic.background
    for name, window in (("E12g(Mo-S)", (375, 395)), ("A1g(S)", (395, 415)), ("Si", (510, 530))):
        inside = (shift > window[0]) & (shift < window[1])
        true = next(p for p in synthetic.peaks if p.name == name)
        assert shift[inside][np.argmax(signal[inside])] == pytest.approx(true.center, abs=0.5), name


# ---- PL ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("xy", [(0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (0.4, 0.0), (0.0, 0.6), (0.5, 0.5)])
def test_monolayer_a_exciton_follows_composition(xy):
    for seed in range(10):
        a = pl_bands(TmdSpot(1, *xy), seed)["A"]
        assert a.center == pytest.approx(a_exciton_ev(*xy), abs=0.0071)  # spot-to-spot spread ≤ 7 meV


def test_pl_linewidth_grows_and_intensity_falls_with_vacancies():
    def a_band(density: float, seed: int):
        return pl_bands(TmdSpot(1, defect_density_cm2=density), seed)["A"]

    for seed in range(10):
        widths = [a_band(d, seed).fwhm for d in (0.0, 1e12, 1e13, 3e13)]
        heights = [a_band(d, seed).height for d in (0.0, 1e12, 1e13, 3e13)]
        assert 0.038 <= widths[0] <= 0.045  # best MoS2 ≈ 38 meV
        assert all(np.diff(widths) > 0) and all(np.diff(heights) < 0)
        assert widths[2] == pytest.approx(widths[0] + 0.020)


@pytest.mark.parametrize(("layers", "low", "high"), [(2, 10.0, 25.0), (3, 50.0, 200.0)])
def test_thicker_films_are_far_dimmer_and_show_an_indirect_band(layers, low, high):
    for seed in range(10):
        mono, thick = pl_bands(TmdSpot(1), seed), pl_bands(TmdSpot(layers), seed)
        assert "indirect" not in mono and thick["indirect"].center < thick["A"].center - 0.25
        assert low <= mono["A"].height / thick["A"].height <= high
        assert thick["A"].center < mono["A"].center  # slightly red-shifted


def test_bare_substrate_has_no_pl():
    assert tmd_pl_peaks(TmdSpot(0), np.random.default_rng(0)) == []


def test_pl_counts_are_the_spectral_density_times_the_pixel_width_with_shot_and_read_noise():
    synthetic = synthesize_pl(TmdSpot(1, x_w=0.3), PL_AXIS, 10.0, np.random.default_rng(4), spectrometer=QUIET_PL)
    width = pixel_width_ev(PL_AXIS)
    assert width == pytest.approx(HC_EV_NM / PL_AXIS**2 * (PL_AXIS[1] - PL_AXIS[0]))
    expected = synthetic.background + 10.0 * width * sum(
        lorentzian(ENERGY, p.center, p.fwhm, p.height) for p in synthetic.peaks
    )
    pulls = (synthetic.counts - expected) / np.sqrt(expected - QUIET_PL.bias + QUIET_PL.read_noise**2)
    assert abs(pulls.mean()) < 0.1 and pulls.std() == pytest.approx(1.0, abs=0.1)
    a = next(p for p in synthetic.peaks if p.name == "A")
    density = (synthetic.counts - synthetic.background) / width
    assert ENERGY[np.argmax(density)] == pytest.approx(a.center, abs=0.01)  # the peak keeps its place in energy


def test_pl_signal_scales_with_exposure():
    short = synthesize_pl(TmdSpot(1), PL_AXIS, 1.0, np.random.default_rng(8), spectrometer=QUIET_PL)
    long = synthesize_pl(TmdSpot(1), PL_AXIS, 8.0, np.random.default_rng(8), spectrometer=QUIET_PL)
    assert long.peaks == short.peaks
    near_a = np.abs(ENERGY - long.peaks[0].center) < 0.03
    ratio = (long.counts - long.background)[near_a].sum() / (short.counts - short.background)[near_a].sum()
    assert ratio == pytest.approx(8.0, rel=0.05)


# ---- detection, seeds, bad input ----------------------------------------------------------------------------


def test_cosmic_rays_hit_some_acquisitions():
    rng = np.random.default_rng(11)
    hits = [synthesize_pl(TmdSpot(1), PL_AXIS, 1.0, rng).spike_pixels.size > 0 for _ in range(200)]
    assert 0.2 < np.mean(hits) < 0.4


def test_the_same_seed_gives_the_same_spectra():
    spot = TmdSpot(2, x_w=0.2, y_se=0.1, defect_density_cm2=3e12, substrate="sapphire")
    for synthesize, counts, axis in ((synthesize_raman, tmd_raman_counts, RAMAN_AXIS),
                                     (synthesize_pl, tmd_pl_counts, PL_AXIS)):
        first = synthesize(spot, axis, 2.0, np.random.default_rng(42))
        assert np.array_equal(counts(spot, axis, 2.0, np.random.default_rng(42)), first.counts)
        assert first.peaks == synthesize(spot, axis, 2.0, np.random.default_rng(42)).peaks
        assert not np.array_equal(counts(spot, axis, 2.0, np.random.default_rng(43)), first.counts)


@pytest.mark.parametrize("counts", [tmd_raman_counts, tmd_pl_counts])
@pytest.mark.parametrize("exposure_s", [0.0, -1.0, math.nan, math.inf])
def test_bad_exposure_is_rejected(counts, exposure_s):
    axis = RAMAN_AXIS if counts is tmd_raman_counts else PL_AXIS
    with pytest.raises(ValueError, match="exposure_s must be a finite number of seconds > 0"):
        counts(TmdSpot(1), axis, exposure_s, np.random.default_rng(0))


@pytest.mark.parametrize("counts", [tmd_raman_counts, tmd_pl_counts])
def test_an_axis_that_does_not_match_the_spectrometer_is_rejected(counts):
    axis = RAMAN_AXIS if counts is tmd_raman_counts else PL_AXIS
    with pytest.raises(ValueError, match=r"one value per pixel, shape \(2048,\)"):
        counts(TmdSpot(1), axis[:-1], 1.0, np.random.default_rng(0))
    with pytest.raises(ValueError, match="one value per pixel"):
        counts(TmdSpot(1), np.stack([axis, axis]), 1.0, np.random.default_rng(0))
    for broken in (axis[::-1], np.where(np.arange(axis.size) == 7, np.nan, axis)):
        with pytest.raises(ValueError, match="finite, positive and strictly increasing"):
            counts(TmdSpot(1), broken, 1.0, np.random.default_rng(0))
    short = SpectrometerModel(n_pixels=100, start_nm=axis[0], stop_nm=axis[-1])
    assert counts(TmdSpot(1), wavelength_axis(short), 1.0, np.random.default_rng(0), spectrometer=short).shape == (100,)


@pytest.mark.parametrize(
    ("changes", "field"),
    [({"layers": 4}, "layers"), ({"layers": -1}, "layers"), ({"layers": True}, "layers"),
     ({"x_w": math.nan}, "x_w"), ({"x_w": 1.5}, "x_w"), ({"y_se": -0.1}, "y_se"),
     ({"defect_density_cm2": -1.0}, "defect_density_cm2"), ({"defect_density_cm2": math.inf}, "defect_density_cm2"),
     ({"substrate": "Cu"}, "substrate"), ({"substrate": "SiO2"}, "substrate"), ({"seed": -1}, "seed"),
     ({"seed": 1.5}, "seed"), ({"seed": True}, "seed")],
)
def test_bad_spots_are_rejected_by_both_channels(changes, field):
    spot = replace(TmdSpot(1), **changes)
    for counts, axis in ((tmd_raman_counts, RAMAN_AXIS), (tmd_pl_counts, PL_AXIS)):
        with pytest.raises(ValueError, match=f"TmdSpot.{field}"):
            counts(spot, axis, 1.0, np.random.default_rng(0))


@pytest.mark.parametrize("laser_nm", [math.nan, 0.0, -532.0])
def test_bad_laser_is_rejected(laser_nm):
    with pytest.raises(ValueError, match="laser_nm"):
        tmd_raman_counts(TmdSpot(1), RAMAN_AXIS, 1.0, np.random.default_rng(0), laser_nm=laser_nm)


# ---- polarization ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("substrate", ["SiO2/Si", "sapphire"])
@pytest.mark.parametrize(("x_w", "y_se"), [(0.0, 0.0), (1.0, 1.0), (0.4, 0.6)])
def test_a_crossed_analyzer_suppresses_a1g_and_keeps_e12g(x_w, y_se, substrate):
    spot = TmdSpot(1, x_w, y_se, 3e12, substrate)
    parallel = raman_bands(spot, 5)
    crossed = {p.name: p for p in tmd_raman_peaks(spot, np.random.default_rng(5), analyzer="crossed")}
    assert crossed.keys() == parallel.keys()
    for name, band in parallel.items():
        seen = crossed[name]
        assert (seen.center, seen.fwhm) == (band.center, band.fwhm)  # the same bands, other strengths
        if name.startswith("A1g") or name in ("Si", "sapphire 417.5", "sapphire 645"):
            assert seen.height == pytest.approx(DEPOLARIZATION_LEAK * band.height)
        elif name.startswith(("E12g", "sapphire")):  # the E modes, the sapphire Eg bands
            assert seen.height == pytest.approx(band.height)
        else:
            assert 0.0 < seen.height < band.height  # LA(M): no selection rule, partly depolarized
    assert DEPOLARIZATION_LEAK <= 0.02


def test_the_crossed_spectrum_of_wse2_shows_its_e12g_alone():
    spot = TmdSpot(1, 1.0, 1.0, 1e12, seed=9)  # E¹2g 248.5, A1g 250.5 cm⁻¹: one blended band when parallel
    shift = raman_shift(RAMAN_AXIS)
    near = (shift > 240.0) & (shift < 260.0)
    parallel, crossed = (synthesize_raman(spot, RAMAN_AXIS, 10.0, np.random.default_rng(1), spectrometer=QUIET_RAMAN,
                                          analyzer=analyzer) for analyzer in ("parallel", "crossed"))
    bands = {p.name: p for p in parallel.peaks}
    top = shift[near][np.argmax((crossed.counts - crossed.background)[near])]
    assert top == pytest.approx(bands["E12g(Se)"].center, abs=0.5)
    assert (crossed.counts - crossed.background)[near].max() < 0.5 * (parallel.counts - parallel.background)[near].max()


def test_a_seeded_spot_shows_the_same_bands_in_every_acquisition():
    spot = TmdSpot(2, 0.3, 0.7, 2e12, seed=123)
    first, again = (synthesize_raman(spot, RAMAN_AXIS, 1.0, np.random.default_rng(seed)) for seed in (1, 2))
    assert first.peaks == again.peaks and not np.array_equal(first.counts, again.counts)  # only the noise differs
    assert tmd_pl_peaks(spot, np.random.default_rng(1)) == tmd_pl_peaks(spot, np.random.default_rng(2))
    assert raman_bands(replace(spot, seed=None), 1) != raman_bands(replace(spot, seed=None), 2)


def test_an_unknown_analyzer_setting_is_rejected():
    with pytest.raises(ValueError, match="analyzer must be one of"):
        tmd_raman_counts(TmdSpot(1), RAMAN_AXIS, 1.0, np.random.default_rng(0), analyzer="circular")
