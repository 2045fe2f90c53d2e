"""Spectrum validation and the wavelength → Raman shift conversion."""

from __future__ import annotations

import numpy as np
import pytest

from lab.analysis import Spectrum, raman_shift


def test_raman_shift_of_known_lines():
    assert raman_shift(np.array([532.0]))[0] == pytest.approx(0.0)
    # 1e7/532 − 1e7/581 and 1e7/532 − 1e7/620.6: where G and 2D appear for a 532 nm laser
    assert raman_shift(np.array([581.0, 620.6])) == pytest.approx([1585.29, 2683.55], abs=0.01)
    assert raman_shift(np.array([532.0]), laser_nm=514.5)[0] == pytest.approx(1e7 / 514.5 - 1e7 / 532.0)


@pytest.mark.parametrize("bad", [np.nan, 0.0, -5.0])
def test_raman_shift_rejects_bad_wavelengths(bad):
    with pytest.raises(ValueError, match="wavelengths must be finite and > 0"):
        raman_shift(np.array([560.0, bad]))
    with pytest.raises(ValueError, match="laser wavelength"):
        raman_shift(np.array([560.0]), laser_nm=bad)


def test_from_wavelengths_gives_an_increasing_read_only_shift_axis():
    wavelengths = np.linspace(560.0, 635.0, 100)
    spectrum = Spectrum.from_wavelengths(wavelengths, np.arange(100.0))
    assert np.all(np.diff(spectrum.shift) > 0)
    assert spectrum.covers(1000.0, 3000.0)
    assert not spectrum.covers(900.0, 3000.0)
    with pytest.raises(ValueError):
        spectrum.counts[0] = 1.0


def test_a_decreasing_axis_is_reversed_with_its_counts():
    spectrum = Spectrum(np.array([3.0, 2.0, 1.0]), np.array([30.0, 20.0, 10.0]))
    assert spectrum.shift.tolist() == [1.0, 2.0, 3.0]
    assert spectrum.counts.tolist() == [10.0, 20.0, 30.0]


def test_nan_counts_are_rejected():
    with pytest.raises(ValueError, match=r"counts has 1 NaN or infinite values \(first at index 2\)"):
        Spectrum(np.arange(5.0), np.array([1.0, 2.0, np.nan, 4.0, 5.0]))


def test_infinite_axis_values_are_rejected():
    with pytest.raises(ValueError, match="axis has 1 NaN or infinite"):
        Spectrum(np.array([1.0, 2.0, np.inf]), np.ones(3))


def test_mismatched_lengths_are_rejected():
    with pytest.raises(ValueError, match="differ in length: 5 shifts vs 4 counts"):
        Spectrum(np.arange(5.0), np.ones(4))


@pytest.mark.parametrize("shift", [[1.0, 3.0, 2.0, 4.0], [1.0, 2.0, 2.0, 3.0]])
def test_non_monotonic_axis_is_rejected(shift):
    with pytest.raises(ValueError, match="strictly monotonic"):
        Spectrum(np.array(shift), np.ones(4))


def test_wrong_shapes_and_too_short_spectra_are_rejected():
    with pytest.raises(ValueError, match="1-D"):
        Spectrum(np.ones((2, 3)), np.ones((2, 3)))
    with pytest.raises(ValueError, match="at least 3 points"):
        Spectrum(np.array([1.0, 2.0]), np.ones(2))
