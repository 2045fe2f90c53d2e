"""Station and campaign files: read, validated, with one clear line for anything wrong in them."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from devices.config import StationConfig
from lab.errors import UserError, describe_validation
from lab.files import read_text
from lab.materials import Material, parse_material
from planners import DEFAULT_PLANNER, make_planner

DEFAULT_STATIONS = {"graphene": "graphene-sim.yaml", "tmd": "tmd-sim.yaml"}  # built-in station per kind
CAMPAIGN_ID = r"^[a-z0-9][a-z0-9-]{0,62}$"


class CampaignConfig(BaseModel):
    """One campaign: what to optimize, with which planner, for how many experiments."""

    model_config = ConfigDict(extra="forbid")

    campaign_id: str = Field(pattern=CAMPAIGN_ID)
    material: str = "graphene"  # graphene or a TMD formula (lab.materials.parse_material), stored canonical
    target_ev: float | None = Field(None, gt=0.5, lt=3.5)  # TMDs: the PL band gap the campaign aims at
    planner: str = DEFAULT_PLANNER
    experiments: int = Field(12, ge=1, le=10_000)
    batch: int = Field(1, ge=1, le=64)
    substrates: int = Field(1, ge=1, le=16)  # substrates per furnace run (several: a run shares one recipe)
    seed: int = Field(0, ge=0, lt=2**32)
    # Simulated stations: the world (hidden physics) the station grows in; default the seed's. Campaigns of one
    # simulated lab (e.g. a discovery's candidates) share a world and differ in seed.
    world: int | None = Field(None, ge=0, lt=2**32)
    spots: int = Field(16, ge=1, le=400)
    exposure_s: float = Field(1.0, gt=0, le=60)
    # Simulated stations: None runs on virtual time (a seed fixes the campaign; as fast as the processor allows),
    # a number on a wall clock accelerated that many times (rehearsals, emulators serving real clients).
    speedup: float | None = Field(None, gt=0, le=1e6)
    recipe: dict[str, float | str] = {}
    # Run campaigns (`sdlab run`): the operator's approved box, parameter → [low, high] (lab.campaign.approval).
    # The flow pauses for approval before the campaign's first heating and for proposals outside it; None never pauses.
    approved: dict[str, tuple[float, float]] | None = None
    approval_timeout_s: int = Field(3600, ge=1)  # run campaigns: how long to wait for an answer, then stop
    warm_start: str | None = None  # a campaign of the run history (e.g. imported) whose experiments seed the planner
    world_file: str | None = None  # simulated stations: a calibrated world (sdlab calibrate), not `world`

    @field_validator("target_ev")
    @classmethod
    def _target_needs_a_tmd(cls, target_ev: float | None, info: ValidationInfo) -> float | None:
        material = info.data.get("material")
        if target_ev is not None and material is not None and parse_material(material).kind != "tmd":
            raise ValueError(f"a PL band-gap target aims TMD films; {material} has none: remove it (--target-ev) "
                             "or grow a TMD")
        return target_ev

    @field_validator("material")
    @classmethod
    def _known_material(cls, text: str) -> str:
        return parse_material(text).name

    @property
    def material_spec(self) -> Material:
        """The parsed material: its station kind, composition, recipe type and search space."""
        return parse_material(self.material)

    @field_validator("planner")
    @classmethod
    def _known_planner(cls, name: str) -> str:
        if name not in make_planner.names():
            raise ValueError(f"unknown planner {name!r}; choose one of: {', '.join(make_planner.names())}")
        return name


def read_yaml(path: Path, what: str) -> dict[str, Any]:
    """A YAML mapping from `path` (read by `read_text`), or a UserError that says what is wrong with the file."""
    text = read_text(path, what)
    try:
        data = yaml.safe_load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise UserError(f"{what} file {path} is not readable YAML: {exc.problem or exc.context}{where}") from None
    except yaml.reader.ReaderError as exc:
        raise UserError(f"{what} file {path} is not readable YAML: control character #x{exc.character:04x} "
                        f"at character {exc.position + 1}: remove it") from None
    except yaml.YAMLError as exc:
        raise UserError(f"{what} file {path} is not readable YAML: {' '.join(str(exc).split())}") from None
    except RecursionError:
        raise UserError(f"{what} file {path} is not readable YAML: nested too deeply") from None
    if not isinstance(data, dict):
        raise UserError(f"{what} file {path} must hold a mapping of settings, not {type(data).__name__}")
    return data


def load_station(path: Path | None = None, kind: str = "graphene") -> StationConfig:
    """The station config at `path`, or the packaged simulated station for materials of `kind`."""
    if path is None:
        name = DEFAULT_STATIONS[kind]
        data = yaml.safe_load(resources.files("lab.stations").joinpath(name).read_text())
        source = f"built-in station {name}"
    else:
        data, source = read_yaml(path, "station config"), f"station config {path}"
    try:
        return StationConfig.model_validate(data)
    except ValidationError as exc:
        raise describe_validation(source, exc) from None


def campaign_config(**settings: Any) -> CampaignConfig:
    """A validated CampaignConfig, or a one-line UserError naming the bad field."""
    try:
        return CampaignConfig.model_validate(settings)
    except ValidationError as exc:
        raise describe_validation("campaign", exc) from None


def load_campaign(path: Path, **defaults: Any) -> CampaignConfig:
    """The campaign file at `path` over `defaults` (a one-line UserError naming the bad field)."""
    data = read_yaml(path, "campaign")
    try:
        return CampaignConfig.model_validate({**defaults, **data})
    except ValidationError as exc:
        raise describe_validation(f"campaign file {path}", exc) from None


def slug(text: str) -> str:
    """Lower-case letters, digits and dashes (for campaign ids and artifact keys)."""
    return re.sub(r"-+", "-", re.sub(r"[^a-z0-9]+", "-", text.lower())).strip("-")
