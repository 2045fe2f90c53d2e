"""Graphene Raman analysis (532 nm): D, G, D' and 2D bands → ratios, layers, defect distance, of one spectrum
(:func:`fit_graphene`) or of many on one axis, such as a map's (:func:`fit_graphene_spectra`: the same fits, each
window fitted to all spectra at once).

Pipeline:

1. Cosmic-ray spikes are flagged (:func:`lab.analysis.spikes.spike_mask`) and those pixels left out.
2. Lorentzians plus a local quadratic background are fitted (:func:`lab.analysis.batch_fit.fit_lorentzians_batch`) in
   the D–G window (1200–1720 cm⁻¹: G and D, and D' when D is detected) and the 2D window (2450–2950 cm⁻¹).
   No global baseline is subtracted first: that removes part of the Lorentzian tails of the broad 2D band
   and biases its width low (by 3–12 cm⁻¹ for bilayers with arPLS), whereas the local background fitted
   together with the bands is unbiased.
3. Graphene is present when the fitted G height exceeds ``5 ×`` the rms residual of the D–G fit (``noise``).
   D is detected (the spot is ``defective``) when its height exceeds ``3 × noise``.

Ratios are peak-height ratios of the fitted bands, reported with 1-σ uncertainties propagated as if the
heights were independent. Layer rule, with r = I2D/IG and Γ = 2D FWHM (cm⁻¹), matching the simulator's
ranges (monolayer r 2–4, Γ 24–35; bilayer r ≈ 0.85–1.25, Γ 45–60; multilayer r 0.3–0.6, Γ 60–80):

* 1 (monolayer) if r ≥ 1.5 and Γ ≤ 40;
* 2 (bilayer) otherwise if r ≥ 0.7 and Γ ≤ 65;
* 3 (multilayer, three or more layers, or graphitic carbon without a 2D band) otherwise.

A spectrum needs to cover only the G band (:data:`G_REGION`). A band whose region (its start centre ± twice its
start FWHM) lies partly outside the spectrum is not fitted: the figures that need it are NaN and ``missing``
says why (the D band: ID/IG, L_D, L_a; the 2D band: I2D/IG, its width and the layers, then 0). So a common
1226–2788 cm⁻¹ export is fitted in full, and a 1000–2000 cm⁻¹ one gives ID/IG but no layers.

Values that do not apply are NaN: the ratios, the 2D width and the defect lengths of a spot without
graphene (``layers == 0``), and L_D = 12 nm/√(ID/IG) and L_a = 4.4 nm/(ID/IG) unless D is detected
(both hold in the low-defect regime, ID/IG below its maximum near L_D ≈ 3 nm).
A spectrum whose bands cannot be fitted gives ``fitted == False`` (and ``layers == 0``) instead of raising.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

import numpy as np

from lab.analysis.batch_fit import BatchFit, fit_lorentzians_batch
from lab.analysis.peaks import PeakFit, PeakGuess, WindowFit
from lab.analysis.spectrum import Spectrum
from lab.analysis.spikes import spike_mask

D_G_WINDOW = (1200.0, 1720.0)
WINDOW_2D = (2450.0, 2950.0)
G_DETECTION_SIGMA = 5.0
D_DETECTION_SIGMA = 3.0
L_D_NM = 12.0  # L_D = L_D_NM / sqrt(ID/IG), mean distance between point defects (532 nm)
L_A_NM = 4.4  # L_a = L_A_NM / (ID/IG), Tuinstra–Koenig crystallite size (532 nm)

_G = PeakGuess("G", 1585.0, 15.0, (1550.0, 1620.0), (5.0, 50.0))
_D = PeakGuess("D", 1350.0, 30.0, (1310.0, 1390.0), (10.0, 100.0))
_D_PRIME = PeakGuess("D'", 1620.0, 12.0, (1605.0, 1640.0), (5.0, 30.0))
_2D = PeakGuess("2D", 2690.0, 35.0, (2620.0, 2780.0), (10.0, 150.0))
G_REGION = (_G.center - 2 * _G.fwhm, _G.center + 2 * _G.fwhm)
_NEEDS = {"D": ("id_ig", "l_d_nm", "l_a_nm"), "2D": ("i2d_ig", "fwhm_2d", "layers")}  # band → figures it gives
_KEYS = {"D": "d", "G": "g", "D'": "d_prime", "2D": "2d"}  # band name → prefix in GrapheneFit.as_dict


@dataclass(frozen=True)
class GrapheneFit:
    """Result of :func:`fit_graphene` for one spot; see the module docstring for the rules and NaNs."""

    fitted: bool  # False: the bands could not be fitted; nothing else is meaningful
    has_graphene: bool
    layers: int  # 0 no graphene (or the 2D band not covered), 1 monolayer, 2 bilayer, 3 multilayer
    i2d_ig: float
    i2d_ig_err: float
    id_ig: float
    id_ig_err: float
    fwhm_2d: float  # cm⁻¹
    fwhm_2d_err: float
    defective: bool  # D band detected
    l_d_nm: float
    l_a_nm: float
    noise: float  # rms residual of the D–G window fit, counts
    peaks: dict[str, PeakFit] = field(default_factory=dict)  # by band name: "D", "G", "D'", "2D"
    missing: dict[str, str] = field(default_factory=dict)  # figure → why the spectrum cannot give it

    @classmethod
    def without_graphene(cls, fitted: bool, noise: float, peaks: dict[str, PeakFit],
                         missing: dict[str, str] | None = None) -> GrapheneFit:
        """The result for a spot without graphene (``fitted``) or whose bands could not be fitted."""
        nan = math.nan
        return cls(fitted, False, 0, nan, nan, nan, nan, nan, nan, False, nan, nan, noise, peaks, missing or {})

    def as_dict(self) -> dict[str, float | int | bool]:
        """A flat record: the scalar fields and ``<band>_<center|fwhm|height|area>[_err]`` of every band."""
        record: dict[str, float | int | bool] = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("peaks", "missing")
        }
        for name, peak in self.peaks.items():
            record.update(peak.as_record(_KEYS[name]))
        return record


def classify_layers(i2d_ig: float, fwhm_2d: float) -> int:
    """Layer number 1, 2 or 3 (three or more) of graphene from I2D/IG and the 2D FWHM (module docstring)."""
    if i2d_ig >= 1.5 and fwhm_2d <= 40.0:
        return 1
    if i2d_ig >= 0.7 and fwhm_2d <= 65.0:
        return 2
    return 3


def _ratio(top: PeakFit, bottom: PeakFit) -> tuple[float, float]:
    """Height ratio of two bands and its 1-σ uncertainty (heights taken as independent)."""
    ratio = top.height / bottom.height
    error = math.hypot(top.height_err / bottom.height, ratio * bottom.height_err / bottom.height)
    return ratio, error


def _uncovered(shift: np.ndarray, bands: Sequence[PeakGuess]) -> dict[str, str]:
    """Figure → reason, for the figures of every band in ``bands`` whose region the axis ``shift`` does not cover."""
    missing = {}
    for band in bands:
        low, high = band.center - 2 * band.fwhm, band.center + 2 * band.fwhm
        if not (shift[0] <= low and shift[-1] >= high):
            reason = (f"the {band.name} band ({low:.0f}–{high:.0f} cm⁻¹) lies outside the spectrum "
                      f"({shift[0]:.0f}–{shift[-1]:.0f} cm⁻¹)")
            missing.update(dict.fromkeys(_NEEDS[band.name], reason))
    return missing


def fit_graphene(spectrum: Spectrum) -> GrapheneFit:
    """Fit the graphene bands of one Raman spectrum (532 nm) and classify the spot (module docstring).

    Raises ValueError if the spectrum does not cover the G band region (:data:`G_REGION`).
    """
    return fit_graphene_spectra(spectrum.shift, spectrum.counts[None, :])[0]


def _window(shift: np.ndarray, counts: np.ndarray, keep: np.ndarray, window: tuple[float, float],
            guesses: Sequence[PeakGuess]) -> BatchFit:
    """``guesses`` fitted to the kept (non-spike) pixels inside ``window`` of every row of ``counts``."""
    inside = (shift >= window[0]) & (shift <= window[1])
    return fit_lorentzians_batch(shift[inside], counts[:, inside], guesses, keep[:, inside])


def fit_graphene_spectra(shift: np.ndarray, counts: np.ndarray) -> list[GrapheneFit]:
    """:func:`fit_graphene` of every row of ``counts`` (spectra × pixels, e.g. a map's), all measured on the
    strictly increasing, finite Raman shift axis ``shift`` (cm⁻¹): every window fitted to all spectra at once
    (:func:`lab.analysis.batch_fit.fit_lorentzians_batch`).

    Raises ValueError if the axis does not cover the G band region (:data:`G_REGION`).
    """
    shift = np.asarray(shift, dtype=float)
    counts = np.asarray(counts, dtype=float)
    if not (shift[0] <= G_REGION[0] and shift[-1] >= G_REGION[1]):
        raise ValueError(
            f"a graphene spectrum must cover the G band, {G_REGION[0]:.0f}–{G_REGION[1]:.0f} cm⁻¹, "
            f"this one spans {shift[0]:.0f}–{shift[-1]:.0f} cm⁻¹"
        )
    missing = _uncovered(shift, [_D, _2D])
    keep = ~spike_mask(counts)
    with_d = "id_ig" not in missing
    d_g = _window(shift, counts, keep, D_G_WINDOW, [_G, _D] if with_d else [_G])
    graphene = d_g.ok & (d_g.heights("G") > G_DETECTION_SIGMA * d_g.noise)
    defective = graphene & (d_g.heights("D") > D_DETECTION_SIGMA * d_g.noise) if with_d else np.zeros_like(graphene)
    rows = {"D'": np.flatnonzero(defective), "2D": np.flatnonzero(graphene & ("i2d_ig" not in missing))}
    with_d_prime = _window(shift, counts[rows["D'"]], keep[rows["D'"]], D_G_WINDOW, [_G, _D, _D_PRIME])
    band_2d = _window(shift, counts[rows["2D"]], keep[rows["2D"]], WINDOW_2D, [_2D])
    further: list[dict[str, WindowFit]] = [{} for _ in range(counts.shape[0])]
    for name, fit in (("D'", with_d_prime), ("2D", band_2d)):
        for i, row in enumerate(rows[name]):
            further[row][name] = fit.window_fit(i)
    return [_spot(d_g.window_fit(row), bool(graphene[row]), bool(defective[row]), further[row], missing)
            for row in range(counts.shape[0])]


def _spot(d_g: WindowFit, graphene: bool, defective: bool, further: dict[str, WindowFit],
          missing: dict[str, str]) -> GrapheneFit:
    """One spot's result from its D–G window fit (``graphene``: G detected; ``defective``: D too), and where
    they were fitted, its D–G fit with D' (``further["D'"]``) and its 2D band fit (``further["2D"]``)."""
    if not d_g.ok:
        return GrapheneFit.without_graphene(False, d_g.noise, d_g.peaks, missing)
    if not graphene:
        return GrapheneFit.without_graphene(True, d_g.noise, d_g.peaks, missing)
    if defective and further["D'"].ok:
        d_g = further["D'"]
    g = d_g.peaks["G"]
    nan = math.nan
    peaks = dict(d_g.peaks)
    i2d_ig = i2d_ig_err = fwhm_2d = fwhm_2d_err = nan
    if "i2d_ig" not in missing:
        band_2d = further["2D"]
        peaks.update(band_2d.peaks)
        if not band_2d.ok:
            return GrapheneFit.without_graphene(False, d_g.noise, peaks, missing)
        peak_2d = band_2d.peaks["2D"]
        i2d_ig, i2d_ig_err = _ratio(peak_2d, g)
        fwhm_2d, fwhm_2d_err = peak_2d.fwhm, peak_2d.fwhm_err
    with_d = "id_ig" not in missing
    id_ig, id_ig_err = _ratio(d_g.peaks["D"], g) if with_d else (nan, nan)
    return GrapheneFit(
        fitted=True,
        has_graphene=True,
        layers=0 if "layers" in missing else classify_layers(i2d_ig, fwhm_2d),
        i2d_ig=i2d_ig,
        i2d_ig_err=i2d_ig_err,
        id_ig=id_ig,
        id_ig_err=id_ig_err,
        fwhm_2d=fwhm_2d,
        fwhm_2d_err=fwhm_2d_err,
        defective=defective,
        l_d_nm=L_D_NM / math.sqrt(id_ig) if defective else math.nan,
        l_a_nm=L_A_NM / id_ig if defective else math.nan,
        noise=d_g.noise,
        peaks=peaks,
        missing=missing,
    )
