"""Shared fixtures: one offline CHGNet load per session, a small seeded band-gap model, torch on one thread."""

from __future__ import annotations

import socket

import pytest
import torch

from planners.materials import BandgapEnsemble, literature_bandgaps, load_chgnet

torch.set_num_threads(1)

SMALL = {"members": 5, "hidden": 24, "epochs": 300, "folds": 4}
"""A band-gap ensemble small enough for unit tests."""


def _no_network(*args: object, **kwargs: object) -> None:
    raise OSError("network access attempted during an offline test")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any socket connection raises for the duration of the test."""
    monkeypatch.setattr(socket.socket, "connect", _no_network)
    monkeypatch.setattr(socket, "create_connection", _no_network)


@pytest.fixture(scope="session")
def chgnet() -> object:
    """The CHGNet model, loaded once per session with the network blocked (the weights ship in the wheel)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(socket.socket, "connect", _no_network)
        patch.setattr(socket, "create_connection", _no_network)
        return load_chgnet()


@pytest.fixture(scope="session")
def small() -> dict[str, int]:
    """Settings of a band-gap ensemble small enough for unit tests."""
    return dict(SMALL)


@pytest.fixture(scope="session")
def seed_model() -> BandgapEnsemble:
    """A small ensemble fitted on the literature table (seed 0)."""
    return BandgapEnsemble(seed=0, **SMALL).fit(literature_bandgaps())
