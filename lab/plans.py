"""Bluesky plans: one CVD growth, and Raman characterization of the grown sample.

Plans are generators composed from `bluesky.plan_stubs`; they wait in the station clock's time, so the
same plan runs a real furnace for hours or its twin in seconds.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping, Sequence
from typing import Any

import bluesky.plan_stubs as bps
import bluesky.preprocessors as bpp
from bluesky.utils import Msg
from ophyd import Signal

from devices.station import PUMP_LINE, Station
from lab.recipe import GrowthRecipe

Plan = Generator[Msg, Any, Any]
PUMP_DOWN_TIMEOUT_S = 600.0
COOL_TIMEOUT_S = 6 * 3600.0


class RecipeAbort(RuntimeError):
    """A recipe step could not proceed (failed leak check, pump-down timeout)."""


def _read(station: Station, step: Signal) -> Plan:
    yield from bps.trigger_and_read([step, *station.process_readables()])


def _enter(station: Station, step: Signal, name: str) -> Plan:
    yield from bps.checkpoint()
    yield from bps.mv(step, name)
    yield from _read(station, step)


def _sleep(station: Station, seconds: float) -> Plan:
    yield from bps.sleep(station.clock.wall_seconds(seconds))


def _hold(station: Station, step: Signal, seconds: float, period_s: float) -> Plan:
    """Hold the present state for `seconds`, reading every `period_s` (clock time)."""
    end = station.clock.time() + seconds
    while (remaining := end - station.clock.time()) > 0:
        yield from _sleep(station, min(period_s, remaining))
        yield from _read(station, step)


def _await(station: Station, step: Signal, status: Any, period_s: float) -> Plan:
    """Read every `period_s` until `status` finishes; re-raise its failure."""
    while not status.done:
        yield from _sleep(station, period_s)
        yield from _read(station, step)
    if not status.success:
        raise RecipeAbort(f"{status.obj.name} did not settle: {status.exception()}")


def _set_flows(station: Station, flows: Mapping[str, float]) -> Plan:
    """Open the lines that flow and close the others, then set and settle every MFC."""
    args: list[Any] = []
    for gas, mfc in station.mfcs.items():
        sccm = flows.get(gas, 0.0)
        yield from bps.mv(station.valves[gas], sccm > 0)
        args += [mfc, sccm]
    yield from bps.mv(*args)


def _pump_down(station: Station, step: Signal, below_torr: float, period_s: float) -> Plan:
    yield from bps.mv(station.pressure, 0.0, station.valves[PUMP_LINE], True)
    deadline = station.clock.time() + PUMP_DOWN_TIMEOUT_S
    while station.gauge.pressure.get() > below_torr:
        if station.clock.time() > deadline:
            raise RecipeAbort(f"pump-down did not reach {below_torr:g} Torr within {PUMP_DOWN_TIMEOUT_S:g} s")
        yield from _sleep(station, period_s)
    yield from _read(station, step)


def safe_state(station: Station) -> Plan:
    """Heater off, flammable gases off and closed, inert purge on, pump open."""
    yield from bps.mv(station.furnace.heater, False)
    for gas, mfc in station.mfcs.items():
        if mfc.flammable:
            yield from bps.mv(mfc, 0.0, station.valves[gas], False)
    inert = station.config.inert_gas
    yield from bps.mv(station.valves[inert], True, station.valves[PUMP_LINE], True, station.pressure, 0.0)
    yield from bps.abs_set(station.mfcs[inert], min(200.0, station.mfcs[inert].full_scale_sccm))


def cvd_growth(station: Station, recipe: GrowthRecipe, md: Mapping[str, Any] | None = None) -> Plan:
    """One growth: leak check → purge → pump down → heat → anneal → grow → cool, streaming readings.

    Primary events come at each step and every `recipe.reading_period_s`; the in-situ logger streams every
    second of clock time into the `insitu` stream. Any failure ends in `safe_state`.
    """
    step = Signal(name="step", value="")
    clock = station.clock
    inert = station.config.inert_gas
    period = recipe.reading_period_s
    metadata = {"plan_name": "cvd_growth", "station": station.name, "recipe": recipe.as_dict(),
                "material": station.config.material, **(md or {})}

    def steps() -> Plan:
        yield from bps.kickoff(station.logger, wait=True)
        yield from _enter(station, step, "load")
        yield from bps.mv(station.holder, recipe.substrate, station.furnace.ramp_rate, recipe.ramp_c_per_min)

        yield from _enter(station, step, "leak_check")
        yield from _set_flows(station, {})
        yield from _pump_down(station, step, recipe.base_pressure_torr, period_s=5.0)
        yield from bps.mv(station.valves[PUMP_LINE], False)
        start_p, start_t = station.gauge.pressure.get(), clock.time()
        yield from _hold(station, step, recipe.leak_check_s, period)
        rate = (station.gauge.pressure.get() - start_p) / max(clock.time() - start_t, 1e-9) * 60.0
        if rate > station.config.limits.max_leak_rate_torr_per_min:
            raise RecipeAbort(f"leak check failed: pressure rises {rate:.3g} Torr/min "
                              f"(limit {station.config.limits.max_leak_rate_torr_per_min:g})")

        yield from _enter(station, step, "purge")
        yield from bps.mv(station.valves[PUMP_LINE], True)
        yield from _set_flows(station, {inert: recipe.purge_ar_sccm})
        yield from _hold(station, step, recipe.purge_min * 60.0, period)

        yield from _enter(station, step, "pump_down")
        yield from _set_flows(station, {})
        yield from _pump_down(station, step, recipe.base_pressure_torr, period_s=5.0)

        yield from _enter(station, step, "heat")
        yield from _set_flows(station, {"H2": recipe.anneal_h2_sccm, inert: recipe.ar_sccm})
        yield from bps.mv(station.pressure, recipe.pressure_torr)
        heating = yield from bps.abs_set(station.furnace, recipe.temperature_c)
        yield from _await(station, step, heating, period)

        yield from _enter(station, step, "anneal")
        yield from _hold(station, step, recipe.anneal_min * 60.0, period)

        yield from _enter(station, step, "grow")
        yield from _set_flows(station, {"CH4": recipe.ch4_sccm, "H2": recipe.h2_sccm, inert: recipe.ar_sccm})
        yield from _hold(station, step, recipe.growth_min * 60.0, period)

        yield from _enter(station, step, "cool")
        yield from _set_flows(station, {inert: recipe.purge_ar_sccm})
        yield from bps.mv(station.pressure, 0.0)
        yield from bps.mv(station.furnace.heater, False)
        deadline = clock.time() + COOL_TIMEOUT_S
        while station.furnace.temperature.get() > recipe.cool_below_c:
            if clock.time() > deadline:
                raise RecipeAbort(f"the furnace did not cool below {recipe.cool_below_c:g} °C "
                                  f"within {COOL_TIMEOUT_S / 3600:g} h")
            yield from _sleep(station, period)
            yield from _read(station, step)
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


def characterize(station: Station, spots: Sequence[tuple[float, float]], exposure_s: float = 1.0,
                 md: Mapping[str, Any] | None = None) -> Plan:
    """A Raman spectrum at each spot (one event per spot: spectrum, wavelengths, stage position)."""
    metadata = {"plan_name": "characterize", "station": station.name, "spots": [list(s) for s in spots],
                "exposure_s": exposure_s, "laser_nm": station.spectrometer.laser_nm.get(), **(md or {})}

    @bpp.run_decorator(md=metadata)
    def run() -> Plan:
        station.spectrometer.configure_exposure(exposure_s)
        for spot in spots:
            yield from bps.mv(station.stage, spot)
            yield from bps.trigger_and_read([station.spectrometer, station.stage])

    return (yield from run())
