"""Band-gap measurements: the curated literature seed table and the lab's own PL results.

``literature_bandgaps()`` reads ``data/bandgaps.csv`` (references and the measured/derived distinction are
in the file); the lab adds ``Measurement(Candidate.from_formula("Mo0.5W0.5S2"), 1.86, kind="lab")``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from planners.materials.chemistry import Candidate

KINDS = ("measured", "derived", "lab")


@dataclass(frozen=True)
class Measurement:
    """A monolayer optical band gap (A-exciton PL energy, eV) of one composition.

    ``kind``: ``"measured"`` (literature measurement), ``"derived"`` (computed from a published fit) or
    ``"lab"`` (this lab's result); ``uncertainty_ev`` is informational; ``reference`` cites the source.
    """

    candidate: Candidate
    bandgap_ev: float
    uncertainty_ev: float | None = None
    kind: str = "lab"
    reference: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.candidate, Candidate):
            raise ValueError(f"measurement candidate must be a Candidate, got {self.candidate!r}")
        if isinstance(self.bandgap_ev, bool) or not isinstance(self.bandgap_ev, int | float):
            raise ValueError(f"{self.candidate}: bandgap_ev must be a number, got {self.bandgap_ev!r}")
        if not (math.isfinite(self.bandgap_ev) and 0 < self.bandgap_ev < 10):
            raise ValueError(f"{self.candidate}: bandgap_ev must be finite and in (0, 10) eV, got {self.bandgap_ev}")
        if self.kind not in KINDS:
            raise ValueError(f"{self.candidate}: kind must be one of {KINDS}, got {self.kind!r}")
        object.__setattr__(self, "bandgap_ev", float(self.bandgap_ev))

    def as_dict(self) -> dict[str, Any]:
        """A JSON-serializable description (inverse of ``Measurement.from_dict``)."""
        return {
            "formula": self.candidate.formula,
            "bandgap_ev": self.bandgap_ev,
            "uncertainty_ev": self.uncertainty_ev,
            "kind": self.kind,
            "reference": self.reference,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Measurement:
        """Rebuild from ``as_dict()`` (``formula`` names the composition)."""
        fields = dict(data)
        return cls(Candidate.from_formula(fields.pop("formula")), **fields)


def literature_bandgaps() -> list[Measurement]:
    """The seed table shipped with the package (``planners/materials/data/bandgaps.csv``)."""
    text = resources.files("planners.materials").joinpath("data/bandgaps.csv").read_text(encoding="utf-8")
    rows = csv.DictReader(line for line in text.splitlines() if not line.startswith("#"))
    return [
        Measurement(
            Candidate.from_formula(row["formula"]),
            float(row["bandgap_ev"]),
            float(row["uncertainty_ev"]),
            row["kind"],
            row["reference"],
        )
        for row in rows
    ]
