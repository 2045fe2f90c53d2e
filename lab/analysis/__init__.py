"""Raman and PL analysis of real (or simulated) spectra: validation, spikes, band fits, graphene, TMDs, objectives."""

from lab.analysis.baseline import remove_baseline
from lab.analysis.graphene import GrapheneFit, classify_layers, fit_graphene
from lab.analysis.objective import (
    GrapheneFigures,
    graphene_figures,
    monolayer_likeness,
    quality,
    spot_quality,
)
from lab.analysis.outcome import graphene_outcome, tmd_outcome
from lab.analysis.peaks import PeakFit, PeakGuess, WindowFit, fit_lorentzians, lorentzian
from lab.analysis.pl import PlFit, fit_pl, pl_spectrum
from lab.analysis.spectrum import Spectrum, raman_shift
from lab.analysis.spikes import remove_spikes, spike_mask
from lab.analysis.tmd import TmdRamanFit, classify_tmd_layers, fit_tmd_raman, monolayer_delta
from lab.analysis.tmd_objective import TmdFigures, tmd_figures

__all__ = [
    "GrapheneFigures",
    "GrapheneFit",
    "PeakFit",
    "PeakGuess",
    "PlFit",
    "Spectrum",
    "TmdFigures",
    "TmdRamanFit",
    "WindowFit",
    "classify_layers",
    "classify_tmd_layers",
    "fit_graphene",
    "fit_lorentzians",
    "fit_pl",
    "fit_tmd_raman",
    "graphene_figures",
    "graphene_outcome",
    "lorentzian",
    "monolayer_delta",
    "monolayer_likeness",
    "pl_spectrum",
    "quality",
    "raman_shift",
    "remove_baseline",
    "remove_spikes",
    "spike_mask",
    "spot_quality",
    "tmd_figures",
    "tmd_outcome",
]
