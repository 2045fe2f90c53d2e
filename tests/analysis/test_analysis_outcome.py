"""graphene_outcome (what the lab calls per graphene experiment) on simulated spot maps."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lab.analysis import graphene_outcome
from simulators.spectra import GrapheneSpot, raman_counts, wavelength_axis


def test_graphene_outcome_is_plain_json() -> None:
    wavelengths, rng = wavelength_axis(), np.random.default_rng(0)
    outcome = graphene_outcome([wavelengths] * 3, [raman_counts(GrapheneSpot(1, 0.0), wavelengths, 1.0, rng)
                                                   for _ in range(3)], 532.0)
    assert json.loads(json.dumps(outcome, allow_nan=False)) == outcome
    assert not outcome["failed"] and outcome["monolayer_fraction"] == 1.0 and outcome["quality"] > 0.8
    bare = graphene_outcome([wavelengths], [raman_counts(GrapheneSpot(0, 0.0), wavelengths, 1.0, rng)], 532.0)
    assert bare["failed"] and bare["quality"] == 0.0 and bare["mean_i2d_ig"] is None


def test_graphene_outcome_names_the_bad_spot() -> None:
    wavelengths = wavelength_axis()
    good = np.full(wavelengths.size, 1000.0)
    with pytest.raises(ValueError, match=r"Raman spectrum of spot 1: .*NaN"):
        graphene_outcome([wavelengths] * 2, [good, np.r_[good[:-1], np.nan]], 532.0)
    with pytest.raises(ValueError, match="one Raman wavelength axis per spectrum"):
        graphene_outcome([wavelengths], [good, good], 532.0)
