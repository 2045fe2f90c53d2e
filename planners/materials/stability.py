"""Alloy stability from CHGNet energies: mixing energy against the end members and the convex hull.

* Mixing energy (eV/atom): E(alloy) − Σ_M Σ_X x_M y_X E(MX2), all per formula unit then divided by 3 —
  the reference is the bilinear interpolation of the end members, exact for one mixed sublattice and the
  usual reference for the reciprocal system (Mo,W)(S,Se,Te)2.
* Energy above hull (eV/atom): distance to the lower convex hull of all monolayers given (end members,
  alloys, every ordering), computed with ``pymatgen.analysis.phase_diagram.PhaseDiagram``. Only monolayers
  compete: bulk phases and elements are not modelled. pymatgen needs an entry per element, so each element
  gets a placeholder entry 10 eV/atom above the highest monolayer energy, which can never touch the hull of
  the MX2 compositions (hull distances are unchanged by any linear function of composition, so only
  energy differences between monolayers matter).
* Entropic stabilization T·S_ideal (eV/atom): ideal configurational entropy of a random alloy at the growth
  temperature. ``instability = max(0, e_above_hull − T·S_ideal)`` is the free-energy penalty screening uses.

``stability_from_energies`` is the pure computation; ``assess_stability`` relaxes what it needs with a
``Relaxer`` (end members as 3-atom cells, alloys as supercells) and calls it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from pymatgen.analysis.phase_diagram import PDEntry, PhaseDiagram
from pymatgen.core import Composition

from planners.materials.chemistry import BOLTZMANN_EV, Candidate, composition_matrix, ideal_mixing_entropy
from planners.materials.generate import Ordering, build_structure, orderings
from planners.materials.relax import Relaxer

GROWTH_TEMPERATURE_K = 1000.0
"""Default temperature for the entropic term (≈ 730 °C, the median MoS2 CVD growth temperature)."""
_PLACEHOLDER_EV = 10.0


@dataclass(frozen=True)
class Stability:
    """Stability figures of one composition (energies in eV/atom; the lowest-energy ordering counts)."""

    formula: str
    energy_per_atom: float
    mixing_energy: float
    e_above_hull: float
    entropy_term: float
    temperature_k: float

    @property
    def instability(self) -> float:
        """Free-energy penalty ``max(0, e_above_hull − T·S_ideal)`` (eV/atom)."""
        return max(0.0, self.e_above_hull - self.entropy_term)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serializable description (inverse of ``Stability.from_dict``)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Stability:
        """Rebuild from ``as_dict()``."""
        return cls(**data)


def stability_from_energies(
    energies: Mapping[Candidate, float | Sequence[float]], temperature_k: float = GROWTH_TEMPERATURE_K
) -> dict[Candidate, Stability]:
    """Stability of every candidate from CHGNet energies per atom (one value, or one per ordering).

    ``energies`` must include every end member spanned by the candidates' elements (ValueError names the
    missing ones).
    """
    if not temperature_k >= 0:
        raise ValueError(f"temperature_k must be non-negative, got {temperature_k}")
    lowest = {c: float(np.min(e)) for c, e in energies.items()}
    needed = {m for c in lowest for m in c.end_members()}
    missing = sorted(m.formula for m in needed - set(lowest))
    if missing:
        raise ValueError(f"end-member energies missing for {', '.join(missing)} (relax them first)")
    entries = {
        c: [PDEntry(c.composition, 3 * float(e)) for e in np.atleast_1d(np.asarray(energies[c], dtype=float))]
        for c in lowest
    }
    elements = sorted({e for c in lowest for e in c.elements})
    ceiling = max(lowest.values()) + _PLACEHOLDER_EV
    placeholders = [PDEntry(Composition(e), ceiling) for e in elements]
    diagram = PhaseDiagram([*placeholders, *(entry for group in entries.values() for entry in group)])
    entropy = ideal_mixing_entropy(composition_matrix(list(lowest))) * BOLTZMANN_EV * temperature_k
    result = {}
    for (candidate, energy), t_s in zip(lowest.items(), entropy, strict=True):
        reference = sum(
            xm * yx * lowest[Candidate(((m, 1.0),), ((x, 1.0),))]
            for m, xm in candidate.metals
            for x, yx in candidate.chalcogens
        )
        e_hull = min(diagram.get_e_above_hull(entry, allow_negative=True) for entry in entries[candidate])
        result[candidate] = Stability(
            formula=candidate.formula,
            energy_per_atom=energy,
            mixing_energy=energy - reference,
            e_above_hull=max(0.0, float(e_hull)),
            entropy_term=float(t_s),
            temperature_k=float(temperature_k),
        )
    return result


def assess_stability(
    candidates: Iterable[Candidate],
    relaxer: Relaxer,
    *,
    supercell: tuple[int, int] | None = None,
    ordering: Ordering = "sqs",
    n_orderings: int = 1,
    seed: int = 0,
    temperature_k: float = GROWTH_TEMPERATURE_K,
) -> dict[Candidate, Stability]:
    """Relax the candidates (``n_orderings`` arrangements each) and their end members; return their stability.

    End members are relaxed as 3-atom cells; alloys in ``supercell`` (default: the smallest square one
    holding the composition). Results are cached by the relaxer, so repeating a screen is instant.
    """
    candidates = list(dict.fromkeys(candidates))
    end_members = {m for c in candidates for m in c.end_members()}
    energies: dict[Candidate, float | list[float]] = {
        m: relaxer.relax(build_structure(m)).energy_per_atom for m in sorted(end_members, key=str)
    }
    for candidate in candidates:
        if candidate.is_end_member:
            continue
        structures = orderings(candidate, n_orderings, supercell=supercell, ordering=ordering, seed=seed,
                               trials=max(200, n_orderings))
        energies[candidate] = [relaxer.relax(s).energy_per_atom for s in structures]
    stability = stability_from_energies(energies, temperature_k)
    return {c: stability[c] for c in candidates}
