"""The furnace's axial profile and the holder's slots: local temperatures, their inverse, and station configs
that place slots where the profile says nothing (refused with one line)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from devices.profile import (
    AMBIENT_C,
    FlatZoneProfile,
    HolderSlots,
    MeasuredProfile,
    local_temperature_c,
    setpoint_reaching,
)
from lab.errors import UserError
from lab.settings import load_station

TABLE = MeasuredProfile(setpoint_c=800.0, points=[{"position_mm": -100, "offset_c": -200},
                                                  {"position_mm": 0, "offset_c": 5},
                                                  {"position_mm": 100, "offset_c": -300}])


def test_a_measured_table_gives_its_own_offsets_at_its_setpoint_and_scales_with_the_heating() -> None:
    assert local_temperature_c(TABLE, 800.0, 0.0) == pytest.approx(805.0)
    assert local_temperature_c(TABLE, 800.0, -50.0) == pytest.approx(800.0 - 97.5)
    assert local_temperature_c(TABLE, 800.0, 100.0) == pytest.approx(500.0)
    # at half the heating above ambient, half the offset
    assert local_temperature_c(TABLE, 412.5, 100.0) - 412.5 == pytest.approx(-150.0)
    assert TABLE.hottest_factor() == pytest.approx(1 + 5 / (800 - AMBIENT_C))
    with pytest.raises(ValueError, match="outside the measured profile"):
        TABLE.factor(100.5)


def test_a_flat_zone_is_the_setpoint_then_falls_off() -> None:
    flat = FlatZoneProfile(flat_zone_mm=100.0, falloff_mm=50.0)
    assert local_temperature_c(flat, 1000.0, 0.0) == 1000.0 == local_temperature_c(flat, 1000.0, -50.0)
    temperatures = [local_temperature_c(flat, 1000.0, x) for x in (50, 75, 100, 150, 200)]
    assert temperatures == sorted(temperatures, reverse=True) and temperatures[-1] > AMBIENT_C
    assert local_temperature_c(flat, 1000.0, 100.0) == pytest.approx(AMBIENT_C + 975.0 / 2.718281828, rel=1e-6)


@pytest.mark.parametrize("position", [-100.0, -37.0, 0.0, 60.0])
def test_the_setpoint_reaching_a_local_temperature_inverts_the_profile(position: float) -> None:
    setpoint = setpoint_reaching(950.0, TABLE.factor(position))
    assert local_temperature_c(TABLE, setpoint, position) == pytest.approx(950.0)


def test_one_substrate_goes_into_the_first_slot_and_the_stage_row_is_centred() -> None:
    holder = HolderSlots(slots=[{"name": "a", "position_mm": 0}, {"name": "b", "position_mm": 40},
                                {"name": "c", "position_mm": 80}])
    assert holder.loading("Cu") == {"a": "Cu"}
    assert holder.loading({"c": "Cu", "a": "CuNi"}) == {"c": "Cu", "a": "CuNi"}
    with pytest.raises(ValueError, match="unknown slot"):
        holder.loading({"z": "Cu"})
    assert [holder.stage_x_mm(s) for s in "abc"] == [0.0, 10.0, -10.0]
    assert [holder.slot_under(x) for x in (-1.0, 8.0, -9.0)] == ["a", "b", "c"]


def _station(tmp_path: Path, **changes: Any) -> Path:
    data = load_station(kind="tmd").model_dump(exclude_unset=True)
    data.update(changes)
    path = tmp_path / "station.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.mark.parametrize(("changes", "says"), [
    ({"holder": {"slots": [{"name": "1", "position_mm": 500}]}}, "holder.slots.1: position 500 mm lies outside"),
    ({"holder": {"boat_mm": -900}}, "holder.boat_mm: position -900 mm lies outside"),
    ({"holder": {"slots": [{"name": "a", "position_mm": 0}, {"name": "a", "position_mm": 10}]}}, "slot name"),
    ({"holder": {"slots": [{"name": "a", "position_mm": 0}, {"name": "b", "position_mm": 0}]}}, "share a position"),
    ({"holder": {"slots": []}}, "at least 1 item"),
    ({"holder": {"oxide_decay_mm": 0}}, "holder.oxide_decay_mm: Input should be greater than 0"),
    ({"profile": {"kind": "measured", "setpoint_c": 800, "points": [{"position_mm": 0, "offset_c": 0},
                                                                    {"position_mm": -5, "offset_c": 0}]}},
     "positions must increase strictly"),
    ({"profile": {"kind": "measured", "setpoint_c": 800, "points": [{"position_mm": 0, "offset_c": 0},
                                                                    {"position_mm": 5, "offset_c": -800}]}},
     "at or below ambient"),
    ({"profile": {"kind": "flat_zone", "flat_zone_mm": -1}}, "greater than 0"),
    ({"profile": {"kind": "cone"}}, "does not match any of the expected tags"),
])
def test_bad_profiles_and_slot_layouts_are_one_line_user_errors(tmp_path: Path, changes: dict, says: str) -> None:
    with pytest.raises(UserError) as error:
        load_station(_station(tmp_path, **changes))
    message = str(error.value)
    assert says in message and "\n" not in message, message
