"""`sdlab import`, `sdlab calibrate` and `sdlab predict`: a lab's past runs. Its growth runs (CSV or Excel) become
an imported campaign of the run history, which `sdlab simulate|run --warm-start CAMPAIGN` can start a planner from;
a simulated graphene world is fitted to its outcomes (imported or grown campaigns); and that world predicts
recipes."""

from __future__ import annotations

import io
import math
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from lab.cli.common import console, plural
from lab.errors import UserError
from lab.files import read_text, writable_file

RECIPES_BYTES = 16 << 20  # a CSV of recipes to predict is kB; beyond this it is not one
RECIPE_COLUMNS = ("temperature_c", "ch4_sccm", "h2_sccm", "pressure_torr", "growth_min", "substrate")
TMD_COLUMNS = ("growth_c", "chalcogen_c", "ar_sccm", "precursor_mg", "growth_min")  # and, when given: promoter,
# h2_sccm, w_fraction, s_fraction, pressure_torr, substrate, material (a TMD formula, by default MoS2)


def import_command(
    file: Annotated[Path, typer.Argument(help="The past runs: a CSV or Excel file, a row per growth.")],
    material: Annotated[str, typer.Option(help="What was grown: graphene, or a TMD formula such as MoS2.")],
    columns: Annotated[Path, typer.Option(help="Column map (YAML): parameter → {column, unit}, outcome → "
                                               "{column} (grew, quality, figures of merit).")],
    campaign: Annotated[str | None, typer.Option(help="Name of the imported campaign (default: the file's name).")
                        ] = None,
) -> None:
    """Import past growth runs as a campaign of the run history (marked imported, each row's source kept). The
    whole file is checked first: a bad file is refused with every bad row and column, and nothing is stored."""
    from lab.history.imported import check_rows, load_map, read_table, store_runs
    from lab.history.store import RunStore
    from lab.materials import parse_material
    from lab.settings import slug

    try:
        found = parse_material(material)
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    table = read_table(file)
    runs = check_rows(table, load_map(columns), found, str(file))
    name = campaign or slug(f"imported-{file.stem}")
    if name != slug(name):
        raise UserError(f"--campaign {name!r}: use lower-case letters, digits and '-' only (e.g. {slug(name)})")
    with RunStore() as store:
        store_runs(store, name, found, runs, str(file))
    grew = sum(not run.outcome["failed"] for run in runs)
    console.print(f"imported {plural(len(runs), 'growth')} ({grew} grew) of {found.name} as campaign {name}; "
                  f"start a campaign from it with --warm-start {name}")


def _recipe(material: Any, params: dict[str, Any], where: str) -> Any:
    """The simulated world's recipe of one growth of `material` (a run's parameters or a CSV row); ValueError
    saying what is missing or wrong."""
    if material.kind == "tmd":
        return _tmd_recipe(material, params, where)
    from simulators.graphene import SUBSTRATES, GrowthRecipe

    missing = [name for name in RECIPE_COLUMNS if params.get(name) in (None, "")]
    if missing:
        raise ValueError(f"{where}: no {', '.join(missing)}")
    try:
        numbers = {name: float(params[name]) for name in RECIPE_COLUMNS[:-1]}
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {', '.join(RECIPE_COLUMNS[:-1])} must be numbers") from None
    if not all(math.isfinite(v) and v >= 0 for v in numbers.values()) or str(params["substrate"]) not in SUBSTRATES:
        raise ValueError(f"{where}: values must be finite and ≥ 0, substrate one of {', '.join(SUBSTRATES)}")
    return GrowthRecipe(**{**numbers, "growth_min": round(numbers["growth_min"])}, substrate=str(params["substrate"]))


def _tmd_recipe(material: Any, params: dict[str, Any], where: str) -> Any:
    given = {name: value for name, value in params.items() if value not in (None, "")}
    missing = [name for name in TMD_COLUMNS if name not in given]
    if missing:
        raise ValueError(f"{where}: no {', '.join(missing)}")
    if str(given.get("promoter", "none")) not in ("none", "NaCl"):
        raise ValueError(f"{where}: promoter {given['promoter']!r}: give none or NaCl")
    try:
        recipe = material.world_recipe(given)
        recipe.conditions()  # checks every setting's range
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {exc}" if isinstance(exc, ValueError) and str(exc) else
                         f"{where}: {', '.join(TMD_COLUMNS)} must be numbers") from None
    return recipe


def calibrate_command(
    campaigns: Annotated[list[str], typer.Argument(help="Campaigns of the run history (grown or imported).")],
    out: Annotated[Path, typer.Option(help="Write the calibrated world here (YAML).")] = Path("world.yaml"),
) -> None:
    """Fit the simulated world's hidden constants (graphene or TMD: one kind per calibration) to the campaigns'
    outcomes (MAP, literature ranges as priors) and report what the data pinned down (posterior widths)."""
    from lab.history.store import RunStore
    from lab.materials import parse_material
    from simulators.calibration import Observed, calibrate

    writable_file(out, "--out")
    observed, problems, kinds = [], [], set()
    with RunStore() as store:
        for campaign in campaigns:
            rows = store.experiments(campaign)
            if not rows:
                problems.append(f"{campaign}: no experiments in the run history")
            for row in rows:
                material = parse_material(row.get("material") or "graphene")
                kinds.add(material.kind)
                try:
                    recipe = _recipe(material, row["params"], f"{campaign} experiment {row['index']}")
                except ValueError as exc:
                    problems.append(str(exc))
                    continue
                grew = row["status"] == "ok"
                observed.append(Observed(recipe, grew, row.get("quality") if grew else None,
                                         row.get("coverage") if grew else None))
    if len(kinds) > 1:
        problems.insert(0, "the campaigns grow graphene and TMDs; calibrate each kind of world on its own")
    if problems:
        raise UserError(f"cannot calibrate: {'; '.join(problems[:10])}")
    result = calibrate(observed)
    out.write_text(yaml.safe_dump(result.as_dict(), sort_keys=False))
    table = Table(title=f"calibrated {result.material} world from {plural(len(observed), 'growth')}")
    for column in ("constant", "value", "posterior ±", "prior ±"):
        table.add_column(column, justify="left" if column == "constant" else "right")
    constants = result.as_dict()["constants"]
    for name, width in result.widths.items():
        table.add_row(name, f"{constants[name]:.4g}", f"{width:.3g}", f"{result.prior_widths[name]:.3g}")
    console.print(table)
    pinned = result.pinned()
    console.print(f"pinned down (posterior < half the prior width): {', '.join(pinned) or 'none'}")
    console.print(f"written to {out}; simulate in it with sdlab simulate --world {out}")


def load_world(path: Path) -> Any:
    """The calibrated world (its hidden truth: graphene or TMD) of a file ``sdlab calibrate`` wrote; UserError if
    it is not one."""
    from simulators.calibration import read_world

    text = read_text(path, "world")
    try:
        return read_world(yaml.safe_load(text))
    except (yaml.YAMLError, TypeError, KeyError, ValueError) as exc:
        raise UserError(f"--world {path}: not a world file of sdlab calibrate ({exc})") from exc


def predict_command(
    recipes: Annotated[Path, typer.Argument(help="CSV of recipes. Graphene: temperature_c, ch4_sccm, h2_sccm, "
                                                 "pressure_torr, growth_min, substrate. TMDs: growth_c, chalcogen_c, "
                                                 "ar_sccm, precursor_mg, growth_min; optionally promoter, h2_sccm, "
                                                 "w_fraction, s_fraction, pressure_torr, substrate and material "
                                                 "(default MoS2).")],
    world: Annotated[Path, typer.Option(help="The calibrated world (sdlab calibrate --out).")],
    output: Annotated[Path | None, typer.Option(help="Write the CSV here instead of stdout.")] = None,
) -> None:
    """Per recipe, the calibrated world's probability of growth and expected figures of merit, as CSV."""
    import pandas as pd

    from lab.materials import parse_material
    from simulators.calibration import predict, world_kind

    if output is not None:
        writable_file(output, "--output")
    truth = load_world(world)
    text = read_text(recipes, "recipes", RECIPES_BYTES)
    try:
        table = pd.read_csv(io.StringIO(text), dtype=object, sep=None, engine="python")
    except Exception as exc:
        raise UserError(f"{recipes}: not a readable CSV ({type(exc).__name__}); give a CSV with a header row") from exc
    parsed, problems = [], []
    kind = world_kind(truth)
    for index, row in enumerate(table.to_dict("records"), start=1):
        params = {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
        try:
            material = parse_material(str(params.get("material") or ("MoS2" if kind == "tmd" else "graphene")))
            if material.kind != kind:
                raise ValueError(f"row {index}: {material.name} does not grow in a {kind} world")
            parsed.append(_recipe(material, params, f"row {index}"))
        except ValueError as exc:
            problems.append(str(exc))
    if problems or not parsed:
        raise UserError(f"{recipes}: {'; '.join(problems[:10]) or 'no recipes'}")
    predicted = predict(truth, parsed)
    result = table.assign(**{key: values for key, values in predicted.items()})
    text = result.to_csv(index=False, float_format="%.6g")
    if output is None:
        print(text, end="")
    else:
        output.write_text(text)
        print(f"{plural(len(result), 'prediction')} written to {output}", file=sys.stderr)
