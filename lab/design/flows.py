"""Prefect flows of inverse design: ``design`` (ranked candidates for a target) and ``discover`` (the full loop).

Orchestration only; the work is done by ``planners.materials`` (``propose``, ``discovery_loop``). State lives
under ``$SDLAB_HOME/materials``: the CHGNet relaxation cache (``relax-cache/``) and the band-gap model the
lab has learned (``bandgap-model.json``; fitted on the literature table when missing). ``design`` reads that
model; ``discover`` on the lab would update it, while a simulated discovery starts from the literature model
and leaves the lab's model alone.

The synthesis step of ``discover`` is a ``Measure`` — ``measure(formula, seed) -> measured gap | None`` —
made for the discovery's seed and target by a ``SynthesisCampaign`` chosen by name from ``CAMPAIGNS``: ``"lab"``,
a full simulated lab campaign per candidate that aims its films at the target gap (``LabCampaign``), or
``"twin"``, the fast stand-in ``lab.design.twin.TwinCampaign``; a hardware campaign plugs in by registering
a ``SynthesisCampaign`` there.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NONE

from lab.design.checks import check_request, user_errors
from lab.design.twin import TwinCampaign
from lab.errors import UserError
from lab.home import sdlab_home
from lab.settings import CampaignConfig, campaign_config, load_station, slug
from planners.materials import (
    BandgapEnsemble,
    Measure,
    Relaxer,
    Round,
    Target,
    discovery_loop,
    literature_bandgaps,
    parse_target,
    propose,
)


@dataclass(frozen=True)
class SynthesisCampaign:
    """A way to synthesize candidates: ``make(seed, target) -> Measure`` and the constraint text of what it can grow."""

    make: Callable[[int, Target], Measure]
    grows: str = ""


@dataclass(frozen=True)
class LabCampaign:
    """A full simulated lab campaign per candidate: Bluesky growths on the two-zone TMD station, Raman + PL,
    the planner over the material's space, every run in the catalog. Measures the best sample's PL gap; with
    ``target_ev`` the campaign's objective rewards films whose gap is near it (``lab.analysis.tmd_objective``)."""

    experiments: int = 8
    spots: int = 9
    speedup: float | None = None  # virtual time
    target_ev: float | None = None
    world: int | None = None  # the simulated lab's world, shared by its campaigns (default: each campaign's seed)

    def settings(self, formula: str, seed: int) -> CampaignConfig:
        """The configuration of the campaign on ``formula`` with ``seed`` (a fresh, time-stamped campaign id)."""
        stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
        return campaign_config(campaign_id=slug(f"discover-{formula}-s{seed}-{stamp}")[:63], material=formula,
                               target_ev=self.target_ev, experiments=self.experiments, seed=seed, world=self.world,
                               spots=self.spots, speedup=self.speedup)

    def __call__(self, formula: str, seed: int) -> float | None:
        from lab.campaign.flows import campaign
        from lab.campaign.session import open_session
        from lab.history.store import RunStore

        settings = self.settings(formula, seed)
        with RunStore() as store:
            session = open_session(settings, load_station(kind="tmd"), store)
            try:
                campaign.with_options(flow_run_name=settings.campaign_id)(settings.campaign_id)
            finally:
                session.close()
        best = session.best()
        return None if best is None else best.outcome.get("bandgap_ev")


CAMPAIGNS: dict[str, SynthesisCampaign] = {
    "lab": SynthesisCampaign(lambda seed, target: LabCampaign(target_ev=target.value, world=seed), grows="no Te"),
    "twin": SynthesisCampaign(lambda seed, _target: TwinCampaign(seed), grows="no Te")}
"""Synthesis campaigns by name (the discover flow's ``campaign`` parameter): ``lab`` runs a full simulated
campaign per candidate aimed at the target gap, all in the simulated world of the discovery's seed (one lab,
whose furnace behaves the same for every candidate); ``twin`` is the fast stand-in (the converged recipe of the
candidate's composition, one growth)."""
TABLE_COLUMNS = ("formula", "bandgap_ev", "std_ev", "p_within", "score", "mixing_mev", "e_above_hull_mev",
                 "stability_weight", "why")


def materials_dir() -> Path:
    """``$SDLAB_HOME/materials`` (created on first use)."""
    path = sdlab_home() / "materials"
    path.mkdir(parents=True, exist_ok=True)
    return path


def relaxer() -> Relaxer:
    """The CHGNet relaxer with the lab's structure-hash cache."""
    return Relaxer(materials_dir() / "relax-cache")


def literature_model(seed: int = 0) -> BandgapEnsemble:
    """A band-gap model fitted on the shipped literature table."""
    return BandgapEnsemble(seed=seed).fit(literature_bandgaps())


def lab_model() -> BandgapEnsemble:
    """The lab's band-gap model (``bandgap-model.json``), fitted on the literature table and saved when missing."""
    path = materials_dir() / "bandgap-model.json"
    if path.is_file():
        return BandgapEnsemble.from_dict(json.loads(path.read_text()))
    model = literature_model()
    save_model(model)
    return model


def save_model(model: BandgapEnsemble) -> None:
    """Store ``model`` as the lab's band-gap model."""
    path = materials_dir() / "bandgap-model.json"
    path.with_suffix(".tmp").write_text(json.dumps(model.as_dict()))
    path.with_suffix(".tmp").replace(path)


def _value(value: Any) -> Any:
    """JSON-ready: a float as a Python float, NaN as None."""
    if isinstance(value, float):
        return None if math.isnan(value) else float(value)
    return value


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    """A row as an artifact shows it: floats to four places."""
    return {key: round(value, 4) if isinstance(value, float) else value for key, value in row.items()}


def table_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows of a ranked table (``planners.materials.screen`` columns): rank first, values unrounded (each
    is rounded once, where it is shown, as in the ``why`` text)."""
    return [{"rank": int(rank), **{c: _value(row[c]) for c in TABLE_COLUMNS}} for rank, row in table.iterrows()]


@flow(name="design")
def design(target: str, top_k: int = 5, constraints: str | None = None, seed: int = 0) -> list[dict[str, Any]]:
    """Ranked candidates for ``target`` (e.g. ``"bandgap_ev=1.70"``) under ``constraints`` (e.g. ``"Mo-based"``).

    Screens every allowed composition with the lab's band-gap model, relaxes the ``top_k`` best with CHGNet
    (cached) and ranks them with the stability penalty; publishes the table as the Prefect artifact
    ``materials-design``. Raises ``UserError`` for a bad target or constraint.
    """
    check_request(target, constraints, top_k, seed)
    with user_errors():
        table = propose(target, constraints or "", lab_model(), relaxer(), top_k=top_k, seed=seed)
    rows = table_rows(table)
    create_table_artifact(table=[_shown(row) for row in rows], key="materials-design",
                          description=f"Candidates for {target} ({constraints or 'no constraints'})")
    return rows


@task(name="synthesize-candidate", cache_policy=NONE)
def _synthesize(measure: Measure, formula: str, seed: int) -> float | None:
    """One synthesis campaign for ``formula``: the measured band gap, or None when nothing usable grew."""
    return measure(formula, seed)


def _publish(rounds: list[Round], target: str) -> None:
    create_table_artifact(table=[_shown({k: _value(v) for k, v in r.as_dict().items()}) for r in rounds],
                          key="materials-discovery", description=f"Discovery campaigns for {target}")


@flow(name="discover")
def discover(target: str, budget: int = 8, top_k: int = 3, constraints: str | None = None, seed: int = 0,
             campaign: str = "twin") -> list[dict[str, Any]]:
    """The discovery loop: design → synthesis ``campaign`` of the top candidate → tell the measured gap → repeat.

    Stops when a measured gap lies within the target tolerance, after ``budget`` campaigns, or when every
    allowed composition has been tried. Starts from the literature model (seed ``seed``); ``campaign`` names a
    ``CAMPAIGNS`` entry, made with ``seed`` and the target, whose ``grows`` constraint is added to
    ``constraints``. Publishes the rounds as the Prefect artifact ``materials-discovery``; returns them as dicts
    (``Round`` fields).
    """
    check_request(target, constraints, top_k, seed, budget)
    if campaign not in CAMPAIGNS:
        raise UserError(f"unknown synthesis campaign {campaign!r} (known: {', '.join(sorted(CAMPAIGNS))})")
    synthesis = CAMPAIGNS[campaign]
    goal = parse_target(target)
    measure = synthesis.make(seed, goal)
    allowed = ", ".join(text for text in (constraints, synthesis.grows) if text)
    rounds: list[Round] = []

    def on_round(result: Round) -> None:
        rounds.append(result)
        _publish(rounds, target)

    with user_errors():
        discovery_loop(goal, allowed, literature_model(seed), relaxer(),
                       lambda formula, run: _synthesize(measure, formula, run),
                       budget=budget, top_k=top_k, seed=seed, on_round=on_round)
    return [r.as_dict() for r in rounds]
