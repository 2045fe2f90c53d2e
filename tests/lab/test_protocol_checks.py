"""Runtime protocol checks: the same answers, with each protocol's members worked out once (Python 3.11)."""

from __future__ import annotations

import sys
import typing

import pytest
from bluesky.protocols import Collectable, Readable, Triggerable, check_supports
from ophyd import Signal

from devices.station import build_station
from lab.campaign.drivers import sim_drivers, station_twin
from lab.campaign.plans import run_engine
from lab.protocol_checks import cache_protocol_members
from lab.settings import load_station


@typing.runtime_checkable
class Thermometer(typing.Protocol):
    units: str

    def read_c(self) -> float: ...


class Probe:
    units = "C"

    def read_c(self) -> float:
        return 20.0


class Unplugged(Probe):
    read_c = None  # a method set to None blocks the protocol, as in `typing`


@pytest.fixture
def uncached(monkeypatch: pytest.MonkeyPatch) -> None:
    """Protocol members worked out at every check, as Python 3.11 does (whatever this process installed before)."""
    members = typing._get_protocol_attrs
    monkeypatch.setattr(typing, "_get_protocol_attrs", getattr(members, "__wrapped__", members))


def test_protocol_checks_give_the_same_answers(uncached: None) -> None:
    signal = Signal(name="x")
    cases = [(signal, Readable), (signal, Collectable), (signal, Triggerable), (object(), Readable),
             (Probe(), Thermometer), (Unplugged(), Thermometer), (object(), Thermometer)]
    before = [isinstance(obj, protocol) for obj, protocol in cases]
    cache_protocol_members()
    cache_protocol_members()  # idempotent
    assert [isinstance(obj, protocol) for obj, protocol in cases] == before == [True, False, True, False, True,
                                                                                False, False]
    check_supports(signal, Readable)
    with pytest.raises(AssertionError, match="does not implement all Readable methods"):
        check_supports(object(), Readable)


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="Python 3.12 works out protocol members once by itself")
def test_a_protocol_s_members_are_worked_out_once_on_python_3_11(uncached: None) -> None:
    assert not hasattr(typing._get_protocol_attrs, "cache_info")
    config = load_station()
    twin = station_twin(config, 0, None)
    run_engine(build_station(config, sim_drivers(config, twin), twin.clock))  # a lab's RunEngine installs the cache
    members = typing._get_protocol_attrs
    misses = members.cache_info().misses
    for _ in range(100):
        assert isinstance(Probe(), Thermometer)
    info = members.cache_info()
    assert info.misses <= misses + 1 and info.hits >= 100
