"""The physics twin of a CVD station: furnace zones, gas lines, tube pressure and the growing film.

The twin integrates in steps of at most one simulated second up to its clock's current time whenever a
driver touches it, so threads, statuses and the RunEngine all see one consistent world. Its `World` holds
the hidden truth of the film; drivers (simulators/drivers.py) see it only through noisy instrument readings.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from devices.interfaces import Clock
from devices.profile import FlatZoneProfile, HolderSlots, MeasuredProfile
from simulators.gas import VacuumModel, mfc_step, pressure_step, pump_speed
from simulators.positions import local_state
from simulators.thermal import FurnaceModel, FurnaceState, furnace_step
from simulators.worlds import CHALCOGEN_ZONE, GROWTH_ZONE, TubeState, World

MAX_STEP_S = 1.0
CATCH_UP_S = 600.0  # a backlog beyond this (simulated s) is integrated with the clock paused
PUMP_VALVE = "pump"
ANALYZED_CHANNEL = "raman"  # the spectrometer channel behind the analyzer


@dataclass(frozen=True)
class SensorNoise:
    """1-σ noise of each simulated instrument reading."""

    thermocouple_c: float = 0.3
    flow_fraction: float = 0.003
    pressure_fraction: float = 0.005
    coverage: float = 0.01


class Twin:
    """A simulated CVD station: the one world behind all of its simulated drivers.

    The holder's slots sit at positions along the tube (`holder`, `profile`): each loaded substrate grows in its
    slot's local conditions (`simulators.positions`); the stage's x position selects the substrate under the
    microscope (`HolderSlots.slot_under`).
    """

    def __init__(self, world: World, clock: Clock, *, seed: int = 0, gases: Sequence[str] = ("Ar", "H2", "CH4"),
                 furnace: FurnaceModel | None = None, vacuum: VacuumModel | None = None,
                 mfc_tau_s: float = 1.5, noise: SensorNoise | None = None, holder: HolderSlots | None = None,
                 profile: MeasuredProfile | FlatZoneProfile | None = None) -> None:
        self.world = world
        self.clock = clock
        self.seed = seed
        self.furnace_model = furnace or FurnaceModel()
        self.vacuum = vacuum or VacuumModel()
        self.noise = noise or SensorNoise()
        self.mfc_tau_s = mfc_tau_s
        self._rng = np.random.default_rng(seed)
        self._lock = threading.RLock()
        self._now = clock.time()
        self.zones = {zone: FurnaceState.cold(self.furnace_model) for zone in world.zones}
        self.flows = dict.fromkeys(gases, 0.0)
        self.flow_setpoints = dict.fromkeys(gases, 0.0)
        self.valves = dict.fromkeys([*gases, PUMP_VALVE], False)
        self.pressure_torr = self.vacuum.atmosphere_torr
        self.pressure_setpoint_torr: float | None = None
        self.holder = holder or HolderSlots()
        self.profile = profile or FlatZoneProfile()
        self.loading: dict[str, str] = {}  # slot → substrate
        self.precursors_mg: dict[str, float] = {}
        self.samples = {slot.name: world.new_sample(np.random.default_rng([seed, 0])) for slot in self.holder.slots}
        self.sample_numbers = {slot.name: 0 for slot in self.holder.slots}  # each slot's sample: nth loaded
        self.samples_loaded = 0
        self.stage_mm = (0.0, 0.0)
        self.analyzer = "parallel"  # the Raman analyzer, to the laser polarization
        self._log_period_s: float | None = None
        self._log_next = 0.0
        self._log: list[tuple[float, dict[str, float]]] = []

    # ---- time integration -------------------------------------------------------------------------
    def advance(self) -> float:
        """Integrate the world up to the last whole step (MAX_STEP_S) of the clock's present, where readings see
        it; returns the time integrated to. Commands integrate to the present itself (`_advance_to_now`).

        So what a reading sees, and the steps the world is integrated in, never depend on when within a step
        anything was read: only commands, at the times they are given, split a step. A backlog of more than
        CATCH_UP_S is integrated with the clock paused (where it can pause), so the twin catches up with a clock
        it fell behind (e.g. on a loaded host) instead of falling further behind.
        """
        return self._advance_to(math.floor(self.clock.time() / MAX_STEP_S) * MAX_STEP_S)

    def _advance_to_now(self) -> float:
        return self._advance_to(self.clock.time())

    def _advance_to(self, target: float) -> float:
        with self._lock:
            pause = getattr(self.clock, "paused", None)
            if pause is None or target - self._now <= CATCH_UP_S:
                self._integrate(target)
            else:
                with pause():
                    self._integrate(target)
            return self._now

    def _integrate(self, target: float) -> None:
        """Steps end at whole multiples of MAX_STEP_S, at logger samples and at `target`."""
        while self._now < target:
            stop = target if self._log_period_s is None else min(target, self._log_next)
            end = min(stop, (math.floor(self._now / MAX_STEP_S) + 1) * MAX_STEP_S)
            self._step(end - self._now)
            self._now = end
            if self._log_period_s is not None and self._now >= self._log_next:
                self._log.append((self._log_next, self._measure()))
                self._log_next += self._log_period_s

    @property
    def furnace(self) -> FurnaceState:
        """The growth zone's furnace."""
        return self.zones[GROWTH_ZONE]

    def _step(self, dt: float) -> None:
        for zone, state in self.zones.items():
            self.zones[zone] = furnace_step(state, self.furnace_model, dt)
        for gas, flow in self.flows.items():
            self.flows[gas] = mfc_step(flow, self.flow_setpoints[gas], self.valves[gas], self.mfc_tau_s, dt)
        inflow = sum(self.flows.values())
        speed = pump_speed(self.vacuum, inflow, self.pressure_setpoint_torr, self.valves[PUMP_VALVE])
        self.pressure_torr = pressure_step(self.pressure_torr, inflow, speed, self.vacuum, dt)
        if self.loading:
            tube = self._tube_state(self.world.substrates[0])  # `slot_state` puts each slot's own substrate in
            for slot, substrate in self.loading.items():
                self.samples[slot] = self.world.grow(self.samples[slot], self.slot_state(tube, slot, substrate), dt)

    def slot_state(self, tube: TubeState, slot: str, substrate: str) -> TubeState:
        """What the substrate in `slot` sees of the tube's state (its position's local conditions)."""
        boat = self.holder.boat_mm if CHALCOGEN_ZONE in self.world.zones else None  # two-zone worlds: an oxide boat
        return local_state(tube, self.profile, self.holder.position(slot), substrate, boat)

    @property
    def viewed_slot(self) -> str:
        """The slot whose substrate is under the microscope (by the stage's x position)."""
        return self.holder.slot_under(self.stage_mm[0])

    @property
    def sample(self) -> Any:
        """The sample under the microscope."""
        return self.samples[self.viewed_slot]

    @property
    def substrate(self) -> str | None:
        """The substrate under the microscope (None when its slot is empty)."""
        return self.loading.get(self.viewed_slot)

    def tube_state(self) -> TubeState:
        """The instantaneous conditions inside the tube, naming the substrate under the microscope (else the world's
        first)."""
        return self._tube_state(self.substrate or self.world.substrates[0])

    def _tube_state(self, substrate: str) -> TubeState:
        return TubeState(zones_c={zone: state.tube_c for zone, state in self.zones.items()},
                         flows_sccm=dict(self.flows), pressure_torr=self.pressure_torr, substrate=substrate,
                         precursors_mg=dict(self.precursors_mg))

    # ---- noisy instrument readings ------------------------------------------------------------------
    def _gauss(self, sigma: float, quantity: str) -> float:
        """Gaussian noise of one reading, fixed by the seed, the quantity and the instant integrated to: the same
        whichever thread reads first, however often anything was read before."""
        digest = hashlib.blake2b(f"{self.seed}:{quantity}:{self._now!r}".encode(), digest_size=16).digest()
        u1 = (int.from_bytes(digest[:8], "little") + 1) / 2.0**64  # (0, 1]
        u2 = int.from_bytes(digest[8:], "little") / 2.0**64
        return sigma * math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)

    def read(self, quantity: str) -> float:
        """A noisy reading: 'temperature' (growth zone), 'temperature:<zone>', 'pressure', 'flow:<gas>',
        'coverage'."""
        with self._lock:
            self.advance()
            return self._read(quantity)

    def _read(self, quantity: str) -> float:
        if quantity == "temperature" or quantity.startswith("temperature:"):
            zone = quantity.partition(":")[2] or GROWTH_ZONE
            return self.zones[zone].tube_c + self._gauss(self.noise.thermocouple_c, quantity)
        if quantity == "pressure":
            return self.pressure_torr * (1.0 + self._gauss(self.noise.pressure_fraction, quantity))
        if quantity == "coverage":
            return min(1.0, max(0.0, self.world.coverage(self.sample) + self._gauss(self.noise.coverage, quantity)))
        if quantity.startswith("flow:"):
            flow = self.flows[quantity.removeprefix("flow:")]
            return max(0.0, flow + self._gauss(self.noise.flow_fraction * max(flow, 1.0), quantity))
        raise KeyError(f"the twin has no quantity {quantity!r}")

    def _measure(self) -> dict[str, float]:
        values = {"temperature_c": self._read("temperature"), "setpoint_c": self.furnace.working_setpoint_c,
                  "output_pct": self.furnace.output_pct, "pressure_torr": self._read("pressure"),
                  "coverage": self._read("coverage")}
        values.update({f"{zone}_c": self._read(f"temperature:{zone}") for zone in self.zones if zone != GROWTH_ZONE})
        values.update({f"{gas.lower()}_sccm": self._read(f"flow:{gas}") for gas in self.flows})
        return values

    def log_fields(self) -> dict[str, str]:
        """Field -> units of what the in-situ logger records."""
        fields = {"temperature_c": "degC", "setpoint_c": "degC", "output_pct": "%", "pressure_torr": "Torr",
                  "coverage": "fraction"}
        fields.update({f"{zone}_c": "degC" for zone in self.zones if zone != GROWTH_ZONE})
        fields.update({f"{gas.lower()}_sccm": "sccm" for gas in self.flows})
        return fields

    # ---- actuators (called by the simulated drivers) ------------------------------------------------
    def update(self, zone: str = GROWTH_ZONE, **changes: object) -> None:
        """Integrate to now, then apply furnace-controller changes (FurnaceState fields) to one zone."""
        with self._lock:
            self._advance_to_now()
            self.zones[zone] = replace(self.zones[zone], **changes)

    def set_flow(self, gas: str, sccm: float) -> None:
        with self._lock:
            self._advance_to_now()
            self.flow_setpoints[gas] = sccm

    def set_valve(self, name: str, is_open: bool) -> None:
        with self._lock:
            self._advance_to_now()
            self.valves[name] = is_open

    def set_pressure_setpoint(self, torr: float | None) -> None:
        with self._lock:
            self._advance_to_now()
            self.pressure_setpoint_torr = torr

    def load(self, substrate: str | Mapping[str, str], precursors_mg: Mapping[str, float] | None = None) -> None:
        """Fresh, bare substrates (one substrate into the first slot, or slot → substrate) and fresh precursor
        boats (mg per source) go into the tube; the slots not named are emptied."""
        with self._lock:
            self._advance_to_now()
            self.loading = self.holder.loading(substrate)
            self.precursors_mg = dict(precursors_mg or {})
            for slot in self.loading:
                self.samples_loaded += 1
                self.sample_numbers[slot] = self.samples_loaded
                self.samples[slot] = self.world.new_sample(np.random.default_rng([self.seed, self.samples_loaded]))

    def move_stage(self, x_mm: float, y_mm: float) -> None:
        with self._lock:
            self.stage_mm = (x_mm, y_mm)

    def set_analyzer(self, position: str) -> None:
        with self._lock:
            self.analyzer = position

    def analyzer_on(self, channel: str) -> str:
        """The analyzer setting a spectrometer channel sees: the analyzer's on the Raman path, else parallel."""
        return self.analyzer if channel == ANALYZED_CHANNEL else "parallel"

    def spot(self) -> Any:
        """The film under the laser at the stage position (fixed for this sample and position)."""
        with self._lock:
            self.advance()
            x, y = self.stage_mm
            offset = 10**6  # stage positions within ±1 m map to non-negative seed words
            rng = np.random.default_rng([self.seed, self.sample_numbers[self.viewed_slot], round(x * 1000) + offset,
                                         round(y * 1000) + offset])
            return self.world.spot(self.sample, rng)

    def spectrum_rng(self) -> np.random.Generator:
        """The random stream for detector noise."""
        return self._rng

    # ---- data logging ------------------------------------------------------------------------------
    def start_log(self, period_s: float) -> None:
        with self._lock:
            now = self._advance_to_now()
            self._log_period_s = period_s
            self._log_next = math.ceil(now / period_s) * period_s
            self._log = []

    def stop_log(self) -> None:
        with self._lock:
            self._advance_to_now()
            self._log_period_s = None

    def drain_log(self) -> list[tuple[float, dict[str, float]]]:
        with self._lock:
            self.advance()
            samples, self._log = self._log, []
            return samples
