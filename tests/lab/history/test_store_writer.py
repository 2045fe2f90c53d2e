"""The catalog's background writer: order, read-your-writes, failures surface, nothing after close."""

from __future__ import annotations

import threading

import pytest

from lab.history.store import BackgroundWriter


def test_writes_run_in_submission_order_and_flush_waits_for_them() -> None:
    writer = BackgroundWriter()
    gate = threading.Event()
    done: list[int] = []
    writer.submit(gate.wait)  # holds the queue until released
    for index in range(50):
        writer.submit(done.append, index)
    assert done == []  # nothing ran ahead of the held write
    gate.set()
    writer.flush()
    assert done == list(range(50))
    writer.close()


def test_a_failed_write_is_raised_once_by_the_next_flush_and_later_writes_still_run() -> None:
    writer = BackgroundWriter()
    done: list[str] = []

    def broken() -> None:
        raise ConnectionError("catalog unreachable")

    writer.submit(broken)
    writer.submit(done.append, "after")
    with pytest.raises(RuntimeError, match="writing to the run catalog failed: catalog unreachable"):
        writer.flush()
    assert done == ["after"]
    writer.flush()  # reported once
    writer.close()


def test_a_failed_write_stops_the_next_submission() -> None:
    writer = BackgroundWriter()
    reached = threading.Event()
    writer.submit(lambda: 1 / 0)
    writer.submit(reached.set)  # runs once the failure before it is recorded
    assert reached.wait(10)
    with pytest.raises(RuntimeError, match="division by zero"):
        writer.submit(print, "never")
    writer.close()


def test_close_writes_what_is_queued_and_refuses_more() -> None:
    writer = BackgroundWriter()
    done: list[int] = []
    for index in range(10):
        writer.submit(done.append, index)
    writer.close()
    assert done == list(range(10))
    with pytest.raises(RuntimeError, match="closed"):
        writer.submit(done.append, 10)
    writer.close()  # closing twice is harmless
