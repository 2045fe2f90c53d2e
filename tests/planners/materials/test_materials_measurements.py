"""The literature seed table and lab measurements."""

from __future__ import annotations

import pytest

from planners.materials import Candidate, Measurement, literature_bandgaps


def test_seed_table_has_references_and_the_end_members() -> None:
    table = literature_bandgaps()
    gaps = {m.candidate.formula: m.bandgap_ev for m in table}
    assert gaps["MoS2"] == pytest.approx(1.87) and gaps["WS2"] == pytest.approx(1.995)
    assert 1.55 <= gaps["MoSe2"] <= 1.57 and 1.62 <= gaps["WSe2"] <= 1.66
    assert all(m.reference and m.kind in ("measured", "derived") for m in table)
    assert len({m.candidate for m in table}) == len(table)
    bowing = (gaps["MoS2"] + gaps["WS2"]) / 2 - gaps["Mo0.5W0.5S2"]
    assert bowing == pytest.approx(0.25 / 4, abs=1e-3)


def test_measurement_round_trip_and_validation() -> None:
    lab = Measurement(Candidate.from_formula("MoSSe"), 1.71, kind="lab", reference="campaign 3")
    assert Measurement.from_dict(lab.as_dict()) == lab
    with pytest.raises(ValueError, match="bandgap_ev must be finite and in"):
        Measurement(Candidate.from_formula("MoS2"), -1.0)
    with pytest.raises(ValueError, match="kind must be one of"):
        Measurement(Candidate.from_formula("MoS2"), 1.8, kind="guess")
