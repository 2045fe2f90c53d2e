"""Gas-line dynamics: mass-flow controllers and tube pressure (pure functions)."""

from __future__ import annotations

import math
from dataclasses import dataclass

TORR_L_PER_S_PER_SCCM = 0.01267  # 1 sccm of gas at 0 °C, 1 atm = 0.01267 Torr·L/s


@dataclass(frozen=True)
class VacuumModel:
    """Tube volume, pump and throttle limits, and the (hidden) leak of one tube."""

    volume_l: float = 0.5
    pump_speed_l_per_s: float = 20.0  # throttle fully open
    min_pump_speed_l_per_s: float = 0.02  # throttle closed (valve seat leak-by)
    leak_torr_l_per_s: float = 2e-5  # air in-leak
    ultimate_torr: float = 1e-3  # pump's base pressure
    atmosphere_torr: float = 760.0


def mfc_step(flow_sccm: float, setpoint_sccm: float, supply_open: bool, tau_s: float, dt_s: float) -> float:
    """First-order approach of a mass flow to its setpoint (to 0 when the supply valve is shut)."""
    goal = setpoint_sccm if supply_open else 0.0
    return goal + (flow_sccm - goal) * math.exp(-dt_s / tau_s)


def pump_speed(model: VacuumModel, inflow_sccm: float, setpoint_torr: float | None, pump_open: bool) -> float:
    """Effective pumping speed (L/s): the throttle regulates toward the setpoint within its limits."""
    if not pump_open:
        return 0.0
    if setpoint_torr is None or setpoint_torr <= 0:
        return model.pump_speed_l_per_s
    wanted = (inflow_sccm * TORR_L_PER_S_PER_SCCM + model.leak_torr_l_per_s) / setpoint_torr
    return min(model.pump_speed_l_per_s, max(model.min_pump_speed_l_per_s, wanted))


def pressure_step(pressure_torr: float, inflow_sccm: float, speed_l_per_s: float, model: VacuumModel,
                  dt_s: float) -> float:
    """Advance the tube pressure: gas load (flows + leak) against pumping, exact for constant inputs."""
    load = inflow_sccm * TORR_L_PER_S_PER_SCCM + model.leak_torr_l_per_s
    if speed_l_per_s <= 0:
        rising = pressure_torr + load * dt_s / model.volume_l
        return min(model.atmosphere_torr, rising)
    equilibrium = max(model.ultimate_torr, load / speed_l_per_s)
    decay = math.exp(-speed_l_per_s * dt_s / model.volume_l)
    return equilibrium + (pressure_torr - equilibrium) * decay
