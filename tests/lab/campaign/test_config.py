"""Station and campaign configuration: the packaged station validates; bad configs fail in one line."""

from __future__ import annotations

import copy
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from devices.config import QUARTZ_MAX_C, StationConfig
from lab.campaign.drivers import station_twin
from lab.errors import UserError
from lab.settings import campaign_config, load_station
from planners import DEFAULT_PLANNER


@pytest.fixture(scope="module")
def packaged() -> dict[str, Any]:
    """The packaged station file as plain data."""
    return yaml.safe_load(resources.files("lab.stations").joinpath("graphene-sim.yaml").read_text())


def edited(data: dict[str, Any], edit) -> dict[str, Any]:
    data = copy.deepcopy(data)
    edit(data)
    return data


def write(tmp_path: Path, data: Any) -> Path:
    path = tmp_path / "station.yaml"
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data))
    return path


# ---- the packaged station --------------------------------------------------------------------------------

def test_packaged_station_validates(packaged: dict[str, Any]) -> None:
    config = StationConfig.model_validate(packaged)
    assert config.name == "sim-graphene-1"
    assert config.substrates == ["Cu", "CuNi"]
    assert config.limits.max_temperature_c == 1080.0 <= QUARTZ_MAX_C
    assert config.inert_gas == "Ar"
    assert [(line.gas, line.flammable, line.inert) for line in config.gas_lines] == [
        ("Ar", False, True), ("H2", True, False), ("CH4", True, False)]
    assert config.logger.period_s == 10.0


def test_load_station_without_a_path_is_the_packaged_station(packaged: dict[str, Any]) -> None:
    assert load_station() == StationConfig.model_validate(packaged)


def test_load_station_reads_a_file(tmp_path: Path, packaged: dict[str, Any]) -> None:
    path = write(tmp_path, edited(packaged, lambda d: d.update(name="my-station")))
    assert load_station(path).name == "my-station"


def test_substrate_caps(packaged: dict[str, Any]) -> None:
    config = StationConfig.model_validate(edited(packaged, lambda d: d["limits"].update(
        substrate_max_c={"Cu": 1070})))
    assert config.max_temperature_for("Cu") == 1070.0
    assert config.max_temperature_for("CuNi") == 1080.0  # no cap of its own: the station's


# ---- invalid station configs --------------------------------------------------------------------------------

INVALID = {
    "duplicate gas": (lambda d: d["gas_lines"].append({"gas": "H2", "full_scale_sccm": 10}),
                      "each gas may appear once"),
    "no inert line": (lambda d: d["gas_lines"][0].update(inert=False), "at least one line must be inert"),
    "inert and flammable": (lambda d: d["gas_lines"][0].update(flammable=True), "both inert and flammable"),
    "substrate cap above max": (lambda d: d["limits"]["substrate_max_c"].update(Cu=1085),
                                "substrate_max_c.Cu: 1085.0 exceeds max_temperature_c"),
    "cap for an unknown substrate": (lambda d: d["limits"]["substrate_max_c"].update(Ni=900), "'Ni' is not one of"),
    "max temperature over quartz": (lambda d: d["limits"].update(max_temperature_c=1100.5),
                                    "less than or equal to 1100"),
    "ramp over 50": (lambda d: d["limits"].update(max_ramp_c_per_min=60), "less than or equal to 50"),
    "unknown top-level key": (lambda d: d.update(colour="blue"), "Extra inputs are not permitted"),
    "unknown limits key": (lambda d: d["limits"].update(max_power_w=5), "Extra inputs are not permitted"),
    "unknown gas line key": (lambda d: d["gas_lines"][1].update(purity=5), "Extra inputs are not permitted"),
    "lower-case gas": (lambda d: d["gas_lines"][1].update(gas="h2"), "should match pattern"),
    "bad name": (lambda d: d.update(name="my station"), "should match pattern"),
    "no substrates": (lambda d: d.update(substrates=[]), "at least 1 item"),
    "no gas lines": (lambda d: d.update(gas_lines=[]), "at least 1 item"),
    "other material": (lambda d: d.update(material="MoS2"), "'graphene'"),
    "non-sim driver": (lambda d: d["furnace"].update(driver="eurotherm"), "'sim'"),
    "logger too slow": (lambda d: d["logger"].update(period_s=11), "less than or equal to 10"),
    "leak check of a day": (lambda d: d["limits"].update(min_leak_check_s=86400), "less than or equal to 3600"),
    "purge without end": (lambda d: d["limits"].update(min_purge_s=1e300), "less than or equal to 3600"),
    "negative full scale": (lambda d: d["gas_lines"][2].update(full_scale_sccm=-5), "greater than 0"),
    "missing limits": (lambda d: d.pop("limits"), "Field required"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_station_configs_raise_validation_error(case: str, packaged: dict[str, Any]) -> None:
    edit, says = INVALID[case]
    with pytest.raises(ValidationError, match=says):
        StationConfig.model_validate(edited(packaged, edit))


def test_max_temperature_at_the_quartz_limit_is_allowed(packaged: dict[str, Any]) -> None:
    config = StationConfig.model_validate(edited(packaged, lambda d: d["limits"].update(max_temperature_c=1100)))
    assert config.limits.max_temperature_c == QUARTZ_MAX_C


# ---- load_station: one-line UserErrors --------------------------------------------------------------------------

def one_line(error: pytest.ExceptionInfo[UserError]) -> str:
    message = str(error.value)
    assert "\n" not in message, message
    assert message.strip() == message and message
    return message


@pytest.mark.parametrize(("text", "says"), [
    ("name: [unclosed\n", "is not readable YAML"),
    ("name:\t- x\n", "is not readable YAML"),
    ("a: 1\n b: 2\n", "is not readable YAML: mapping values are not allowed here"),
    ("just a string\n", "must hold a mapping of settings, not str"),
    ("- a\n- b\n", "must hold a mapping of settings, not list"),
    ("", "is empty"),
])
def test_malformed_yaml_is_one_line_user_error(tmp_path: Path, text: str, says: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(UserError) as error:
        load_station(path)
    message = one_line(error)
    assert message.startswith(f"station config file {path} ")
    assert says in message


def test_malformed_yaml_message_names_the_problem_and_line(tmp_path: Path) -> None:
    with pytest.raises(UserError) as error:
        load_station(write(tmp_path, "name: sim\nsubstrates: [Cu, CuNi\nlimits: {}\n"))
    message = one_line(error)
    assert "expected ',' or ']'" in message
    assert "line" in message


def test_missing_file_is_one_line_user_error(tmp_path: Path) -> None:
    path = tmp_path / "nope" / "station.yaml"
    with pytest.raises(UserError) as error:
        load_station(path)
    assert one_line(error) == f"station config file {path} does not exist"


def test_directory_instead_of_file_is_one_line_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError) as error:
        load_station(tmp_path)
    assert "is a directory" in one_line(error)


@pytest.mark.parametrize(("edit", "where", "says"), [
    (lambda d: d["limits"].update(max_temperature_c="hot"), "limits.max_temperature_c", "valid number"),
    (lambda d: d["limits"].update(max_temperature_c=1500), "limits.max_temperature_c", "less than or equal to 1100"),
    (lambda d: d["furnace"].update(pid=3), "furnace.pid", "Extra inputs are not permitted"),
    (lambda d: d["gas_lines"][2].update(full_scale_sccm=0), "gas_lines.2.full_scale_sccm", "greater than 0"),
    (lambda d: d["gas_lines"].append({"gas": "Ar", "full_scale_sccm": 10}), "(top level)", "each gas may appear once"),
])
def test_wrong_field_is_one_line_user_error_naming_it(tmp_path: Path, packaged: dict[str, Any], edit, where: str,
                                                      says: str) -> None:
    path = write(tmp_path, edited(packaged, edit))
    with pytest.raises(UserError) as error:
        load_station(path)
    message = one_line(error)
    assert message.startswith(f"station config {path}: {where}: ")
    assert says in message
    assert not isinstance(error.value, ValidationError)


def test_several_wrong_fields_are_counted_in_one_line(tmp_path: Path, packaged: dict[str, Any]) -> None:
    path = write(tmp_path, edited(packaged, lambda d: d.update(colour="blue", flavour="mint")))
    with pytest.raises(UserError) as error:
        load_station(path)
    assert one_line(error).endswith("(and 1 more)")


# ---- campaign settings ----------------------------------------------------------------------------------------

def test_campaign_config_defaults() -> None:
    settings = campaign_config(campaign_id="run-1")
    assert settings.planner == DEFAULT_PLANNER
    assert (settings.experiments, settings.batch, settings.spots, settings.material) == (12, 1, 16, "graphene")


@pytest.mark.parametrize(("settings", "says"), [
    ({"campaign_id": "Bad ID"}, "campaign: campaign_id:"),
    ({"campaign_id": "ok", "experiments": 0}, "campaign: experiments:"),
    ({"campaign_id": "ok", "planner": "nope"}, "unknown planner 'nope'"),
    ({"campaign_id": "ok", "spots": 401}, "campaign: spots:"),
    ({"campaign_id": "ok", "wat": 1}, "campaign: wat: Extra inputs"),
])
def test_bad_campaign_settings_are_one_line_user_errors(settings: dict[str, Any], says: str) -> None:
    with pytest.raises(UserError) as error:
        campaign_config(**settings)
    assert says in one_line(error)


def test_campaigns_of_one_simulated_lab_share_its_world_and_differ_in_their_runs() -> None:
    station = load_station(kind="tmd")
    lab = [station_twin(station, seed, world=7) for seed in (1, 2)]
    assert lab[0].world.truth == lab[1].world.truth and lab[0].seed != lab[1].seed
    assert station_twin(station, 1).world.truth != lab[0].world.truth  # by default each seed is its own world
    assert campaign_config(campaign_id="c", material="MoS2").world is None
    with pytest.raises(UserError, match="world"):
        campaign_config(campaign_id="c", material="MoS2", world=-1)
