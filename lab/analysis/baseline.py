"""Baseline (background) removal for displaying and exporting Raman spectra.

Uses the asymmetrically reweighted penalized least squares of ``pybaselines`` (arPLS). The graphene band
fits do not use it: a global baseline takes part of the Lorentzian tails of broad bands with it, which on
simulated spectra biased fitted bilayer 2D widths low by ≈ 3 cm⁻¹ at ``lam = 1e7`` (≈ 12 cm⁻¹ at 1e5),
while the local polynomial background fitted together with the bands
(:func:`lab.analysis.peaks.fit_lorentzians`) is unbiased.
"""

from __future__ import annotations

from lab.analysis.spectrum import Spectrum


def remove_baseline(spectrum: Spectrum, lam: float = 1e7) -> Spectrum:
    """``spectrum`` minus its arPLS baseline; larger ``lam`` (smoothness, per pixel²) gives a stiffer one."""
    from pybaselines import Baseline  # imported here: it takes ~2 s (scipy.signal, scipy.stats), fits never need it

    baseline, _ = Baseline(spectrum.shift).arpls(spectrum.counts, lam=lam)
    return Spectrum(spectrum.shift, spectrum.counts - baseline)
