"""Files the command line reads or writes, checked before use: anything wrong is one line that says what and how to
fix it. A read opens only a regular file (a FIFO or device would block) and never reads more than a limit; a write
goes only to a file in a folder that exists."""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path

from lab.errors import UserError

SETTINGS_BYTES = 1 << 20  # settings files are a few kB; anything over this is not one


def regular_file(path: Path, what: str) -> int:
    """The size of the regular file at `path`, or a UserError: missing, a broken symlink, a directory, a FIFO,
    socket or device (found without opening it, so never a hang)."""
    name = f"{what} file {path}"
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise UserError(f"{name} is a broken symlink (to {os.readlink(path)}): point it at the file or give the "
                            "file's own path") from None
        raise UserError(f"{name} does not exist") from None
    except OSError as exc:
        raise UserError(f"{name} cannot be opened: {exc.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise UserError(f"{name} is a directory: give the path of a file in it")
    if not stat.S_ISREG(info.st_mode):
        raise UserError(f"{name} is not a regular file (a FIFO, socket or device): save it to a file and give its "
                        "path")
    return info.st_size


def read_bytes(path: Path, what: str, limit: int) -> bytes:
    """The bytes of the regular file at `path` (at most `limit`), or a UserError: see `regular_file`; too big;
    empty or blank."""
    name = f"{what} file {path}"
    too_big = UserError(f"{name} is over {_size(limit)}, too big for a {what} file: give the right file")
    if regular_file(path, what) > limit:
        raise too_big
    try:
        with open(path, "rb") as stream:
            data = stream.read(limit + 1)
    except OSError as exc:
        raise UserError(f"{name} cannot be read: {exc.strerror}") from None
    if len(data) > limit:  # it grew since
        raise too_big
    if not data.strip():
        raise UserError(f"{name} is empty: write what it should hold into it (see the README)")
    return data


def read_text(path: Path, what: str, limit: int = SETTINGS_BYTES) -> str:
    """The UTF-8 text of the file at `path`, or a UserError: see `read_bytes`; binary; not UTF-8."""
    data = read_bytes(path, what, limit)
    name = f"{what} file {path}"
    if b"\0" in data:
        raise UserError(f"{name} is binary, not text: give the {what} file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"{name} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}): save it as "
                        "UTF-8") from None


def writable_file(path: Path, option: str, suffixes: Sequence[str] = ()) -> Path:
    """`path` if `option` may write a file there (ending in one of `suffixes`, when given): in a folder that exists,
    not a directory nor a FIFO or device; else a UserError."""
    if suffixes and path.suffix not in suffixes:
        raise UserError(f"{option} {path}: the file name must end in {' or '.join(suffixes)}")
    if path.is_dir():
        raise UserError(f"{option} {path} is a directory: give a file name in it")
    if path.exists() and not path.is_file():
        raise UserError(f"{option} {path} is not a regular file (a FIFO, socket or device): give another path")
    in_folder(path, option)
    return path


def writable_folder(path: Path, option: str) -> Path:
    """`path` if `option` may write files into it: a directory, or a new one in a folder that exists; else a
    UserError."""
    if path.exists() and not path.is_dir():
        raise UserError(f"{option} {path} is a file: give a directory")
    if not path.exists():
        in_folder(path, option)
    return path


def in_folder(path: Path, option: str) -> None:
    """UserError unless the folder `path` would be made in exists."""
    if not path.parent.is_dir():
        raise UserError(f"{option} {path}: folder {path.parent} does not exist; create it or choose another path")


def _size(count: int) -> str:
    """A byte count for people: kB up to a MB, else MB."""
    return f"{count // 1024} kB" if count < 1 << 20 else f"{count / (1 << 20):.0f} MB"
