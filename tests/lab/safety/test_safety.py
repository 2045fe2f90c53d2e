"""Station limits applied to recipes and search spaces."""

from __future__ import annotations

from dataclasses import replace

import pytest

from devices.config import StationConfig
from lab.errors import UserError
from lab.recipe import GrowthRecipe, TmdRecipe, graphene_space
from lab.safety.limits import SafetyError, check, check_space, violations
from lab.settings import load_station
from planners import Categorical, Integer, Real, Space

SAFE = GrowthRecipe(ar_sccm=5.0)  # the carrier a campaign adds (the station minimum)


@pytest.fixture(scope="module")
def station() -> StationConfig:
    return load_station()


@pytest.fixture(scope="module")
def strict_cuni(station: StationConfig) -> StationConfig:
    """The packaged station with a lower cap for Cu-Ni foils."""
    limits = station.limits.model_copy(update={"substrate_max_c": {"Cu": 1070.0, "CuNi": 1040.0}})
    return station.model_copy(update={"limits": limits})


@pytest.fixture(scope="module")
def no_methane(station: StationConfig) -> StationConfig:
    return station.model_copy(update={"gas_lines": station.gas_lines[:2]})


def test_the_default_recipe_is_safe(station: StationConfig) -> None:
    assert violations(SAFE, station) == []
    assert check(SAFE, station) is SAFE


@pytest.mark.parametrize(("changes", "says"), [
    ({"temperature_c": 1071.0}, "temperature_c 1071 exceeds the Cu cap of 1070 °C"),
    ({"temperature_c": 1080.0, "substrate": "CuNi"}, "temperature_c 1080 exceeds the CuNi cap of 1070 °C"),
    ({"temperature_c": 0.0}, "temperature_c 0"),
    ({"substrate": "Ni"}, "substrate 'Ni' is not one of ['Cu', 'CuNi']"),
    ({"ramp_c_per_min": 26.0}, "ramp_c_per_min 26 exceeds 25 °C/min"),
    ({"ramp_c_per_min": 0.0}, "ramp_c_per_min 0"),
    ({"pressure_torr": 25.0}, "pressure_torr 25 is outside (0, 20] Torr"),
    ({"pressure_torr": 0.0}, "pressure_torr 0 is outside (0, 20] Torr"),
    ({"ch4_sccm": 60.0}, "CH4 flow 60 sccm is outside 0 … 50 sccm"),
    ({"ch4_sccm": -1.0}, "CH4 flow -1 sccm is outside 0 … 50 sccm"),
    ({"h2_sccm": 150.0}, "H2 flow 150 sccm is outside 0 … 100 sccm"),
    ({"anneal_h2_sccm": 101.0}, "H2 flow 101 sccm is outside 0 … 100 sccm"),
    ({"purge_ar_sccm": 600.0}, "Ar flow 600 sccm is outside 0 … 500 sccm"),
    ({"ar_sccm": 500.5}, "Ar flow 500.5 sccm is outside 0 … 500 sccm"),
    ({"cool_below_c": 150.0}, "cool_below_c 150 is above the unload limit 100 °C"),
    ({"growth_min": -1.0}, "growth_min must not be negative"),
    ({"leak_check_s": -1.0}, "leak_check_s must not be negative"),
])
def test_violations_name_the_broken_limit(station: StationConfig, changes: dict, says: str) -> None:
    found = violations(replace(SAFE, **changes), station)
    assert len(found) == 1, found
    assert says in found[0]


@pytest.mark.parametrize("changes", [
    {"temperature_c": 1070.0},  # at the cap
    {"ch4_sccm": 50.0, "h2_sccm": 100.0, "purge_ar_sccm": 500.0},  # at full scale
    {"ramp_c_per_min": 25.0, "pressure_torr": 19.0},  # 95 % of the limit: the headroom flammable gas needs
    {"ch4_sccm": 0.0, "growth_min": 0.0},
])
def test_limits_are_inclusive(station: StationConfig, changes: dict) -> None:
    assert violations(replace(SAFE, **changes), station) == []


def test_the_cap_is_per_substrate(strict_cuni: StationConfig) -> None:
    recipe = replace(SAFE, temperature_c=1060.0)
    assert violations(recipe, strict_cuni) == []
    (found,) = violations(replace(recipe, substrate="CuNi"), strict_cuni)
    assert found == "temperature_c 1060 exceeds the CuNi cap of 1040 °C"


def test_a_gas_the_station_lacks(no_methane: StationConfig) -> None:
    (found,) = violations(SAFE, no_methane)
    assert "needs a CH4 line" in found and "sim-graphene-1" in found
    assert violations(replace(SAFE, ch4_sccm=0.0), no_methane) == []


@pytest.mark.parametrize(("changes", "says"), [
    ({"leak_check_s": 29.0}, "leak_check_s 29 is shorter than the station's minimum leak check of 30 s"),
    ({"purge_min": 0.5}, "purge_min 0.5 is shorter than the station's minimum purge of 60 s"),
    ({"ar_sccm": 4.0}, "ar_sccm 4 is below the carrier minimum of 5 sccm that must flow with flammable gas"),
    ({"purge_ar_sccm": 0.0}, "purge_ar_sccm must be above 0"),
    ({"pressure_torr": 19.5}, "pressure_torr 19.5 leaves too little headroom for flammable gas (at most 19 Torr"),
])
def test_a_recipe_the_interlock_would_refuse_at_run_time_is_refused_up_front(station: StationConfig, changes: dict,
                                                                            says: str) -> None:
    (found,) = violations(replace(SAFE, **changes), station)
    assert says in found


def test_without_flammable_gas_no_carrier_or_headroom_is_needed(station: StationConfig) -> None:
    assert violations(replace(SAFE, ch4_sccm=0.0, h2_sccm=0.0, anneal_h2_sccm=0.0, ar_sccm=0.0,
                              pressure_torr=20.0), station) == []


def test_tmd_recipes_are_checked_against_both_zones() -> None:
    tmd = load_station(kind="tmd")
    assert violations(TmdRecipe(h2_sccm=5.0), tmd) == []
    assert "chalcogen_c 401 exceeds the chalcogen zone's cap of 400 °C" in violations(TmdRecipe(chalcogen_c=401.0),
                                                                                        tmd)
    assert "growth_c 1001 exceeds the SiO2/Si cap of 1000 °C" in violations(TmdRecipe(growth_c=1001.0), tmd)


def test_every_violation_is_listed(station: StationConfig) -> None:
    recipe = replace(SAFE, temperature_c=1075.0, ramp_c_per_min=40.0, pressure_torr=30.0, ch4_sccm=55.0,
                     h2_sccm=120.0)
    found = violations(recipe, station)
    assert len(found) == 5
    assert [item.split()[0] for item in found] == ["temperature_c", "ramp_c_per_min", "pressure_torr", "CH4", "H2"]


def test_check_raises_safety_error_listing_every_violation(station: StationConfig) -> None:
    recipe = replace(SAFE, temperature_c=1075.0, ch4_sccm=55.0)
    with pytest.raises(SafetyError) as error:
        check(recipe, station)
    message = str(error.value)
    assert message.startswith("unsafe recipe for station sim-graphene-1: ")
    assert "temperature_c 1075 exceeds the Cu cap" in message and "; CH4 flow 55 sccm" in message
    assert isinstance(error.value, UserError)
    assert "\n" not in message


# ---- search spaces -----------------------------------------------------------------------------------------

def test_the_default_search_space_fits_the_packaged_station(station: StationConfig) -> None:
    check_space(graphene_space(), SAFE, station)


def test_a_space_whose_corner_exceeds_the_cu_cap_is_refused(station: StationConfig) -> None:
    space = Space([Real("temperature_c", 950, 1100), Real("ch4_sccm", 0.5, 50, log=True),
                   Categorical("substrate", ["Cu", "CuNi"])])
    with pytest.raises(SafetyError) as error:
        check_space(space, SAFE, station)
    message = str(error.value)
    assert "search space reaches beyond station sim-graphene-1's limits" in message
    assert "temperature_c 1100 exceeds the Cu cap of 1070 °C" in message
    assert "narrow the parameter bounds" in message


def test_only_the_corners_matter(station: StationConfig) -> None:
    # every interior point is fine as long as every corner is
    check_space(Space([Real("temperature_c", 1000, 1070), Integer("growth_min", 0, 120)]), SAFE, station)
    with pytest.raises(SafetyError, match="CH4 flow 51 sccm"):
        check_space(Space([Real("ch4_sccm", 1, 51)]), SAFE, station)


def test_a_categorical_choice_beyond_the_station_is_refused(station: StationConfig) -> None:
    with pytest.raises(SafetyError, match="substrate 'Ni' is not one of"):
        check_space(Space([Categorical("substrate", ["Cu", "Ni"])]), SAFE, station)


def test_the_defaults_are_checked_with_the_space(station: StationConfig) -> None:
    with pytest.raises(SafetyError, match="ramp_c_per_min 30"):
        check_space(Space([Real("temperature_c", 1000, 1050)]), replace(SAFE, ramp_c_per_min=30.0), station)


def test_a_space_with_a_parameter_no_recipe_has_is_refused(station: StationConfig) -> None:
    with pytest.raises(SafetyError, match=r"search space: unknown recipe parameter.*laser_power"):
        check_space(Space([Real("laser_power", 1, 2)]), SAFE, station)


@pytest.mark.parametrize(("changes", "says"), [
    ({"temperature_c": float("nan")}, "temperature_c nan is not a finite number"),
    ({"ch4_sccm": "lots"}, "ch4_sccm 'lots' is not a finite number"),
    ({"pressure_torr": None}, "pressure_torr None is not a finite number"),
    ({"substrate": 3}, "substrate 3 is not text"),
])
def test_a_malformed_value_is_a_violation_not_a_crash(station: StationConfig, changes: dict, says: str) -> None:
    assert violations(replace(SAFE, **changes), station) == [says]
