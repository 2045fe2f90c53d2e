"""Raman spectra synthesized from a sample's state (pure functions, no I/O).

The simulated instrument is a 532 nm Raman probe feeding a fibre spectrometer with a fixed wavelength axis
(:func:`wavelength_axis`, 2048 pixels from 560 to 635 nm: Raman shift ≈ 940–3050 cm⁻¹, ≈ 1 cm⁻¹ per pixel).
A spot of graphene on Cu is rendered as a sum of Lorentzian bands whose true parameters are drawn by
:func:`graphene_peaks` from the literature ranges for its layer number, on top of the sloping Cu
photoluminescence, with Poisson shot noise, detector read noise and bias, occasional cosmic-ray spikes and
ADC saturation. :func:`synthesize_spectrum` returns the counts together with that truth;
:func:`raman_counts` returns the counts only, as the simulated spectrometer reports them.

Every random draw comes from the caller's :class:`numpy.random.Generator`, so a seed fixes the spectrum.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

LASER_NM = 532.0


@dataclass(frozen=True)
class GrapheneSpot:
    """What the laser sees at one spot: the true local state of the film."""

    layers: int  # 0 = bare Cu, 1 = monolayer, 2 = bilayer, 3 = multilayer (three or more)
    id_ig: float  # true D/G peak-height ratio (defects); 0 for bare spots


@dataclass(frozen=True)
class Peak:
    """A Lorentzian Raman band: centre and FWHM in cm⁻¹, height in counts per second."""

    center: float
    fwhm: float
    height: float
    name: str = ""


@dataclass(frozen=True)
class SpectrometerModel:
    """The simulated spectrometer: a linear wavelength axis and the detector's noise and limits."""

    n_pixels: int = 2048
    start_nm: float = 560.0
    stop_nm: float = 635.0
    read_noise: float = 6.0  # counts rms per pixel
    bias: float = 500.0  # counts, the dark offset of every pixel
    full_scale: float = 65535.0  # counts, a 16-bit ADC saturates here
    cosmic_ray_probability: float = 0.3  # chance that a spectrum carries cosmic-ray spikes


SPECTROMETER = SpectrometerModel()


@dataclass(frozen=True)
class SyntheticSpectrum:
    """A simulated acquisition with its truth: counts per pixel, the bands, the background, the spikes."""

    counts: np.ndarray  # counts per pixel as the spectrometer reports them
    peaks: list[Peak]  # true bands (heights in counts per second)
    background: np.ndarray  # expected counts per pixel without the bands: Cu photoluminescence + bias
    spike_pixels: np.ndarray  # indices of the pixels hit by cosmic rays


@dataclass(frozen=True)
class _LayerBands:
    """Literature ranges (uniform draws) of the G and 2D bands for one layer number."""

    g_height: tuple[float, float]  # counts per second
    g_center: tuple[float, float]
    g_fwhm: tuple[float, float]
    ratio_2d_g: tuple[float, float]  # I2D/IG, peak heights
    center_2d: tuple[float, float]
    fwhm_2d: tuple[float, float]


# G grows with the number of layers; the 2D band broadens, weakens relative to G and shifts up.
_BANDS = {
    1: _LayerBands((1e3, 3e3), (1582.0, 1592.0), (12.0, 20.0), (2.0, 4.0), (2680.0, 2695.0), (24.0, 35.0)),
    2: _LayerBands((2e3, 5e3), (1580.0, 1588.0), (12.0, 20.0), (0.85, 1.25), (2688.0, 2702.0), (45.0, 60.0)),
    3: _LayerBands((3e3, 7e3), (1580.0, 1586.0), (12.0, 20.0), (0.3, 0.6), (2700.0, 2715.0), (60.0, 80.0)),
}
_D_CENTER = (1342.0, 1352.0)
_D_FWHM = (20.0, 40.0)
_D_PRIME_CENTER = (1615.0, 1625.0)
_D_PRIME_FWHM = (10.0, 15.0)
_ID_OVER_ID_PRIME = (3.5, 7.0)  # boundary-like to vacancy-like defects


def raman_shift(wavelength_nm: np.ndarray, laser_nm: float = LASER_NM) -> np.ndarray:
    """Raman shift in cm⁻¹ of scattered light at ``wavelength_nm`` for a laser at ``laser_nm``."""
    return 1e7 / laser_nm - 1e7 / np.asarray(wavelength_nm, dtype=float)


def wavelength_axis(spectrometer: SpectrometerModel = SPECTROMETER) -> np.ndarray:
    """The fixed wavelength of every pixel in nm, increasing (what seabreeze's ``wavelengths()`` reports)."""
    return np.linspace(spectrometer.start_nm, spectrometer.stop_nm, spectrometer.n_pixels)


def lorentzian(x: np.ndarray, center: float, fwhm: float, height: float) -> np.ndarray:
    """Lorentzian band of the given ``height`` at ``center`` with full width at half maximum ``fwhm``."""
    u = 2.0 * (np.asarray(x, dtype=float) - center) / fwhm
    return height / (1.0 + u * u)


def _check_spot(spot: GrapheneSpot) -> None:
    if spot.layers not in (0, 1, 2, 3):
        raise ValueError(f"GrapheneSpot.layers must be 0, 1, 2 or 3 (3 = multilayer), got {spot.layers!r}")
    if not math.isfinite(spot.id_ig) or spot.id_ig < 0:
        raise ValueError(f"GrapheneSpot.id_ig must be a finite number ≥ 0, got {spot.id_ig!r}")


def graphene_peaks(spot: GrapheneSpot, rng: np.random.Generator) -> list[Peak]:
    """True bands of a spot, heights in counts per second; named "D", "G", "D'" and "2D".

    Positions, widths, the G height and I2D/IG vary randomly within the literature ranges for the layer
    number (532 nm). D (height ``id_ig``·G) and the weak D' appear only when ``id_ig > 0``; a bare spot
    (``layers == 0``) has no bands at all. Raises ValueError for an invalid spot.
    """
    _check_spot(spot)
    if spot.layers == 0:
        return []
    bands = _BANDS[spot.layers]
    g_height = rng.uniform(*bands.g_height)
    peaks = [
        Peak(rng.uniform(*bands.g_center), rng.uniform(*bands.g_fwhm), g_height, "G"),
        Peak(
            rng.uniform(*bands.center_2d),
            rng.uniform(*bands.fwhm_2d),
            g_height * rng.uniform(*bands.ratio_2d_g),
            "2D",
        ),
    ]
    if spot.id_ig > 0:
        d_height = spot.id_ig * g_height
        peaks += [
            Peak(rng.uniform(*_D_CENTER), rng.uniform(*_D_FWHM), d_height, "D"),
            Peak(
                rng.uniform(*_D_PRIME_CENTER),
                rng.uniform(*_D_PRIME_FWHM),
                d_height / rng.uniform(*_ID_OVER_ID_PRIME),
                "D'",
            ),
        ]
    return peaks


def _cu_photoluminescence(wavelengths_nm: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random smooth Cu photoluminescence background in counts per second, falling towards the red.

    An exponential tail of the Cu interband emission (amplitude given at 560 nm) over a gently sloping floor.
    """
    amplitude = rng.uniform(1500.0, 6000.0)
    decay_nm = rng.uniform(15.0, 60.0)
    floor = rng.uniform(300.0, 1500.0)
    slope_per_nm = rng.uniform(-2.5, 2.5)
    beyond = wavelengths_nm - 560.0
    return amplitude * np.exp(-beyond / decay_nm) + floor + slope_per_nm * beyond


def _cosmic_rays(
    n_pixels: int, probability: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Pixel indices and added counts of the cosmic-ray spikes of one acquisition (often none)."""
    if rng.random() >= probability:
        return np.empty(0, dtype=int), np.empty(0)
    pixels, counts = [], []
    for _ in range(rng.integers(1, 4)):
        width = int(rng.integers(1, 4))
        start = int(rng.integers(0, n_pixels - width + 1))
        height = rng.uniform(3000.0, 30000.0)
        pixels.append(np.arange(start, start + width))
        counts.append(height * rng.uniform(0.3, 1.0, width))
    return np.concatenate(pixels), np.concatenate(counts)


def synthesize_spectrum(
    spot: GrapheneSpot,
    wavelengths_nm: np.ndarray,
    exposure_s: float,
    rng: np.random.Generator,
    laser_nm: float = LASER_NM,
    spectrometer: SpectrometerModel = SPECTROMETER,
) -> SyntheticSpectrum:
    """One simulated acquisition of ``spot`` on the pixels ``wavelengths_nm`` with its truth.

    Bands and photoluminescence scale with ``exposure_s``; shot noise is Poisson on that signal, read noise
    Gaussian; bias, read noise and cosmic rays do not scale. Counts are rounded and clipped to the ADC range.
    Raises ValueError for an invalid spot or a non-positive or non-finite exposure.
    """
    if not math.isfinite(exposure_s) or exposure_s <= 0:
        raise ValueError(f"exposure_s must be a finite number of seconds > 0, got {exposure_s!r}")
    wavelengths_nm = np.asarray(wavelengths_nm, dtype=float)
    shift = raman_shift(wavelengths_nm, laser_nm)
    peaks = graphene_peaks(spot, rng)
    signal_cps = _cu_photoluminescence(wavelengths_nm, rng)
    background = signal_cps * exposure_s + spectrometer.bias
    for peak in peaks:
        signal_cps = signal_cps + lorentzian(shift, peak.center, peak.fwhm, peak.height)
    counts = rng.poisson(signal_cps * exposure_s) + spectrometer.bias
    counts = counts + rng.normal(0.0, spectrometer.read_noise, counts.shape)
    spike_pixels, spike_counts = _cosmic_rays(counts.size, spectrometer.cosmic_ray_probability, rng)
    np.add.at(counts, spike_pixels, spike_counts)
    counts = np.clip(np.rint(counts), 0.0, spectrometer.full_scale)
    return SyntheticSpectrum(counts, peaks, background, spike_pixels)


def raman_counts(
    spot: GrapheneSpot,
    wavelengths_nm: np.ndarray,
    exposure_s: float,
    rng: np.random.Generator,
    laser_nm: float = LASER_NM,
    spectrometer: SpectrometerModel = SPECTROMETER,
) -> np.ndarray:
    """Counts per pixel of one simulated acquisition of ``spot`` (see :func:`synthesize_spectrum`)."""
    return synthesize_spectrum(spot, wavelengths_nm, exposure_s, rng, laser_nm, spectrometer).counts
