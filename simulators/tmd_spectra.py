"""Raman and photoluminescence spectra of transition-metal-dichalcogenide films (pure functions, no I/O).

A spot of a Mo(1−x)W(x)S(2(1−y))Se(2y) film (:class:`TmdSpot`) is rendered for two simulated instruments
sharing the 532 nm laser (:data:`RAMAN_SPECTROMETER`, :data:`PL_SPECTROMETER`).

**Raman** (:func:`tmd_raman_peaks`, Lorentzians in cm⁻¹, heights in counts per second per pixel). Monolayer
end members: MoS2 E¹2g 384.5 / A1g 404.5, WS2 356.5 / 417.5, MoSe2 A1g 241 / E¹2g 287, WSe2 E¹2g 248.5 /
A1g 250.5. Alloys show two-mode behaviour: the in-plane E¹2g splits into a Mo–S-like and a W–S-like mode whose
strengths follow the metal fractions, while the sulfur A1g shifts continuously (one-mode) from 404.5 to
417.5; Se-containing films add the Se-related E¹2g and A1g with strength ∝ y, and the S modes soften with Se.
The E¹2g–A1g pair whose separation Δ = A1g − E¹2g tells the layer number is named by :func:`raman_pair`. With
layers, every E¹2g softens by 0.45·d and every A1g stiffens by 0.55·d, where the excess d of Δ over the
monolayer value is drawn from −1–0.5 (monolayer; MoS2 Δ 19–20.5), 1.5–2.5 (bilayer; 22) or 3.5–5.5 cm⁻¹
(three or more; 25); the literature MoS2 shifts are used for every composition. Alloy disorder and vacancies
broaden the bands; vacancies raise the defect-activated LA(M) band (227 cm⁻¹ in MoS2, 176 in WS2).
The second-order 2LA(M) band of WS2 (≈ 352 cm⁻¹, resonant at 532 nm) is not rendered.
Substrate: the Si band at 520.7 cm⁻¹ under SiO2/Si, or the sapphire bands (:data:`SAPPHIRE_BANDS_CM1`,
one at 417.5 cm⁻¹ on top of WS2's A1g), both attenuated by thicker films. Over everything lies a smooth
fluorescence background rising towards the red.

**Polarization** (``analyzer``, :data:`ANALYZERS`). Backscattering from the basal plane, the analyzer in front
of the spectrometer either parallel (XX, the default) or crossed (XY) to the laser polarization. The A-kind
modes (A1g, Raman tensor diag(a, a, b)) vanish in XY but for a leak of :data:`DEPOLARIZATION_LEAK` of their
strength (the objective's aperture, finite extinction); the E modes (E¹2g) keep their strength; the
disorder-activated LA(M) band, bound by no selection rule, keeps :data:`LA_DEPOLARIZATION` of it. Substrates:
the (001) Si wafer is mounted with its cleaved ⟨110⟩ edge along the laser polarization, so its F2g phonon
(I ∝ cos²2θ crossed, sin²2θ parallel, θ from [100]) is at full strength parallel and at the leak crossed; of
c-plane sapphire the A1g bands (:data:`SAPPHIRE_A1G_CM1`) drop to the leak, the Eg bands stay. Both settings
of one spot share its bands when the spot has a ``seed`` (:class:`TmdSpot`); the background is unpolarized.

**PL** (:func:`tmd_pl_peaks`, Lorentzians in eV, heights in counts per second per eV). The A exciton of a
monolayer is at :func:`a_exciton_ev` (end members, Mo/W bowing 0.25 eV in sulfides, nearly linear S/Se) plus
a small spot-to-spot spread (strain, doping); its FWHM grows from the best end-member value (MoS2 38 meV)
with vacancies and alloy disorder; vacancies dim it. Bilayers are 10–25× dimmer and three or more layers
50–200× dimmer, slightly red-shifted, with a broad indirect-gap band 0.3 eV (bilayer) or 0.5 eV below the
monolayer's A exciton, lower than their A peak.
The B exciton is a weaker, broader shoulder above A by the valence-band spin-orbit splitting. Counts per
pixel are the spectral density times each pixel's width in energy (hc/λ²·Δλ), so a peak keeps its shape in
energy on the wavelength axis.

Detection (both): Poisson shot noise on the signal (∝ exposure), Gaussian read noise, a bias, occasional
cosmic-ray spikes and ADC saturation, as in :mod:`simulators.spectra`. Every random draw comes from the
caller's :class:`numpy.random.Generator`, so a seed fixes a spectrum. Bad input (a spot outside its
ranges or on an unknown substrate, a non-finite or non-positive exposure or laser wavelength, an axis that
is not one finite increasing wavelength per pixel of the spectrometer) raises ValueError naming it.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, replace

import numpy as np

from simulators.spectra import (
    LASER_NM,
    Peak,
    SpectrometerModel,
    SyntheticSpectrum,
    _cosmic_rays,
    lorentzian,
    raman_shift,
)

HC_EV_NM = 1239.841984  # h·c in eV·nm: E (eV) = HC_EV_NM / λ (nm)

RAMAN_SPECTROMETER = SpectrometerModel(start_nm=536.0, stop_nm=552.0)
"""Raman grating: 2048 pixels over 536–552 nm, i.e. ≈ 140–680 cm⁻¹ at 532 nm, ≈ 0.26 cm⁻¹ per pixel."""
PL_SPECTROMETER = SpectrometerModel(start_nm=550.0, stop_nm=900.0)
"""PL grating: 2048 pixels over 550–900 nm (behind a 550 nm long-pass filter), 1.38–2.25 eV."""

SUBSTRATES = ("SiO2/Si", "sapphire")
SI_BAND_CM1 = 520.7
SAPPHIRE_BANDS_CM1 = ((378.0, 1.0, 0.25), (417.5, 0.5, 1.0), (430.0, 5.0, 0.1), (448.0, 5.0, 0.1),
                      (576.0, 6.0, 0.15), (645.0, 6.0, 0.1), (750.0, 8.0, 0.3))
"""α-Al2O3 Raman bands: (centre cm⁻¹, extra FWHM beyond the common 3 cm⁻¹, height relative to 417.5)."""
SAPPHIRE_A1G_CM1 = (417.5, 645.0)
"""The sapphire bands of A1g symmetry (the others are Eg)."""
ANALYZERS = ("parallel", "crossed")
"""Raman analyzer settings: parallel (XX) or crossed (XY) to the laser polarization (module docstring)."""
DEPOLARIZATION_LEAK = 0.02  # share of a forbidden band's strength seen through a crossed analyzer
LA_DEPOLARIZATION = 0.75  # crossed / parallel strength of a band bound by no selection rule

# Monolayer A exciton at room temperature (eV): the middle of the literature ranges.
A_EXCITON_EV = {"MoS2": 1.865, "WS2": 1.995, "MoSe2": 1.56, "WSe2": 1.64}
BOWING_SULFIDE_EV = 0.25  # Mo(1−x)W(x)S2
BOWING_SELENIDE_EV = 0.05  # Mo(1−x)W(x)Se2 (assumed small)
BOWING_CHALCOGEN_EV = 0.04  # MoS2(1−y)Se2y: nearly linear
SPIN_ORBIT_EV = {"MoS2": 0.15, "WS2": 0.40, "MoSe2": 0.20, "WSe2": 0.43}  # B − A exciton splitting
BEST_FWHM_EV = {"MoS2": 0.038, "WS2": 0.030, "MoSe2": 0.035, "WSe2": 0.035}  # narrowest monolayer A exciton
ALLOY_FWHM_EV = 0.06  # extra A FWHM per unit of x(1−x) + y(1−y)
VACANCY_SCALE_CM2 = 1e13  # vacancies per cm² that add VACANCY_FWHM_EV and halve the PL
VACANCY_FWHM_EV = 0.020

_DELTA_EXCESS = {1: (-1.0, 0.5), 2: (1.5, 2.5), 3: (3.5, 5.5)}  # Δ − Δ(monolayer, unstrained), cm⁻¹
_E_SOFTENING, _A_STIFFENING = 0.45, 0.55  # shares of the Δ excess taken by E¹2g (down) and A1g (up)
_STRAIN_SHIFT = 0.3  # cm⁻¹, common random shift of all film modes (strain, doping)
_FILM_HEIGHT = (300.0, 900.0)  # counts/s of a MoS2 monolayer's A1g
_LAYER_GAIN = {1: 1.0, 2: 1.7, 3: 2.3}  # Raman intensity of the film relative to a monolayer
_TRANSMISSION = {0: 1.0, 1: 0.85, 2: 0.72, 3: 0.45}  # substrate signal under the film (both ways)
_SI_HEIGHT = (4000.0, 12000.0)  # counts/s of the bare Si band
_SAPPHIRE_HEIGHT = (100.0, 300.0)  # counts/s of the bare 417.5 cm⁻¹ sapphire band
_DISORDER_FWHM_CM1 = 8.0  # extra Raman FWHM per unit of x(1−x) + y(1−y)
_VACANCY_FWHM_CM1 = 1.5  # extra Raman FWHM per VACANCY_SCALE_CM2
_LA_PER_1E12 = 0.05  # LA(M)/A1g height ratio per 1e12 vacancies per cm², up to 1

_PL_HEIGHT = (1.5e5, 5e5)  # counts/s per eV at the A exciton of a bright monolayer
_PL_DIMMING = {1: (1.0, 1.0), 2: (0.04, 0.1), 3: (0.005, 0.02)}
_PL_REDSHIFT_EV = {1: (0.0, 0.0), 2: (0.010, 0.025), 3: (0.025, 0.045)}
_PL_SPREAD_EV = 0.007  # spot-to-spot spread of the A exciton (strain, doping, dielectric environment)
_INDIRECT_BELOW_A_EV = {2: 0.30, 3: 0.50}
_INDIRECT_HEIGHT = {2: (0.3, 0.8), 3: (0.5, 0.9)}  # relative to the A exciton of the same spot


@dataclass(frozen=True)
class TmdSpot:
    """What the laser sees at one spot of a Mo(1−x)W(x)S(2(1−y))Se(2y) film: the true local state."""

    layers: int  # 0 = bare substrate, 1 = monolayer, 2 = bilayer, 3 = three or more (bulk-like)
    x_w: float = 0.0  # W fraction on the metal site
    y_se: float = 0.0  # Se fraction on the chalcogen site
    defect_density_cm2: float = 1e12  # chalcogen vacancies per cm²: broaden and dim the PL, raise the LA band
    substrate: str = "SiO2/Si"  # "SiO2/Si" (Si band at 520.7 cm⁻¹) or "sapphire"
    seed: int | None = None  # fixes the spot's microscopic state (local strain, band widths and strengths, exciton
    # shift), so that every acquisition of it sees the same bands; None: drawn anew with each acquisition


def _is_real(value: object) -> bool:
    """Whether ``value`` is a finite real number (not a bool)."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _check_spot(spot: TmdSpot) -> None:
    """Raise ValueError naming the field unless ``spot`` describes a physical spot."""
    if isinstance(spot.layers, bool) or spot.layers not in (0, 1, 2, 3):
        raise ValueError(f"TmdSpot.layers must be 0, 1, 2 or 3 (3 = three or more), got {spot.layers!r}")
    for name in ("x_w", "y_se"):
        value = getattr(spot, name)
        if not (_is_real(value) and 0.0 <= value <= 1.0):
            raise ValueError(f"TmdSpot.{name} must be a fraction in [0, 1], got {value!r}")
    if not (_is_real(spot.defect_density_cm2) and spot.defect_density_cm2 >= 0):
        raise ValueError(f"TmdSpot.defect_density_cm2 must be finite and ≥ 0, got {spot.defect_density_cm2!r}")
    if spot.substrate not in SUBSTRATES:
        raise ValueError(f"TmdSpot.substrate must be one of {SUBSTRATES}, got {spot.substrate!r}")
    if spot.seed is not None and (isinstance(spot.seed, bool) or not isinstance(spot.seed, numbers.Integral)
                                  or spot.seed < 0):
        raise ValueError(f"TmdSpot.seed must be None or an integer ≥ 0, got {spot.seed!r}")


def _bands_rng(spot: TmdSpot, rng: np.random.Generator, stream: int) -> np.random.Generator:
    """Where the bands of ``spot`` are drawn from: its own ``seed`` (one ``stream`` per channel), else ``rng``."""
    return rng if spot.seed is None else np.random.default_rng([spot.seed, stream])


def _end_member_mix(values: dict[str, float], x_w: float, y_se: float) -> float:
    """Bilinear interpolation of a property between the four end members MoS2, WS2, MoSe2, WSe2."""
    sulfide = (1.0 - x_w) * values["MoS2"] + x_w * values["WS2"]
    selenide = (1.0 - x_w) * values["MoSe2"] + x_w * values["WSe2"]
    return (1.0 - y_se) * sulfide + y_se * selenide


def a_exciton_ev(x_w: float, y_se: float) -> float:
    """A exciton energy (eV) of an unstrained monolayer Mo(1−x)W(x)S(2(1−y))Se(2y) at room temperature.

    Bilinear between the end members (:data:`A_EXCITON_EV`) minus the bowing b·x(1−x) on the metal site
    (0.25 eV in sulfides, 0.05 eV in selenides, mixed by y) and 0.04 eV·y(1−y) on the chalcogen site.
    """
    metal_bowing = ((1.0 - y_se) * BOWING_SULFIDE_EV + y_se * BOWING_SELENIDE_EV) * x_w * (1.0 - x_w)
    return _end_member_mix(A_EXCITON_EV, x_w, y_se) - metal_bowing - BOWING_CHALCOGEN_EV * y_se * (1.0 - y_se)


def _disorder(spot: TmdSpot) -> float:
    """Alloy disorder x(1−x) + y(1−y), 0 for end members and at most 0.5."""
    return spot.x_w * (1.0 - spot.x_w) + spot.y_se * (1.0 - spot.y_se)


def raman_pair(x_w: float, y_se: float) -> tuple[str, str]:
    """Names of the E¹2g and A1g modes whose separation tells the layer number.

    The sulfur modes when y ≤ 0.5 (E¹2g of the majority metal), else the selenium ones.
    """
    if y_se > 0.5:
        return "E12g(Se)", "A1g(Se)"
    return ("E12g(W-S)" if x_w > 0.5 else "E12g(Mo-S)"), "A1g(S)"


def _film_modes(x: float, y: float) -> list[tuple[str, str, float, float, tuple[float, float]]]:
    """(name, kind E or A, monolayer centre cm⁻¹, height relative to MoS2's A1g, FWHM range cm⁻¹) per mode."""
    mo, s = 1.0 - x, 1.0 - y
    return [
        ("E12g(Mo-S)", "E", 384.5 - 3.0 * x - 5.0 * y, 0.55 * mo * s, (2.5, 3.5)),
        ("E12g(W-S)", "E", 356.5 - 6.0 * mo - 5.0 * y, 0.6 * x * s, (2.5, 3.5)),
        ("A1g(S)", "A", 404.5 + 13.0 * x - 8.0 * y, s, (4.5, 6.0)),
        ("E12g(Se)", "E", 287.0 - 38.5 * x + 4.0 * s, (0.15 + 0.5 * x) * y, (3.0, 4.5)),
        ("A1g(Se)", "A", 241.0 + 9.5 * x + 20.0 * s, 1.5 * y, (3.5, 5.0)),
    ]


def crossed_ratio(name: str) -> float:
    """Strength of Raman band ``name`` (as named by :func:`tmd_raman_peaks`) through a crossed analyzer, relative
    to a parallel one (module docstring, Polarization)."""
    if name.startswith("E12g"):
        return 1.0
    if name == "LA(M)":
        return LA_DEPOLARIZATION
    if name.startswith("sapphire") and float(name.split()[1]) not in SAPPHIRE_A1G_CM1:
        return 1.0  # an Eg band
    return DEPOLARIZATION_LEAK  # A1g modes, the Si band, the sapphire A1g bands


def tmd_raman_peaks(spot: TmdSpot, rng: np.random.Generator, analyzer: str = "parallel") -> list[Peak]:
    """True Raman bands of a spot (film and substrate) through the ``analyzer``, heights in counts per second
    (module docstring).

    Film modes carry the names used by :func:`raman_pair` plus "LA(M)"; substrate bands are named "Si" or
    "sapphire <centre>". A bare spot (``layers == 0``) shows the substrate only. The draws from ``rng`` do not
    depend on ``analyzer``. Raises ValueError for an invalid spot or analyzer setting.
    """
    _check_spot(spot)
    if analyzer not in ANALYZERS:
        raise ValueError(f"analyzer must be one of {ANALYZERS}, got {analyzer!r}")
    rng = _bands_rng(spot, rng, 0)
    peaks = []
    if spot.layers:
        height = rng.uniform(*_FILM_HEIGHT) * _LAYER_GAIN[spot.layers]
        excess = rng.uniform(*_DELTA_EXCESS[spot.layers])
        strain = rng.uniform(-_STRAIN_SHIFT, _STRAIN_SHIFT)
        vacancies = spot.defect_density_cm2 / VACANCY_SCALE_CM2
        broadening = _DISORDER_FWHM_CM1 * _disorder(spot) + _VACANCY_FWHM_CM1 * vacancies
        for name, kind, center, relative, fwhm in _film_modes(spot.x_w, spot.y_se):
            shift = -_E_SOFTENING * excess if kind == "E" else _A_STIFFENING * excess
            if relative > 0:
                peaks.append(Peak(center + shift + strain, rng.uniform(*fwhm) + broadening, height * relative, name))
        la_ratio = min(_LA_PER_1E12 * spot.defect_density_cm2 / 1e12, 1.0)
        if la_ratio > 0:
            la_center = 227.0 - 51.0 * spot.x_w - 20.0 * spot.y_se
            peaks.append(Peak(la_center, rng.uniform(12.0, 20.0), height * la_ratio, "LA(M)"))
    transmission = _TRANSMISSION[spot.layers]
    if spot.substrate == "SiO2/Si":
        peaks.append(Peak(SI_BAND_CM1 + rng.uniform(-0.2, 0.2), rng.uniform(2.8, 3.4),
                          rng.uniform(*_SI_HEIGHT) * transmission, "Si"))
    else:
        sapphire = rng.uniform(*_SAPPHIRE_HEIGHT) * transmission
        for center, extra_fwhm, relative in SAPPHIRE_BANDS_CM1:
            peaks.append(Peak(center, 3.0 + extra_fwhm, sapphire * relative, f"sapphire {center:g}"))
    if analyzer == "crossed":
        peaks = [replace(p, height=p.height * crossed_ratio(p.name)) for p in peaks]
    return peaks


def _raman_background(shift: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random smooth fluorescence background in counts per second, rising towards large Raman shifts."""
    amplitude = rng.uniform(300.0, 3000.0)
    decay_cm1 = rng.uniform(150.0, 500.0)
    floor = rng.uniform(200.0, 1000.0)
    slope = rng.uniform(-0.5, 0.5)
    return amplitude * np.exp((shift - 680.0) / decay_cm1) + floor + slope * (shift - 400.0)


def tmd_pl_peaks(spot: TmdSpot, rng: np.random.Generator) -> list[Peak]:
    """True PL bands "A", "B" (and "indirect" for two or more layers): centres and FWHMs in eV, heights in
    counts per second per eV (module docstring). A bare spot has none. Raises ValueError for an invalid spot.
    """
    _check_spot(spot)
    if spot.layers == 0:
        return []
    x, y = spot.x_w, spot.y_se
    rng = _bands_rng(spot, rng, 1)
    vacancies = spot.defect_density_cm2 / VACANCY_SCALE_CM2
    monolayer_a = a_exciton_ev(x, y) + rng.uniform(-_PL_SPREAD_EV, _PL_SPREAD_EV)
    fwhm = (_end_member_mix(BEST_FWHM_EV, x, y) + rng.uniform(0.0, 0.006)
            + ALLOY_FWHM_EV * _disorder(spot) + VACANCY_FWHM_EV * vacancies)
    bright = rng.uniform(*_PL_HEIGHT) / (1.0 + vacancies)
    a_height = bright * rng.uniform(*_PL_DIMMING[spot.layers])
    a_center = monolayer_a - rng.uniform(*_PL_REDSHIFT_EV[spot.layers])
    peaks = [
        Peak(a_center, fwhm, a_height, "A"),
        Peak(a_center + _end_member_mix(SPIN_ORBIT_EV, x, y), fwhm * rng.uniform(1.5, 2.0),
             a_height * rng.uniform(0.1, 0.25), "B"),
    ]
    if spot.layers >= 2:
        peaks.append(Peak(monolayer_a - _INDIRECT_BELOW_A_EV[spot.layers], rng.uniform(0.10, 0.16),
                          a_height * rng.uniform(*_INDIRECT_HEIGHT[spot.layers]), "indirect"))
    return peaks


def _pl_background(energy_ev: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random weak smooth background in counts per second per eV (substrate and defect emission)."""
    floor = rng.uniform(200.0, 1000.0)
    slope = rng.uniform(-400.0, 400.0)
    tail = rng.uniform(500.0, 3000.0) * np.exp((energy_ev - 2.25) / 0.1)
    return np.maximum(floor + slope * (energy_ev - 1.8), 0.0) + tail


def _detect(expected_cps: np.ndarray, exposure_s: float, spectrometer: SpectrometerModel,
            rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Counts per pixel of a signal of ``expected_cps`` counts per second per pixel, and the spiked pixels."""
    counts = rng.poisson(expected_cps * exposure_s) + spectrometer.bias
    counts = counts + rng.normal(0.0, spectrometer.read_noise, counts.shape)
    spike_pixels, spike_counts = _cosmic_rays(counts.size, spectrometer.cosmic_ray_probability, rng)
    np.add.at(counts, spike_pixels, spike_counts)
    return np.clip(np.rint(counts), 0.0, spectrometer.full_scale), spike_pixels


def _check_acquisition(wavelengths_nm: np.ndarray, exposure_s: float, spectrometer: SpectrometerModel) -> np.ndarray:
    """The wavelength axis as a float array; ValueError unless it and the exposure can come from ``spectrometer``."""
    if not (_is_real(exposure_s) and exposure_s > 0):
        raise ValueError(f"exposure_s must be a finite number of seconds > 0, got {exposure_s!r}")
    axis = np.asarray(wavelengths_nm, dtype=float)
    if axis.shape != (spectrometer.n_pixels,):
        raise ValueError(f"wavelengths_nm must have one value per pixel, shape ({spectrometer.n_pixels},), "
                         f"got shape {axis.shape}")
    if not (np.all(np.isfinite(axis)) and axis[0] > 0 and np.all(np.diff(axis) > 0)):
        raise ValueError("wavelengths_nm must be finite, positive and strictly increasing")
    return axis


def synthesize_raman(
    spot: TmdSpot,
    wavelengths_nm: np.ndarray,
    exposure_s: float,
    rng: np.random.Generator,
    laser_nm: float = LASER_NM,
    spectrometer: SpectrometerModel = RAMAN_SPECTROMETER,
    analyzer: str = "parallel",
) -> SyntheticSpectrum:
    """One simulated Raman acquisition of ``spot`` through the ``analyzer`` on the pixels ``wavelengths_nm``
    with its truth (the bands as seen through the analyzer).

    Raises ValueError for an invalid spot, laser, exposure or analyzer setting, or an axis that is not one
    increasing wavelength per pixel of ``spectrometer``.
    """
    axis = _check_acquisition(wavelengths_nm, exposure_s, spectrometer)
    if not (_is_real(laser_nm) and laser_nm > 0):
        raise ValueError(f"laser_nm must be a finite wavelength > 0, got {laser_nm!r}")
    shift = raman_shift(axis, laser_nm)
    peaks = tmd_raman_peaks(spot, rng, analyzer)
    background_cps = _raman_background(shift, rng)
    signal_cps = background_cps + sum(lorentzian(shift, p.center, p.fwhm, p.height) for p in peaks)
    counts, spike_pixels = _detect(signal_cps, exposure_s, spectrometer, rng)
    return SyntheticSpectrum(counts, peaks, background_cps * exposure_s + spectrometer.bias, spike_pixels)


def pixel_width_ev(wavelengths_nm: np.ndarray) -> np.ndarray:
    """The width in eV of every pixel of an increasing wavelength axis (hc/λ² times the pixel's Δλ)."""
    wavelengths_nm = np.asarray(wavelengths_nm, dtype=float)
    return HC_EV_NM / wavelengths_nm**2 * np.abs(np.gradient(wavelengths_nm))


def synthesize_pl(
    spot: TmdSpot,
    wavelengths_nm: np.ndarray,
    exposure_s: float,
    rng: np.random.Generator,
    spectrometer: SpectrometerModel = PL_SPECTROMETER,
) -> SyntheticSpectrum:
    """One simulated PL acquisition of ``spot`` on the pixels ``wavelengths_nm`` with its truth.

    Peaks are in eV (heights per eV); the background is in counts per pixel. Raises ValueError for an
    invalid spot or exposure, or an axis that is not one increasing wavelength per pixel of ``spectrometer``.
    """
    axis = _check_acquisition(wavelengths_nm, exposure_s, spectrometer)
    energy = HC_EV_NM / axis
    width = pixel_width_ev(axis)
    peaks = tmd_pl_peaks(spot, rng)
    background_cps = _pl_background(energy, rng) * width
    signal_cps = background_cps + width * sum(lorentzian(energy, p.center, p.fwhm, p.height) for p in peaks)
    counts, spike_pixels = _detect(signal_cps, exposure_s, spectrometer, rng)
    return SyntheticSpectrum(counts, peaks, background_cps * exposure_s + spectrometer.bias, spike_pixels)


def tmd_raman_counts(
    spot: TmdSpot,
    wavelengths_nm: np.ndarray,
    exposure_s: float,
    rng: np.random.Generator,
    laser_nm: float = LASER_NM,
    spectrometer: SpectrometerModel = RAMAN_SPECTROMETER,
    analyzer: str = "parallel",
) -> np.ndarray:
    """Counts per pixel of one simulated Raman acquisition of ``spot`` (see :func:`synthesize_raman`)."""
    return synthesize_raman(spot, wavelengths_nm, exposure_s, rng, laser_nm, spectrometer, analyzer).counts


def tmd_pl_counts(
    spot: TmdSpot,
    wavelengths_nm: np.ndarray,
    exposure_s: float,
    rng: np.random.Generator,
    spectrometer: SpectrometerModel = PL_SPECTROMETER,
) -> np.ndarray:
    """Counts per pixel of one simulated PL acquisition of ``spot`` (see :func:`synthesize_pl`)."""
    return synthesize_pl(spot, wavelengths_nm, exposure_s, rng, spectrometer).counts
