"""Bluesky plans: one CVD growth, and Raman (parallel and crossed polarization) and PL characterization.

Plans are generators of bluesky messages; they wait in the station clock's time, so the same plan runs a
real furnace for hours or its twin in seconds. Moves, triggers and readings are yielded as plain messages
(`_mv`, `_trigger`, `_event`) rather than through `bluesky.plan_stubs`, whose bookkeeping (a stack trace per
stub) cost the simulated station more time than the commands themselves; the messages are the same.
"""

from __future__ import annotations

import math
from collections.abc import Generator, Mapping, Sequence
from typing import Any

import bluesky.plan_stubs as bps
import bluesky.preprocessors as bpp
from bluesky import RunEngine
from bluesky.utils import Msg, short_uid
from ophyd import Signal

from devices.config import PUMP_LINE
from devices.optics import Spectrometer
from devices.signals import SoftSignal
from devices.station import Station
from lab.history.schemas import compile_document_schemas
from lab.protocol_checks import cache_protocol_members
from lab.recipe import GrowthRecipe, Recipe, TmdRecipe
from lab.safety.rules import safe_state_commands
from lab.slots import run_samples

Plan = Generator[Msg, Any, Any]
PUMP_DOWN_TIMEOUT_S = 600.0
COOL_TIMEOUT_S = 6 * 3600.0
FILL_TIMEOUT_S = 3600.0
PUMP_HOLD_S = 30.0  # the leak check pumps at base pressure this long before it isolates the tube (residual gas
#                     in the lines dies out; an isolated tube would otherwise count it as a leak)
ATMOSPHERIC_TORR = 700.0  # at or above: an atmospheric-pressure process (pump line closed, tube vents)
COLLECT_PERIOD_S = 300.0  # clock seconds between event pages of the in-situ stream (what the logger recorded meanwhile)
FILLED = 0.97  # share of the process pressure at which the tube counts as filled


class RecipeAbort(RuntimeError):
    """A recipe step could not proceed (failed leak check, pump-down timeout)."""


def _event(readables: Sequence[Any]) -> Plan:
    """One primary event reading `readables` (dropped if a reading fails)."""
    yield Msg("create", None, name="primary")
    try:
        for device in readables:
            yield Msg("read", device)
    except Exception:
        yield Msg("drop", None)
        raise
    yield Msg("save", None)


def _mv(*args: Any) -> Plan:
    """`bps.mv(device, value, ...)`: set every device, then wait until all are done."""
    group = short_uid("set")
    for device, value in zip(args[::2], args[1::2], strict=True):
        yield Msg("set", device, value, group=group)
    yield Msg("wait", None, group=group)


def _trigger(device: Any) -> Plan:
    """`bps.trigger(device, wait=True)`."""
    group = short_uid("trigger")
    yield Msg("trigger", device, group=group)
    yield Msg("wait", None, group=group)


def _read(station: Station, step: Signal) -> Plan:
    """One primary event: the step and every process readable (they acquire nothing when triggered)."""
    yield from _event((step, *station.process_readables()))


def _enter(station: Station, step: Signal, name: str) -> Plan:
    yield Msg("checkpoint")
    yield from _mv(step, name)
    yield from _read(station, step)


def run_engine(station: Station) -> RunEngine:
    """A RunEngine that runs plans in the station's time (`Clock.bind`): their sleeps are clock seconds. Documents
    are validated by compiled schemas (`lab.history.schemas`); protocol checks cost what they cost on Python 3.12
    (`lab.protocol_checks`)."""
    compile_document_schemas()
    cache_protocol_members()
    engine = RunEngine(context_managers=[])
    station.clock.bind(engine)
    return engine


def _sleep(station: Station, seconds: float) -> Plan:
    """Wait `seconds` of the station clock (the RunEngine is bound to it: `Clock.bind`)."""
    yield Msg("sleep", None, seconds)


def _tick(station: Station, step: Signal, seconds: float) -> Plan:
    """Wait `seconds` (clock time), read, and once every `COLLECT_PERIOD_S` of clock time pass on what the in-situ
    logger recorded meanwhile (so that its event pages are composed while the process runs, not all at the end)."""
    yield from _sleep(station, seconds)
    yield from _read(station, step)
    now = station.clock.time()
    if math.floor(now / COLLECT_PERIOD_S) != math.floor((now - seconds) / COLLECT_PERIOD_S):
        yield Msg("collect", station.logger, stream=False, return_payload=False, name=None)


def _hold(station: Station, step: Signal, seconds: float, period_s: float) -> Plan:
    """Hold the present state for `seconds`, reading every `period_s` (clock time)."""
    end = station.clock.time() + seconds
    while (remaining := end - station.clock.time()) > 0:
        yield from _tick(station, step, min(period_s, remaining))


def _await(station: Station, step: Signal, status: Any, period_s: float) -> Plan:
    """Read every `period_s` until `status` finishes; re-raise its failure."""
    while not status.done:
        yield from _tick(station, step, period_s)
    if not status.success:
        raise RecipeAbort(f"{status.obj.name} did not settle: {status.exception()}")


def _set_flows(station: Station, flows: Mapping[str, float]) -> Plan:
    """Change the gas flows in a safe order: flammables that stop first, then the other lines (the carrier),
    then the flammables that flow. In each group the valves open or close, then every MFC is set and settles."""
    starts = {gas: mfc.flammable and flows.get(gas, 0.0) > 0 for gas, mfc in station.mfcs.items()}
    stopping = [gas for gas, mfc in station.mfcs.items() if mfc.flammable and not starts[gas]]
    others = [gas for gas, mfc in station.mfcs.items() if not mfc.flammable]
    for group in (stopping, others, [gas for gas, start in starts.items() if start]):
        args: list[Any] = []
        for gas in group:
            sccm = flows.get(gas, 0.0)
            yield from _mv(station.valves[gas], sccm > 0)
            args += [station.mfcs[gas], sccm]
        if args:
            yield from _mv(*args)


def _pump_down(station: Station, step: Signal, below_torr: float, period_s: float) -> Plan:
    yield from _mv(station.pressure, 0.0, station.valves[PUMP_LINE], True)
    deadline = station.clock.time() + PUMP_DOWN_TIMEOUT_S
    while station.gauge.pressure.get() > below_torr:
        if station.clock.time() > deadline:
            raise RecipeAbort(f"pump-down did not reach {below_torr:g} Torr within {PUMP_DOWN_TIMEOUT_S:g} s")
        yield from _sleep(station, period_s)
    yield from _read(station, step)


def _commanded(station: Station, key: str) -> Any:
    """The Device (or signal) that sends the safe-state command of driver `key`."""
    kind, _, name = key.partition(":")
    if kind == "mfc":
        return station.mfcs[name]
    if kind == "valve":
        return station.valves[name]
    if kind == "furnace":  # the growth zone, or another zone (`furnace:<zone>` → `station.<zone>_zone`)
        return (getattr(station, f"{name}_zone") if name else station.furnace).heater
    return station.pressure


def safe_state(station: Station) -> Plan:
    """Heater off, flammable (and oxidizing) gases off and closed, pump and throttle open, inert purge on.

    The commands are the interlock's (`lab.safety.rules.safe_state_commands`), which it allows even while the
    station is latched; none waits for anything to settle.
    """
    for key, _method, value in safe_state_commands(station.config):
        yield from bps.abs_set(_commanded(station, key), value)


def _leak_check(station: Station, step: Signal, recipe: Recipe) -> Plan:
    """Pump to base pressure, isolate the tube and measure the rate of rise; abort above the station's limit."""
    clock = station.clock
    yield from _enter(station, step, "leak_check")
    yield from _set_flows(station, {})
    yield from _pump_down(station, step, recipe.base_pressure_torr, period_s=5.0)
    yield from _hold(station, step, PUMP_HOLD_S, recipe.reading_period_s)
    yield from _mv(station.valves[PUMP_LINE], False)
    start_p, start_t = station.gauge.pressure.get(), clock.time()
    yield from _hold(station, step, recipe.leak_check_s, recipe.reading_period_s)
    rate = (station.gauge.pressure.get() - start_p) / max(clock.time() - start_t, 1e-9) * 60.0
    if rate > station.config.limits.max_leak_rate_torr_per_min:
        raise RecipeAbort(f"leak check failed: pressure rises {rate:.3g} Torr/min "
                          f"(limit {station.config.limits.max_leak_rate_torr_per_min:g})")


def _purge(station: Station, step: Signal, recipe: Recipe) -> Plan:
    """Flush the pumped tube with the inert gas for `recipe.purge_min`."""
    yield from _enter(station, step, "purge")
    yield from _mv(station.valves[PUMP_LINE], True)
    yield from _set_flows(station, {station.config.inert_gas: recipe.purge_ar_sccm})
    yield from _hold(station, step, recipe.purge_min * 60.0, recipe.reading_period_s)


def _cool(station: Station, step: Signal, recipe: Recipe) -> Plan:
    """Heaters off under the inert gas, throttle open; wait until every zone is below `recipe.cool_below_c`."""
    yield from _enter(station, step, "cool")
    yield from _set_flows(station, {station.config.inert_gas: recipe.purge_ar_sccm})
    yield from _mv(station.pressure, 0.0)  # throttle open: a pumped tube cools pumped, a vented one vented
    for furnace in station.furnaces:
        yield from _mv(furnace.heater, False)
    deadline = station.clock.time() + COOL_TIMEOUT_S
    while max(furnace.temperature.get() for furnace in station.furnaces) > recipe.cool_below_c:
        if station.clock.time() > deadline:
            raise RecipeAbort(f"the furnace did not cool below {recipe.cool_below_c:g} °C "
                              f"within {COOL_TIMEOUT_S / 3600:g} h")
        yield from _tick(station, step, recipe.reading_period_s)


Loading = str | Mapping[str, str]  # the recipe's substrate (into the first slot), or slot → substrate


def _graphene_steps(station: Station, step: Signal, recipe: GrowthRecipe, loading: Loading) -> Plan:
    """LPCVD on metal foils: leak check → purge → pump down → heat (H2/Ar) → anneal → grow (CH4) → cool."""
    inert = station.config.inert_gas
    period = recipe.reading_period_s
    yield from _enter(station, step, "load")
    yield from _mv(station.holder, loading, station.furnace.ramp_rate, recipe.ramp_c_per_min)
    yield from _leak_check(station, step, recipe)
    yield from _purge(station, step, recipe)

    yield from _enter(station, step, "pump_down")
    yield from _set_flows(station, {})
    yield from _pump_down(station, step, recipe.base_pressure_torr, period_s=5.0)

    yield from _enter(station, step, "heat")
    yield from _set_flows(station, {"H2": recipe.anneal_h2_sccm, inert: recipe.ar_sccm})
    yield from _mv(station.pressure, recipe.pressure_torr)
    heating = yield from bps.abs_set(station.furnace, recipe.temperature_c)
    yield from _await(station, step, heating, period)

    yield from _enter(station, step, "anneal")
    yield from _hold(station, step, recipe.anneal_min * 60.0, period)

    yield from _enter(station, step, "grow")
    yield from _set_flows(station, {"CH4": recipe.ch4_sccm, "H2": recipe.h2_sccm, inert: recipe.ar_sccm})
    yield from _hold(station, step, recipe.growth_min * 60.0, period)
    yield from _cool(station, step, recipe)


def heating_lead_s(growth: tuple[float, float], chalcogen: tuple[float, float], ramp_c_per_min: float) -> float:
    """How long the growth zone heats before the chalcogen zone starts, so that both reach their
    (start, target) temperatures together at `ramp_c_per_min` (0 when the chalcogen zone needs longer)."""
    minutes = (max(growth[1] - growth[0], 0.0) - max(chalcogen[1] - chalcogen[0], 0.0)) / ramp_c_per_min
    return max(minutes, 0.0) * 60.0


def _fill(station: Station, step: Signal, recipe: TmdRecipe) -> Plan:
    """Bring the tube to the process pressure under the carrier: at atmospheric pressure the pump line
    closes and the tube fills (at the purge flow, then the carrier's) and vents through its exhaust; below
    it the throttle holds the setpoint."""
    inert = station.config.inert_gas
    yield from _enter(station, step, "fill")
    if recipe.pressure_torr < ATMOSPHERIC_TORR:
        yield from _set_flows(station, {inert: recipe.ar_sccm})
        yield from _mv(station.pressure, recipe.pressure_torr)
        return
    yield from _set_flows(station, {inert: max(recipe.purge_ar_sccm, recipe.ar_sccm)})
    yield from _mv(station.valves[PUMP_LINE], False)
    deadline = station.clock.time() + FILL_TIMEOUT_S
    while station.gauge.pressure.get() < FILLED * recipe.pressure_torr:
        if station.clock.time() > deadline:
            raise RecipeAbort(f"the tube did not fill to {recipe.pressure_torr:g} Torr within {FILL_TIMEOUT_S:g} s")
        yield from _sleep(station, 10.0)
    yield from _set_flows(station, {inert: recipe.ar_sccm})
    yield from _read(station, step)


def _tmd_steps(station: Station, step: Signal, recipe: TmdRecipe, loading: Loading) -> Plan:
    """Two-zone CVD: load substrates and powders → leak check → purge → fill → heat both zones so they reach
    temperature together → grow (Ar, H2 if any) → cool under Ar."""
    zone = station.chalcogen_zone
    if zone is None:
        raise RecipeAbort(f"station {station.name} has no chalcogen zone; a TMD growth needs a two-zone station")
    period = recipe.reading_period_s
    yield from _enter(station, step, "load")
    yield from _mv(station.holder, (loading, recipe.precursors_mg()),
                   station.furnace.ramp_rate, recipe.ramp_c_per_min, zone.ramp_rate, recipe.ramp_c_per_min)
    yield from _leak_check(station, step, recipe)
    yield from _purge(station, step, recipe)
    yield from _fill(station, step, recipe)

    yield from _enter(station, step, "heat")
    lead = heating_lead_s((station.furnace.temperature.get(), recipe.growth_c),
                          (zone.temperature.get(), recipe.chalcogen_c), recipe.ramp_c_per_min)
    heating = yield from bps.abs_set(station.furnace, recipe.growth_c)
    yield from _hold(station, step, lead, period)
    chalcogen = yield from bps.abs_set(zone, recipe.chalcogen_c)
    yield from _await(station, step, heating, period)
    yield from _await(station, step, chalcogen, period)

    yield from _enter(station, step, "grow")
    yield from _set_flows(station, {"H2": recipe.h2_sccm, station.config.inert_gas: recipe.ar_sccm})
    yield from _hold(station, step, recipe.growth_min * 60.0, period)
    yield from _cool(station, step, recipe)


def cvd_growth(station: Station, recipe: Recipe, md: Mapping[str, Any] | None = None,
               slots: Mapping[str, str] | None = None) -> Plan:
    """One growth, streaming readings: the graphene LPCVD sequence for a `GrowthRecipe`, the two-zone TMD
    sequence for a `TmdRecipe`; the recipe's substrate in the holder's first slot, or several substrates
    (`slots`: slot → substrate, listed with their local conditions as `samples` in the start document).

    Primary events come at each step and every `recipe.reading_period_s`; the in-situ logger records every
    `logger.period_s` of clock time and its samples reach the `insitu` stream as event pages at each reading.
    Any failure ends in `safe_state`.
    """
    step = SoftSignal(name="step", value="")
    metadata = {"plan_name": "cvd_growth", "station": station.name, "recipe": recipe.as_dict(),
                "material": station.config.material, **(md or {})}
    if slots is not None:
        metadata["samples"] = run_samples(station.config, recipe, slots)
    loading: Loading = recipe.substrate if slots is None else dict(slots)
    sequence = _tmd_steps if isinstance(recipe, TmdRecipe) else _graphene_steps

    def steps() -> Plan:
        yield from bps.kickoff(station.logger, wait=True)
        yield from sequence(station, step, recipe, loading)  # type: ignore[arg-type]
        yield from _enter(station, step, "done")
        yield from bps.complete(station.logger, wait=True)
        yield from bps.collect(station.logger)

    def on_failure() -> Plan:
        yield from bps.complete(station.logger, wait=True)
        yield from bps.collect(station.logger)
        yield from safe_state(station)

    @bpp.run_decorator(md=metadata)
    def run() -> Plan:
        return (yield from bpp.contingency_wrapper(steps(), except_plan=lambda _exc: on_failure()))

    return (yield from run())


def spot_grid(n: int, pitch_mm: float = 1.0) -> list[tuple[float, float]]:
    """`n` spots on a centred square grid with `pitch_mm` spacing."""
    side = max(1, int(-(-n**0.5 // 1)))
    offset = (side - 1) / 2
    return [((i % side - offset) * pitch_mm, (i // side - offset) * pitch_mm) for i in range(n)]


def _acquire(station: Station, spectrometer: Spectrometer) -> Plan:
    """One spectrum, with the Raman analyzer first turned to the position the acquisition needs."""
    setting = station.analyzer_setting(spectrometer)
    if setting is not None:
        yield from _mv(station.analyzer, setting)
    yield from _trigger(spectrometer)


def characterize(station: Station, spots: Sequence[tuple[float, float]], exposure_s: float = 1.0,
                 md: Mapping[str, Any] | None = None, spectrometers: Sequence[Spectrometer] | None = None,
                 slot: str | None = None) -> Plan:
    """A spectrum from each of `spectrometers` (default: all of the station's, `Station.spectrometers`) at each
    spot: one event per spot with every spectrum, its wavelengths and the stage position. With `slot`, the spots
    lie on that slot's substrate (the stage moves to its place in the holder's row, `HolderSlots.stage_x_mm`).

    Behind the station's analyzer the Raman spectrometer acquires parallel and its crossed view crossed; the start
    document lists the spectrometers and the analyzer position of each acquisition behind it (`analyzer`).
    """
    devices = list(spectrometers) if spectrometers is not None else station.spectrometers()
    settings = {device.name: station.analyzer_setting(device) for device in devices}
    metadata = {"plan_name": "characterize", "station": station.name, "spots": [list(s) for s in spots],
                "exposure_s": exposure_s, "laser_nm": station.spectrometer.laser_nm.get(),
                "spectrometers": [device.name for device in devices],
                "analyzer": {name: setting for name, setting in settings.items() if setting is not None},
                **(md or {})}
    if slot is not None:
        centre = station.config.holder.stage_x_mm(slot)
        spots = [(x + centre, y) for x, y in spots]
        metadata["slot"] = slot

    @bpp.run_decorator(md=metadata)
    def run() -> Plan:
        for device in devices:
            device.configure_exposure(exposure_s)
        for spot in spots:
            yield from _mv(station.stage, spot)
            for device in devices:
                yield from _acquire(station, device)
            yield from _event([*devices, station.stage])

    return (yield from run())
