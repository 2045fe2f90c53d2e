"""The worlds a twin can simulate: graphene (one zone, Raman) and TMDs (two zones, Raman + PL)."""

from __future__ import annotations

import numpy as np
import pytest

from simulators.worlds import WORLDS, GrapheneWorld, TmdWorld, TubeState

AP_MOS2 = TubeState(zones_c={"growth": 740.0, "chalcogen": 150.0}, flows_sccm={"Ar": 75.0}, pressure_torr=760.0,
                    substrate="SiO2/Si", precursors_mg={"MoO3": 10.0, "S": 200.0})


def grown(world: TmdWorld, state: TubeState, minutes: float = 15.0, seed: int = 0):
    sample = world.new_sample(np.random.default_rng(seed))
    for _ in range(int(minutes)):
        sample = world.grow(sample, state, 60.0)
    return sample


def test_each_station_material_has_a_world_with_its_zones_and_channels() -> None:
    assert {"graphene": GrapheneWorld, "tmd": TmdWorld} == WORLDS
    assert GrapheneWorld.zones == ("growth",) and GrapheneWorld.channels == ("raman",)
    assert TmdWorld.zones == ("growth", "chalcogen") and TmdWorld.channels == ("raman", "pl")


def test_the_loaded_powders_set_the_alloy_shares_and_the_promoter() -> None:
    world = TmdWorld.draw(0)
    state = TubeState(**{**AP_MOS2.__dict__, "precursors_mg": {"MoO3": 6.0, "WO3": 4.0, "S": 150.0, "Se": 50.0,
                                                                 "NaCl": 1.0}})
    conditions = world.conditions(state)
    assert conditions.precursor_w_fraction == pytest.approx(0.4)
    assert conditions.chalcogen_se_fraction == pytest.approx(0.25)
    assert conditions.precursor_mg == pytest.approx(10.0)
    assert conditions.promoter is True
    assert world.conditions(AP_MOS2).promoter is False


def test_mos2_grows_at_standard_settings_and_not_without_a_chalcogen_boat() -> None:
    world = TmdWorld.draw(0)
    assert world.coverage(grown(world, AP_MOS2)) > 0.1
    no_sulfur = TubeState(**{**AP_MOS2.__dict__, "precursors_mg": {"MoO3": 10.0}})
    assert world.coverage(grown(world, no_sulfur)) == 0.0


def test_spectra_render_on_each_channel_axis_and_unknown_channels_are_refused() -> None:
    world = TmdWorld.draw(0)
    rng = np.random.default_rng(1)
    spot = world.spot(grown(world, AP_MOS2), rng)
    for channel in world.channels:
        axis = world.wavelengths(channel)
        counts = world.counts(spot, channel, 1.0, rng, laser_nm=532.0)
        assert counts.shape == axis.shape and np.all(np.isfinite(counts))
    assert world.wavelengths("raman").max() < world.wavelengths("pl").max()
    with pytest.raises(ValueError, match="channel"):
        world.wavelengths("xrd")
    with pytest.raises(ValueError, match="channel"):
        GrapheneWorld.draw(0).wavelengths("pl")


def test_a_world_is_reproducible_by_seed() -> None:
    first, again = grown(TmdWorld.draw(3), AP_MOS2), grown(TmdWorld.draw(3), AP_MOS2)
    assert TmdWorld.draw(3).coverage(first) == TmdWorld.draw(3).coverage(again)
