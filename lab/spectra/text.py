"""Text and CSV exports of any instrument: header lines, any delimiter, comma decimals, one axis column then one
or more spectra as columns, or a map as long rows ``x, y, axis, counts`` (WiRE's text export of a map).

The delimiter (tab, semicolon, comma or spaces) and the decimal mark are those under which the most lines read
as the same number (≥ 2) of numbers; the other lines before the data are header lines, the last of which, when it
has one name per column, names the columns. The axis unit comes from those names (``nm``/``wavelength``, ``eV``,
``cm-1``/``shift``/``wavenumber``), else from the caller, else from the values (0.5–6: eV; else cm⁻¹).
"""

from __future__ import annotations

import io
import re

import numpy as np

from lab.errors import UserError
from lab.spectra.records import RawSpectrum, SpectrumFile, Unit

_SAMPLE = 400  # lines the layout is told from
_DELIMITERS = {"tab": "\t", "semicolon": ";", "comma": ",", "spaces": None}
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_UNIT_WORDS: list[tuple[Unit, re.Pattern[str]]] = [
    ("nm", re.compile(r"\bnm\b|wavelength|lambda", re.I)),
    ("eV", re.compile(r"\bev\b|energy", re.I)),
    ("cm-1", re.compile(r"cm|shift|wavenumber|raman", re.I)),
]


def _split(line: str, delimiter: str | None) -> list[str]:
    return [part.strip().strip('"') for part in (line.split(delimiter) if delimiter else line.split())]


def _numbers(fields: list[str], comma_decimal: bool) -> list[float] | None:
    """The fields as floats, or None if any is not a plain number."""
    values = []
    for field in fields:
        text = field.replace(",", ".") if comma_decimal else field
        if not _NUMBER.match(text):
            return None
        values.append(float(text))
    return values


def _best_reading(lines: list[str]) -> tuple[str | None, bool, int, int]:
    """(delimiter, comma decimal, columns, index of the first data line) of the reading that parses most of
    ``lines`` as rows of the same width ≥ 2."""
    best: tuple[int, str | None, bool, int, int] = (0, None, False, 0, 0)
    for delimiter in _DELIMITERS.values():
        for comma_decimal in (False, True):
            if comma_decimal and delimiter == ",":
                continue
            parsed = [_numbers(_split(line, delimiter), comma_decimal) for line in lines]
            widths = [len(row) for row in parsed if row is not None and len(row) >= 2]
            if not widths:
                continue
            width = max(set(widths), key=widths.count)
            rows = [row for row in parsed if row is not None and len(row) == width]
            if len(rows) > best[0]:
                first = next(i for i, row in enumerate(parsed) if row is not None and len(row) == width)
                best = (len(rows), delimiter, comma_decimal, width, first)
    return best[1], best[2], best[3], best[4]


def _unit(axis_name: str, axis: np.ndarray, given: Unit | None) -> Unit:
    if given is not None:
        return given
    for unit, pattern in _UNIT_WORDS:
        if pattern.search(axis_name):
            return unit
    return "eV" if np.min(axis) >= 0.5 and np.max(axis) <= 6.0 else "cm-1"


def read_text(path: str, text: str, unit: Unit | None = None) -> SpectrumFile:
    """The spectra of a text export (module docstring). Raises UserError for a file without two numeric columns,
    with too few rows, or with rows that do not parse under the file's own layout."""
    sample = _leading_lines(text, _SAMPLE)
    lines = [line for _, line in sample]
    delimiter, comma_decimal, width, first = _best_reading(lines)
    data = None
    if width >= 2 and first < len(sample):
        data = _rows(text[sample[first][0]:], delimiter, comma_decimal, width)
    if data is None:
        lines = [line for line in text.splitlines() if line.strip()]
        parsed = [_numbers(_split(line, delimiter), comma_decimal) for line in lines[first:]]
        bad = [first + i + 1 for i, row in enumerate(parsed) if row is None or len(row) != width]
        if width < 2 or len(parsed) - len(bad) < 3:
            raise UserError(f"{path}: no spectrum found: a text spectrum needs at least 3 rows of an axis column "
                            "and a counts column (numbers, separated by tabs, semicolons, commas or spaces)")
        if bad:
            raise UserError(f"{path}: {len(bad)} line(s) among the data do not read as {width} numbers (first: "
                            f"non-empty line {bad[0]}); fix or remove them")
        data = np.array(parsed)
    header = [_split(line, delimiter) for line in lines[:first]]
    names = header[-1] if header and len(header[-1]) == width else []
    axis_name = (names[0] if names else " ".join(header[-1])) if header else ""
    positions = _positions(data) if width == 4 else None
    if positions is not None and _is_long_map(len(positions[0]), len(data)):
        return _long_map(path, data, positions, _unit(names[2] if names else axis_name, data[:, 2], unit))
    axis = data[:, 0]
    found = _unit(axis_name, axis, unit)
    spectra = [RawSpectrum(names[k] if names else (f"column {k + 1}" if width > 2 else "spectrum"),
                           axis, data[:, k], found) for k in range(1, width)]
    return SpectrumFile(path, spectra)


def _leading_lines(text: str, count: int) -> list[tuple[int, str]]:
    """The first ``count`` non-blank lines of ``text``, each with the offset where it starts."""
    found: list[tuple[int, str]] = []
    offset = 0
    while len(found) < count and offset < len(text):
        end = text.find("\n", offset)
        end = len(text) if end < 0 else end
        line = text[offset:end].rstrip("\r")
        if line.strip():
            found.append((offset, line))
        offset = end + 1
    return found


def _rows(data: str, delimiter: str | None, comma_decimal: bool, width: int) -> np.ndarray | None:
    """The data lines (``data``: the text from the first of them on) as an array of ``width`` columns, read by
    pandas' compiled CSV parser, when there are at least 3 and every one holds ``width`` finite numbers; else None
    (they are then read line by line, which names the lines that do not read)."""
    import pandas as pd

    try:
        values = pd.read_csv(io.StringIO(data), sep=delimiter or r"\s+", header=None, dtype=float,
                             decimal="," if comma_decimal else ".", engine="c").to_numpy()
    except (ValueError, pd.errors.ParserError):  # a line of another width, or a field that is not a number
        return None
    if values.ndim != 2 or values.shape[0] < 3 or values.shape[1] != width or not np.all(np.isfinite(values)):
        return None
    return values


def _positions(data: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct ``(x, y)`` of the first two columns (sorted by x, then y), the row where each is first seen,
    and each row's position among them."""
    key = data[:, 0] + 1j * data[:, 1]  # complex numbers sort by real, then imaginary part: one fast 1-D sort
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])  # runs of rows at one position (a map: one each)
    distinct, first_run, run_position = np.unique(key[starts], return_index=True, return_inverse=True)
    which = np.repeat(run_position.ravel(), np.diff(np.r_[starts, len(key)]))
    return np.column_stack([distinct.real, distinct.imag]), starts[first_run], which


def _is_long_map(n_positions: int, n_rows: int) -> bool:
    """Whether four columns are ``x, y, axis, counts`` rows of a map (the axis repeats for each position)."""
    return 1 < n_positions <= n_rows // 3 and n_rows % n_positions == 0


def _long_map(path: str, data: np.ndarray, positions: tuple[np.ndarray, np.ndarray, np.ndarray],
              unit: Unit) -> SpectrumFile:
    """A map from ``x, y, axis, counts`` rows (``positions`` as :func:`_positions` gives them), one spectrum per
    (x, y) in the order first seen, its rows in the file's order."""
    distinct, first_seen, which = positions
    by_position = np.argsort(which, kind="stable")  # the rows of each position together, in the file's order
    rows_of = np.split(by_position, np.cumsum(np.bincount(which, minlength=len(distinct)))[:-1])
    spectra = []
    for k in np.argsort(first_seen):
        rows = data[rows_of[k]]
        x, y = distinct[k]
        spectra.append(RawSpectrum(f"x={x:g} y={y:g}", rows[:, 2], rows[:, 3], unit, float(x), float(y)))
    sizes = {s.axis.size for s in spectra}
    if len(sizes) != 1:
        raise UserError(f"{path}: map positions have different numbers of points ({sorted(sizes)[:3]}…); every "
                        "position needs the same axis")
    return SpectrumFile(path, spectra, is_map=True)
