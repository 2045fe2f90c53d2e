"""Analyse every spectrum of a lab's files: the material's bands fitted over the range each spectrum covers, one
flat record per spectrum (per map pixel), in parallel over processes.

A record's ``status`` is ``fitted`` (the material is there and its figures are given), ``absent`` (the spectrum
has no such material: its bands were not detected, or the window is dominated by bands the material does not
have, as in a polymer), ``unfit`` (the fit failed), or ``not covered`` (the spectrum misses the material's
bands). ``missing`` names each figure the range cannot support and why; such figures are empty, never guessed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from typing import Any

import numpy as np

from lab.analysis import GrapheneFit, Spectrum, fit_pl, fit_tmd_raman
from lab.analysis.graphene import D_G_WINDOW, fit_graphene_spectra
from lab.spectra.records import RawSpectrum

EXPLAINED = 2.0  # the fit residual may be this × the pixel noise (graphene: ≤ 1.1 in 99 % of simulated spots)
CHUNK = 256  # spectra analysed together (a task of a worker process)
PARALLEL_FROM = 5000  # spectra from which worker processes are started: starting them (a forkserver that imports
# the analysis, then each worker the caller's main module, ~3 s for `sdlab`) pays only beyond what ~5000 graphene
# spectra take to fit in this process (~6 s)


@dataclass(frozen=True)
class Target:
    """What to look for: the material (``kind`` graphene or tmd, its composition) and how it was measured."""

    material: str = "graphene"
    kind: str = "graphene"
    x_w: float = 0.0
    y_se: float = 0.0
    substrate: str = "SiO2/Si"
    laser_nm: float | None = None
    exposure_s: float = 1.0


def pixel_noise(counts: np.ndarray) -> float:
    """The counts' pixel-to-pixel noise (robust: the median absolute second difference, scaled to a Gaussian σ)."""
    second = np.diff(np.asarray(counts, dtype=float), 2)
    return float(np.median(np.abs(second - np.median(second))) * 1.4826 / math.sqrt(6.0))


def _round(record: dict[str, Any]) -> dict[str, Any]:
    return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in record.items()}


def _graphene(fit: GrapheneFit, spectrum: Spectrum) -> dict[str, Any]:
    record: dict[str, Any] = {"layers": fit.layers, "i2d_ig": fit.i2d_ig, "i2d_ig_err": fit.i2d_ig_err,
                              "id_ig": fit.id_ig, "id_ig_err": fit.id_ig_err, "fwhm_2d": fit.fwhm_2d,
                              "l_d_nm": fit.l_d_nm, "l_a_nm": fit.l_a_nm}
    for band, key in (("D", "d"), ("G", "g"), ("2D", "2d")):
        peak = fit.peaks.get(band)
        record[f"{key}_center"] = peak.center if peak is not None and fit.has_graphene else math.nan
    window = (spectrum.shift >= D_G_WINDOW[0]) & (spectrum.shift <= D_G_WINDOW[1])
    if not fit.fitted:
        status, reason = "unfit", "the bands could not be fitted"
    elif not fit.has_graphene:
        status, reason = "absent", "no G band above 5× the noise"
    elif fit.noise > EXPLAINED * pixel_noise(spectrum.counts[window]):
        status, reason = "absent", (f"bands the graphene model lacks dominate 1200–1720 cm⁻¹ (fit residual "
                                    f"{fit.noise / pixel_noise(spectrum.counts[window]):.0f}× the noise)")
    else:
        status, reason = "fitted", ""
    if status != "fitted":
        record = dict.fromkeys(record, math.nan) | {"layers": 0}
    return {"status": status, "reason": reason, **record, "missing": fit.missing if status == "fitted" else {}}


def _tmd(spectrum: Spectrum, target: Target) -> dict[str, Any]:
    fit = fit_tmd_raman(spectrum, target.x_w, target.y_se, target.substrate)
    status = "unfit" if not fit.fitted else "fitted" if fit.has_tmd else "absent"
    reason = {"unfit": "the bands could not be fitted", "absent": "no A1g mode above 5× the noise"}.get(status, "")
    return {"status": status, "reason": reason, "layers": fit.layers, "e12g": fit.e12g, "a1g": fit.a1g,
            "delta": fit.delta, "delta_err": fit.delta_err, "x_w": fit.x_w, "missing": {}}


def _pl(spectrum: Spectrum, target: Target) -> dict[str, Any]:
    fit = fit_pl(spectrum, target.exposure_s)
    status = "unfit" if not fit.fitted else "fitted" if fit.has_pl else "absent"
    reason = {"unfit": "the bands could not be fitted", "absent": "no A exciton located to 5 meV"}.get(status, "")
    return {"status": status, "reason": reason, "pl_gap_ev": fit.a_ev, "pl_gap_ev_err": fit.a_ev_err,
            "pl_fwhm_mev": fit.fwhm_mev, "b_ev": fit.b_ev, "missing": {}}


def analyze_spectrum(raw: RawSpectrum, target: Target) -> dict[str, Any]:
    """The record of one spectrum (module docstring): name, position, what was fitted, the figures (None where
    they do not apply) and ``missing`` (figure → reason, as one text)."""
    return analyze_together([raw], target)[0]


def _failed(exc: ValueError) -> dict[str, Any]:
    return {"status": "not covered" if "must cover" in str(exc) else "unreadable", "reason": str(exc), "missing": {}}


def _record(raw: RawSpectrum, target: Target, found: dict[str, Any]) -> dict[str, Any]:
    base: dict[str, Any] = {"spectrum": raw.name, "x": raw.x, "y": raw.y,
                            "measurement": "pl" if raw.unit == "eV" else "raman", "material": target.material}
    found["missing"] = "; ".join(f"{k}: {v}" for k, v in found["missing"].items())
    return _round(base | found)


def analyze_together(raws: Sequence[RawSpectrum], target: Target) -> list[dict[str, Any]]:
    """The records of ``raws`` (as :func:`analyze_spectrum`), in this process; graphene Raman spectra on one axis
    (a map's pixels) fitted together (:func:`lab.analysis.graphene.fit_graphene_spectra`)."""
    found: list[dict[str, Any]] = [{}] * len(raws)
    on_axis: dict[bytes, list[tuple[int, Spectrum]]] = {}  # graphene Raman spectra by their axis
    for i, raw in enumerate(raws):
        try:
            spectrum = raw.spectrum(target.laser_nm)
            if raw.unit == "eV":
                found[i] = _pl(spectrum, target)
            elif target.kind == "graphene":
                on_axis.setdefault(spectrum.shift.tobytes(), []).append((i, spectrum))
            else:
                found[i] = _tmd(spectrum, target)
        except ValueError as exc:
            found[i] = _failed(exc)
    for group in on_axis.values():
        spectra = [spectrum for _, spectrum in group]
        try:
            fits = fit_graphene_spectra(spectra[0].shift, np.array([spectrum.counts for spectrum in spectra]))
        except ValueError as exc:
            for i, _ in group:
                found[i] = _failed(exc)
            continue
        for (i, spectrum), fit in zip(group, fits, strict=True):
            found[i] = _graphene(fit, spectrum)
    return [_record(raw, target, record) for raw, record in zip(raws, found, strict=True)]


def _chunk(raws: Sequence[RawSpectrum], target: Target) -> list[dict[str, Any]]:
    from lab.analysis.peaks import _BLAS  # one BLAS thread per worker process: the processes are the parallelism

    with _BLAS.limit(limits=1):
        return analyze_together(raws, target)


def analyze(raws: Sequence[RawSpectrum], target: Target, workers: int | None = None,
            progress: Callable[[int], None] | None = None) -> list[dict[str, Any]]:
    """The records of ``raws`` in their order, fitted in ``workers`` processes (default: the CPUs; 1, or fewer
    than :data:`PARALLEL_FROM` spectra: in this process); ``progress(n)`` is told of every ``n`` spectra done."""
    workers = workers or os.cpu_count() or 1
    chunks = [raws[i:i + CHUNK] for i in range(0, len(raws), CHUNK)]
    if workers == 1 or len(raws) < PARALLEL_FROM:
        return list(_each(map(_chunk, chunks, [target] * len(chunks)), progress))
    context = get_context("forkserver")  # not fork: the caller may have started threads (torch, Prefect)
    context.set_forkserver_preload(["lab.spectra.analyze"])  # workers fork from a server that has scipy loaded
    with ProcessPoolExecutor(min(workers, len(chunks)), mp_context=context) as pool:
        return list(_each(pool.map(_chunk, chunks, [target] * len(chunks)), progress))


def _each(results: Iterable[list[dict[str, Any]]], progress: Callable[[int], None] | None):
    for records in results:
        if progress is not None:
            progress(len(records))
        yield from records
