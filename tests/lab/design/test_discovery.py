"""Inverse design in the lab: the twin stand-in campaign, request checks, the CLI commands and the Prefect flows."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from lab.cli.design import design_command, discover_command
from lab.design.flows import (
    CAMPAIGNS,
    LabCampaign,
    SynthesisCampaign,
    check_request,
    design,
    discover,
    table_rows,
    user_errors,
)
from lab.design.twin import TwinCampaign
from lab.errors import UserError
from planners.materials import BandgapEnsemble, Candidate, literature_bandgaps, parse_target, screen
from simulators.tmd import growth_rates
from simulators.tmd_spectra import a_exciton_ev


@pytest.fixture(scope="module")
def twin() -> TwinCampaign:
    return TwinCampaign(world_seed=0)


@pytest.mark.parametrize(("formula", "x_w", "y_se"), [("MoS2", 0.0, 0.0), ("Mo0.5W0.5SSe", 0.5, 0.5)])
def test_twin_campaign_grows_the_composition_and_measures_its_gap(twin: TwinCampaign, formula: str, x_w: float,
                                                                   y_se: float) -> None:
    rates = growth_rates(twin.truth, twin.recipe(formula).conditions())
    assert rates.x_w == pytest.approx(x_w, abs=1e-6) and rates.y_se == pytest.approx(y_se, abs=1e-6)
    gaps = [twin(formula, seed) for seed in range(4)]
    measured = [g for g in gaps if g is not None]
    assert len(measured) >= 2
    assert all(abs(g - a_exciton_ev(x_w, y_se)) < 0.015 for g in measured)
    assert twin(formula, 1) == gaps[1]  # a seed fixes the run


def test_twin_campaign_grows_no_tellurides(twin: TwinCampaign) -> None:
    with pytest.raises(ValueError, match="sulfides and selenides only"):
        twin("MoTe2", 0)


def test_synthesis_campaigns_are_made_for_the_discovery_target() -> None:
    target = parse_target("bandgap_ev=1.70±0.03")
    lab = CAMPAIGNS["lab"].make(3, target)
    assert isinstance(lab, LabCampaign) and lab.target_ev == 1.70
    settings = lab.settings("MoSSe", 7)  # the campaign's objective aims its films at the target gap
    assert (settings.material_spec.y_se, settings.seed, settings.target_ev) == (0.5, 7, 1.70)
    assert settings.campaign_id.startswith("discover-mosse-s7-")
    twin = CAMPAIGNS["twin"].make(3, target)  # the stand-in grows the candidate's composition, target or not
    assert isinstance(twin, TwinCampaign) and twin.world_seed == 3


def test_request_errors_are_one_line_user_errors() -> None:
    for request, match in [
        (("bandgap_ev", None, 5, 0), "cannot parse target"),
        (("bandgap_ev=1.7", "Xx-based", 5, 0), "unknown element 'Xx'"),
        (("bandgap_ev=1.7", "lattice within 1% of hBN", 5, 0), "out of reach"),
        (("bandgap_ev=1.7", None, 0, 0), "--top must be a positive integer"),
        (("bandgap_ev=1.7", None, 3, 0, 0), "--budget must be a positive number"),
    ]:
        with pytest.raises(UserError, match=match):
            check_request(*request)
    with pytest.raises(UserError, match="boom"), user_errors():
        raise ValueError("boom")


def test_table_rows_are_json_ready() -> None:
    model = BandgapEnsemble(seed=0, members=2, hidden=4, epochs=20, folds=2).fit(literature_bandgaps())
    rows = table_rows(screen([Candidate.from_formula("MoSSe")], model, "bandgap_ev=1.7"))
    assert rows[0]["rank"] == 1 and rows[0]["formula"] == "MoSSe" and rows[0]["e_above_hull_mev"] is None
    assert isinstance(rows[0]["bandgap_ev"], float) and "stability not computed" in rows[0]["why"]


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("design")(design_command)
    app.command("discover")(discover_command)
    return app


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (["design", "--target", "bandgap_ev=one"], "cannot parse target"),
        (["design", "--target", "bandgap_ev=1.7", "--constraint", "Nb-based"], "element 'Nb' is not supported"),
        (["discover", "--target", "bandgap_ev=1.7"], "add --simulate"),
        (["discover", "--target", "bandgap_ev=1.7", "--simulate", "--budget", "0"], "--budget must be"),
    ],
)
def test_cli_rejects_bad_input_before_starting_anything(args: list[str], match: str) -> None:
    result = CliRunner().invoke(_app(), args)
    assert isinstance(result.exception, UserError) and match in str(result.exception)


@pytest.mark.e2e
@pytest.mark.usefixtures("prefect_harness", "sdlab_home")
def test_design_and_discover_flows(sdlab_home: Path) -> None:
    rows = design("bandgap_ev=1.70", top_k=2, constraints="Mo-based, S/Se mix")
    assert [r["rank"] for r in rows] == [1, 2] and {r["formula"] for r in rows} <= {"MoS1.5Se0.5", "MoSSe",
                                                                                      "MoS0.5Se1.5"}
    assert rows[0]["e_above_hull_mev"] is not None
    assert (sdlab_home / "materials" / "bandgap-model.json").is_file()
    assert list((sdlab_home / "materials" / "relax-cache").glob("*.json"))

    CAMPAIGNS["fixed"] = SynthesisCampaign(lambda seed, target: lambda formula, run: target.value,
                                           grows="Mo-based, S/Se mix")  # measures the gap it was made for
    try:
        rounds = discover("bandgap_ev=1.70±0.03", budget=3, top_k=1, campaign="fixed")
    finally:
        del CAMPAIGNS["fixed"]
    assert len(rounds) == 1 and rounds[0]["hit"] and rounds[0]["measured_ev"] == 1.70
    with pytest.raises(UserError, match="unknown synthesis campaign 'fixed'"):
        discover("bandgap_ev=1.70", campaign="fixed")


@pytest.mark.e2e
@pytest.mark.usefixtures("prefect_harness", "sdlab_home")
def test_a_lab_campaign_synthesizes_the_candidate_on_the_two_zone_station_and_measures_its_gap() -> None:
    from lab.history.store import GROWTH_PLAN, RunStore

    measured = LabCampaign(experiments=3, spots=4, target_ev=1.88)("MoS2", 1)
    with RunStore() as store:
        growths = [run.metadata["start"] for run in store.runs(plan=GROWTH_PLAN)
                   if run.metadata["start"]["campaign"].startswith("discover-mos2-s1-")]
    assert len(growths) == 3 and all(start["material"] == "MoS2" and start["target_ev"] == 1.88 for start in growths)
    assert measured is None or 1.8 < measured < 1.95
