"""Cosmic-ray rejection: injected spikes go, real bands stay untouched."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lab.analysis import Spectrum, remove_spikes, spike_mask
from simulators.spectra import GrapheneSpot, SpectrometerModel, raman_counts, raman_shift, wavelength_axis

WAVELENGTHS = wavelength_axis()
SHIFT = raman_shift(WAVELENGTHS)
NO_COSMIC_RAYS = SpectrometerModel(cosmic_ray_probability=0.0)


def _clean_counts(layers: int, exposure_s: float, seed: int) -> np.ndarray:
    spot = GrapheneSpot(layers, 0.4 if layers else 0.0)
    return raman_counts(
        spot, WAVELENGTHS, exposure_s, np.random.default_rng(seed), spectrometer=NO_COSMIC_RAYS
    )


@pytest.mark.parametrize("exposure_s", [0.1, 1.0, 10.0])
@pytest.mark.parametrize("layers", [1, 2, 3])
def test_real_bands_are_not_flagged(layers, exposure_s):
    for seed in range(5):
        assert not spike_mask(_clean_counts(layers, exposure_s, seed)).any()


@settings(max_examples=40, deadline=None)
@given(
    start=st.integers(0, WAVELENGTHS.size - 3),
    width=st.integers(1, 3),
    height=st.floats(1500.0, 30000.0),
    seed=st.integers(0, 1000),
)
def test_an_injected_spike_is_found_and_removed(start, width, height, seed):
    clean = _clean_counts(1, 1.0, seed)
    spike = slice(start, start + width)
    # documented limit: a spike must exceed 0.3 × the band signal it sits on (margin: 0.5 ×)
    assume(height > 0.5 * (clean[spike].max() - clean.min()))
    spiked = clean.copy()
    spiked[spike] += height
    mask = spike_mask(spiked)
    assert mask[spike].all()
    assert mask.sum() <= width + 2  # the spike grown by one pixel each side, nothing else
    cleaned = remove_spikes(Spectrum(SHIFT, spiked), mask).counts
    noise = np.sqrt(clean[max(start - 5, 0) : start + width + 5].max())
    assert np.all(np.abs(cleaned - clean) < 6 * noise + 0.05 * clean.max())


def test_a_spike_on_top_of_the_2d_band_is_removed_without_distorting_the_band():
    clean = _clean_counts(1, 1.0, seed=7)
    top = int(np.argmax(np.where(SHIFT > 2500, clean, 0)))
    spiked = clean.copy()
    spiked[top + 8] += 20000.0  # on the band's flank
    cleaned = remove_spikes(Spectrum(SHIFT, spiked)).counts
    band = slice(top - 40, top + 40)
    assert np.abs(cleaned[band] - clean[band]).max() < 0.05 * clean[top]
    assert np.array_equal(cleaned[: top - 20], clean[: top - 20])


def test_removing_no_spikes_returns_the_spectrum_unchanged():
    spectrum = Spectrum(SHIFT, _clean_counts(2, 1.0, seed=1))
    assert remove_spikes(spectrum) is spectrum


def test_a_flat_spectrum_has_no_spikes():
    assert not spike_mask(np.full(100, 500.0)).any()


def test_a_stack_of_spectra_gets_each_spectrum_its_own_mask():
    rng = np.random.default_rng(4)
    stack = np.array([_clean_counts(layers, 1.0, seed) for seed, layers in enumerate((0, 1, 2, 3, 1, 2))])
    for row, pixel in ((1, 500), (4, 1500), (4, 1503)):
        stack[row, pixel] += rng.uniform(5000.0, 20000.0)
    mask = spike_mask(stack)
    assert mask.shape == stack.shape
    assert mask[[1, 4]].any(axis=1).all() and not mask[[0, 2, 3, 5]].any()
    assert np.array_equal(mask, np.array([spike_mask(counts) for counts in stack]))
