"""The campaign objective: the quality of a grown sample from the graphene fits of its Raman spots.

``quality = mean over the N measured spots of q_i``, where ``q_i = 0`` for a spot with no graphene, and
otherwise ``q_i = M_i · exp(−(ID/IG)_i / 0.5)`` with monolayer-likeness
``M_i = σ((I2D/IG − 1.5)/0.15) · σ((40 − Γ_2D)/2)``, σ the logistic function. quality ∈ [0, 1]; 1 means
every spot is defect-free monolayer graphene.

Here I2D/IG and ID/IG are peak-height ratios and Γ_2D the 2D FWHM in cm⁻¹, from
:func:`lab.analysis.graphene.fit_graphene`. A spot whose spectrum could not be fitted
(``GrapheneFit.fitted`` false) was not measured: it is left out of N and counted in ``n_unfit``. If no spot
was measured at all, the outcome has *failed*: ``failed`` is true and quality and the other figures are NaN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy.special import expit

from lab.analysis.graphene import GrapheneFit

MONOLAYER_RATIO = 1.5  # I2D/IG at which M is halved by its ratio factor
RATIO_SCALE = 0.15
MONOLAYER_FWHM = 40.0  # cm⁻¹, 2D FWHM at which M is halved by its width factor
FWHM_SCALE = 2.0
DEFECT_SCALE = 0.5  # ID/IG that costs a factor e


@dataclass(frozen=True)
class GrapheneFigures:
    """Figures of merit of one sample: fractions over the N measured spots, means over those with graphene.

    ``mean_*`` are NaN when no spot has graphene; everything but the counts is NaN when ``failed``.
    """

    failed: bool
    quality: float
    coverage: float  # fraction of spots with graphene
    monolayer_fraction: float  # fraction of spots classified monolayer
    mean_i2d_ig: float
    mean_id_ig: float
    mean_fwhm_2d: float  # cm⁻¹
    n_spots: int  # N, the spots measured
    n_unfit: int  # spots whose spectrum could not be fitted

    def as_dict(self) -> dict[str, float | int | bool]:
        """The figures as a flat record."""
        return asdict(self)


def monolayer_likeness(i2d_ig: float, fwhm_2d: float) -> float:
    """M = σ((I2D/IG − 1.5)/0.15) · σ((40 − Γ_2D)/2), near 1 for a monolayer and near 0 otherwise."""
    return float(
        expit((i2d_ig - MONOLAYER_RATIO) / RATIO_SCALE) * expit((MONOLAYER_FWHM - fwhm_2d) / FWHM_SCALE)
    )


def spot_quality(fit: GrapheneFit) -> float:
    """q_i of one measured spot: 0 without graphene, else M_i · exp(−(ID/IG)_i / 0.5)."""
    if not fit.has_graphene:
        return 0.0
    return monolayer_likeness(fit.i2d_ig, fit.fwhm_2d) * math.exp(-fit.id_ig / DEFECT_SCALE)


def graphene_figures(fits: Sequence[GrapheneFit]) -> GrapheneFigures:
    """Quality and figures of merit of a sample from the fits of its spots (see the module docstring)."""
    measured = [fit for fit in fits if fit.fitted]
    n_unfit = len(fits) - len(measured)
    nan = math.nan
    if not measured:
        return GrapheneFigures(True, nan, nan, nan, nan, nan, nan, 0, n_unfit)
    graphene = [fit for fit in measured if fit.has_graphene]

    def mean_over_graphene(attribute: str) -> float:
        return float(np.mean([getattr(fit, attribute) for fit in graphene])) if graphene else nan

    return GrapheneFigures(
        failed=False,
        quality=float(np.mean([spot_quality(fit) for fit in measured])),
        coverage=len(graphene) / len(measured),
        monolayer_fraction=sum(fit.layers == 1 for fit in measured) / len(measured),
        mean_i2d_ig=mean_over_graphene("i2d_ig"),
        mean_id_ig=mean_over_graphene("id_ig"),
        mean_fwhm_2d=mean_over_graphene("fwhm_2d"),
        n_spots=len(measured),
        n_unfit=n_unfit,
    )


def quality(fits: Sequence[GrapheneFit]) -> float:
    """The campaign objective of a sample, in [0, 1]; NaN when no spot could be fitted (a failed outcome)."""
    return graphene_figures(fits).quality
