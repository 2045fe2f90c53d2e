"""`sdlab design` as an operator meets it: a malformed request is refused before the heavy imports, stdout holds
only the result, and each number reads the same wherever it is shown."""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

from tests.processes import run, sdlab_args, sdlab_env

HEAVY = {"torch", "chgnet", "prefect"}


def test_a_malformed_target_is_refused_before_the_models_or_prefect_are_imported(tmp_path: Path) -> None:
    result = run([sys.executable, "-X", "importtime", "-m", "lab", "design", "--target", "bandgap_ev=one"],
                 env=sdlab_env(tmp_path))
    assert result.returncode == 2
    timings = [line for line in result.stderr.splitlines() if line.startswith("import time:")]
    said = [line for line in result.stderr.splitlines() if not line.startswith("import time:")]
    assert len(said) == 1 and "cannot parse target" in said[0], said
    imported = {line.rpartition("|")[2].strip().split(".")[0] for line in timings}
    assert not imported & HEAVY


def test_a_gap_reads_the_same_in_its_column_and_in_its_why(monkeypatch: pytest.MonkeyPatch) -> None:
    import lab.cli.design
    from lab.design.flows import table_rows

    gap = 1.63750004  # 1.638 to three places, but 1.6375 (which prints as 1.637) to four
    table = pd.DataFrame({"formula": ["MoSSe"], "bandgap_ev": [gap], "std_ev": [0.0181], "p_within": [0.97],
                          "score": [0.0308], "mixing_mev": [1.5], "e_above_hull_mev": [1.5],
                          "stability_weight": [1.0], "why": [f"gap {gap:.3f} ± 0.018 eV"]},
                         index=pd.RangeIndex(1, 2, name="rank"))
    console = Console(record=True, width=200)
    monkeypatch.setattr(lab.cli.design, "console", console)
    lab.cli.design._print_candidates(table_rows(table), "candidates")
    shown = console.export_text()
    assert "1.638 ± 0.018 │" in shown and "1.637" not in shown, shown


@pytest.mark.e2e
def test_design_prints_only_its_result(tmp_path: Path, prefect_api: dict[str, str]) -> None:
    result = run(sdlab_args("design", "--target", "bandgap_ev=1.70", "--top", "1"),
                 env=sdlab_env(tmp_path, **prefect_api), timeout_s=600.0)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no torch warning
    assert "CHGNet" not in result.stdout
    assert result.stdout.rstrip().splitlines()[-1].startswith("best candidate: ")
