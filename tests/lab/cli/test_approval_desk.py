"""The terminal approval desk: what the operator sees while a request waits for an answer."""

from __future__ import annotations

import io

from rich.console import Console
from rich.progress import Progress, TextColumn

from lab.cli.approval_desk import _stopped


def test_the_progress_line_says_that_an_answer_is_awaited_while_the_operator_is_asked() -> None:
    console = Console(file=io.StringIO(), record=True, width=100)
    progress = Progress(TextColumn("{task.description}  {task.fields[status]}"), console=console)
    task = progress.add_task("c-1", total=2, status="starting Prefect…")
    progress.start()
    with _stopped(progress):
        console.print("approve? (y/n)")
    progress.stop()
    shown = console.export_text()
    before, _, after = shown.partition("approve? (y/n)")
    assert "c-1  waiting for the operator's answer" in before.strip().splitlines()[-1], shown
    assert progress.tasks[task].fields["status"] == "starting Prefect…"  # as it was, once answered
    assert "starting Prefect…" in after
