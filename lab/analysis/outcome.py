"""An experiment's outcome from its Raman map: fit every spot, then the figures of merit and objective."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from lab.analysis.graphene import fit_graphene
from lab.analysis.objective import graphene_figures
from lab.analysis.spectrum import Spectrum, raman_shift


def graphene_outcome(wavelengths_nm: Sequence[np.ndarray], counts: Sequence[np.ndarray],
                     laser_nm: float) -> dict[str, Any]:
    """Figures of merit and `quality` of a graphene sample from one spectrum per spot.

    `failed` is true when no spot could be fitted or no spot shows graphene (no usable sample); NaN
    figures become None so the outcome is plain JSON.
    """
    if len(wavelengths_nm) != len(counts) or not counts:
        raise ValueError(f"need one wavelength axis per spectrum, got {len(wavelengths_nm)} and {len(counts)}")
    fits = [fit_graphene(Spectrum(raman_shift(np.asarray(w), laser_nm), np.asarray(c)))
            for w, c in zip(wavelengths_nm, counts, strict=True)]
    figures = graphene_figures(fits).as_dict()
    figures["failed"] = bool(figures["failed"] or figures["coverage"] == 0)
    if figures["failed"]:
        figures["quality"] = 0.0
    return {k: None if isinstance(v, float) and math.isnan(v) else v for k, v in figures.items()}
