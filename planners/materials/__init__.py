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
``measurements`` and ``surrogate`` (band-gap data and deep ensemble), ``screen`` (acquisition functions and the
ranking), ``discovery`` (the design step, and design → synthesize → learn with an injected ``measure``),
``superconductors`` (McMillan–Allen–Dynes Tc), ``threads`` (thread limits for small torch work).

Each name is imported from its module on first use, so that the light parts (parsing a target or constraints)
do not load torch, CHGNet and pymatgen's structure tools.
"""

import importlib
import sys
import types
from typing import Any

_MODULES = {  # exported name → the module of this package that defines it
    "expected_improvement": "screen", "probability_within": "screen", "stability_weight": "screen",
    "CHALCOGENS": "chemistry", "Candidate": "chemistry", "METALS": "chemistry", "SPECIES": "chemistry",
    "composition_matrix": "chemistry",
    "DesignConstraints": "constraints", "Target": "constraints", "parse_constraints": "constraints",
    "parse_target": "constraints",
    "propose": "discovery",
    "Measure": "discovery", "Round": "discovery", "discovery_loop": "discovery",
    "build_structure": "generate", "generate_candidates": "generate", "orderings": "generate",
    "smallest_supercell": "generate", "unit_cell": "generate",
    "Measurement": "measurements", "literature_bandgaps": "measurements",
    "Relaxation": "relax", "Relaxer": "relax", "load_chgnet": "relax",
    "screen": "screen",
    "Stability": "stability", "assess_stability": "stability", "stability_from_energies": "stability",
    "mcmillan_allen_dynes_tc": "superconductors", "screen_superconductors": "superconductors",
    "BandgapEnsemble": "surrogate", "features": "surrogate",
}
__all__ = sorted(_MODULES)


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_MODULES[name]}"), name)


def __dir__() -> list[str]:
    return __all__


class _Package(types.ModuleType):
    """This package: importing a submodule does not bind it over the function of the same name (``screen``)."""

    def __setattr__(self, name: str, value: Any) -> None:
        if not (name in _MODULES and isinstance(value, types.ModuleType)):
            super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
