"""CHGNet relaxation with a structure-hash cache.

``Relaxer(cache_dir).relax(structure)`` relaxes atoms and (for monolayers) the in-plane cell with CHGNet's
``StructOptimizer`` (FIRE, ASE ``FrechetCellFilter`` masked to xx, yy, xy so the vacuum along c is kept) and
returns a ``Relaxation``. CHGNet's pretrained weights ship inside the chgnet wheel; ``CHGNet.load`` reads
them from the package and nothing is downloaded. The model is loaded lazily, once per process.

With a ``cache_dir`` every result is stored as ``<key>.json``, the key a SHA-256 of the structure
(species and rounded coordinates, site order ignored), the relaxation settings and the model version,
so screening the same structures again is instant. The caller chooses the directory.

While relaxing, torch runs on ``Relaxer.threads`` threads (default 1) and BLAS on one (see ``threads``).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pymatgen.core import Structure

from planners.materials.threads import limited_threads

if TYPE_CHECKING:
    from chgnet.model import CHGNet, StructOptimizer

# CHGNet turns a tensor that requires grad into a number when it stacks cell volumes; nothing here takes a gradient
# through them, and torch says so once per process on stderr.
warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad=True to a scalar",
                        category=UserWarning, module="chgnet")

CellMode = Literal["in-plane", "full", "fixed"]
MODEL_NAME = "0.3.0"
_CELL_MASKS: dict[str, list[int] | None] = {"in-plane": [1, 1, 0, 0, 0, 1], "full": None}


def load_chgnet(model_name: str = MODEL_NAME) -> CHGNet:
    """The pretrained CHGNet (weights from the installed wheel, CPU), loaded once per process."""
    return _load(model_name)


def _unannounced() -> contextlib.redirect_stdout[io.StringIO]:
    """Where CHGNet's announcements go ("CHGNet v0.3.0 initialized …", "… will run on cpu", printed whatever
    `verbose` says): nowhere, for stdout belongs to the caller's results."""
    return contextlib.redirect_stdout(io.StringIO())


@functools.cache
def _load(model_name: str) -> CHGNet:
    from chgnet.model import CHGNet

    with _unannounced():
        return CHGNet.load(model_name=model_name, use_device="cpu", verbose=False)


@functools.cache
def _optimizer(model_name: str) -> StructOptimizer:
    from chgnet.model import StructOptimizer

    model = load_chgnet(model_name)
    with _unannounced():
        return StructOptimizer(model=model, optimizer_class="FIRE", use_device="cpu")


def structure_key(structure: Structure, settings: dict[str, Any]) -> str:
    """A SHA-256 of the structure (lattice, species, wrapped coordinates to 1e-4; site order ignored) and settings."""
    sites = sorted(
        (site.species_string, *(round(float(x) % 1.0, 4) % 1.0 for x in site.frac_coords)) for site in structure
    )
    lattice = [round(float(x), 4) for x in structure.lattice.matrix.ravel()]
    text = json.dumps({"lattice": lattice, "sites": sites, "settings": settings}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Relaxation:
    """A relaxed structure and its CHGNet energy.

    ``energy`` is the total energy (eV) of ``structure``; ``steps`` the optimizer steps; ``converged``
    whether the largest force fell below ``fmax``; ``seconds`` the wall time of the relaxation itself
    (not of a cache hit); ``cached`` whether this result came from the cache.
    """

    structure: Structure
    energy: float
    steps: int
    converged: bool
    max_force: float
    seconds: float
    cached: bool = False

    @property
    def energy_per_atom(self) -> float:
        """Total energy per atom (eV/atom)."""
        return self.energy / len(self.structure)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serializable description (inverse of ``Relaxation.from_dict``)."""
        return {
            "structure": self.structure.as_dict(),
            "energy": self.energy,
            "steps": self.steps,
            "converged": self.converged,
            "max_force": self.max_force,
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], cached: bool = False) -> Relaxation:
        """Rebuild from ``as_dict()``."""
        fields = {k: v for k, v in data.items() if k != "structure"}
        return cls(structure=Structure.from_dict(data["structure"]), cached=cached, **fields)


class Relaxer:
    """Relaxes structures with CHGNet, caching results by structure hash in ``cache_dir`` (None: no cache).

    ``fmax`` (eV/Å) and ``steps`` are the optimizer's convergence threshold and step budget; ``threads`` the
    torch threads while relaxing.
    """

    def __init__(
        self, cache_dir: str | os.PathLike[str] | None = None, *, fmax: float = 0.05, steps: int = 500,
        model_name: str = MODEL_NAME, threads: int = 1,
    ) -> None:
        if not fmax > 0:
            raise ValueError(f"fmax must be positive, got {fmax}")
        for name, value in (("steps", steps), ("threads", threads)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        self.threads = threads
        self.cache_dir = None if cache_dir is None else Path(cache_dir)
        self.fmax = float(fmax)
        self.steps = steps
        self.model_name = model_name

    def key(self, structure: Structure, cell: CellMode = "in-plane") -> str:
        """The cache key of relaxing ``structure`` with this relaxer's settings."""
        settings = {"fmax": self.fmax, "steps": self.steps, "cell": cell, "model": f"chgnet-{self.model_name}"}
        return structure_key(structure, settings)

    def cached(self, structure: Structure, cell: CellMode = "in-plane") -> Relaxation | None:
        """The cached relaxation of ``structure``, or None."""
        if self.cache_dir is None:
            return None
        path = self.cache_dir / f"{self.key(structure, cell)}.json"
        if not path.is_file():
            return None
        return Relaxation.from_dict(json.loads(path.read_text()), cached=True)

    def relax(self, structure: Structure, cell: CellMode = "in-plane") -> Relaxation:
        """Relax ``structure`` (``cell``: ``"in-plane"`` for monolayers, ``"full"`` or ``"fixed"``)."""
        if cell not in ("in-plane", "full", "fixed"):
            raise ValueError(f"cell must be 'in-plane', 'full' or 'fixed', got {cell!r}")
        hit = self.cached(structure, cell)
        if hit is not None:
            return hit
        from ase.filters import FrechetCellFilter

        optimizer = _optimizer(self.model_name)
        start = time.perf_counter()
        with limited_threads(self.threads):
            result = optimizer.relax(
                structure,
                fmax=self.fmax,
                steps=self.steps,
                relax_cell=cell != "fixed",
                ase_filter=functools.partial(FrechetCellFilter, mask=_CELL_MASKS.get(cell)),
                verbose=False,
                assign_magmoms=False,
            )
        trajectory, final = result["trajectory"], result["final_structure"]
        max_force = float((trajectory.forces[-1] ** 2).sum(axis=1).max() ** 0.5)
        relaxation = Relaxation(
            structure=Structure(final.lattice, final.species, final.frac_coords),
            energy=float(trajectory.energies[-1]),
            steps=len(trajectory) - 1,
            converged=max_force <= self.fmax,
            max_force=max_force,
            seconds=time.perf_counter() - start,
        )
        self._store(self.key(structure, cell), relaxation)
        return relaxation

    def _store(self, key: str, relaxation: Relaxation) -> None:
        if self.cache_dir is None:
            return
        text = json.dumps(relaxation.as_dict())
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", dir=self.cache_dir, suffix=".tmp", delete=False) as handle:
            handle.write(text)
        os.replace(handle.name, self.cache_dir / f"{key}.json")
