"""A lab session: one campaign's station, RunEngine, store and planner, wired together.

Flows look their session up by campaign id (`open_session`), so Prefect only ever sees plain,
serializable parameters while the devices and the RunEngine live once per process.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from typing import Any

import numpy as np
from bluesky import RunEngine

from devices.config import StationConfig
from devices.station import Station, build_station
from lab.analysis.outcome import graphene_outcome, tmd_outcome
from lab.analysis.pl import HC_EV_NM
from lab.analysis.spectrum import raman_shift
from lab.campaign.drivers import DriverSet, build_drivers, station_twin
from lab.campaign.plans import characterize, cvd_growth, run_engine, safe_state, spot_grid
from lab.campaign.plots import Panel, Renderer, progress_panels, run_panels
from lab.campaign.space import campaign_plan
from lab.errors import UserError
from lab.history.records import CampaignRecord, open_record
from lab.history.store import CHARACTERIZATION_PLAN, GROWTH_PLAN, ArrayCollector, RunStore
from lab.home import sdlab_home
from lab.materials import Material
from lab.recipe import Recipe
from lab.safety.latch import LatchedError
from lab.safety.limits import check
from lab.safety.safeguards import Safeguards
from lab.settings import CampaignConfig
from lab.slots import LOCAL_TEMPERATURE, SLOT, slot_conditions
from planners import Objective, Observation, Planner, make_planner
from simulators.emulators.station import EmulatedStation, start_emulated_station

OBJECTIVE = Objective("quality", maximize=True)
# measurement channel → station spectrometer (Raman through the parallel and the crossed analyzer, PL)
CHANNELS = {"raman": "spectrometer", "raman_crossed": "crossed_spectrometer", "pl": "pl_spectrometer"}


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
    defaults: Recipe
    results: list[ExperimentResult] = field(default_factory=list)
    listeners: list[Callable[[ExperimentResult], None]] = field(default_factory=list)
    drivers: DriverSet | None = None
    emulation: EmulatedStation | None = None
    aborted: list[str] = field(default_factory=list)  # experiments a resume found interrupted
    abandoned: dict[str, str] = field(default_factory=dict)  # their samples: experiment id → where it was left
    _faults_seen: dict[str, int] = field(default_factory=dict)
    _latest: tuple[str, dict[str, Any], dict[str, np.ndarray]] | None = None  # uid, start, spectra: stored last
    _renderer: Renderer = field(default_factory=Renderer)  # its worker starts with the first figure

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
        self._renderer.close()
        _SESSIONS.pop(self.campaign_id, None)

    @property
    def campaign_id(self) -> str:
        return self.campaign.campaign_id

    @property
    def material(self) -> Material:
        return self.campaign.material_spec

    def recipe(self, params: dict[str, Any]) -> Recipe:
        """The recipe of planner parameters over the campaign's defaults (ValueError on unknown names); a run's
        slot is where the sample grows, not part of the recipe."""
        return type(self.defaults).from_params({k: v for k, v in params.items() if k != SLOT},
                                               self.defaults.as_dict())

    def metadata(self, index: int, params: dict[str, Any]) -> dict[str, Any]:
        """Start-document metadata shared by an experiment's runs."""
        return {"campaign": self.campaign_id, "experiment_index": index,
                "experiment_id": f"{self.campaign_id}/{index}", "params": params, "planner": self.planner.name,
                "sdlab_version": version("sdlab"), "seed": self.campaign.seed, "transport": self.transport,
                "objective": OBJECTIVE.name, "material": self.campaign.material, "target_ev": self.campaign.target_ev}

    def synthesize(self, index: int, params: dict[str, Any]) -> str:
        """Check the recipe against the station's limits, then run the growth plan; returns its uid.

        Nothing starts on a latched station (LatchedError); a growth that ends with the station latched (device
        fault, interlock, watchdog, operator stop) raises LatchedError naming why, which stops the campaign.
        """
        recipe = check(self.recipe(params), self.station_config)
        return self._grow(index, cvd_growth(self.station, recipe, md=self.metadata(index, params)))

    def synthesize_run(self, samples: list[tuple[int, dict[str, Any]]]) -> str:
        """One furnace run growing several samples, (index, params) each (one slot and substrate each, the
        recipe shared): checked against every loaded slot's cap, then grown as `synthesize` does; returns the
        growth run's uid. Its start document lists the samples with their experiment ids and local conditions."""
        first_index, first = samples[0]
        recipes = [self.recipe(params) for _, params in samples]
        recipe = recipes[0]
        slots = {params[SLOT]: each.substrate for (_, params), each in zip(samples, recipes, strict=True)}
        if len(slots) != len(samples) or any(each != recipe for each in recipes):
            raise ValueError(f"a furnace run's samples need one recipe and distinct slots, got {samples}")
        check(recipe, self.station_config, slots)
        md = {**self.metadata(first_index, first),
              "experiment_indices": [index for index, _ in samples],
              "experiment_ids": [f"{self.campaign_id}/{index}" for index, _ in samples]}
        return self._grow(first_index, cvd_growth(self.station, recipe, md=md, slots=slots))

    def _grow(self, index: int, plan: Any) -> str:
        latch = self.safeguards.latch
        latch.require_clear()
        try:
            (uid,) = self.engine(plan)
        except Exception as exc:
            if latch.reason is None:
                raise
            raise LatchedError(f"experiment {self.campaign_id}/{index} stopped: station {self.station.name} is "
                               f"latched in the safe state ({latch.reason}); check the station, then: sdlab safety "
                               f"clear --station {self.station.name} --operator NAME --reason TEXT") from exc
        latch.require_clear()
        return uid

    @property
    def safeguards(self) -> Safeguards:
        """The station's interlock, latch, audit log and watchdog in this process."""
        assert self.drivers is not None and self.drivers.safeguards is not None
        return self.drivers.safeguards

    def spectrometers(self) -> dict[str, Any]:
        """The station's spectrometer per measurement channel: Raman, and on TMD stations PL and (with an analyzer)
        crossed Raman."""
        found = {channel: getattr(self.station, attr) for channel, attr in CHANNELS.items()}
        return {channel: device for channel, device in found.items() if device is not None}

    def measure(self, index: int, params: dict[str, Any]) -> str:
        """Map the grown sample (a spectrum per spot and channel); stores the spectra with the run, returns its uid."""
        spectrometers = self.spectrometers()
        collector = ArrayCollector([name for s in spectrometers.values() for name in (s.spectrum.name,
                                                                                      s.wavelengths.name)])
        spots = spot_grid(self.campaign.spots)
        slot = params.get(SLOT)
        md = self.metadata(index, params)
        if slot is not None:  # a sample of a run of several: where it grew, and what it saw there
            md.update(slot_conditions(self.station_config, self.recipe(params), str(slot)))
        plan = characterize(self.station, spots, self.campaign.exposure_s, spectrometers=list(spectrometers.values()),
                            md=md, slot=None if slot is None else str(slot))
        (uid,) = self.engine(plan, collector)
        arrays = collector.arrays()
        spectra = {name: arrays[getattr(device, signal).name]
                   for channel, device in spectrometers.items()
                   for name, signal in ((f"{channel}_counts", "spectrum"),
                                        (f"{channel}_wavelengths_nm", "wavelengths"))}
        self.store.write_arrays(uid, spectra)
        self._latest = (uid, collector.start_doc, spectra)
        return uid

    def spectra(self, uid: str) -> dict[str, np.ndarray]:
        """The stored spectra of a characterization run (`<channel>_counts` and `<channel>_wavelengths_nm`, one
        row per spot): the catalog's arrays, or the copy kept of the measurement stored last."""
        if kept := self._kept(uid):
            return kept[2]
        run = self.store.client[uid]
        return {key: run[key].read() for key in run if key.endswith(("_counts", "_wavelengths_nm"))}

    def _start(self, uid: str) -> dict[str, Any]:
        """The start document of a characterization run (kept for the measurement stored last)."""
        if kept := self._kept(uid):
            return kept[1]
        return self.store.client[uid].metadata["start"]

    def _kept(self, uid: str) -> tuple[str, dict[str, Any], dict[str, np.ndarray]] | None:
        """The copy kept of the measurement stored last, if that is ``uid``."""
        return self._latest if self._latest is not None and self._latest[0] == uid else None

    def _outcome(self, arrays: dict[str, np.ndarray], start: dict[str, Any]) -> dict[str, Any]:
        """Figures of merit from the spectra (`spectra`) and start document of a characterization run."""
        def spectra(channel: str) -> tuple[list[Any], list[Any]]:
            return list(arrays[f"{channel}_wavelengths_nm"]), list(arrays[f"{channel}_counts"])

        material = self.material
        if material.kind == "graphene":
            return graphene_outcome(*spectra("raman"), start["laser_nm"])
        crossed = spectra("raman_crossed") if "raman_crossed_counts" in arrays else (None, None)  # older runs: none
        return tmd_outcome(*spectra("raman"), *spectra("pl"), crossed_wavelengths_nm=crossed[0],
                           crossed_counts=crossed[1], laser_nm=start["laser_nm"],
                           exposure_s=start["exposure_s"], x_w=material.x_w, y_se=material.y_se,
                           substrate=self.recipe(start["params"]).substrate, target_ev=self.campaign.target_ev)

    def analyze(self, uid: str) -> dict[str, Any]:
        """Fit the stored spectra of a characterization run and record the outcome with it.

        Spectra the analysis refuses (NaN, mismatched axes) are recorded as a failed, unfit outcome naming
        why; the campaign goes on.
        """
        try:
            outcome = self._outcome(self.spectra(uid), self._start(uid))
        except ValueError as exc:
            outcome = {"failed": True, "unfit": self.campaign.spots, "quality": 0.0, "error": str(exc)}
        if self.transport == "serial":  # faults during this experiment, recorded with its outcome
            totals = self.fault_totals()
            outcome.update({k: v - self._faults_seen.get(k, 0) for k, v in totals.items()})
            self._faults_seen = totals
        self.store.record_outcome(uid, outcome)
        return outcome

    def spectra_png(self, uid: str, outcome: dict[str, Any]) -> bytes:
        """A figure of a characterization run's spectra: Raman against shift, PL against photon energy, with
        the fitted PL peak marked."""
        arrays = self.spectra(uid)
        panels = []
        for channel in self.spectrometers():
            if f"{channel}_counts" not in arrays:  # a run from before the station had this channel
                continue
            wavelengths = list(arrays[f"{channel}_wavelengths_nm"])
            counts = list(arrays[f"{channel}_counts"])
            if channel.startswith("raman"):
                x = [raman_shift(w, self.station.spectrometer.laser_nm.get()) for w in wavelengths]
                title = "Raman, crossed polarization" if channel == "raman_crossed" else "Raman"
                panels.append(Panel(title, "Raman shift (cm⁻¹)", x, counts))
            else:
                peak = outcome.get("pl_peak_ev")
                panels.append(Panel("Photoluminescence", "photon energy (eV)", [HC_EV_NM / w for w in wavelengths],
                                    counts, marks=() if peak is None else (peak,)))
        return self._draw(panels)

    def run_png(self, growth_uid: str) -> bytes:
        """A figure of one furnace run's samples along the tube: quality and local temperature against position."""
        samples = [r for r in list(self.results) if r.growth_uid == growth_uid]
        conditions = [slot_conditions(self.station_config, self.recipe(r.params), str(r.params[SLOT]))
                      for r in samples]
        order = sorted(range(len(samples)), key=lambda i: conditions[i]["position_mm"])
        return self._draw(run_panels([conditions[i]["position_mm"] for i in order],
                                     [samples[i].quality for i in order],
                                     [conditions[i][LOCAL_TEMPERATURE] for i in order]))

    def progress_png(self) -> bytes:
        """A figure of the campaign so far: quality and best so far per experiment, quality against each numeric
        parameter."""
        results = list(self.results)  # a snapshot: the campaign may append meanwhile
        numeric = [name for name, value in (results[0].params.items() if results else ())
                   if isinstance(value, int | float) and not isinstance(value, bool)]
        return self._draw(progress_panels([r.index for r in results], [r.quality for r in results],
                                          {name: [r.params[name] for r in results] for name in numeric}))

    def _draw(self, panels: list[Panel]) -> bytes:
        return self._renderer.png(panels)

    def learn(self, result: ExperimentResult) -> None:
        """Tell the planner, save its state, notify listeners."""
        self.results.append(result)
        self.planner.tell([observation(result)])
        path = sdlab_home() / "planners" / f"{self.campaign_id}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.planner.to_dict()))
        for listener in self.listeners:
            listener(result)

    def restore(self) -> list[str]:
        """Rebuild the results and the planner from the catalog (the source of truth), for a resumed campaign.

        Completed experiments (a characterization run with an outcome) are told to the planner in index order;
        every other run of the campaign not yet marked belongs to an interrupted experiment: it is marked
        `aborted` in the catalog and the experiment is planned again under the same id. The campaign goes on from
        the first experiment not completed, so the completed ones after it (an earlier experiment's last writes
        were lost, e.g. refused while the catalog's database was down, and later ones went through) are aborted
        too and planned again: no index is skipped or run twice. If any was interrupted, the station is first
        brought to its safe state. Returns the ids of the experiments marked aborted.
        """
        done: dict[int, ExperimentResult] = {}
        for run in self.store.runs(self.campaign_id, CHARACTERIZATION_PLAN):
            start, outcome = run.metadata["start"], run.metadata.get("outcome")
            if outcome is not None and not run.metadata.get("aborted"):
                done.setdefault(start["experiment_index"], ExperimentResult(
                    start["experiment_index"], start["experiment_id"], start["params"], dict(outcome), "",
                    start["uid"], 0.0))
        first_missing = next(index for index in range(len(done) + 1) if index not in done)
        done = {index: result for index, result in done.items() if index < first_missing}
        growth_uids: dict[int, str] = {}
        aborted = []
        for run in self.store.runs(self.campaign_id):
            start = run.metadata["start"]
            if run.metadata.get("aborted"):
                continue
            if start["experiment_index"] in done:
                if start.get("plan_name") == GROWTH_PLAN:
                    for index, experiment_id in zip(*_grown(start), strict=True):
                        growth_uids[index] = start["uid"]
                        if index not in done:  # a run's sample the crash left uncharacterized: planned again
                            self.abandoned[experiment_id] = "on the holder (its run was interrupted before it " \
                                                            "was characterized)"
                continue
            run.update_metadata(metadata={"aborted": "interrupted; the experiment was planned again on resume"})
            aborted.append(start["experiment_id"])
            measured = start.get("plan_name") == CHARACTERIZATION_PLAN  # runs come oldest first: this one last
            self.abandoned[start["experiment_id"]] = (
                "in the furnace (not characterized)" if not measured else
                "on the stage (characterization interrupted)" if run.metadata.get("outcome") is None else
                "on the stage (characterized, but an earlier experiment was lost: planned again)")
        if aborted:
            self.engine(safe_state(self.station))
        self.results = [replace(done[index], growth_uid=growth_uids.get(index, "")) for index in sorted(done)]
        if self.results:
            self.planner.tell([observation(result) for result in self.results])
        return sorted(set(aborted))

    def best(self) -> ExperimentResult | None:
        """The experiment with the highest quality so far."""
        scored = [r for r in self.results if r.quality is not None]
        return max(scored, key=lambda r: r.quality or 0.0, default=None)


def _grown(start: dict[str, Any]) -> tuple[list[int], list[str]]:
    """The experiment indices and ids a growth run grew (several for a run of several substrates)."""
    return (start.get("experiment_indices", [start["experiment_index"]]),
            start.get("experiment_ids", [start["experiment_id"]]))


def observation(result: ExperimentResult) -> Observation:
    """What the planner is told of an experiment: its objective, or that it left no usable sample."""
    failed = bool(result.outcome["failed"])
    return Observation(result.params, values=None if failed else {OBJECTIVE.name: result.outcome["quality"]},
                       failed=failed)


def warm_start_rows(store: RunStore, source: str) -> list[dict[str, Any]]:
    """The experiments of campaign ``source`` to warm-start from; UserError if the run history has none."""
    rows = store.experiments(source)
    if not rows:
        raise UserError(f"--warm-start {source}: no experiments of that campaign in the run history (sdlab history "
                        "lists the campaigns; sdlab import brings in past runs)")
    return rows


def warm_start(planner: Planner, store: RunStore, source: str) -> int:
    """Seed ``planner`` with the experiments of campaign ``source`` (e.g. imported); how many it kept."""
    rows = warm_start_rows(store, source)
    return planner.warm_start(
        Observation(row["params"], values=None if row["status"] != "ok" else {OBJECTIVE.name: row["quality"]},
                    failed=row["status"] != "ok") for row in rows)


_SESSIONS: dict[str, LabSession] = {}


def open_session(campaign: CampaignConfig, station_config: StationConfig, store: RunStore, *,
                 transport: str = "sim", fault_rate: float = 0.0) -> LabSession:
    """Build the simulated station, RunEngine and planner for `campaign` and register the session.

    `transport="serial"` serves the twin's furnace, MFCs, gauge and pressure controller through protocol
    emulators on ptys (injecting reply faults at `fault_rate`) and drives them with the serial drivers.
    """
    space, defaults = campaign_plan(campaign, station_config)
    open_record(CampaignRecord(campaign, station_config, transport, fault_rate))
    planner = make_planner(campaign.planner, space, objectives=[OBJECTIVE], seed=campaign.seed)
    material_space = campaign.material_spec.space()
    first_slot = {SLOT: station_config.holder.slots[0].name} if SLOT in space.names else {}
    planner.suggest({**point, **first_slot} for point in campaign.material_spec.literature_recipes(material_space))
    if campaign.warm_start is not None:
        warm_start(planner, store, campaign.warm_start)
    twin = station_twin(station_config, campaign.seed, campaign.speedup, campaign.world, campaign.world_file)
    emulation = None
    if transport == "serial":
        emulation = start_emulated_station(station_config, twin, fault_rate=fault_rate, seed=campaign.seed)
    elif transport != "sim":
        raise ValueError(f"transport must be 'sim' or 'serial', got {transport!r}")
    drivers = None
    try:
        drivers = build_drivers(emulation.config if emulation else station_config, twin)
        guarded = drivers.guard(station_config, twin.clock, source={"campaign": campaign.campaign_id})
        station = build_station(station_config, guarded, twin.clock)
    except BaseException:
        if drivers is not None:
            drivers.close()
        if emulation is not None:
            emulation.stop()
        raise
    engine = run_engine(station)
    engine.subscribe(store.writer())
    drivers.safeguards.attach(engine)  # type: ignore[union-attr]
    session = LabSession(campaign, station_config, store, station, engine, planner, defaults, drivers=drivers,
                         emulation=emulation)
    _SESSIONS[campaign.campaign_id] = session
    session.aborted = session.restore()
    return session


def session_for(campaign_id: str) -> LabSession:
    """The open session of a campaign in this process."""
    return _SESSIONS[campaign_id]
