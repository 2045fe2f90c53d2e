"""Open a spectrum file of any supported kind, refusing what is not one with one line that says why."""

from __future__ import annotations

from pathlib import Path

from lab.errors import UserError
from lab.files import regular_file
from lab.spectra.instruments import read_jcamp, read_spc, read_wdf
from lab.spectra.records import SpectrumFile, Unit
from lab.spectra.text import read_text

MAX_TEXT_BYTES = 2**29  # beyond this a text export is not a spectrum file (a 100 × 100 map of x y axis counts: 0.45 GB)
MAX_BINARY_BYTES = 4 * 2**30
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _kind(path: Path, head: bytes) -> str:
    """'wdf', 'spc', 'jcamp' or 'text', from the file's first bytes and then its suffix."""
    if head.startswith(b"WDF1"):
        return "wdf"
    suffix = path.suffix.lower()
    if suffix == ".spc" or head[:2] in (b"\x00\x4b", b"\x00\x4c", b"\x00\x4d", b"\x10\x4b", b"\x80\x4b"):
        return "spc"
    if head.lstrip().startswith(b"##") or suffix in (".jdx", ".dx", ".jcamp"):
        return "jcamp"
    return "text"


def read_spectra(file: str | Path, unit: Unit | None = None) -> SpectrumFile:
    """The spectra of ``file`` (``unit`` overrides what a text export's header or values suggest). Raises UserError
    for a missing file, a directory, an empty or oversized file, binary data of no known format, or a file whose
    reader fails."""
    path = Path(file)
    size = regular_file(path, "spectrum")
    if size == 0:
        raise UserError(f"{path} is empty; export the spectrum again")
    with path.open("rb") as stream:
        head = stream.read(4096)
    kind = _kind(path, head)
    limit = MAX_BINARY_BYTES if kind in ("wdf", "spc") else MAX_TEXT_BYTES
    if size > limit:
        raise UserError(f"{path} is {size / 2**20:.0f} MB, more than the {limit / 2**20:.0f} MB a {kind} spectrum "
                        "file may have; split it or export it as .wdf")
    try:
        if kind == "wdf":
            return read_wdf(str(path))
        data = path.read_bytes()
        if kind == "spc":
            return read_spc(str(path), data)
        if b"\x00" in head and not head.startswith(_UTF16_BOMS):
            raise UserError(f"{path} is binary but not .wdf or .spc; export the spectrum as text, .spc, .wdf or "
                            "JCAMP-DX")
        text = _decode(path, data)
        return read_jcamp(str(path), text) if kind == "jcamp" else read_text(str(path), text, unit)
    except UserError:
        raise
    except Exception as exc:  # a third-party reader's own error on a damaged file: one line, no traceback
        raise UserError(f"{path}: not a readable {kind} file ({type(exc).__name__}: {exc}); export it again") from exc


def _decode(path: Path, data: bytes) -> str:
    """The text of ``data``: UTF-16 with its byte-order mark, else UTF-8, else Windows-1252."""
    try:
        return data.decode("utf-16") if data.startswith(_UTF16_BOMS) else data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path} is not text in UTF-8, UTF-16 or Windows-1252; export the spectrum as text") from exc
