"""A lab session: one campaign's station, RunEngine, store and planner, wired together.

Flows look their session up by campaign id (`open_session`), so Prefect only ever sees plain,
serializable parameters while the devices and the RunEngine live once per process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import version
from typing import Any

from bluesky import RunEngine

from devices.station import Station, StationConfig, build_station
from lab.analysis import graphene_outcome
from lab.config import CampaignConfig, DriverSet, build_drivers, station_twin
from lab.plans import characterize, cvd_growth, spot_grid
from lab.recipe import GrowthRecipe, graphene_space
from lab.safety import check, check_space
from lab.store import ArrayCollector, RunStore, sdlab_home
from planners import Objective, Observation, Planner, make_planner
from simulators.emulators.station import EmulatedStation, start_emulated_station

OBJECTIVE = Objective("quality", maximize=True)
SPECTRA = "raman_counts"  # array node of a characterization run: one spectrum per spot
WAVELENGTHS = "raman_wavelengths_nm"


@dataclass
class ExperimentResult:
    """What one experiment produced."""

    index: int
    experiment_id: str
    params: dict[str, Any]
    outcome: dict[str, Any]
    growth_uid: str
    characterization_uid: str
    wall_s: float

    @property
    def quality(self) -> float | None:
        return None if self.outcome["failed"] else self.outcome["quality"]


@dataclass
class LabSession:
    """Everything one campaign needs in this process."""

    campaign: CampaignConfig
    station_config: StationConfig
    store: RunStore
    station: Station
    engine: RunEngine
    planner: Planner
    defaults: GrowthRecipe
    results: list[ExperimentResult] = field(default_factory=list)
    listeners: list[Callable[[ExperimentResult], None]] = field(default_factory=list)
    drivers: DriverSet | None = None
    emulation: EmulatedStation | None = None
    _faults_seen: dict[str, int] = field(default_factory=dict)

    @property
    def transport(self) -> str:
        """'serial' when any device is driven over a serial line, else 'sim'."""
        return self.drivers.transport if self.drivers is not None else "sim"

    def fault_totals(self) -> dict[str, int]:
        """Transport faults so far: driver-side counters summed over devices, and faults the emulators injected."""
        totals: dict[str, int] = {}
        for stats in (self.drivers.stats().values() if self.drivers else []):
            for name, count in stats.as_dict().items():
                if name != "exchanges":
                    totals[f"transport_{name}"] = totals.get(f"transport_{name}", 0) + count
        for counts in (self.emulation.fault_counts().values() if self.emulation else []):
            for name, count in counts.items():
                totals[f"injected_{name}"] = totals.get(f"injected_{name}", 0) + count
        return totals

    def close(self) -> None:
        """Close serial ports and stop emulators (if any)."""
        if self.drivers is not None:
            self.drivers.close()
        if self.emulation is not None:
            self.emulation.stop()
        _SESSIONS.pop(self.campaign_id, None)

    @property
    def campaign_id(self) -> str:
        return self.campaign.campaign_id

    def metadata(self, index: int, params: dict[str, Any]) -> dict[str, Any]:
        """Start-document metadata shared by an experiment's runs."""
        return {"campaign": self.campaign_id, "experiment_index": index,
                "experiment_id": f"{self.campaign_id}/{index}", "params": params, "planner": self.planner.name,
                "sdlab_version": version("sdlab"), "seed": self.campaign.seed, "transport": self.transport,
                "objective": OBJECTIVE.name}

    def synthesize(self, index: int, params: dict[str, Any]) -> str:
        """Check the recipe against the station's limits, then run the growth plan; returns its uid."""
        recipe = check(GrowthRecipe.from_params(params, self.defaults.as_dict()), self.station_config)
        (uid,) = self.engine(cvd_growth(self.station, recipe, md=self.metadata(index, params)))
        return uid

    def measure(self, index: int, params: dict[str, Any]) -> str:
        """Raman map of the grown sample; stores the spectra with the run and returns its uid."""
        spectrometer = self.station.spectrometer
        collector = ArrayCollector([spectrometer.spectrum.name, spectrometer.wavelengths.name])
        spots = spot_grid(self.campaign.spots)
        plan = characterize(self.station, spots, self.campaign.exposure_s, md=self.metadata(index, params))
        (uid,) = self.engine(plan, collector)
        arrays = collector.arrays()
        self.store.write_arrays(uid, {SPECTRA: arrays[spectrometer.spectrum.name],
                                      WAVELENGTHS: arrays[spectrometer.wavelengths.name]})
        return uid

    def analyze(self, uid: str) -> dict[str, Any]:
        """Fit the stored spectra of a characterization run and record the outcome with it."""
        run = self.store.client[uid]
        outcome = graphene_outcome(list(run[WAVELENGTHS].read()), list(run[SPECTRA].read()),
                                   run.metadata["start"]["laser_nm"])
        if self.transport == "serial":  # faults during this experiment, recorded with its outcome
            totals = self.fault_totals()
            outcome.update({k: v - self._faults_seen.get(k, 0) for k, v in totals.items()})
            self._faults_seen = totals
        self.store.record_outcome(uid, outcome)
        return outcome

    def learn(self, result: ExperimentResult) -> None:
        """Tell the planner, save its state, notify listeners."""
        self.results.append(result)
        failed = result.outcome["failed"]
        values = None if failed else {OBJECTIVE.name: result.outcome["quality"]}
        self.planner.tell([Observation(result.params, values=values, failed=failed)])
        path = sdlab_home() / "planners" / f"{self.campaign_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.planner.to_dict()))
        for listener in self.listeners:
            listener(result)

    def best(self) -> ExperimentResult | None:
        """The experiment with the highest quality so far."""
        scored = [r for r in self.results if r.quality is not None]
        return max(scored, key=lambda r: r.quality or 0.0, default=None)


_SESSIONS: dict[str, LabSession] = {}


def open_session(campaign: CampaignConfig, station_config: StationConfig, store: RunStore, *,
                 transport: str = "sim", fault_rate: float = 0.0) -> LabSession:
    """Build the simulated station, RunEngine and planner for `campaign` and register the session.

    `transport="serial"` serves the twin's furnace, MFCs, gauge and pressure controller through protocol
    emulators on ptys (injecting reply faults at `fault_rate`) and drives them with the serial drivers.
    """
    space = graphene_space()
    defaults = GrowthRecipe.from_params(campaign.recipe)
    check_space(space, defaults, station_config)
    planner = make_planner(campaign.planner, space, objectives=[OBJECTIVE], seed=campaign.seed)
    twin = station_twin(station_config, campaign.seed, campaign.speedup)
    emulation = None
    if transport == "serial":
        emulation = start_emulated_station(station_config, twin, fault_rate=fault_rate, seed=campaign.seed)
    elif transport != "sim":
        raise ValueError(f"transport must be 'sim' or 'serial', got {transport!r}")
    try:
        drivers = build_drivers(emulation.config if emulation else station_config, twin)
        station = build_station(station_config, drivers.drivers, twin.clock)
    except BaseException:
        if emulation is not None:
            emulation.stop()
        raise
    engine = RunEngine(context_managers=[])
    engine.subscribe(store.writer())
    session = LabSession(campaign, station_config, store, station, engine, planner, defaults, drivers=drivers,
                         emulation=emulation)
    _SESSIONS[campaign.campaign_id] = session
    return session


def session_for(campaign_id: str) -> LabSession:
    """The open session of a campaign in this process."""
    return _SESSIONS[campaign_id]
