"""Raman analysis of real (or simulated) spectra: validation, spikes, band fits, graphene, the objective."""

from lab.analysis.baseline import remove_baseline
from lab.analysis.graphene import GrapheneFit, classify_layers, fit_graphene
from lab.analysis.objective import (
    GrapheneFigures,
    graphene_figures,
    monolayer_likeness,
    quality,
    spot_quality,
)
from lab.analysis.outcome import graphene_outcome
from lab.analysis.peaks import PeakFit, PeakGuess, WindowFit, fit_lorentzians, lorentzian
from lab.analysis.spectrum import Spectrum, raman_shift
from lab.analysis.spikes import remove_spikes, spike_mask

__all__ = [
    "GrapheneFigures",
    "GrapheneFit",
    "PeakFit",
    "PeakGuess",
    "Spectrum",
    "WindowFit",
    "classify_layers",
    "fit_graphene",
    "fit_lorentzians",
    "graphene_figures",
    "graphene_outcome",
    "lorentzian",
    "monolayer_likeness",
    "quality",
    "raman_shift",
    "remove_baseline",
    "remove_spikes",
    "spike_mask",
    "spot_quality",
]
