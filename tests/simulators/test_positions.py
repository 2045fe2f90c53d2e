"""Local conditions along the tube: each slot's temperature from the furnace profile and, in two-zone TMD growth,
the oxide vapour falling off downstream of its boat, so the substrates of one run grow differently."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from devices.profile import FlatZoneProfile, HolderSlots
from simulators.positions import chalcogen_factor, local_state, oxide_factor
from simulators.twin import Twin
from simulators.worlds import GrapheneWorld, TmdWorld, TubeState
from tests.devices.devices_fakes import FakeClock
from tests.simulators.test_twin import hot_growth
from tests.simulators.test_worlds import AP_MOS2, grown

FLAT = FlatZoneProfile(flat_zone_mm=100.0, falloff_mm=60.0)
LP_GRAPHENE = TubeState(zones_c={"growth": 1030.0}, flows_sccm={"CH4": 5.0, "H2": 20.0}, pressure_torr=1.0,
                        substrate="Cu")


def test_the_oxide_vapour_falls_off_downstream_and_faster_upstream() -> None:
    assert oxide_factor(0.0) == 1.0 == chalcogen_factor(0.0)
    downstream = [oxide_factor(d) for d in (5.0, 15.0, 30.0, 60.0)]
    assert downstream == sorted(downstream, reverse=True)
    assert oxide_factor(30.0) == pytest.approx(np.exp(-1))
    assert oxide_factor(-5.0) < oxide_factor(5.0)
    assert 0.7 < chalcogen_factor(60.0) < 1.0 < chalcogen_factor(-10.0)


def test_a_substrate_on_the_thermocouple_above_its_boat_sees_the_tube_state_unchanged() -> None:
    assert local_state(AP_MOS2, FLAT, 0.0, "SiO2/Si", boat_mm=0.0) == AP_MOS2
    assert local_state(LP_GRAPHENE, FLAT, 0.0, "Cu") == LP_GRAPHENE


def test_graphene_slots_differ_only_in_temperature() -> None:
    local = local_state(LP_GRAPHENE, FLAT, 90.0, "CuNi")
    assert local.zones_c["growth"] < 1030.0
    assert replace(local, zones_c=LP_GRAPHENE.zones_c, substrate="Cu") == LP_GRAPHENE


def test_mos2_coverage_falls_downstream_of_the_oxide_boat() -> None:
    world = TmdWorld.draw(0)
    coverages = [world.coverage(grown(world, local_state(AP_MOS2, FLAT, x, "SiO2/Si", boat_mm=0.0)))
                 for x in (0.0, 10.0, 20.0, 40.0)]
    assert coverages[0] > 0.1 and coverages == sorted(coverages, reverse=True) and coverages[-1] < coverages[0] / 2


def _slotted(positions: list[float]) -> Twin:
    holder = HolderSlots(slots=[{"name": f"s{i}", "position_mm": x} for i, x in enumerate(positions)])
    return Twin(GrapheneWorld.draw(0), FakeClock(), seed=7, holder=holder, profile=FLAT)


def test_the_substrates_of_one_run_grow_differently_and_the_first_slot_as_a_run_of_one() -> None:
    several, single = _slotted([0.0, 60.0, 110.0]), _slotted([0.0, 60.0, 110.0])
    hot_growth(several, loading={"s0": "Cu", "s1": "Cu", "s2": "Cu"})
    hot_growth(single)
    assert single.loading == {"s0": "Cu"} and several.samples_loaded == 3
    assert several.samples["s0"] == single.samples["s0"]  # its slot's conditions, whatever else is loaded
    assert several.samples["s0"] != several.samples["s2"]
    assert single.samples["s1"] == single.world.new_sample(np.random.default_rng([7, 0]))  # an empty slot: bare


def test_the_stage_selects_the_substrate_under_the_microscope() -> None:
    twin = _slotted([0.0, 60.0, 110.0])
    hot_growth(twin, loading={"s0": "Cu", "s2": "CuNi"})
    twin.move_stage(twin.holder.stage_x_mm("s2") + 1.0, 0.0)
    assert twin.viewed_slot == "s2" and twin.substrate == "CuNi" and twin.sample is twin.samples["s2"]
    twin.move_stage(twin.holder.stage_x_mm("s1"), 0.0)
    assert twin.substrate is None
