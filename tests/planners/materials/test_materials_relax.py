"""CHGNet relaxation (offline, one 3-atom cell) and the structure-hash cache."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from pymatgen.core import Structure

from planners.materials import Candidate, Relaxation, Relaxer, load_chgnet, unit_cell
from planners.materials.relax import MODEL_NAME, structure_key


@pytest.mark.usefixtures("chgnet", "offline")
def test_relax_mos2_offline_and_cache(tmp_path: Path) -> None:
    structure = unit_cell(Candidate.from_formula("MoS2"))
    relaxer = Relaxer(tmp_path / "cache")
    result = relaxer.relax(structure)
    assert result.converged and result.max_force <= 0.05 and not result.cached
    assert 3.10 < result.structure.lattice.a < 3.25  # experiment 3.16 Å; CHGNet (PBE-trained) a little larger
    assert result.structure.lattice.c == pytest.approx(structure.lattice.c)  # in-plane relaxation keeps the vacuum
    assert -8.0 < result.energy_per_atom < -7.0
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1

    again = Relaxer(tmp_path / "cache").relax(structure.copy())
    assert again.cached and again.energy == result.energy and again.structure == result.structure
    assert Relaxer(tmp_path / "cache", fmax=0.02).cached(structure) is None  # settings are part of the key
    assert Relaxation.from_dict(json.loads(json.dumps(result.as_dict()))) == result


def test_chgnet_is_loaded_once(chgnet: object) -> None:
    assert load_chgnet() is chgnet and load_chgnet(MODEL_NAME) is chgnet


def test_structure_key_ignores_site_order_and_wrapping() -> None:
    structure = unit_cell(Candidate.from_formula("WSe2"))
    shuffled = Structure(structure.lattice, structure.species[::-1], structure.frac_coords[::-1] + np.array([1, 0, 0]))
    settings = {"fmax": 0.05}
    assert structure_key(structure, settings) == structure_key(shuffled, settings)
    moved = structure.copy()
    moved.translate_sites([0], [0.01, 0, 0])
    assert structure_key(moved, settings) != structure_key(structure, settings)
    assert structure_key(structure, {"fmax": 0.1}) != structure_key(structure, settings)


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"fmax": 0}, "fmax must be positive"), ({"steps": 0}, "steps must be a positive integer"),
                         ({"threads": 0}, "threads must be a positive integer")]
)
def test_relaxer_rejects_bad_settings(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Relaxer(None, **kwargs)


def test_relax_rejects_unknown_cell_mode() -> None:
    with pytest.raises(ValueError, match="cell must be 'in-plane', 'full' or 'fixed'"):
        Relaxer(None).relax(unit_cell(Candidate.from_formula("MoS2")), cell="z-only")  # type: ignore[arg-type]
