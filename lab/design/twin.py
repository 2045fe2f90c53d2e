"""A fast stand-in for a synthesis campaign in the TMD twin: grow a composition, measure its PL band gap.

``TwinCampaign(world_seed)`` is a ``planners.materials.discovery.Measure``: ``campaign("Mo0.5W0.5S2", seed)``
returns the measured A-exciton energy (eV) of a film of that composition, or None when nothing grew. It
stands in for a synthesis campaign that has converged, in milliseconds instead of a full Prefect campaign:

1. Recipe. ``simulators.tmd.standard_recipe`` with the twin's hidden constants: the best of a coarse grid of
   standard two-zone recipes, with the powder shares solved so the film has the candidate's composition.
   This is what a campaign that has converged would grow; it reads the twin's hidden constants, which a
   real campaign learns by experiment.
2. Growth. Runs of that recipe, each with a run-to-run nucleation activity drawn from ``seed``
   (``simulators.tmd.grow``), until one gives a PL measurement (step 3), at most ``attempts``; else None.
3. Measurement. PL spectra of ``spots`` random spots (``simulators.tmd_spectra.synthesize_pl``) fitted by
   ``lab.analysis.pl.fit_pl``; monolayer spots are the bright ones (bilayers are ≥ 10× dimmer), so the
   measured gap is the median A-exciton energy of the spots at least ``MONOLAYER_BRIGHTNESS`` times as bright
   as the brightest. None when no spot shows PL (e.g. a sparse film whose random spots all miss it).

The twin grows Mo/W sulfides and selenides; a composition with Te raises ValueError.
"""

from __future__ import annotations

import functools

import numpy as np
from threadpoolctl import threadpool_limits

from lab.analysis.pl import fit_pl, pl_spectrum
from planners.materials.chemistry import Candidate
from simulators.spectra import wavelength_axis
from simulators.tmd import TmdRecipe, TmdSample, TmdTruth, grow, standard_recipe
from simulators.tmd_spectra import PL_SPECTROMETER, synthesize_pl

MONOLAYER_BRIGHTNESS = 0.3
EXPOSURE_S = 1.0


def measure_gap(sample: TmdSample, spots: int, rng: np.random.Generator) -> float | None:
    """Median A-exciton energy (eV) of the bright (monolayer) spots of a PL map, None without PL (module docs)."""
    wavelengths = wavelength_axis(PL_SPECTROMETER)
    found = []
    for spot in sample.spots(spots, rng):
        if spot.layers == 0:
            continue
        counts = synthesize_pl(spot, wavelengths, EXPOSURE_S, rng).counts
        fit = fit_pl(pl_spectrum(wavelengths, counts), EXPOSURE_S)
        if fit.has_pl:
            found.append((fit.intensity_cps, fit.a_ev))
    if not found:
        return None
    brightest = max(intensity for intensity, _ in found)
    return float(np.median([a for intensity, a in found if intensity >= MONOLAYER_BRIGHTNESS * brightest]))


class TwinCampaign:
    """``campaign(formula, seed) -> measured gap (eV) | None`` in the TMD twin world ``world_seed`` (module docs)."""

    def __init__(self, world_seed: int = 0, spots: int = 16, attempts: int = 6) -> None:
        if spots < 1 or attempts < 1:
            raise ValueError(f"spots and attempts must be at least 1, got {spots} and {attempts}")
        self.truth = TmdTruth.draw(world_seed)
        self.world_seed = world_seed
        self.spots = spots
        self.attempts = attempts
        self._recipe = functools.lru_cache(maxsize=None)(functools.partial(standard_recipe, self.truth))

    def recipe(self, formula: str) -> TmdRecipe:
        """The recipe grown for ``formula``."""
        candidate = Candidate.from_formula(formula)
        if "Te" in candidate.elements:
            raise ValueError(f"{formula}: the simulated TMD lab grows Mo/W sulfides and selenides only (no Te)")
        fractions = dict(candidate.metals) | dict(candidate.chalcogens)
        return self._recipe(fractions.get("W", 0.0), fractions.get("Se", 0.0))

    def __call__(self, formula: str, seed: int) -> float | None:
        recipe = self.recipe(formula)
        rng = np.random.default_rng([self.world_seed, seed])
        for _ in range(self.attempts):
            sample = grow(self.truth, recipe.conditions(), 60.0 * recipe.growth_min, self.truth.draw_activity(rng))
            if not sample.grew:
                continue
            with threadpool_limits(limits=1, user_api="blas"):  # small least-squares fits crawl with BLAS threads
                gap = measure_gap(sample, self.spots, rng)
            if gap is not None:
                return gap
        return None
