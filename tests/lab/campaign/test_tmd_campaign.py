"""End to end on the simulated two-zone TMD station: campaigns on MoS2 and an alloy, Raman + PL, artifacts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lab.campaign.session import open_session
from lab.errors import UserError
from lab.history.store import CHARACTERIZATION_PLAN, GROWTH_PLAN, RunStore
from lab.settings import campaign_config, load_station

pytestmark = pytest.mark.e2e
NARROW_PL_MEV = 70.0  # room-temperature A-exciton FWHM of a good CVD MoS2 monolayer is ~50–70 meV


def run_campaign(session, experiments: int) -> None:
    """The campaign loop without Prefect: ask → grow → measure → analyze → tell (as lab.campaign.flows does)."""
    from lab.campaign.session import ExperimentResult

    for index in range(experiments):
        (params,) = session.planner.ask(1)
        growth = session.synthesize(index, params)
        measurement = session.measure(index, params)
        outcome = session.analyze(measurement)
        session.learn(ExperimentResult(index, f"{session.campaign_id}/{index}", params, outcome, growth,
                                       measurement, 0.0))


def test_a_mos2_campaign_of_8_experiments_ends_with_a_monolayer_narrow_pl_sample(sdlab_home: Path) -> None:
    settings = campaign_config(campaign_id="e2e-mos2-8", material="mos2", experiments=8, seed=1, spots=9)
    with RunStore() as store:
        session = open_session(settings, load_station(kind="tmd"), store)
        try:
            run_campaign(session, settings.experiments)
        finally:
            session.close()
        best = session.best()
        assert best is not None
        assert best.outcome["layers"] == 1
        assert best.outcome["monolayer_coverage"] > 0.5
        assert best.outcome["pl_fwhm_mev"] < NARROW_PL_MEV
        assert best.outcome["bandgap_ev"] == pytest.approx(1.88, abs=0.05)
        rows = store.experiments(settings.campaign_id)
        assert len(rows) == 8 and all(600 <= row["params"]["growth_c"] <= 950 for row in rows)


def test_an_alloy_campaign_through_prefect_records_raman_pl_and_spectra_artifacts(
        sdlab_home: Path, prefect_harness: None) -> None:
    from prefect.client.orchestration import get_client

    from lab.campaign.flows import campaign

    settings = campaign_config(campaign_id="e2e-alloy", material="Mo0.5W0.5S2", target_ev=1.9, experiments=2,
                               seed=1, spots=4)
    with RunStore() as store:
        session = open_session(settings, load_station(kind="tmd"), store)
        try:
            summary = campaign(settings.campaign_id)
        finally:
            session.close()
        (growth, *_) = store.runs(settings.campaign_id, GROWTH_PLAN)
        spectra = [(run["raman_counts"].read(), run["pl_counts"].read(), run.metadata["outcome"])
                   for run in store.runs(settings.campaign_id, CHARACTERIZATION_PLAN)]
    assert summary["experiments"] == 2
    start = growth.metadata["start"]
    assert start["material"] == "Mo0.5W0.5S2" and start["target_ev"] == 1.9
    assert set(start["params"]) >= {"growth_c", "chalcogen_c", "w_fraction"}
    assert start["recipe"]["w_fraction"] == start["params"]["w_fraction"]
    assert len(spectra) == 2
    for raman, pl, outcome in spectra:
        assert raman.shape[0] == pl.shape[0] == 4
        assert "bandgap_ev" in outcome

    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    with get_client(sync_client=True) as client:
        found = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(like_="e2e-alloy-exp-")))
    images = [a for a in found if a.type == "image"]
    assert {a.key for a in images} == {"e2e-alloy-exp-0-spectra", "e2e-alloy-exp-1-spectra"}
    assert all(a.data.startswith("data:image/png;base64,") for a in images)
    with get_client(sync_client=True) as client:
        progress = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["e2e-alloy-progress"])))
    assert progress and all(a.type == "image" and a.data.startswith("data:image/png;base64,") for a in progress)


def test_the_crossed_raman_channel_is_stored_and_analysed_and_older_runs_still_analyse(sdlab_home: Path) -> None:
    settings = campaign_config(campaign_id="e2e-crossed", material="mos2", experiments=1, seed=1, spots=4)
    with RunStore() as store:
        session = open_session(settings, load_station(kind="tmd"), store)
        try:
            params = {"growth_c": 630.0, "chalcogen_c": 240.0, "ar_sccm": 15.0, "precursor_mg": 6.5, "growth_min": 30,
                      "promoter": "NaCl"}  # near this world's optimum: a full film whatever the machine's load
            session.synthesize(0, params)
            uid = session.measure(0, params)
            outcome = session.analyze(uid)
            run = store.client[uid]
            parallel, crossed = run["raman_counts"].read(), run["raman_crossed_counts"].read()
            assert crossed.shape == parallel.shape and parallel.shape[0] == 4
            assert run.metadata["start"]["analyzer"] == {"spectrometer": "parallel", "spectrometer_crossed": "crossed"}
            arrays = session.spectra(uid)  # the copy kept of the measurement just stored: the catalog's arrays
            assert all(np.array_equal(run[key].read(), array) for key, array in arrays.items())
            older = session._outcome({key: array for key, array in arrays.items() if "crossed" not in key},
                                     run.metadata["start"])  # as a run from before the analyzer
            assert session.spectra_png(uid, outcome).startswith(b"\x89PNG")
        finally:
            session.close()
    assert not outcome["failed"] and not older["failed"]
    assert older["layers"] == outcome["layers"] and older["n_spots"] == outcome["n_spots"]
    assert older["delta_cm1"] != outcome["delta_cm1"]  # the crossed spectra took part in the fit
    assert older["delta_cm1"] == pytest.approx(outcome["delta_cm1"], abs=0.5)


def test_a_tmd_material_on_a_graphene_station_is_refused_before_anything_runs(sdlab_home: Path) -> None:
    settings = campaign_config(campaign_id="e2e-wrong-station", material="WS2", experiments=1)
    with RunStore() as store, pytest.raises(UserError, match="needs a tmd station"):
        open_session(settings, load_station(), store)
