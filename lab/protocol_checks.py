"""Runtime protocol checks at Python 3.12's cost on Python 3.11.

Bluesky asks `isinstance(device, Readable)` (and `Collectable`, `Triggerable`, …: runtime-checkable
`typing.Protocol`s) for most messages a plan sends. Python 3.11 works out a protocol's members again at every such
check, walking its MRO and their dictionaries: 22 % of the RunEngine thread's time in a simulated growth
(`py-spy record --gil`). Python 3.12 works them out once per protocol class (`__protocol_attrs__`, set when the class
is made); `cache_protocol_members` gives 3.11 the same behaviour. Nothing changes on Python 3.12 and later.
"""

from __future__ import annotations

import functools
import sys
import typing


def cache_protocol_members() -> None:
    """Work out each protocol class's members once, at its first check (a no-op on Python >= 3.12; idempotent)."""
    if sys.version_info >= (3, 12) or hasattr(typing._get_protocol_attrs, "cache_info"):
        return
    members_of = typing._get_protocol_attrs

    @functools.cache
    def protocol_members(cls: type) -> frozenset[str]:
        """The members of protocol class `cls` (its and its bases' attributes and annotations)."""
        return frozenset(members_of(cls))

    typing._get_protocol_attrs = protocol_members
