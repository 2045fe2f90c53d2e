"""Candidate generation: compositions on a grid under constraints, and 1H-MX2 monolayer structures.

``generate_candidates("Mo-based, S/Se mix", step=0.25)`` enumerates the compositions allowed by the
constraints; ``build_structure(candidate)`` turns one into a pymatgen Structure: the 1H (P-6m2) cell with
vacuum along c, a supercell (pymatgen ``SupercellTransformation``) large enough to hold the composition
exactly, and substitutional species placed by an ordering:

* ``"random"``: one random arrangement of the species on each sublattice (seeded);
* ``"sqs"``: special-quasi-random-like — of ``trials`` random arrangements, the one whose nearest-neighbour
  pair statistics on each sublattice are closest to those of an ideal random alloy (for pair types A–B
  the expected share of neighbour pairs is p_A·p_B per ordered pair).

``orderings(candidate, count)`` returns the ``count`` best distinct arrangements, for sampling the
configurational spread of an alloy's energy. Everything is deterministic for a seed.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from pymatgen.core import Lattice, Structure
from pymatgen.transformations.standard_transformations import SupercellTransformation

from planners.materials.chemistry import CHALCOGENS, METALS, Candidate, composition_grid
from planners.materials.constraints import DesignConstraints, parse_constraints

Ordering = Literal["sqs", "random"]
VACUUM = 15.0
"""Default vacuum (Å) between periodic images of the monolayer along c."""
MAX_SUPERCELL = 8


def generate_candidates(constraints: DesignConstraints | str = "", step: float = 0.25) -> list[Candidate]:
    """Every composition on a grid of fraction ``step`` (per sublattice) that satisfies ``constraints``.

    ``constraints`` is a ``DesignConstraints`` or the text ``parse_constraints`` reads. ValueError when
    ``1/step`` is not a whole number or when no grid point satisfies the constraints (name a finer step).
    """
    if isinstance(constraints, str):
        constraints = parse_constraints(constraints)
    divisions = round(1 / step) if isinstance(step, int | float) and step > 0 else 0
    if divisions < 1 or not math.isclose(divisions * step, 1.0, rel_tol=1e-9):
        raise ValueError(f"step must be 1/n for a whole number n (e.g. 0.25, 0.1), got {step!r}")
    grid = composition_grid(constraints.allowed, divisions)
    rows = grid[constraints.mask(grid)]
    if not len(rows):
        raise ValueError(
            f"no composition on a grid of step {step} satisfies {constraints.text!r}; try a finer step"
        )
    return [Candidate.from_vector(row) for row in rows]


def _counts(fractions: tuple[tuple[str, float], ...], sites: int) -> dict[str, int] | None:
    counts = {e: x * sites for e, x in fractions}
    if any(abs(n - round(n)) > 1e-6 for n in counts.values()):
        return None
    return {e: round(n) for e, n in counts.items()}


def smallest_supercell(candidate: Candidate, max_size: int = MAX_SUPERCELL) -> tuple[int, int]:
    """The smallest n×n in-plane supercell that holds the composition exactly (ValueError beyond ``max_size``)."""
    for n in range(1, max_size + 1):
        if _counts(candidate.metals, n * n) is not None and _counts(candidate.chalcogens, 2 * n * n) is not None:
            return n, n
    raise ValueError(
        f"{candidate.formula} needs a supercell larger than {max_size}×{max_size}; use a coarser composition step"
    )


def unit_cell(candidate: Candidate, vacuum: float = VACUUM) -> Structure:
    """The 3-atom 1H cell (P-6m2 for an end member) with Vegard a and thickness; alloys get the majority species."""
    if vacuum <= 0:
        raise ValueError(f"vacuum must be positive, got {vacuum}")
    a, t = candidate.lattice_a, candidate.thickness
    c = t + vacuum
    metal = max(candidate.metals, key=lambda p: p[1])[0]
    chalcogen = max(candidate.chalcogens, key=lambda p: p[1])[0]
    coords = [[0.0, 0.0, 0.5], [1 / 3, 2 / 3, 0.5 + t / (2 * c)], [1 / 3, 2 / 3, 0.5 - t / (2 * c)]]
    return Structure(Lattice.hexagonal(a, c), [metal, chalcogen, chalcogen], coords)


class _Sublattice:
    """The sites of one sublattice of a supercell, its neighbour pairs (within 1.1 a) and the species to place."""

    def __init__(self, host: Structure, symbols: tuple[str, ...], counts: dict[str, int], a: float) -> None:
        self.sites = np.array([i for i, site in enumerate(host) if site.specie.symbol in symbols])
        self.species = list(counts)
        self.base = np.repeat(np.arange(len(counts)), list(counts.values()))
        position = {site: k for k, site in enumerate(self.sites)}
        centres, neighbours, _, _ = host.get_neighbor_list(1.1 * a)
        pairs = [(position[i], position[j]) for i, j in zip(centres, neighbours, strict=True)
                 if i in position and j in position]
        self.pairs = np.array(pairs, dtype=int).reshape(-1, 2)
        p = np.array(list(counts.values())) / len(self.base)
        self.expected = np.outer(p, p).ravel()

    def deviation(self, assignments: np.ndarray) -> np.ndarray:
        """Squared deviation of each assignment's neighbour-pair shares from the random-alloy shares."""
        k = len(self.species)
        if k == 1 or not len(self.pairs):
            return np.zeros(len(assignments))
        codes = assignments[:, self.pairs[:, 0]] * k + assignments[:, self.pairs[:, 1]]
        codes += np.arange(len(assignments))[:, None] * k * k
        shares = np.bincount(codes.ravel(), minlength=len(assignments) * k * k).reshape(-1, k * k)
        return ((shares / len(self.pairs) - self.expected) ** 2).sum(axis=1)


def _host(candidate: Candidate, supercell: tuple[int, int] | None, vacuum: float) -> Structure:
    n, m = supercell if supercell is not None else smallest_supercell(candidate)
    if not (isinstance(n, int) and isinstance(m, int) and n >= 1 and m >= 1):
        raise ValueError(f"supercell must be two positive integers, got {supercell!r}")
    if _counts(candidate.metals, n * m) is None or _counts(candidate.chalcogens, 2 * n * m) is None:
        raise ValueError(
            f"a {n}×{m} supercell cannot hold {candidate.formula} exactly "
            f"(smallest square one: {'×'.join(map(str, smallest_supercell(candidate)))})"
        )
    return SupercellTransformation.from_scaling_factors(n, m, 1).apply_transformation(unit_cell(candidate, vacuum))


def orderings(
    candidate: Candidate,
    count: int = 1,
    *,
    supercell: tuple[int, int] | None = None,
    ordering: Ordering = "sqs",
    seed: int = 0,
    trials: int = 200,
    vacuum: float = VACUUM,
) -> list[Structure]:
    """Up to ``count`` distinct arrangements of ``candidate`` in a supercell, best (most random-like) first.

    ``supercell`` (n, m) defaults to the smallest square one that holds the composition. With
    ``ordering="random"`` the arrangements are the first distinct random draws instead.
    """
    if ordering not in ("sqs", "random"):
        raise ValueError(f"ordering must be 'sqs' or 'random', got {ordering!r}")
    if count < 1 or trials < count:
        raise ValueError(f"need 1 <= count <= trials, got count={count}, trials={trials}")
    host = _host(candidate, supercell, vacuum)
    n_cells = len(host) // 3
    sublattices = [
        _Sublattice(host, METALS, _counts(candidate.metals, n_cells), candidate.lattice_a),
        _Sublattice(host, CHALCOGENS, _counts(candidate.chalcogens, 2 * n_cells), candidate.lattice_a),
    ]
    rng = np.random.default_rng(seed)
    draws = [rng.permuted(np.tile(s.base, (trials, 1)), axis=1) for s in sublattices]
    score = sum(s.deviation(d) for s, d in zip(sublattices, draws, strict=True))
    order = np.argsort(score, kind="stable") if ordering == "sqs" else np.arange(trials)
    structures: list[Structure] = []
    seen: set[bytes] = set()
    for trial in order:
        key = b"".join(d[trial].tobytes() for d in draws)
        if key in seen:
            continue
        seen.add(key)
        structure = host.copy()
        for sub, draw in zip(sublattices, draws, strict=True):
            for site, species in zip(sub.sites, draw[trial], strict=True):
                structure.replace(int(site), sub.species[species])
        structures.append(structure)
        if len(structures) == count:
            break
    return structures


def build_structure(
    candidate: Candidate,
    *,
    supercell: tuple[int, int] | None = None,
    ordering: Ordering = "sqs",
    seed: int = 0,
    trials: int = 200,
    vacuum: float = VACUUM,
) -> Structure:
    """One structure of ``candidate``: the unit cell for an end member, else the best arrangement (see module)."""
    if candidate.is_end_member and supercell is None:
        return unit_cell(candidate, vacuum)
    return orderings(candidate, 1, supercell=supercell, ordering=ordering, seed=seed, trials=trials,
                     vacuum=vacuum)[0]
