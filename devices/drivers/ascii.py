"""Helpers shared by the line-oriented (ASCII) protocol drivers."""

from __future__ import annotations

from devices.drivers.transport import Reader, ReplyError


def read_line(reader: Reader, terminator: bytes) -> str:
    """One reply line without its terminator; garbled (non-printable) lines are reply errors."""
    raw = reader.until(terminator)[:-len(terminator)]
    try:
        text = raw.decode("ascii")
    except UnicodeDecodeError:
        raise ReplyError(f"non-ASCII reply {raw!r}") from None
    if not text.isprintable():
        raise ReplyError(f"non-printable reply {raw!r}")
    return text
