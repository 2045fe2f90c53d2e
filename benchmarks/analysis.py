"""Accuracy and speed of the TMD Raman and PL analysis on synthetic spectra with known truth.

Spots of Mo(1−x)W(x)S(2(1−y))Se(2y) films are drawn at random: a quarter end members, a quarter
Mo(1−x)W(x)S2 alloys, a quarter MoS2(1−y)Se2y alloys and a quarter with both sites mixed; 5 % bare substrate,
the rest mono-, bi- or multilayer (three or more) in equal shares; vacancy densities log-uniform in
1e11–3e13 cm⁻²; SiO2/Si or sapphire; exposures log-uniform in 1–10 s. Each spot gets two Raman acquisitions,
through an analyzer parallel and crossed to the laser polarization (the same bands: the spot has a seed), and
one PL acquisition from :mod:`simulators.tmd_spectra` (fluorescence background, shot and read noise, cosmic
rays in ≈ 30 % of them), analysed with :func:`lab.analysis.fit_tmd_raman` (both Raman spectra together) and
:func:`lab.analysis.fit_pl`.

Figures: |error| of the fitted E¹2g and A1g centres (the layer pair) against the true band centres, of
Δ = A1g − E¹2g and of the A exciton energy, as 95th percentile and maximum over the film spots the analysis
detected (and the share of errors within 2σ of the reported uncertainty), overall and per family (the
targets hold for the maximum); the share of spots whose PL was detected, by true layer number, and of those
whose A band was seen but not located to the 5 meV the gap needs (:func:`lab.analysis.fit_pl` counts it as
not detected); the layer-number accuracy over all spots; the share of fits (Raman of film spots, PL of spots
with PL) reporting finite, positive uncertainties on every fitted quantity (the figures and every fitted
band's centre, FWHM, height and area); the mean fit time per spectrum. A further fifth as many Mo/W sulfide
alloy spots are analysed as if their W fraction were the intended 0.5, to show the layer accuracy when the
film's x must be measured (:func:`intended_mismatch`).

    .venv/bin/python -m benchmarks.analysis [--spectra 500] [--seed 0] [--json benchmarks/results/analysis.json]
"""

from __future__ import annotations

import argparse
import json
import math
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from lab.analysis import PlFit, Spectrum, TmdRamanFit, fit_pl, fit_tmd_raman, pl_spectrum, raman_shift
from lab.analysis.pl import A_DETECTION_SIGMA
from lab.analysis.tmd import layer_pair
from simulators.spectra import LASER_NM, wavelength_axis
from simulators.tmd_spectra import PL_SPECTROMETER, RAMAN_SPECTROMETER, TmdSpot, synthesize_pl, synthesize_raman

TARGETS = {"raman_position_max_cm1": 0.5, "delta_max_cm1": 0.5, "pl_peak_max_mev": 5.0, "layer_accuracy": 0.95,
           "uncertainty_fraction": 1.0}


@dataclass(frozen=True)
class Case:
    """One synthetic spot: truth, exposure, the analysis results and the true band centres they estimate."""

    spot: TmdSpot
    exposure_s: float
    raman: TmdRamanFit
    pl: PlFit
    true_e12g: float
    true_a1g: float
    true_a_ev: float
    raman_s: float
    pl_s: float


def draw_spot(rng: np.random.Generator) -> TmdSpot:
    """A random spot (module docstring)."""
    kind = rng.integers(4)  # end member, Mo/W sulfide, S/Se molybdenum, both sites mixed
    x_w = float(rng.integers(2)) if kind == 0 else rng.uniform(0.0, 1.0) if kind in (1, 3) else 0.0
    y_se = float(rng.integers(2)) if kind == 0 else rng.uniform(0.0, 1.0) if kind in (2, 3) else 0.0
    layers = 0 if rng.random() < 0.05 else int(rng.integers(1, 4))
    return TmdSpot(layers, float(x_w), float(y_se), float(10 ** rng.uniform(11.0, 13.5)),
                   str(rng.choice(["SiO2/Si", "sapphire"])))


def _true_center(peaks: list, name: str) -> float:
    return next((p.center for p in peaks if p.name == name), math.nan)


def analyse(spot: TmdSpot, exposure_s: float, rng: np.random.Generator, given_x_w: float | None = None) -> Case:
    """Simulate a parallel and a crossed Raman and one PL acquisition of ``spot`` and analyse them, timing each
    fit (the two Raman spectra are fitted together).

    The analysis is told the spot's composition, or ``given_x_w`` as its W fraction when that is set.
    """
    spot = replace(spot, seed=int(rng.integers(2**32)))  # both polarizations see the spot's same bands
    raman_nm, pl_nm = wavelength_axis(RAMAN_SPECTROMETER), wavelength_axis(PL_SPECTROMETER)
    shift = raman_shift(raman_nm, LASER_NM)
    raman = synthesize_raman(spot, raman_nm, exposure_s, rng)
    crossed = synthesize_raman(spot, raman_nm, exposure_s, rng, analyzer="crossed")
    pl = synthesize_pl(spot, pl_nm, exposure_s, rng)
    started = time.perf_counter()
    x_w = spot.x_w if given_x_w is None else given_x_w
    raman_fit = fit_tmd_raman(Spectrum(shift, raman.counts), x_w, spot.y_se, spot.substrate,
                              crossed=Spectrum(shift, crossed.counts))
    raman_s = time.perf_counter() - started
    started = time.perf_counter()
    pl_fit = fit_pl(pl_spectrum(pl_nm, pl.counts), exposure_s)
    pl_s = time.perf_counter() - started
    e_name, a_name = raman_fit.pair if raman_fit.has_tmd else layer_pair(spot.x_w, spot.y_se)  # the pair used
    return Case(spot, exposure_s, raman_fit, pl_fit, _true_center(raman.peaks, e_name),
                _true_center(raman.peaks, a_name), _true_center(pl.peaks, "A"), raman_s, pl_s)


def _stats(errors: list[float], sigmas: list[float]) -> dict[str, float]:
    """95th percentile and maximum of |error|, and the share of errors within 2σ."""
    errors, sigmas = np.abs(np.asarray(errors)), np.asarray(sigmas)
    if not errors.size:
        return {"n": 0}
    return {"n": int(errors.size), "p95": round(float(np.percentile(errors, 95)), 4),
            "max": round(float(errors.max()), 4), "within_2_sigma": round(float(np.mean(errors <= 2 * sigmas)), 3)}


def _by_family(cases: list[Case], errors: list[tuple[float, float]]) -> dict[str, dict]:
    """:func:`_stats` per family of ``errors``: blocks of one (error, σ) per case, in the order of ``cases``."""
    grouped: dict[str, list[tuple[float, float]]] = {}
    for i, error in enumerate(errors):
        grouped.setdefault(_family(cases[i % len(cases)].spot), []).append(error)
    return {family: _stats(*zip(*found, strict=True)) for family, found in sorted(grouped.items())}


def _unlocated(pl: PlFit) -> bool:
    """Whether the A band was seen (height > 5σ) but not located well enough to count as detected (fit_pl)."""
    a = pl.peaks.get("A")
    return bool(pl.fitted and not pl.has_pl and a is not None and a.height > A_DETECTION_SIGMA * a.height_err)


def _family(spot: TmdSpot) -> str:
    if spot.y_se > 0.5:
        return "W-rich selenide" if spot.x_w > 0.6 else "selenide"
    return "sulfide alloy" if 0.0 < spot.x_w < 1.0 or spot.y_se > 0.0 else "sulfide end member"


def summarize(cases: list[Case]) -> dict:
    """The benchmark figures (module docstring) from the analysed cases."""
    film = [c for c in cases if c.spot.layers and c.raman.has_tmd]
    positions = [(c.raman.e12g - c.true_e12g, c.raman.e12g_err) for c in film]
    positions += [(c.raman.a1g - c.true_a1g, c.raman.a1g_err) for c in film]
    deltas = [(c.raman.delta - (c.true_a1g - c.true_e12g), c.raman.delta_err) for c in film]
    lit = [c for c in cases if c.spot.layers and c.pl.has_pl]
    pl_errors = [(1e3 * (c.pl.a_ev - c.true_a_ev), 1e3 * c.pl.a_ev_err) for c in lit]
    raman_errs = [(c.raman.e12g_err, c.raman.a1g_err, c.raman.delta_err) for c in film]
    raman_errs += [(p.center_err, p.fwhm_err, p.height_err, p.area_err) for c in film
                   for p in (*c.raman.peaks.values(), *c.raman.crossed_peaks.values())]
    pl_errs = [(c.pl.a_ev_err, c.pl.fwhm_mev_err, c.pl.intensity_cps_err) for c in lit]
    with_uncertainty = [all(math.isfinite(e) and e > 0 for e in errs) for errs in raman_errs + pl_errs]
    by_family: dict[str, list[bool]] = {}
    for c in cases:
        by_family.setdefault(_family(c.spot), []).append(c.raman.layers == c.spot.layers)
    pl_by_layers = {layers: [c.pl.has_pl for c in cases if c.spot.layers == layers] for layers in range(4)}
    unlocated = {layers: [_unlocated(c.pl) for c in cases if c.spot.layers == layers] for layers in range(1, 4)}
    return {
        "spectra": len(cases),
        "film_spots": sum(1 for c in cases if c.spot.layers),
        "film_detected": len(film),
        "false_film": sum(1 for c in cases if not c.spot.layers and c.raman.has_tmd),
        "raman_unfit": sum(1 for c in cases if not c.raman.fitted),
        "pl_unfit": sum(1 for c in cases if not c.pl.fitted),
        "pl_detected": len(lit),
        "raman_position_cm1": _stats(*zip(*positions, strict=True)) if positions else {"n": 0},
        "delta_cm1": _stats(*zip(*deltas, strict=True)) if deltas else {"n": 0},
        "pl_peak_mev": _stats(*zip(*pl_errors, strict=True)) if pl_errors else {"n": 0},
        "raman_position_by_family_cm1": _by_family(film, positions),
        "delta_by_family_cm1": _by_family(film, deltas),
        "pl_peak_by_family_mev": _by_family(lit, pl_errors),
        "pl_detected_by_layers": {str(k): round(float(np.mean(v)), 4) for k, v in pl_by_layers.items() if v},
        "pl_unlocated_by_layers": {str(k): round(float(np.mean(v)), 4) for k, v in unlocated.items() if v},
        "layer_accuracy": round(float(np.mean([c.raman.layers == c.spot.layers for c in cases])), 4),
        "layer_accuracy_by_family": {k: round(float(np.mean(v)), 4) for k, v in sorted(by_family.items())},
        "uncertainty_fraction": round(float(np.mean(with_uncertainty)), 4) if with_uncertainty else math.nan,
        "raman_fit_ms": round(1e3 * float(np.mean([c.raman_s for c in cases])), 2),
        "pl_fit_ms": round(1e3 * float(np.mean([c.pl_s for c in cases])), 2),
    }


def intended_mismatch(n_spectra: int, rng: np.random.Generator) -> dict:
    """Mo(1−x)W(x)S2 films of x uniform in 0.15–0.85 analysed as the intended x = 0.5 (the powder's share in
    an alloy campaign, not the film's): layer accuracy and |error| of the measured W fraction."""
    cases = []
    for _ in range(n_spectra):
        spot = TmdSpot(int(rng.integers(1, 4)), float(rng.uniform(0.15, 0.85)), 0.0,
                       float(10 ** rng.uniform(11.0, 13.5)), str(rng.choice(["SiO2/Si", "sapphire"])))
        cases.append(analyse(spot, float(10 ** rng.uniform(0.0, 1.0)), rng, given_x_w=0.5))
    film = [c for c in cases if c.raman.has_tmd]
    return {"spectra": n_spectra,
            "layer_accuracy": round(float(np.mean([c.raman.layers == c.spot.layers for c in cases])), 4),
            "x_w": _stats([c.raman.x_w - c.spot.x_w for c in film], [c.raman.x_w_err for c in film])}


def run(n_spectra: int, seed: int) -> dict:
    """Draw, simulate and analyse ``n_spectra`` spots; the figures and whether each target is met."""
    rng = np.random.default_rng(seed)
    cases = [analyse(draw_spot(rng), float(10 ** rng.uniform(0.0, 1.0)), rng) for _ in range(n_spectra)]
    figures = summarize(cases)
    figures["alloy_analysed_as_intended_x_0.5"] = intended_mismatch(n_spectra // 5, rng)
    measured = {
        "raman_position_max_cm1": figures["raman_position_cm1"].get("max", math.inf),
        "delta_max_cm1": figures["delta_cm1"].get("max", math.inf),
        "pl_peak_max_mev": figures["pl_peak_mev"].get("max", math.inf),
        "layer_accuracy": figures["layer_accuracy"],
        "uncertainty_fraction": figures["uncertainty_fraction"],
    }
    figures["targets_met"] = {
        name: bool(value >= TARGETS[name] if name in ("layer_accuracy", "uncertainty_fraction")
                   else value <= TARGETS[name])
        for name, value in measured.items()
    }
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spectra", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, default=Path(__file__).parent / "results" / "analysis.json")
    args = parser.parse_args()
    figures = run(args.spectra, args.seed)
    print(json.dumps(figures, indent=1))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(figures, indent=1))


if __name__ == "__main__":
    main()
