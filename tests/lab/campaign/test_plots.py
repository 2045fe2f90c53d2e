"""Figures: the campaign progress panels and the worker process that draws them."""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor

import pytest

from lab.campaign.plots import Panel, Renderer, figure_png, progress_panels, run_panels
from tests.processes import children

PNG = b"\x89PNG"


def test_progress_shows_the_running_best_and_quality_against_each_parameter() -> None:
    panels = progress_panels([0, 1, 2, 3], [0.2, None, 0.5, 0.4], {"temperature_c": [1000, 1010, 1020, 1030],
                                                                   "ch4_sccm": [1.0, 2.0, 3.0, 4.0]})
    best, *against = panels
    assert best.y == [[0.2, 0.0, 0.5, 0.4], [0.2, 0.2, 0.5, 0.5]]  # a failed experiment counts as 0
    assert [p.x_label for p in against] == ["temperature_c", "ch4_sccm"] and all(p.points for p in against)
    assert figure_png(panels).startswith(PNG)


def test_a_runs_samples_are_drawn_along_the_tube() -> None:
    quality, temperature = run_panels([0.0, 45.0, 75.0], [0.8, None, 0.1], [1030.0, 1029.0, 960.0])
    assert quality.x == [[0.0, 45.0, 75.0]] and quality.y == [[0.8, 0.0, 0.1]] and quality.points
    assert temperature.y == [[1030.0, 1029.0, 960.0]] and temperature.y_label == "°C"


def test_an_empty_campaign_still_draws() -> None:
    assert figure_png(progress_panels([], [], {})).startswith(PNG)


def test_the_renderer_draws_in_a_worker_process_and_stops() -> None:
    renderer = Renderer()
    panel = Panel("Raman", "Raman shift (cm⁻¹)", [[1, 2, 3]], [[3, 1, 2]])
    try:
        assert renderer.png([panel]) == figure_png([panel])
        assert renderer._worker.pid is not None and renderer._worker.poll() is None
    finally:
        renderer.close()
    assert renderer._worker.returncode == 0
    with pytest.raises(RuntimeError, match="figure worker stopped"):
        renderer.png([panel])


def test_threads_asking_for_the_first_figures_at_once_share_one_worker() -> None:
    before = set(children(os.getpid(), b"lab.campaign.plots"))  # other tests' sessions in this process may have one
    renderer = Renderer()
    panels = [[Panel(f"Raman {i}", "Raman shift (cm⁻¹)", [[1, 2, 3]], [[3, 1, i]])] for i in range(4)]
    assert set(children(os.getpid(), b"lab.campaign.plots")) - before == set()  # nothing starts before a figure
    try:
        with ThreadPoolExecutor(len(panels)) as pool:
            drawn = list(pool.map(renderer.png, panels))
        assert drawn == [figure_png(p) for p in panels]
        assert set(children(os.getpid(), b"lab.campaign.plots")) - before == {renderer._worker.pid}
    finally:
        renderer.close()
