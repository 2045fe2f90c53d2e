"""The furnace's axial temperature profile and the substrate holder's slots along the tube.

Positions are mm along the tube from the growth zone's control thermocouple (the furnace setpoint's reference),
positive downstream. A profile gives each position's share of the heating above ambient, so a slot's local
temperature follows the setpoint: `local = setpoint + (setpoint − AMBIENT_C) · (factor − 1)`, exactly the setpoint
where the factor is 1. Plain pydantic models and pure functions, without I/O.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat, model_validator

AMBIENT_C = 25.0  # the tube ends' temperature: the profile scales the heating above it
SLOT_PITCH_MM = 10.0  # under the microscope the holder's substrates lie in a row along the stage's x, this far apart
FALLOFF_SPAN = 3.0  # a flat-zone profile is defined up to this many fall-off lengths beyond the flat zone


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProfilePoint(_Strict):
    """One measured point: the local temperature minus the setpoint (°C) at a position (mm)."""

    position_mm: float = Field(allow_inf_nan=False)
    offset_c: float = Field(allow_inf_nan=False)


class MeasuredProfile(_Strict):
    """A table measured with a thermocouple drawn along the tube at one setpoint; linear between the points,
    undefined beyond them (a slot must lie within the measured span)."""

    kind: Literal["measured"] = "measured"
    setpoint_c: float = Field(gt=AMBIENT_C, allow_inf_nan=False)
    points: list[ProfilePoint] = Field(min_length=2)

    @model_validator(mode="after")
    def _ordered_and_warm(self) -> MeasuredProfile:
        positions = [point.position_mm for point in self.points]
        if any(b <= a for a, b in itertools.pairwise(positions)):
            raise ValueError(f"points: positions must increase strictly, got {positions}")
        coldest = min(self.points, key=lambda point: point.offset_c)
        if self.setpoint_c + coldest.offset_c <= AMBIENT_C:
            raise ValueError(f"points: offset {coldest.offset_c:g} °C at {coldest.position_mm:g} mm puts the tube at "
                             f"or below ambient ({AMBIENT_C:g} °C) at setpoint {self.setpoint_c:g} °C")
        return self

    def span_mm(self) -> tuple[float, float]:
        """The positions the profile covers."""
        return self.points[0].position_mm, self.points[-1].position_mm

    def factor(self, position_mm: float) -> float:
        """The local heating above ambient as a share of the setpoint's, at `position_mm` (within the span)."""
        low, high = self.span_mm()
        if not low <= position_mm <= high:
            raise ValueError(f"position {position_mm:g} mm lies outside the measured profile ({low:g} … {high:g} mm)")
        positions = [point.position_mm for point in self.points]
        i = min(max(bisect.bisect_right(positions, position_mm), 1), len(positions) - 1)
        a, b = self.points[i - 1], self.points[i]
        share = (position_mm - a.position_mm) / (b.position_mm - a.position_mm)
        offset = a.offset_c + share * (b.offset_c - a.offset_c)
        return 1.0 + offset / (self.setpoint_c - AMBIENT_C)

    def hottest_factor(self) -> float:
        """The largest factor anywhere in the tube (at a measured point: the profile is piecewise linear)."""
        return max(self.factor(point.position_mm) for point in self.points)


class FlatZoneProfile(_Strict):
    """A flat zone of `flat_zone_mm` centred on the thermocouple, falling off as a Gaussian shoulder of length
    `falloff_mm` beyond it (factor e⁻¹ one fall-off length past the flat zone's edge)."""

    kind: Literal["flat_zone"] = "flat_zone"
    flat_zone_mm: PositiveFloat = Field(150.0, allow_inf_nan=False)
    falloff_mm: PositiveFloat = Field(80.0, allow_inf_nan=False)

    def span_mm(self) -> tuple[float, float]:
        """The positions the profile covers."""
        half = self.flat_zone_mm / 2 + FALLOFF_SPAN * self.falloff_mm
        return -half, half

    def factor(self, position_mm: float) -> float:
        """The local heating above ambient as a share of the setpoint's, at `position_mm` (within the span)."""
        low, high = self.span_mm()
        if not low <= position_mm <= high:
            raise ValueError(f"position {position_mm:g} mm lies outside the furnace's profile ({low:g} … {high:g} mm)")
        beyond = max(0.0, abs(position_mm) - self.flat_zone_mm / 2)
        return math.exp(-((beyond / self.falloff_mm) ** 2))

    def hottest_factor(self) -> float:
        """The largest factor anywhere in the tube: the flat zone's."""
        return 1.0


Profile = Annotated[MeasuredProfile | FlatZoneProfile, Field(discriminator="kind")]


def local_temperature_c(profile: MeasuredProfile | FlatZoneProfile, setpoint_c: float, position_mm: float) -> float:
    """The temperature (°C) at `position_mm` when the furnace holds `setpoint_c`."""
    return setpoint_c + (setpoint_c - AMBIENT_C) * (profile.factor(position_mm) - 1.0)


def setpoint_reaching(local_c: float, factor: float) -> float:
    """The setpoint (°C) at which a position of profile factor `factor` reaches `local_c` (the inverse of
    `local_temperature_c`; exactly `local_c` where the factor is 1)."""
    return local_c - (local_c - AMBIENT_C) * (1.0 - 1.0 / factor)


class SlotConfig(_Strict):
    """One place for a substrate on the holder, at `position_mm` along the tube."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
    position_mm: float = Field(allow_inf_nan=False)


class HolderSlots(_Strict):
    """The holder's slots (the first takes a run's only substrate) and, on a TMD station, the oxide boat's
    position (mm) and, where the lab has measured it (from the thickness gradient of a row of substrates), the
    e-folding length (mm) of the oxide vapour delivered downstream of the boat."""

    slots: list[SlotConfig] = Field([SlotConfig(name="1", position_mm=0.0)], min_length=1)
    boat_mm: float = Field(0.0, allow_inf_nan=False)
    oxide_decay_mm: float | None = Field(None, gt=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _distinct(self) -> HolderSlots:
        names = [slot.name for slot in self.slots]
        if len(set(names)) != len(names):
            raise ValueError(f"slots: each slot name may appear once, got {names}")
        positions = [slot.position_mm for slot in self.slots]
        if len(set(positions)) != len(positions):
            raise ValueError(f"slots: two slots share a position, got {positions}")
        return self

    def position(self, slot: str) -> float:
        """The position (mm) of slot `slot`."""
        return next(s.position_mm for s in self.slots if s.name == slot)

    def stage_x_mm(self, slot: str) -> float:
        """Where slot `slot`'s substrate is centred on the stage's x axis: the first slot's at the origin (where a
        run of one substrate is mapped), the others alternately beyond and before it."""
        index = next(i for i, s in enumerate(self.slots) if s.name == slot)
        return (index + 1) // 2 * SLOT_PITCH_MM * (1 if index % 2 else -1)

    def slot_under(self, x_mm: float) -> str:
        """The slot whose substrate is nearest the stage's x position `x_mm`."""
        return min(self.slots, key=lambda slot: abs(self.stage_x_mm(slot.name) - x_mm)).name

    def loading(self, value: str | Mapping[str, str]) -> dict[str, str]:
        """Slot → substrate of a load command's value: a substrate name (into the first slot) or a mapping;
        ValueError naming an unknown slot."""
        if isinstance(value, str):
            return {self.slots[0].name: value}
        names = {slot.name for slot in self.slots}
        unknown = sorted(str(slot) for slot in value if slot not in names)
        if unknown:
            raise ValueError(f"unknown slot(s) {', '.join(unknown)}; the holder has {', '.join(sorted(names))}")
        return dict(value)
