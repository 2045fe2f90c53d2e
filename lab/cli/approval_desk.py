"""Answering a paused run campaign from the terminal, alongside the Prefect UI (whichever answers first).

The desk watches the Prefect API for the campaign's flow run to pause for approval
(`lab.campaign.flows.operator_approves`), shows the request the flow wrote with its form, reads y/n from the
terminal and resumes the run with the answer. When the run is answered in the Prefect UI first, the prompt is
dropped. In `ui` mode the desk only says where
to answer.
"""

from __future__ import annotations

import os
import select
import sys
import termios
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime
from typing import IO
from uuid import UUID

from prefect import get_client
from prefect.client.schemas.filters import (
    FlowFilter,
    FlowFilterName,
    FlowRunFilter,
    FlowRunFilterStartTime,
    FlowRunFilterState,
    FlowRunFilterStateType,
)
from prefect.client.schemas.objects import StateType
from prefect.exceptions import NotPausedError
from prefect.flow_runs import resume_flow_run
from prefect.input.actions import read_flow_run_input
from prefect.settings import get_current_settings
from rich.console import Console
from rich.markdown import Markdown
from rich.progress import Progress

WATCH_S = 0.5  # how often the desk looks for a pause, and whether a pending question was answered elsewhere
YES, NO = {"y", "yes"}, {"n", "no"}
ASKING = "waiting for the operator's answer"  # what the progress line says while a request is shown


@dataclass(frozen=True)
class Pause:
    """A campaign flow run waiting for the operator's answer to one request (its pause key)."""

    flow_run_id: UUID
    key: str
    description_key: str

    def request(self) -> str:
        """The request (markdown) the flow wrote with its form."""
        return str(read_flow_run_input(self.description_key, flow_run_id=self.flow_run_id) or "")

    def waiting(self) -> bool:
        """Whether the run still waits for this answer (not answered elsewhere, not timed out)."""
        with get_client(sync_client=True) as client:
            state = client.read_flow_run(self.flow_run_id).state
        return bool(state and state.is_paused() and state.state_details.pause_key == self.key)

    def answer(self, approve: bool, note: str = "") -> bool:
        """Resume the run with the operator's answer; False when it was answered elsewhere first."""
        try:
            resume_flow_run(self.flow_run_id, run_input={"approve": approve, "note": note})
        except NotPausedError:
            return False
        return True

    def ui_link(self) -> str | None:
        """The run's page in the Prefect UI, when a Prefect server (not the ephemeral one) is configured."""
        base = get_current_settings().ui_url
        return f"{base}/runs/flow-run/{self.flow_run_id}" if base else None


def paused_run(campaign_id: str, since: datetime) -> Pause | None:
    """The pause of the `campaign_id` campaign flow run started after `since`, once its form is saved (before
    that, the server refuses answers)."""
    with get_client(sync_client=True) as client:
        runs = client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=["campaign"])),
            flow_run_filter=FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED])),
                                          start_time=FlowRunFilterStartTime(after_=since)))
    for run in runs:
        details = run.state.state_details if run.state else None
        keyset = details.run_input_keyset if details else None
        if (details and keyset and run.parameters.get("campaign_id") == campaign_id
                and read_flow_run_input(keyset["schema"], flow_run_id=run.id) is not None):
            return Pause(run.id, str(details.pause_key), keyset["description"])
    return None


def parse_answer(line: str) -> tuple[bool, str] | None:
    """`y`/`yes` or `n`/`no`, optionally followed by a note; None for anything else."""
    word, _, note = line.strip().partition(" ")
    if word.lower() in YES | NO:
        return word.lower() in YES, note.strip()
    return None


class ApprovalDesk:
    """A background thread answering a campaign's approval requests in the terminal (or pointing to the UI)."""

    def __init__(self, campaign_id: str, since: datetime, console: Console, *, terminal: bool = True,
                 stdin: IO[str] | None = None, progress: Progress | None = None) -> None:
        self.campaign_id = campaign_id
        self.since = since
        self.console = console
        self.terminal = terminal
        self.stdin = stdin or sys.stdin
        self.progress = progress  # a live display to stop while asking
        self._typed = b""  # read from stdin, not yet a whole line
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, name=f"approval-desk-{campaign_id}", daemon=True)

    def __enter__(self) -> ApprovalDesk:
        with get_client(sync_client=True):  # starts Prefect's ephemeral server here: the flow then shares it
            pass
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _serve(self) -> None:
        asked: set[tuple[UUID, str]] = set()
        while not self._stop.wait(WATCH_S):
            try:
                pause = paused_run(self.campaign_id, self.since)
                if pause is None or (pause.flow_run_id, pause.key) in asked:
                    continue
                asked.add((pause.flow_run_id, pause.key))
                with self._quiet_display():
                    self._ask(pause)
            except Exception as exc:  # the desk keeps serving; the Prefect UI can answer meanwhile
                self.console.print(f"approval desk: {type(exc).__name__}: {exc}")

    def _quiet_display(self) -> AbstractContextManager[None]:
        return nullcontext() if self.progress is None else _stopped(self.progress)

    def _ask(self, pause: Pause) -> None:
        self.console.print(Markdown(pause.request()))
        link = pause.ui_link()
        if not self.terminal:
            self.console.print(f"waiting for the operator's answer in the Prefect UI: {link}")
            return
        self.console.print(f"approve? (y/n, optionally a note){f'  (or in the Prefect UI: {link})' if link else ''}")
        reply = self._read(pause)
        if reply is None:
            self.console.print("no longer waiting (answered in the Prefect UI, or timed out)")
        elif not pause.answer(*reply):
            self.console.print("already answered in the Prefect UI; this answer was not used")
        else:
            self.console.print("approved" if reply[0] else "rejected: the planner proposes again")

    def _read(self, pause: Pause) -> tuple[bool, str] | None:
        """A y/n line from the terminal, or None once the run stops waiting (or the terminal closes).

        On a terminal, keys typed before the request was shown are discarded: they never answer it."""
        if self.stdin.isatty():
            termios.tcflush(self.stdin, termios.TCIFLUSH)
            self._typed = b""
        while not self._stop.is_set() and pause.waiting():
            line = self._line()
            if line is None:
                continue
            if not line:
                self.console.print("the terminal is closed: answer in the Prefect UI")
                return None
            reply = parse_answer(line)
            if reply is not None:
                return reply
            self.console.print("answer y or n (a note may follow)")
        return None

    def _line(self) -> str | None:
        """The next line typed ('' once input has ended), or None when none is complete within WATCH_S."""
        if b"\n" not in self._typed:
            ready, _, _ = select.select([self.stdin], [], [], WATCH_S)
            if not ready:
                return None
            chunk = os.read(self.stdin.fileno(), 4096)  # unbuffered: select sees every line not yet read
            if not chunk:
                return ""
            self._typed += chunk
            if b"\n" not in self._typed:
                return None
        line, _, self._typed = self._typed.partition(b"\n")
        return line.decode(errors="replace") + "\n"


@contextmanager
def _stopped(progress: Progress) -> Iterator[None]:
    """Stop a live progress display while the operator is asked, its last line saying so, then restart it as it
    was."""
    statuses = {task.id: task.fields.get("status") for task in progress.tasks}
    for task_id in statuses:
        progress.update(task_id, status=ASKING)
    progress.stop()
    try:
        yield
    finally:
        for task_id, status in statuses.items():
            progress.update(task_id, status=status)
        progress.start()
