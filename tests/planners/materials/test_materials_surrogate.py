"""The band-gap deep ensemble: fits the seed table, calibrated intervals, learns from measurements, round trips."""

from __future__ import annotations

import json

import numpy as np
import pytest

from planners.materials import BandgapEnsemble, Candidate, Measurement, features, literature_bandgaps
from planners.materials.chemistry import composition_grid
from planners.materials.surrogate import Z90, calibration_scale


def bowed_gap(matrix: np.ndarray) -> np.ndarray:
    """A made-up truth the seed table does not know: bilinear end members with strong bowing on both sites."""
    ends = np.array([[1.87, 1.56, 1.10], [2.00, 1.64, 1.05]])  # rows Mo, W; columns S, Se, Te
    metals, chalcogens = matrix[:, :2], matrix[:, 2:]
    linear = np.einsum("nm,mx,nx->n", metals, ends, chalcogens)
    return linear - 0.3 * metals[:, 0] * metals[:, 1] - 0.2 * (chalcogens[:, 0] * chalcogens[:, 1])


def measurements(matrix: np.ndarray, rng: np.random.Generator, noise: float = 0.01) -> list[Measurement]:
    gaps = bowed_gap(matrix) + rng.normal(0.0, noise, len(matrix))
    return [Measurement(Candidate.from_vector(row), float(g)) for row, g in zip(matrix, gaps, strict=True)]


def test_features_are_vegard_weights_mixing_products_and_lattice() -> None:
    matrix = np.array([Candidate.from_formula("Mo0.5W0.5SSe").vector])
    row = features(matrix)[0]
    assert row.shape == (11,)
    np.testing.assert_allclose(row[:6], [0.25, 0.25, 0.0, 0.25, 0.25, 0.0])
    np.testing.assert_allclose(row[6:10], [0.25, 0.25, 0.0, 0.0])
    assert row[10] == pytest.approx((3.16 + 3.15 + 3.29 + 3.28) / 4)


def test_fits_the_literature_table(seed_model: BandgapEnsemble) -> None:
    table = literature_bandgaps()
    mean, std = seed_model.predict([m.candidate for m in table])
    assert np.abs(mean - [m.bandgap_ev for m in table]).max() < 0.03
    assert np.all(std > 0)
    _, far = seed_model.predict([Candidate.from_formula("WSeTe")])  # far from any data: wide
    assert far[0] > 2 * std.max()


def test_interval_is_calibrated_on_held_out_data_and_error_drops_with_data(small: dict) -> None:
    rng = np.random.default_rng(1)
    grid = composition_grid({"Mo", "W", "S", "Se", "Te"}, 8)
    order = rng.permutation(len(grid))
    held_out, pool = grid[order[:150]], grid[order[150:]]
    truth = bowed_gap(held_out)
    errors, coverages = [], []
    for size in (12, 60):
        model = BandgapEnsemble(seed=0, **small).fit(measurements(pool[:size], rng))
        mean, _ = model.predict(held_out)
        low, high = model.interval(held_out, 0.9)
        errors.append(np.abs(mean - truth).mean())
        coverages.append(np.mean((truth >= low) & (truth <= high)))
    assert errors[1] < 0.5 * errors[0]
    assert 0.75 <= coverages[1] <= 1.0, coverages
    assert coverages[0] >= 0.6, coverages


def test_update_learns_a_lab_measurement(seed_model: BandgapEnsemble) -> None:
    quaternary = Candidate.from_formula("Mo0.5W0.5SSe")
    model = BandgapEnsemble.from_dict(seed_model.as_dict())
    before, _ = model.predict([quaternary])
    model.update([Measurement(quaternary, before[0] + 0.15, kind="lab")])
    after, _ = model.predict([quaternary])
    assert abs(after[0] - (before[0] + 0.15)) < 0.05 < abs(after[0] - before[0])
    assert len(model.measurements) == len(seed_model.measurements) + 1
    assert seed_model.predict([quaternary])[0][0] == pytest.approx(before[0])  # the copy was updated, not the seed


def test_state_round_trips_and_training_is_deterministic(seed_model: BandgapEnsemble, small: dict) -> None:
    candidates = [Candidate.from_formula(f) for f in ("MoS2", "Mo0.5W0.5SSe", "WTe2")]
    restored = BandgapEnsemble.from_dict(json.loads(json.dumps(seed_model.as_dict())))
    np.testing.assert_allclose(restored.predict(candidates), seed_model.predict(candidates))
    again = BandgapEnsemble(seed=0, **small).fit(literature_bandgaps())
    np.testing.assert_allclose(again.predict(candidates), seed_model.predict(candidates))
    other = BandgapEnsemble(seed=1, **small).fit(literature_bandgaps())
    assert not np.allclose(other.predict(candidates)[1], seed_model.predict(candidates)[1])


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"members": 1}, "members must be an integer >= 2"), ({"epochs": 0.5}, "epochs must be")]
)
def test_bad_settings(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        BandgapEnsemble(**kwargs)


def test_unfitted_and_tiny_data_errors() -> None:
    with pytest.raises(ValueError, match="not fitted"):
        BandgapEnsemble().predict([Candidate.from_formula("MoS2")])
    with pytest.raises(ValueError, match="need at least 2 measurements"):
        BandgapEnsemble().fit(literature_bandgaps()[:1])


def test_calibration_covers_every_kind_of_measurement_with_enough_rows() -> None:
    z = np.array([0.5] * 40 + [3.0, 3.0, 3.0] + [9.0, 9.0])
    kinds = ["measured"] * 40 + ["lab"] * 3 + ["derived"] * 2  # two derived rows are too few to count alone
    assert calibration_scale(z, kinds) == pytest.approx(3.0 / Z90)
    assert calibration_scale(z[:40], kinds[:40]) == pytest.approx(0.5 / Z90)
    assert calibration_scale(z, ["measured"] * len(z)) == pytest.approx(np.quantile(z, 0.9) / Z90)
