"""Inverse design of TMD monolayers: generate candidates, screen them with a band-gap model, relax with CHGNet.

A pure library (no imports from lab, devices or simulators; no knowledge of $SDLAB_HOME: callers pass a
cache directory)::

    from planners.materials import (BandgapEnsemble, Candidate, Measurement, Relaxer, discovery_loop,
                                    literature_bandgaps, propose)

    model = BandgapEnsemble(seed=0).fit(literature_bandgaps())
    table = propose("bandgap_ev=1.70", "Mo-based, S/Se mix", model, Relaxer(cache_dir), top_k=3)
    model.update([Measurement(Candidate.from_formula("MoS1Se1"), 1.72)])   # a PL result from the lab
    rounds = discovery_loop("bandgap_ev=1.70±0.03", "no Te", model, Relaxer(cache_dir), measure)

Modules: ``chemistry`` (compositions), ``constraints`` (text → constraints, targets), ``generate``
(compositions and structures), ``relax`` (CHGNet, cached), ``stability`` (mixing energy, hull),
``measurements`` and ``surrogate`` (band-gap data and deep ensemble), ``acquisition``, ``screen``,
``design`` (the whole step), ``discovery`` (design → synthesize → learn, with an injected ``measure``),
``superconductors`` (McMillan–Allen–Dynes Tc), ``threads`` (thread limits for small torch work).
"""

from planners.materials.acquisition import expected_improvement, probability_within, stability_weight
from planners.materials.chemistry import CHALCOGENS, METALS, SPECIES, Candidate, composition_matrix
from planners.materials.constraints import DesignConstraints, Target, parse_constraints, parse_target
from planners.materials.design import propose
from planners.materials.discovery import Measure, Round, discovery_loop
from planners.materials.generate import build_structure, generate_candidates, orderings, smallest_supercell, unit_cell
from planners.materials.measurements import Measurement, literature_bandgaps
from planners.materials.relax import Relaxation, Relaxer, load_chgnet
from planners.materials.screen import screen
from planners.materials.stability import Stability, assess_stability, stability_from_energies
from planners.materials.superconductors import mcmillan_allen_dynes_tc, screen_superconductors
from planners.materials.surrogate import BandgapEnsemble, features

__all__ = [
    "CHALCOGENS",
    "METALS",
    "SPECIES",
    "BandgapEnsemble",
    "Candidate",
    "DesignConstraints",
    "Measure",
    "Measurement",
    "Relaxation",
    "Relaxer",
    "Round",
    "Stability",
    "Target",
    "assess_stability",
    "build_structure",
    "composition_matrix",
    "discovery_loop",
    "expected_improvement",
    "features",
    "generate_candidates",
    "literature_bandgaps",
    "load_chgnet",
    "mcmillan_allen_dynes_tc",
    "orderings",
    "parse_constraints",
    "parse_target",
    "probability_within",
    "propose",
    "screen",
    "screen_superconductors",
    "smallest_supercell",
    "stability_from_energies",
    "stability_weight",
    "unit_cell",
]
