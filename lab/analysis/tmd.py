"""TMD Raman analysis of one spectrum (532 nm): E¹2g and A1g of a Mo(1−x)W(x)S(2(1−y))Se(2y) film → Δ, layers.

The composition of the film (x on the metal site, y on the chalcogen site) is an input, because the
monolayer separation Δ₁ = A1g − E¹2g depends on it (MoS2 20, WS2 61, MoSe2 −46 cm⁻¹); for Mo/W sulfide
alloys the W fraction is then measured from the spectrum (step 4), since a film's x can differ widely from
that of its precursor powder. Pipeline of :func:`fit_tmd_raman`:

1. Cosmic-ray spikes are flagged (:func:`lab.analysis.spikes.spike_mask`) and those pixels left out.
2. The film's first-order modes are fitted as Lorentzians plus a local polynomial background
   (:func:`lab.analysis.peaks.fit_lorentzians`) in the window of its mode family: the sulfur modes
   (:data:`SULFIDE_WINDOW`) when y ≤ 0.5, the selenium modes and the defect-activated LA(M) band
   (:data:`SELENIDE_WINDOW`, LA(M) only where it lies inside) otherwise; a film with both chalcogens
   (:data:`MINOR_CHALCOGEN` < y < 1 − that) is fitted with either family, and the one whose Δ (step 5) is the
   more precise tells the layers (near y = 0.5 the Se E¹2g of Mo-rich films is weak, and the S pair is the
   better one even above y = 0.5). Alloys are fitted with both modes of
   their two-mode E¹2g (Mo–S-like and W–S-like) when both metals exceed 5 %. Each centre is searched within
   ±5 cm⁻¹ of its monolayer reference (:func:`monolayer_modes`), for Mo/W sulfide alloys of any x
   (:func:`metal_alloy`). On sapphire, the substrate's bands enter as one template of known shape
   (:data:`SAPPHIRE_BANDS`) and free scale, in a window widened to :data:`SAPPHIRE_WINDOW` so that its clean
   bands at 576 and 645 cm⁻¹ fix the share of its 417.5 cm⁻¹ band lying under WS2's A1g.
   With a second spectrum of the spot through a crossed analyzer (``crossed``; backscattering from the basal
   plane, where the A1g modes vanish but for a small leak and the E¹2g modes keep their strength), both spectra
   are fitted together (:func:`lab.analysis.peaks.fit_shared`): every band has one centre and FWHM and a height
   per spectrum, an A1g's crossed height at most :data:`CROSSED_A1G_LEAK` of its parallel one (the selection
   rule, allowing for the leak of a real analyzer) and an E¹2g's within :data:`CROSSED_E_RATIO` of it (its
   Raman tensor gives both settings the same strength; the spectrometer's throughput for the two is taken as
   equal within 25 %, as behind the usual polarization scrambler), each spectrum its own background (sapphire:
   only its Eg bands in the crossed template). The crossed spectrum thus pins the E¹2g that a near-degenerate
   A1g hides in the parallel one, and the joint covariance carries that into the A1g's uncertainty. The joint
   fit starts from the E¹2g of a fit of the crossed spectrum alone (without A1g), the other bands once from the
   data less those E¹2g and once from a fit of the parallel spectrum alone; the start that ends with the
   smaller residual wins.
3. A film is present when the fitted A1g height exceeds ``5 ×`` the rms residual (``noise``).
4. For a Mo/W alloy fitted with its S modes, x is taken from the splitting E¹2g(Mo–S) − E¹2g(W–S) = 34 − 9x cm⁻¹, which
   layers and strain leave unchanged (:func:`_film_w_fraction`); otherwise the given x is used.
5. Δ = A1g − E¹2g of the pair that tells layers (the S modes with the E¹2g of the majority metal, or the Se
   modes; ``pair``), its 1-σ uncertainty from the two centres' (taken as independent). With the excess
   ε = Δ − Δ₁(x, y): 1 (monolayer) if ε < 1.0 cm⁻¹, 2 (bilayer) if ε < 3.0, else 3 (three or more). For
   MoS2 the bounds are Δ = 21 and 23 cm⁻¹ between monolayer (≈ 20 CVD), bilayer (22) and bulk (25).

Limits: for W-rich selenides (x > 0.6 with y > 0.5) E¹2g and A1g lie within a few cm⁻¹ of each other
(≈ 250 cm⁻¹ in WSe2); from a parallel spectrum alone they are fitted, but Δ then carries a large uncertainty
and the layer rule is less reliable (≈ 90 % right on simulated spectra): resolving them needs the crossed
spectrum. The chalcogen fraction y and the W fraction of selenides are
taken as given, and so is a sulfide alloy's x when its minority E¹2g is too weak to detect (often below
x ≈ 0.15 or above ≈ 0.85); an error δx there shifts Δ₁ by up to 16·δx cm⁻¹. Values that do not apply
(no film) are NaN; a spectrum whose bands cannot be fitted gives ``fitted == False`` (and ``layers == 0``)
instead of raising.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, fields, replace

import numpy as np

from lab.analysis.peaks import PeakFit, PeakGuess, Segment, WindowFit, fit_shared, lorentzian
from lab.analysis.spectrum import Spectrum
from lab.analysis.spikes import spike_mask

SULFIDE_WINDOW = (330.0, 440.0)  # cm⁻¹
SELENIDE_WINDOW = (145.0, 310.0)  # down to the LA(M) of WSe2 (156 cm⁻¹), whose wing reaches the Se modes
SAPPHIRE_WINDOW = (330.0, 680.0)
SAPPHIRE_BANDS = ((378.0, 4.0, 0.25), (417.5, 3.5, 1.0), (430.0, 8.0, 0.1), (448.0, 8.0, 0.1),
                  (576.0, 9.0, 0.15), (645.0, 9.0, 0.1), (750.0, 11.0, 0.3))
"""α-Al2O3 bands (centre cm⁻¹, FWHM cm⁻¹, height relative to 417.5), as measured on bare sapphire."""
SAPPHIRE_A1G = (417.5, 645.0)  # the A1g bands of c-plane sapphire (the others are Eg): gone in crossed polarization
SUBSTRATES = ("SiO2/Si", "sapphire")
A1G_DETECTION_SIGMA = 5.0
CENTER_RANGE = 5.0  # cm⁻¹ either side of the monolayer reference
FWHM_BOUNDS = (1.5, 20.0)  # cm⁻¹
BILAYER_EXCESS = 1.0  # cm⁻¹ of Δ above the monolayer reference from which a spot is a bilayer
MULTILAYER_EXCESS = 3.0  # ... and from which it has three or more layers
MINOR_METAL = 0.05  # metal fraction below which its E¹2g mode is not fitted
MINOR_CHALCOGEN = 0.05  # chalcogen fraction below which its modes are not fitted
CROSSED_A1G_LEAK = 0.1  # an A1g mode's height through a crossed analyzer is at most this share of its parallel one
CROSSED_E_RATIO = (0.8, 1.25)  # an E¹2g mode's crossed / parallel height: equal, but for the throughput
MODE_DETECTION_SIGMA = 3.0  # an E¹2g mode of an alloy is seen when its height exceeds this × its uncertainty

# Monolayer frequencies (cm⁻¹, 532 nm) c0 + cx·x + cy·y: literature end members, linear in between.
_REFERENCE = {
    "E12g(Mo-S)": (384.5, -3.0, -5.0),
    "E12g(W-S)": (350.5, 6.0, -5.0),
    "A1g(S)": (404.5, 13.0, -8.0),
    "E12g(Se)": (291.0, -38.5, -4.0),
    "A1g(Se)": (261.0, 9.5, -20.0),
    "LA(M)": (227.0, -51.0, -20.0),
}
_LA_FWHM_BOUNDS = (5.0, 40.0)


def _selenium(y_se: float, selenium: bool | None) -> bool:
    """Whether the Se modes are fitted: as asked, else when Se is the majority chalcogen."""
    return y_se > 0.5 if selenium is None else selenium


def monolayer_modes(x_w: float, y_se: float, selenium: bool | None = None) -> dict[str, float]:
    """Monolayer frequencies (cm⁻¹) of the modes of Mo(1−x)W(x)S(2(1−y))Se(2y) fitted in a family window: the
    Se modes if ``selenium`` (default: y > 0.5), else the S modes."""
    if _selenium(y_se, selenium):
        names = ["A1g(Se)", "E12g(Se)", "LA(M)"]
    else:
        metals = [("E12g(Mo-S)", 1.0 - x_w), ("E12g(W-S)", x_w)]
        names = ["A1g(S)"] + [n for n, share in sorted(metals, key=lambda m: -m[1]) if share > MINOR_METAL]
    return {name: _mode_center(name, x_w, y_se) for name in names}


def _mode_center(name: str, x_w: float, y_se: float) -> float:
    """Monolayer frequency (cm⁻¹) of mode ``name`` at the composition."""
    c0, cx, cy = _REFERENCE[name]
    return c0 + cx * x_w + cy * y_se


def metal_alloy(x_w: float, y_se: float, selenium: bool | None = None) -> bool:
    """Whether the film's W fraction is estimated from its two-mode E¹2g (a Mo/W alloy whose S modes are fitted;
    module docstring)."""
    return not _selenium(y_se, selenium) and MINOR_METAL < x_w < 1.0 - MINOR_METAL


def _center_bounds(name: str, x_w: float, y_se: float, selenium: bool) -> tuple[float, float]:
    """Where the centre of mode ``name`` is searched: ±CENTER_RANGE around its monolayer frequency, for
    every W fraction when :func:`metal_alloy`."""
    centers = [_mode_center(name, x, y_se) for x in ((0.0, 1.0) if metal_alloy(x_w, y_se, selenium) else (x_w,))]
    return min(centers) - CENTER_RANGE, max(centers) + CENTER_RANGE


def layer_pair(x_w: float, y_se: float, selenium: bool | None = None) -> tuple[str, str]:
    """Names of the E¹2g and A1g whose separation Δ tells the layer number (module docstring)."""
    e_name, a_name = None, None
    for name in monolayer_modes(x_w, y_se, selenium):
        if name.startswith("A1g") and a_name is None:
            a_name = name
        elif name.startswith("E12g") and e_name is None:
            e_name = name
    return e_name, a_name


def monolayer_delta(x_w: float, y_se: float, selenium: bool | None = None) -> float:
    """Δ₁ = A1g − E¹2g (cm⁻¹) of an unstrained monolayer of the composition (MoS2: 20)."""
    modes = monolayer_modes(x_w, y_se, selenium)
    e_name, a_name = layer_pair(x_w, y_se, selenium)
    return modes[a_name] - modes[e_name]


def classify_tmd_layers(delta_excess: float) -> int:
    """Layer number 1, 2 or 3 (three or more) from Δ − Δ₁ in cm⁻¹ (module docstring)."""
    if delta_excess < BILAYER_EXCESS:
        return 1
    if delta_excess < MULTILAYER_EXCESS:
        return 2
    return 3


@dataclass(frozen=True)
class TmdRamanFit:
    """Result of :func:`fit_tmd_raman` for one spot; see the module docstring for the rules and NaNs."""

    fitted: bool  # False: the bands could not be fitted; nothing else is meaningful
    has_tmd: bool
    layers: int  # 0 no film, 1 monolayer, 2 bilayer, 3 three or more
    e12g: float  # cm⁻¹, centre of the E¹2g of the layer pair
    e12g_err: float
    a1g: float  # cm⁻¹
    a1g_err: float
    delta: float  # A1g − E¹2g, cm⁻¹
    delta_err: float
    delta_excess: float  # Δ − Δ₁(x, y), cm⁻¹
    x_w: float  # W fraction Δ₁ was taken at: fitted for Mo/W sulfide alloys, else the given one
    x_w_err: float  # its 1-σ uncertainty (0 when given)
    noise: float  # rms residual of the window fit, counts
    peaks: dict[str, PeakFit] = field(default_factory=dict)  # by mode name, e.g. "A1g(S)", "E12g(Mo-S)"
    crossed_peaks: dict[str, PeakFit] = field(default_factory=dict)  # the same bands in the crossed spectrum, if any
    pair: tuple[str, str] = ("", "")  # names of the E¹2g and the A1g of ``delta``, e.g. ("E12g(Se)", "A1g(Se)")

    @classmethod
    def without_tmd(cls, fitted: bool, noise: float, peaks: dict[str, PeakFit],
                    crossed_peaks: dict[str, PeakFit] | None = None) -> TmdRamanFit:
        """The result for a spot without a film (``fitted``) or whose bands could not be fitted."""
        nan = math.nan
        return cls(fitted, False, 0, nan, nan, nan, nan, nan, nan, nan, nan, nan, noise, peaks, crossed_peaks or {})

    def as_dict(self) -> dict[str, float | int | bool]:
        """A flat record: the scalar fields and ``<mode>[_crossed]_<center|fwhm|height|area>[_err]`` of every
        band (``_crossed``: its height and area in the crossed spectrum)."""
        record: dict[str, float | int | bool] = {
            f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("peaks", "crossed_peaks", "pair")
        }
        for name, peak in self.peaks.items():
            record.update(peak.as_record(name))
        for name, peak in self.crossed_peaks.items():
            record.update(peak.as_record(f"{name}_crossed"))
        return record


def _sapphire_template(shift: np.ndarray, crossed: bool) -> np.ndarray:
    """The bare-sapphire band profile on ``shift``, 1 at the top of its 417.5 cm⁻¹ band (``crossed``: its Eg
    bands only)."""
    return sum(lorentzian(shift, center, fwhm, height) for center, fwhm, height in SAPPHIRE_BANDS
               if not (crossed and center in SAPPHIRE_A1G))


def _sapphire_in_window(substrate: str, selenium: bool) -> bool:
    """Whether sapphire bands lie in the fit window (the Se window is below them)."""
    return substrate == "sapphire" and not selenium


def fit_window(y_se: float, substrate: str, selenium: bool | None = None) -> tuple[float, float]:
    """The Raman shift range (cm⁻¹) fitted for a film of Se fraction ``y_se`` on ``substrate`` (the Se modes'
    if ``selenium``, default y > 0.5, else the S modes')."""
    selenium = _selenium(y_se, selenium)
    if _sapphire_in_window(substrate, selenium):
        return SAPPHIRE_WINDOW
    return SELENIDE_WINDOW if selenium else SULFIDE_WINDOW


def _guesses(x_w: float, y_se: float, selenium: bool, window: tuple[float, float]) -> list[PeakGuess]:
    """The modes fitted in ``window``, strongest first (module docstring, step 2)."""
    guesses = []
    for name, center in monolayer_modes(x_w, y_se, selenium).items():
        low, high = _center_bounds(name, x_w, y_se, selenium)
        if window[0] <= low and high <= window[1]:  # a band that could lie outside the window is not fitted
            fwhm_bounds = _LA_FWHM_BOUNDS if name == "LA(M)" else FWHM_BOUNDS
            guesses.append(PeakGuess(name, center, 5.0, (low, high), fwhm_bounds))
    return guesses


def _segment(spectrum: Spectrum, window: tuple[float, float], on_sapphire: bool, crossed: bool) -> Segment:
    """The points of ``spectrum`` in ``window``, spikes left out, with the sapphire template where it lies."""
    inside = ~spike_mask(spectrum.counts) & (spectrum.shift >= window[0]) & (spectrum.shift <= window[1])
    shift = spectrum.shift[inside]
    return Segment(shift, spectrum.counts[inside], [_sapphire_template(shift, crossed)] if on_sapphire else [])


def _fit_window(spectrum: Spectrum, x_w: float, y_se: float, substrate: str, selenium: bool,
                crossed: Spectrum | None) -> tuple[WindowFit, WindowFit | None]:
    """The family window fit of the spot's modes in the parallel and, if given, the crossed spectrum (module
    docstring, step 2)."""
    window = fit_window(y_se, substrate, selenium)
    guesses = _guesses(x_w, y_se, selenium, window)
    on_sapphire = _sapphire_in_window(substrate, selenium)
    order = 3 if on_sapphire else 2
    parallel = _segment(spectrum, window, on_sapphire, crossed=False)
    alone = fit_shared([parallel], guesses, order)[0]
    if crossed is None:
        return alone, None
    segments = [parallel, _segment(crossed, window, on_sapphire, crossed=True)]
    e_modes = fit_shared(segments[1:], [g for g in guesses if not _is_a1g(g.name)], order)[0]
    pinned = {n: (p.center, p.fwhm) for n, p in e_modes.peaks.items() if n.startswith("E12g")} if e_modes.ok else {}
    joint = [replace(g, ratio_bounds=(0.0, CROSSED_A1G_LEAK) if _is_a1g(g.name) else CROSSED_E_RATIO)
             if g.name.startswith(("A1g", "E12g")) else g for g in guesses]
    others = {n: (p.center, p.fwhm) for n, p in alone.peaks.items() if n not in pinned} if alone.ok else {}
    fits = [fit_shared(segments, joint, order, starts) for starts in (pinned, {**others, **pinned})]
    best = min(fits, key=lambda f: sum(s.x.size * w.noise**2 for s, w in zip(segments, f, strict=True))
               if f[0].ok else math.inf)
    return best[0], best[1]


def _is_a1g(name: str) -> bool:
    """Whether mode ``name`` is an A1g (forbidden in crossed polarization)."""
    return name.startswith("A1g")


def _film_w_fraction(fit: WindowFit, x_w: float, y_se: float) -> tuple[float, float]:
    """W fraction of a Mo/W sulfide alloy from its two-mode E¹2g and its 1-σ uncertainty (module docstring).

    The splitting E¹2g(Mo–S) − E¹2g(W–S) falls linearly with x and depends neither on the layer number nor
    on a common strain shift. A mode counts as detected when its height exceeds 3 × its uncertainty; unless
    both are, the given ``x_w`` is kept (a weak minority mode more often means x near 0 or 1 than none).
    """
    mo, w = fit.peaks["E12g(Mo-S)"], fit.peaks["E12g(W-S)"]
    if not all(p.height > MODE_DETECTION_SIGMA * p.height_err for p in (mo, w)):
        return x_w, 0.0
    split_0 = _mode_center("E12g(Mo-S)", 0.0, y_se) - _mode_center("E12g(W-S)", 0.0, y_se)
    slope = (_mode_center("E12g(Mo-S)", 1.0, y_se) - _mode_center("E12g(W-S)", 1.0, y_se)) - split_0
    x_fit = (mo.center - w.center - split_0) / slope
    return min(max(x_fit, 0.0), 1.0), math.hypot(mo.center_err, w.center_err) / abs(slope)


def check_composition(x_w: float, y_se: float, substrate: str) -> None:
    """Raise ValueError unless ``x_w`` and ``y_se`` are fractions in [0, 1] and ``substrate`` is known."""
    for name, value in (("x_w", x_w), ("y_se", y_se)):
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise ValueError(f"{name} must be a fraction in [0, 1], got {value!r}")
    if substrate not in SUBSTRATES:
        raise ValueError(f"substrate must be one of {SUBSTRATES}, got {substrate!r}")


def fit_tmd_raman(
    spectrum: Spectrum, x_w: float = 0.0, y_se: float = 0.0, substrate: str = "SiO2/Si",
    crossed: Spectrum | None = None,
) -> TmdRamanFit:
    """Fit the Raman modes of a Mo(1−x)W(x)S(2(1−y))Se(2y) spot (532 nm) and classify it (module docstring).

    ``spectrum`` is taken through an analyzer parallel to the laser polarization (or without one); ``crossed``,
    if given, is the same spot through a crossed analyzer. Raises ValueError for a composition outside [0, 1],
    an unknown substrate, or a spectrum that does not cover the fit window of the majority chalcogen's modes.
    """
    check_composition(x_w, y_se, substrate)
    majority = y_se > 0.5
    fit = _fit_family(spectrum, crossed, x_w, y_se, substrate, majority)
    if not (fit.has_tmd and MINOR_CHALCOGEN < y_se < 1.0 - MINOR_CHALCOGEN):
        return fit
    other = _fit_family(spectrum, crossed, x_w, y_se, substrate, not majority, film_seen=True)
    return other if other is not None and other.delta_err < fit.delta_err else fit


def _fit_family(spectrum: Spectrum, crossed: Spectrum | None, x_w: float, y_se: float, substrate: str,
                selenium: bool, film_seen: bool = False) -> TmdRamanFit | None:
    """:func:`fit_tmd_raman` with the Se (``selenium``) or the S modes.

    When the film was already seen (``film_seen``: in the other family's modes) the result is None unless the
    spectra cover this family's window and both modes of its pair exceed ``MODE_DETECTION_SIGMA`` × their
    uncertainty; otherwise a spectrum not covering the window raises ValueError.
    """
    window = fit_window(y_se, substrate, selenium)
    for label, checked in (("", spectrum), ("crossed ", crossed)):
        if checked is not None and not checked.covers(*window):
            if film_seen:
                return None
            raise ValueError(
                f"a {label}TMD Raman spectrum must cover {window[0]:.0f}–{window[1]:.0f} cm⁻¹, "
                f"this one spans {checked.shift[0]:.0f}–{checked.shift[-1]:.0f} cm⁻¹"
            )
    fit, crossed_fit = _fit_window(spectrum, x_w, y_se, substrate, selenium, crossed)
    crossed_peaks = crossed_fit.peaks if crossed_fit is not None else {}
    if not fit.ok:
        return None if film_seen else TmdRamanFit.without_tmd(False, fit.noise, fit.peaks, crossed_peaks)
    if not film_seen and fit.peaks[layer_pair(x_w, y_se, selenium)[1]].height <= A1G_DETECTION_SIGMA * fit.noise:
        return TmdRamanFit.without_tmd(True, fit.noise, fit.peaks, crossed_peaks)
    x_fit, x_err = _film_w_fraction(fit, x_w, y_se) if metal_alloy(x_w, y_se, selenium) else (x_w, 0.0)
    e_name, a_name = layer_pair(x_fit, y_se, selenium)
    e12g, a1g = fit.peaks[e_name], fit.peaks[a_name]
    if film_seen and not all(p.height > MODE_DETECTION_SIGMA * p.height_err for p in (e12g, a1g)):
        return None
    delta = a1g.center - e12g.center
    excess = delta - monolayer_delta(x_fit, y_se, selenium)
    return TmdRamanFit(
        fitted=True,
        has_tmd=True,
        layers=classify_tmd_layers(excess),
        e12g=e12g.center,
        e12g_err=e12g.center_err,
        a1g=a1g.center,
        a1g_err=a1g.center_err,
        delta=delta,
        delta_err=math.hypot(e12g.center_err, a1g.center_err),
        delta_excess=excess,
        x_w=x_fit,
        x_w_err=x_err,
        noise=fit.noise,
        peaks=fit.peaks,
        crossed_peaks=crossed_peaks,
        pair=(e_name, a_name),
    )
