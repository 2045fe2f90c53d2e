"""tmd_outcome (what the lab calls per TMD experiment) and the TMD objective, on simulated spot maps."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pytest

from lab.analysis import tmd_outcome
from lab.analysis.tmd_objective import mean_with_error, monolayer_likeness
from simulators.tmd_spectra import TmdSpot, a_exciton_ev, synthesize_pl, synthesize_raman

KEYS = {"failed", "unfit", "quality", "coverage", "monolayer_coverage", "layers", "delta_cm1", "delta_cm1_err",
        "pl_peak_ev", "pl_peak_ev_err", "bandgap_ev", "bandgap_ev_err", "pl_fwhm_mev", "pl_fwhm_mev_err",
        "pl_intensity_cps", "n_spots"}


@pytest.fixture
def measure(acquire, raman_nm, pl_nm):
    """``measure(spots, **kwargs)``: tmd_outcome of one Raman and one PL acquisition per spot."""

    def _measure(spots: list[TmdSpot], seed: int = 0, **kwargs) -> dict:
        cases = [acquire(spot, seed=seed + i) for i, spot in enumerate(spots)]
        spot = spots[0]
        options = {"laser_nm": 532.0, "exposure_s": 2.0, "x_w": spot.x_w, "y_se": spot.y_se,
                   "substrate": spot.substrate} | kwargs
        return tmd_outcome([raman_nm] * len(cases), [c.raman.counts for c in cases],
                           [pl_nm] * len(cases), [c.pl.counts for c in cases], **options)

    return _measure


def _plain_json(outcome: dict) -> dict:
    return json.loads(json.dumps(outcome, allow_nan=False))  # raises on NaN or non-JSON values


@pytest.mark.parametrize(("x_w", "y_se", "substrate"), [(0.0, 0.0, "SiO2/Si"), (0.5, 0.0, "sapphire"),
                                                         (0.0, 1.0, "SiO2/Si")])
def test_mostly_monolayer_sample(measure, x_w: float, y_se: float, substrate: str) -> None:
    spots = [TmdSpot(1, x_w, y_se, 1e12, substrate)] * 6 + [TmdSpot(2, x_w, y_se, 1e12, substrate)] * 2 + [
        TmdSpot(0, x_w, y_se, 1e12, substrate)] * 2
    outcome = measure(spots)
    assert set(outcome) >= KEYS and _plain_json(outcome) == outcome
    assert not outcome["failed"] and outcome["unfit"] == 0 and outcome["n_spots"] == 10
    assert outcome["coverage"] == pytest.approx(0.8) and outcome["monolayer_coverage"] == pytest.approx(0.6)
    assert outcome["layers"] == 1.0
    true_gap = a_exciton_ev(x_w, y_se)
    assert abs(outcome["bandgap_ev"] - true_gap) < 0.007 and 0.0 < outcome["bandgap_ev_err"] < 0.005
    assert 0.0 < outcome["quality"] < 1.0
    for key in ("delta_cm1", "pl_peak_ev", "pl_fwhm_mev"):
        assert outcome[f"{key}_err"] > 0


def test_quality_rewards_monolayers_and_the_target_gap(measure) -> None:
    monolayers = measure([TmdSpot(1)] * 4)
    bilayers = measure([TmdSpot(2)] * 4)
    assert monolayers["quality"] > 0.5 > 0.1 > bilayers["quality"]
    gap = a_exciton_ev(0.0, 0.0)
    on_target = measure([TmdSpot(1)] * 4, target_ev=gap)
    off_target = measure([TmdSpot(1)] * 4, target_ev=gap + 0.1)
    assert on_target["quality"] > 0.8 * monolayers["quality"]
    assert off_target["quality"] < 0.05 * on_target["quality"]


def test_no_growth_fails(measure) -> None:
    outcome = measure([TmdSpot(0)] * 3)
    assert outcome["failed"] and outcome["quality"] == 0.0 and outcome["coverage"] == 0.0
    assert outcome["bandgap_ev"] is None and outcome["layers"] is None and _plain_json(outcome) == outcome


def test_pure_noise_fails(raman_nm, pl_nm) -> None:
    rng = np.random.default_rng(2)
    outcome = tmd_outcome([raman_nm] * 2, [rng.normal(1500.0, 40.0, raman_nm.size) for _ in range(2)],
                          [pl_nm] * 2, [rng.normal(500.0, 6.0, pl_nm.size) for _ in range(2)],
                          laser_nm=532.0, exposure_s=1.0, x_w=0.0, y_se=0.0, substrate="SiO2/Si")
    assert outcome["failed"] and outcome["quality"] == 0.0 and outcome["unfit"] == 0


def test_unfittable_spot_is_recorded_not_raised(acquire, raman_nm, pl_nm) -> None:
    good = acquire(TmdSpot(1), seed=1)
    coarse_raman, coarse_pl = np.linspace(536.0, 552.0, 12), np.linspace(550.0, 900.0, 20)
    outcome = tmd_outcome([raman_nm, coarse_raman], [good.raman.counts, np.full(12, 1000.0)],
                          [pl_nm, coarse_pl], [good.pl.counts, np.full(20, 600.0)],
                          laser_nm=532.0, exposure_s=2.0, x_w=0.0, y_se=0.0, substrate="SiO2/Si")
    assert outcome["unfit"] == 1 and outcome["n_spots"] == 1 and not outcome["failed"]


def test_all_unfittable_fails(raman_nm, pl_nm) -> None:
    outcome = tmd_outcome([np.linspace(536.0, 552.0, 12)], [np.full(12, 1000.0)], [pl_nm], [np.full(pl_nm.size, 600.0)],
                          laser_nm=532.0, exposure_s=1.0, x_w=0.0, y_se=0.0, substrate="SiO2/Si")
    assert outcome["failed"] and outcome["unfit"] == 1 and outcome["n_spots"] == 0 and outcome["quality"] == 0.0


def _call(raman_nm, pl_nm, raman=None, pl=None, **kwargs) -> dict:
    options = {"laser_nm": 532.0, "exposure_s": 1.0, "x_w": 0.0, "y_se": 0.0, "substrate": "SiO2/Si"} | kwargs
    raman = [np.full(raman_nm.size, 1000.0)] if raman is None else raman
    pl = [np.full(pl_nm.size, 600.0)] if pl is None else pl
    return tmd_outcome([raman_nm] * len(raman), raman, [pl_nm] * len(pl), pl, **options)


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ({"raman": [np.r_[np.full(2047, 1000.0), np.nan]]}, "Raman spectrum of spot 0: .*NaN"),
        ({"pl": [np.r_[np.nan, np.full(2047, 600.0)]]}, "PL spectrum of spot 0: .*NaN"),
        ({"raman": [np.full(2000, 1000.0)]}, "differ in length"),
        ({"pl": [np.full(2048, 600.0)] * 2}, "one PL spectrum per Raman spectrum"),
        ({"raman": [], "pl": []}, "wavelength axis per spectrum"),
        ({"exposure_s": -1.0}, "exposure_s"),
        ({"exposure_s": math.nan}, "exposure_s"),
        ({"laser_nm": 0.0}, "laser"),
        ({"x_w": -0.1}, "x_w"),
        ({"substrate": "Cu"}, "substrate"),
        ({"target_ev": -1.8}, "target_ev"),
    ],
)
def test_bad_input_raises_value_error(raman_nm, pl_nm, case: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _call(raman_nm, pl_nm, **case)


def test_mismatched_axis_lengths_raise(raman_nm, pl_nm) -> None:
    with pytest.raises(ValueError, match="one Raman wavelength axis per spectrum"):
        tmd_outcome([raman_nm], [np.ones(raman_nm.size)] * 2, [pl_nm] * 2, [np.ones(pl_nm.size)] * 2,
                    laser_nm=532.0, exposure_s=1.0, x_w=0.0, y_se=0.0, substrate="SiO2/Si")


def test_crossed_spectra_take_part_and_must_match_the_parallel_ones(raman_nm, pl_nm) -> None:
    spots = [replace(TmdSpot(1, 1.0, 1.0, 1e12), seed=60 + i) for i in range(4)]  # WSe2: a near-degenerate pair
    rng = np.random.default_rng(5)
    raman, crossed = ([synthesize_raman(spot, raman_nm, 2.0, rng, analyzer=setting).counts for spot in spots]
                      for setting in ("parallel", "crossed"))
    pl = [synthesize_pl(spot, pl_nm, 2.0, rng).counts for spot in spots]
    options = {"laser_nm": 532.0, "exposure_s": 2.0, "x_w": 1.0, "y_se": 1.0, "substrate": "SiO2/Si"}
    with_crossed = tmd_outcome([raman_nm] * 4, raman, [pl_nm] * 4, pl, crossed_wavelengths_nm=[raman_nm] * 4,
                               crossed_counts=crossed, **options)
    assert with_crossed["layers"] == 1 and with_crossed["monolayer_coverage"] == 1.0
    assert with_crossed["delta_cm1"] != tmd_outcome([raman_nm] * 4, raman, [pl_nm] * 4, pl, **options)["delta_cm1"]
    with pytest.raises(ValueError, match="one crossed Raman spectrum per Raman spectrum"):
        tmd_outcome([raman_nm] * 4, raman, [pl_nm] * 4, pl, crossed_wavelengths_nm=[raman_nm] * 3,
                    crossed_counts=crossed[:3], **options)
    with pytest.raises(ValueError, match="crossed Raman wavelength axis per spectrum"):
        tmd_outcome([raman_nm] * 4, raman, [pl_nm] * 4, pl, crossed_counts=crossed, **options)


def test_monolayer_likeness_and_mean_with_error() -> None:
    assert monolayer_likeness(0.5) > 0.85 and monolayer_likeness(1.5) < 0.15
    assert monolayer_likeness(1.0) == pytest.approx(0.5)
    mean, err = mean_with_error([1.0, 3.0], [0.1, 0.1])
    assert mean == 2.0 and err == pytest.approx(1.0)  # spread dominates: √(2/2)
    mean, err = mean_with_error([2.0], [0.3])
    assert mean == 2.0 and err == pytest.approx(0.3)  # one value: its own uncertainty
    assert all(math.isnan(v) for v in mean_with_error([], []))
