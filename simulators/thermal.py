"""Tube-furnace thermal dynamics: a ramp-limited PI controller heating a lagged load (pure functions)."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class FurnaceModel:
    """Physical constants of a small (25 mm) clamshell tube furnace."""

    ambient_c: float = 25.0
    loss_tau_s: float = 900.0  # element → room heat-loss time constant
    max_heating_c_per_s: float = 1.55  # element heating rate at 100 % output (≈1420 °C steady state)
    lag_tau_s: float = 20.0  # element → tube/thermocouple lag (25 mm tube, thermocouple at the sample)
    kp_pct_per_c: float = 4.0
    ki_pct_per_c_s: float = 0.005


@dataclass(frozen=True)
class FurnaceState:
    """Element and tube temperatures, the controller's working setpoint and integral term."""

    element_c: float
    tube_c: float
    working_setpoint_c: float
    target_c: float
    ramp_c_per_min: float
    output_pct: float = 0.0
    integral: float = 0.0
    manual: bool = False
    manual_output_pct: float = 0.0

    @classmethod
    def cold(cls, model: FurnaceModel, ramp_c_per_min: float = 10.0) -> FurnaceState:
        """A furnace at room temperature with its setpoint at ambient."""
        t = model.ambient_c
        return cls(t, t, t, t, ramp_c_per_min)


def ramp_setpoint(working_c: float, target_c: float, ramp_c_per_min: float, dt_s: float) -> float:
    """Move the working setpoint toward the target at most `ramp_c_per_min` (0 = no limit)."""
    if ramp_c_per_min <= 0:
        return target_c
    step = ramp_c_per_min / 60.0 * dt_s
    return min(target_c, working_c + step) if target_c > working_c else max(target_c, working_c - step)


def furnace_step(state: FurnaceState, model: FurnaceModel, dt_s: float) -> FurnaceState:
    """Advance the furnace by `dt_s` seconds (explicit Euler; keep dt_s ≤ 1 s)."""
    working = ramp_setpoint(state.working_setpoint_c, state.target_c, state.ramp_c_per_min, dt_s)
    integral = state.integral
    if state.manual:
        output = state.manual_output_pct
    else:
        error = working - state.tube_c
        # Feedforward: the element must lead the tube by slope × lag while ramping, and hold against losses.
        slope = (working - state.working_setpoint_c) / dt_s if dt_s > 0 else 0.0
        element_goal = working + slope * model.lag_tau_s
        feedforward = 100.0 * (slope + (element_goal - model.ambient_c) / model.loss_tau_s) / model.max_heating_c_per_s
        unclamped = feedforward + model.kp_pct_per_c * error + model.ki_pct_per_c_s * integral
        output = min(100.0, max(0.0, unclamped))
        if output == unclamped:  # anti-windup: integrate only while the heater is not saturated
            integral += error * dt_s
    heating = output / 100.0 * model.max_heating_c_per_s
    element = state.element_c + dt_s * (heating - (state.element_c - model.ambient_c) / model.loss_tau_s)
    tube = state.tube_c + dt_s * (state.element_c - state.tube_c) / model.lag_tau_s
    return replace(state, element_c=element, tube_c=tube, working_setpoint_c=working,
                   output_pct=output, integral=integral)
