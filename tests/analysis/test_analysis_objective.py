"""The campaign objective and the sample's figures of merit."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lab.analysis import (
    GrapheneFit,
    Spectrum,
    fit_graphene,
    graphene_figures,
    monolayer_likeness,
    quality,
    spot_quality,
)
from simulators.spectra import GrapheneSpot, raman_counts, wavelength_axis


def _fit(i2d_ig: float, fwhm_2d: float, id_ig: float, layers: int = 1) -> GrapheneFit:
    """A graphene fit with the given figures (uncertainties irrelevant here)."""
    return GrapheneFit(
        True, True, layers, i2d_ig, 0.0, id_ig, 0.0, fwhm_2d, 0.0, False, math.nan, math.nan, 10.0
    )


BARE = GrapheneFit.without_graphene(True, 10.0, {})
UNFIT = GrapheneFit.without_graphene(False, math.nan, {})


def _fits_of(spot: GrapheneSpot, n: int = 16, seed: int = 0) -> list[GrapheneFit]:
    """Analysis results of ``n`` simulated 1 s spectra of ``spot``."""
    wavelengths = wavelength_axis()
    rng = np.random.default_rng(seed)
    return [
        fit_graphene(Spectrum.from_wavelengths(wavelengths, raman_counts(spot, wavelengths, 1.0, rng)))
        for _ in range(n)
    ]


def test_the_spot_formula():
    expected = (
        1 / (1 + math.exp(-(3.0 - 1.5) / 0.15)) / (1 + math.exp(-(40 - 30.0) / 2)) * math.exp(-0.2 / 0.5)
    )
    assert spot_quality(_fit(3.0, 30.0, 0.2)) == pytest.approx(expected)
    assert monolayer_likeness(1.5, 40.0) == pytest.approx(0.25)
    assert spot_quality(BARE) == 0.0


def test_ideal_monolayers_score_about_one():
    fits = _fits_of(GrapheneSpot(1, 0.0))
    figures = graphene_figures(fits)
    assert figures.quality > 0.9
    assert quality(fits) == figures.quality
    assert figures.coverage == 1.0 and figures.monolayer_fraction == 1.0
    assert 2.0 < figures.mean_i2d_ig < 4.0 and 24.0 < figures.mean_fwhm_2d < 35.0
    assert figures.mean_id_ig < 0.03
    assert figures.n_spots == 16 and figures.n_unfit == 0 and not figures.failed


@pytest.mark.parametrize("spot", [GrapheneSpot(0, 0.0), GrapheneSpot(2, 0.0), GrapheneSpot(3, 0.0)])
def test_bare_bilayer_and_multilayer_samples_score_about_zero(spot):
    figures = graphene_figures(_fits_of(spot))
    assert figures.quality < 0.01
    assert figures.monolayer_fraction == 0.0
    assert figures.coverage == (0.0 if spot.layers == 0 else 1.0)


def test_defects_lower_the_quality():
    assert quality(_fits_of(GrapheneSpot(1, 0.5))) == pytest.approx(math.exp(-1.0), rel=0.1)


def test_a_bare_sample_has_zero_quality_and_nan_means():
    figures = graphene_figures([BARE] * 4)
    assert figures.quality == 0.0 and figures.coverage == 0.0 and not figures.failed
    assert (
        math.isnan(figures.mean_i2d_ig)
        and math.isnan(figures.mean_id_ig)
        and math.isnan(figures.mean_fwhm_2d)
    )


def test_unfit_spots_are_not_counted():
    figures = graphene_figures([_fit(3.0, 30.0, 0.0), BARE, UNFIT])
    assert figures.n_spots == 2 and figures.n_unfit == 1
    assert figures.coverage == 0.5
    assert figures.quality == pytest.approx(spot_quality(_fit(3.0, 30.0, 0.0)) / 2)


@pytest.mark.parametrize("fits", [[], [UNFIT, UNFIT]])
def test_no_fitted_spot_is_a_failed_outcome_not_a_crash(fits):
    figures = graphene_figures(fits)
    assert figures.failed
    assert math.isnan(figures.quality) and math.isnan(quality(fits))
    assert figures.n_spots == 0 and figures.n_unfit == len(fits)
    assert figures.as_dict()["failed"] is True


@given(
    st.lists(
        st.one_of(
            st.just(BARE),
            st.builds(_fit, st.floats(0.0, 10.0), st.floats(5.0, 150.0), st.floats(0.0, 5.0)),
        ),
        min_size=1,
        max_size=20,
    )
)
def test_quality_is_between_zero_and_one(fits):
    assert 0.0 <= quality(fits) <= 1.0
