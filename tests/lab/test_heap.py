"""The garbage collector around what a process builds to keep (lab.heap)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from lab.heap import building_heap, lasting_heap


@pytest.fixture
def collector() -> Iterator[None]:
    """Whatever the test leaves, this worker's collector is as it was: enabled, nothing frozen."""
    assert gc.isenabled() and gc.get_freeze_count() == 0
    try:
        yield
    finally:
        gc.unfreeze()
        gc.enable()


def collected(obj: object) -> bool:
    """Whether the collector's passes see `obj` (it is in one of its generations, not frozen)."""
    return any(seen is obj for generation in range(3) for seen in gc.get_objects(generation=generation))


def test_a_campaigns_heap_is_left_alone_while_it_runs_and_collected_as_before_once_it_ends(collector: None) -> None:
    with building_heap() as settle:
        assert not gc.isenabled()  # paused while the stack is imported and the session built
        built = [[index] for index in range(1000)]
        settle()
        assert gc.isenabled() and not collected(built)  # what was built is out of the passes (frozen)
        cycle: list[object] = []
        cycle.append(cycle)  # garbage made while the campaign runs is collected as usual
        assert collected(cycle)
    assert gc.isenabled() and gc.get_freeze_count() == 0 and collected(built)  # as before: nothing kept for good


def test_a_failure_while_the_heap_is_built_leaves_the_collector_as_it_was(collector: None) -> None:
    with pytest.raises(RuntimeError), building_heap():
        raise RuntimeError("the session did not open")
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    with building_heap() as settle:
        settle()
    assert not gc.isenabled()  # a collector that was off stays off


def test_a_servers_app_is_frozen_for_good_and_the_collector_runs_again(collector: None) -> None:
    with lasting_heap():
        assert not gc.isenabled()
        app = {"routes": [[index] for index in range(1000)]}
    assert gc.isenabled() and not collected(app)
    with pytest.raises(RuntimeError), lasting_heap():
        raise RuntimeError("the app could not be built")
    assert gc.isenabled()
