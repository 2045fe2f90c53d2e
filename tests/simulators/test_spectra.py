"""Synthesized graphene Raman spectra: literature ranges, determinism, exposure scaling, noise, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from simulators.spectra import (
    SPECTROMETER,
    GrapheneSpot,
    SpectrometerModel,
    graphene_peaks,
    lorentzian,
    raman_counts,
    raman_shift,
    synthesize_spectrum,
    wavelength_axis,
)

WAVELENGTHS = wavelength_axis()
QUIET = SpectrometerModel(cosmic_ray_probability=0.0)

# (G FWHM, I2D/IG, 2D centre, 2D FWHM) literature ranges per layer number, 532 nm
RANGES = {
    1: ((12, 20), (2.0, 4.0), (2680, 2700), (24, 35)),
    2: ((12, 20), (0.8, 1.3), (2680, 2710), (45, 60)),
    3: ((12, 20), (0.3, 0.6), (2700, 2720), (60, 80)),
}


def _bands(spot: GrapheneSpot, seed: int) -> dict:
    return {p.name: p for p in graphene_peaks(spot, np.random.default_rng(seed))}


def test_the_spectrometer_axis():
    assert WAVELENGTHS.shape == (2048,)
    assert np.all(np.diff(WAVELENGTHS) > 0)
    shift = raman_shift(WAVELENGTHS)
    assert 900 < shift[0] < 1000 and 3000 < shift[-1] < 3100
    near_2d = np.diff(shift)[np.abs(shift[:-1] - 2690) < 50]
    assert np.all((near_2d > 0.8) & (near_2d < 1.2))  # ≈ 1 cm⁻¹ per pixel


def test_lorentzian():
    assert lorentzian(np.array([1580.0, 1590.0, 1570.0]), 1580.0, 20.0, 8.0) == pytest.approx([8.0, 4.0, 4.0])


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_bands_lie_in_the_literature_ranges(layers):
    g_fwhm, ratio, center_2d, fwhm_2d = RANGES[layers]
    for seed in range(50):
        bands = _bands(GrapheneSpot(layers, 0.0), seed)
        assert set(bands) == {"G", "2D"}
        g, band_2d = bands["G"], bands["2D"]
        assert 1578 <= g.center <= 1592 and g_fwhm[0] <= g.fwhm <= g_fwhm[1]
        assert ratio[0] <= band_2d.height / g.height <= ratio[1]
        assert center_2d[0] <= band_2d.center <= center_2d[1]
        assert fwhm_2d[0] <= band_2d.fwhm <= fwhm_2d[1]


def test_monolayer_g_height_is_realistic_for_one_second():
    heights = [_bands(GrapheneSpot(1, 0.0), seed)["G"].height for seed in range(50)]
    assert min(heights) >= 1000 and max(heights) <= 3000


def test_multilayer_2d_is_upshifted_from_monolayer():
    mono = np.mean([_bands(GrapheneSpot(1, 0.0), s)["2D"].center for s in range(50)])
    multi = np.mean([_bands(GrapheneSpot(3, 0.0), s)["2D"].center for s in range(50)])
    assert 10 <= multi - mono <= 25


def test_defects_add_d_and_a_weak_d_prime():
    for seed in range(20):
        bands = _bands(GrapheneSpot(1, 0.4), seed)
        assert bands["D"].height / bands["G"].height == pytest.approx(0.4)
        assert 1340 <= bands["D"].center <= 1355 and 20 <= bands["D"].fwhm <= 40
        assert 1610 <= bands["D'"].center <= 1630
        assert bands["D'"].height < 0.3 * bands["D"].height


def test_a_bare_spot_has_no_bands_and_only_background():
    assert graphene_peaks(GrapheneSpot(0, 0.0), np.random.default_rng(0)) == []
    synthetic = synthesize_spectrum(
        GrapheneSpot(0, 0.0), WAVELENGTHS, 1.0, np.random.default_rng(0), spectrometer=QUIET
    )
    assert synthetic.peaks == []
    residual = (synthetic.counts - synthetic.background) / np.sqrt(synthetic.background)
    assert abs(residual.mean()) < 0.1 and residual.std() < 1.2


def test_the_same_seed_gives_the_same_spectrum():
    spot = GrapheneSpot(2, 0.3)
    first = synthesize_spectrum(spot, WAVELENGTHS, 1.0, np.random.default_rng(42))
    second = synthesize_spectrum(spot, WAVELENGTHS, 1.0, np.random.default_rng(42))
    assert np.array_equal(first.counts, second.counts)
    assert first.peaks == second.peaks
    assert np.array_equal(first.spike_pixels, second.spike_pixels)
    assert np.array_equal(raman_counts(spot, WAVELENGTHS, 1.0, np.random.default_rng(42)), first.counts)
    other = raman_counts(spot, WAVELENGTHS, 1.0, np.random.default_rng(43))
    assert not np.array_equal(other, first.counts)


def test_signal_scales_with_exposure_and_snr_improves():
    spot = GrapheneSpot(1, 0.0)
    short = synthesize_spectrum(spot, WAVELENGTHS, 1.0, np.random.default_rng(7), spectrometer=QUIET)
    long = synthesize_spectrum(spot, WAVELENGTHS, 4.0, np.random.default_rng(7), spectrometer=QUIET)
    bias = QUIET.bias
    assert long.peaks == short.peaks  # same seed: the same sample, only the exposure differs
    assert long.background - bias == pytest.approx(4.0 * (short.background - bias))
    shift = raman_shift(WAVELENGTHS)
    g = next(p for p in short.peaks if p.name == "G")
    on_g = np.abs(shift - g.center) < g.fwhm / 2
    signal_short = (short.counts - short.background)[on_g].sum()
    signal_long = (long.counts - long.background)[on_g].sum()
    assert signal_long / signal_short == pytest.approx(4.0, rel=0.05)
    expected_short = short.background + lorentzian(shift, g.center, g.fwhm, g.height)
    expected_long = long.background + 4.0 * lorentzian(shift, g.center, g.fwhm, g.height)
    noise_short = np.std((short.counts - expected_short)[on_g])
    noise_long = np.std((long.counts - expected_long)[on_g])
    assert 1.5 < (signal_long / noise_long) / (signal_short / noise_short) < 2.5  # √4 = 2


def test_noise_is_shot_noise_plus_read_noise():
    spot = GrapheneSpot(1, 0.2)
    synthetic = synthesize_spectrum(spot, WAVELENGTHS, 2.0, np.random.default_rng(5), spectrometer=QUIET)
    shift = raman_shift(WAVELENGTHS)
    expected = synthetic.background + 2.0 * sum(
        lorentzian(shift, p.center, p.fwhm, p.height) for p in synthetic.peaks
    )
    variance = expected - QUIET.bias + QUIET.read_noise**2
    pulls = (synthetic.counts - expected) / np.sqrt(variance)
    assert abs(pulls.mean()) < 0.1
    assert pulls.std() == pytest.approx(1.0, abs=0.1)


def test_cosmic_rays_are_occasional_narrow_and_tall():
    rng = np.random.default_rng(11)
    hit = 0
    for _ in range(300):
        synthetic = synthesize_spectrum(GrapheneSpot(0, 0.0), WAVELENGTHS, 1.0, rng)
        pixels = synthetic.spike_pixels
        if pixels.size:
            hit += 1
            assert pixels.size <= 9  # at most 3 spikes of at most 3 pixels
            excess = synthetic.counts[pixels] - synthetic.background[pixels]
            assert excess.max() > 900
    assert 0.2 < hit / 300 < 0.4


def test_counts_are_clipped_at_full_scale():
    counts = raman_counts(GrapheneSpot(1, 0.0), WAVELENGTHS, 60.0, np.random.default_rng(0))
    assert counts.max() == SPECTROMETER.full_scale
    assert np.all(counts == np.rint(counts))


@pytest.mark.parametrize("exposure_s", [0.0, -1.0, math.nan, math.inf])
def test_bad_exposure_is_rejected(exposure_s):
    with pytest.raises(ValueError, match="exposure_s must be a finite number of seconds > 0"):
        raman_counts(GrapheneSpot(1, 0.0), WAVELENGTHS, exposure_s, np.random.default_rng(0))


@pytest.mark.parametrize("id_ig", [math.nan, -0.1, math.inf])
def test_bad_id_ig_is_rejected(id_ig):
    with pytest.raises(ValueError, match="id_ig must be a finite number ≥ 0"):
        graphene_peaks(GrapheneSpot(1, id_ig), np.random.default_rng(0))
    with pytest.raises(ValueError, match="id_ig"):
        raman_counts(GrapheneSpot(1, id_ig), WAVELENGTHS, 1.0, np.random.default_rng(0))


@pytest.mark.parametrize("layers", [-1, 4, 10])
def test_bad_layer_number_is_rejected(layers):
    with pytest.raises(ValueError, match="layers must be 0, 1, 2 or 3"):
        raman_counts(GrapheneSpot(layers, 0.0), WAVELENGTHS, 1.0, np.random.default_rng(0))
