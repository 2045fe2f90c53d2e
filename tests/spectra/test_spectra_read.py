"""lab.spectra: the shared real instrument files are read, .wdf and .spc of one measurement agree, every text layout
gives the same fit as the array it was written from, stitched windows are merged, hostile files are refused."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import lab.spectra.text
from benchmarks.readers import LAYOUTS, graphene_case, write_layout
from lab.analysis import Spectrum, fit_graphene, raman_shift
from lab.errors import UserError
from lab.spectra import merge_segments, read_spectra
from lab.spectra.analyze import Target, analyze_spectrum
from lab.spectra.records import RawSpectrum

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata" / "spectra"
needs_real = pytest.mark.skipif(not (REAL / "test1.wdf").is_file(), reason="the shared real spectra are absent")


@needs_real
def test_the_real_wdf_files_are_read_with_their_axis_and_laser():
    single = read_spectra(REAL / "test1.wdf")
    assert len(single.spectra) == 1 and not single.is_map
    spectrum = single.spectra[0].spectrum(single.laser_nm)
    assert spectrum.shift.size == 1015
    assert spectrum.shift[0] == pytest.approx(1226.3, abs=0.5) and spectrum.shift[-1] == pytest.approx(2787.5, abs=0.5)
    assert single.laser_nm == pytest.approx(532.2, abs=0.2)
    organic = read_spectra(REAL / "Spectrum_532nm.wdf").spectra[0].spectrum(None)
    assert organic.shift.size == 1900 and organic.shift[0] == pytest.approx(202.1, abs=0.5)


@needs_real
def test_the_wdf_and_the_spc_of_one_measurement_give_the_same_spectrum():
    wdf = read_spectra(REAL / "Spectrum_532nm.wdf").spectra[0].spectrum(None)
    spc = read_spectra(REAL / "Spectrum_532nm.spc").spectra[0].spectrum(None)
    assert spc.shift.size == wdf.shift.size
    assert spc.shift[[0, -1]] == pytest.approx(wdf.shift[[0, -1]], abs=1e-3)
    # the SPC export puts the counts on an evenly spaced axis: interpolated there, the WiRE data agree
    on_spc_axis = np.interp(spc.shift, wdf.shift, wdf.counts)
    assert np.median(np.abs(on_spc_axis - spc.counts) / spc.counts) < 0.01
    assert spc.counts[[0, -1]] == pytest.approx(wdf.counts[[0, -1]], rel=1e-6)


@needs_real
def test_real_spectra_without_graphene_are_reported_absent_not_fitted():
    for name in ("test1.wdf", "Spectrum_532nm.wdf", "Spectrum_532nm.spc"):
        read = read_spectra(REAL / name)
        record = analyze_spectrum(read.spectra[0], Target(laser_nm=read.laser_nm))
        assert record["status"] == "absent", (name, record)
        assert record["i2d_ig"] is None and record["layers"] == 0


@pytest.fixture(scope="module")
def spot():
    return graphene_case(np.random.default_rng(3))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_text_layout_gives_the_fit_of_the_array_it_was_written_from(layout, spot, tmp_path):
    nm, counts, truth = spot
    shift = raman_shift(nm, 532.0)
    window = (1226.0, 2788.0)
    inside = (shift >= window[0]) & (shift <= window[1]) if layout == "truncated" else slice(None)
    expected = fit_graphene(Spectrum(shift[inside], counts[inside]))
    read = read_spectra(write_layout(layout, tmp_path / f"spot.{layout}", nm, counts, window))
    record = analyze_spectrum(read.spectra[0], Target(laser_nm=532.0))
    assert record["status"] == "fitted"
    assert record["g_center"] == pytest.approx(expected.peaks["G"].center, abs=1e-3)
    assert record["2d_center"] == pytest.approx(expected.peaks["2D"].center, abs=1e-3)
    assert record["i2d_ig"] == pytest.approx(expected.i2d_ig, rel=1e-4)
    assert record["id_ig"] == pytest.approx(expected.id_ig, rel=1e-4)
    assert record["2d_center"] == pytest.approx(truth["2d_center"], abs=1.0)


def test_several_spectra_as_columns_are_each_read(spot, tmp_path):
    nm, counts, _ = spot
    read = read_spectra(write_layout("columns", tmp_path / "three.tsv", nm, counts, (0, 0), [counts * 2, counts]))
    assert [s.name for s in read.spectra] == ["spot1", "spot2", "spot3"]
    assert np.allclose(read.spectra[1].counts, counts * 2)


def test_a_long_xy_map_export_becomes_one_spectrum_per_position(tmp_path):
    shift = np.linspace(1200.0, 2900.0, 50)
    rows = [f"{x}\t{y}\t{s}\t{x * 100 + y + s / 1e4}" for y in (0.0, 1.0) for x in (0.0, 1.0, 2.0) for s in shift]
    (tmp_path / "map.txt").write_text("#X\t#Y\t#Wave\t#Intensity\n" + "\n".join(rows))
    read = read_spectra(tmp_path / "map.txt")
    assert read.is_map and len(read.spectra) == 6
    assert (read.spectra[5].x, read.spectra[5].y) == (2.0, 1.0)
    assert read.spectra[5].counts[0] == pytest.approx(201.12)


@pytest.mark.parametrize("layout", [layout for layout in LAYOUTS if layout != "jcamp"] + ["map"])
def test_the_one_pass_reading_of_the_data_is_the_line_by_line_one(layout, spot, tmp_path, monkeypatch):
    nm, counts, _ = spot
    if layout == "map":  # positions out of order, so that rows are grouped by position, not by their place
        shift = raman_shift(nm, 532.0)
        rows = [f"{x}\t{y}\t{s:.6f}\t{c + x}" for x, y in ((1, 0), (0, 0), (1, 1), (0, 1))
                for s, c in zip(shift, counts, strict=True)]
        path = tmp_path / "map.txt"
        path.write_text("#X\t#Y\t#Wave\t#Intensity\n" + "\n".join(rows))
    else:
        path = write_layout(layout, tmp_path / f"spot.{layout}", nm, counts, (1226.0, 2788.0))
    fast = read_spectra(path)
    monkeypatch.setattr(lab.spectra.text, "_rows", lambda *args: None)
    slow = read_spectra(path)
    assert fast.is_map == slow.is_map == (layout == "map")
    assert len(fast.spectra) == len(slow.spectra) >= 1
    for one, other in zip(fast.spectra, slow.spectra, strict=True):
        assert (one.name, one.unit, one.x, one.y) == (other.name, other.unit, other.x, other.y)
        assert np.array_equal(one.axis, other.axis) and np.array_equal(one.counts, other.counts)
    if layout == "map":
        assert [(s.x, s.y) for s in fast.spectra] == [(1, 0), (0, 0), (1, 1), (0, 1)]


@pytest.mark.parametrize("bad", ["1200;5", "1200\t5 6", "1200\tnan", '"1200"\t5x'])
def test_a_bad_line_among_many_is_named(bad, tmp_path):
    lines = [f"{1000 + i}\t{i}" for i in range(500)]
    lines[321] = bad
    (tmp_path / "long.tsv").write_text("shift\tcounts\n" + "\n".join(lines))
    message = r"1 line\(s\) among the data do not read as 2 numbers \(first: non-empty line 323\)"
    with pytest.raises(UserError, match=message):
        read_spectra(tmp_path / "long.tsv")


def test_overlapping_windows_are_merged_by_averaging():
    first = np.linspace(100.0, 200.0, 11)
    second = np.linspace(185.0, 300.0, 24)
    axis, counts = merge_segments(np.concatenate([first, second]),
                                  np.concatenate([np.full(11, 10.0), np.full(24, 20.0)]))
    assert np.all(np.diff(axis) > 0)
    assert counts[axis < 185].tolist() == [10.0] * int(np.sum(axis < 185))
    assert np.all(counts[(axis >= 185) & (axis <= 200)] == 15.0)
    assert np.all(counts[axis > 200] == 20.0)


def test_a_wavelength_axis_needs_the_laser():
    raw = RawSpectrum("s", np.linspace(560.0, 630.0, 100), np.ones(100), "nm")
    with pytest.raises(ValueError, match="--laser-nm"):
        raw.spectrum(None)
    assert raw.spectrum(532.0).shift[0] == pytest.approx(939.8, abs=0.1)


def test_a_spectrum_missing_the_2d_band_is_fitted_with_the_2d_figures_reported_missing(spot):
    nm, counts, truth = spot
    shift = raman_shift(nm, 532.0)
    inside = shift < 2000
    record = analyze_spectrum(RawSpectrum("s", shift[inside], counts[inside], "cm-1"), Target())
    assert record["status"] == "fitted"
    assert record["i2d_ig"] is None and record["layers"] == 0
    assert "i2d_ig: the 2D band (2620–2760 cm⁻¹) lies outside the spectrum" in record["missing"]
    assert record["g_center"] == pytest.approx(truth["g_center"], abs=1.0)


def test_a_polymer_like_spectrum_is_reported_without_graphene():
    shift = np.linspace(900.0, 3200.0, 2300)
    bands = [(1001, 4, 900), (1155, 6, 300), (1450, 8, 400), (1583, 5, 500), (1602, 5, 1500), (2904, 15, 600),
             (3054, 10, 1200)]
    counts = 500 + sum(h / (1 + (2 * (shift - c) / w) ** 2) for c, w, h in bands)
    counts = np.random.default_rng(0).poisson(counts).astype(float)
    record = analyze_spectrum(RawSpectrum("polystyrene-like", shift, counts, "cm-1"), Target())
    assert record["status"] == "absent", record
    assert "bands the graphene model lacks" in record["reason"]


@pytest.mark.parametrize("content, message", [
    (b"", "is empty"),
    (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8, "is binary but not .wdf or .spc"),
    (b"name,age\nann,31\nbob,42\n", "no spectrum found"),
    (b"shift,counts\n100,1\n200,2\n300,3\n400,x\n", "do not read as 2 numbers"),
])
def test_hostile_files_are_refused_with_one_reason(content, message, tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(content)
    with pytest.raises(UserError, match=message):
        read_spectra(path)


def test_directories_missing_files_and_fifos_are_refused(tmp_path):
    with pytest.raises(UserError, match="is a directory"):
        read_spectra(tmp_path)
    with pytest.raises(UserError, match="does not exist"):
        read_spectra(tmp_path / "absent.csv")
    os.mkfifo(tmp_path / "fifo.csv")  # nothing writes to it: opening it would wait for ever
    with pytest.raises(UserError, match="is not a regular file"):
        read_spectra(tmp_path / "fifo.csv")


def test_a_huge_text_file_is_refused_before_it_is_read(tmp_path, monkeypatch):
    monkeypatch.setattr("lab.spectra.read.MAX_TEXT_BYTES", 1000)
    path = tmp_path / "huge.csv"
    path.write_text("1,2\n" * 1000)
    with pytest.raises(UserError, match="more than"):
        read_spectra(path)


def test_a_damaged_wdf_is_refused(tmp_path):
    path = tmp_path / "cut.wdf"
    path.write_bytes(b"WDF1" + bytes(600))
    with pytest.raises(UserError, match="not a readable wdf file"):
        read_spectra(path)


def _block(block_id: bytes, payload: bytes) -> bytes:
    """A WiRE block: id, uid, size (header included), then the payload."""
    import struct

    return block_id + struct.pack("<IQ", 0, 16 + len(payload)) + payload


def _write_wdf_map(path: Path, axis: np.ndarray, spectra: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> Path:
    """A minimal WiRE map file as WiRE lays it out (header, data, x-list, origins), built from the format's
    structures as the renishaw_wdf reader documents them."""
    import struct

    count, points = spectra.shape
    header = struct.pack("<IIQQ16s12xIIIQQIIII24s4HIIQQIf48x32s160s48x32x32x", 0x31464457, 1, 512, 0, bytes(16),
                         1, 0, points, count, count, 1, 1, points, 2, b"sdlab test", 1, 0, 0, 0, 4, 1, 0, 0, 1,
                         1e7 / 532.0, b"", b"map")
    data = _block(b"DATA", spectra.astype("<f4").tobytes())
    xlist = _block(b"XLST", struct.pack("<II", 1, 1) + axis.astype("<f4").tobytes())
    origins = struct.pack("<I", 2)
    for datatype, values in ((3, xs), (4, ys)):
        origins += struct.pack("<II16s", datatype | 0x80000000, 5, b"X" if datatype == 3 else b"Y")
        origins += values.astype("<f8").tobytes()
    path.write_bytes(header + data + xlist + _block(b"ORGN", origins))
    return path


def test_a_wdf_map_gives_one_spectrum_per_pixel_with_its_position(tmp_path):
    axis = np.linspace(3000.0, 1100.0, 300)  # WiRE stores the axis descending
    spectra = np.arange(6 * 300, dtype=float).reshape(6, 300)
    xs, ys = np.tile([0.0, 2.0, 4.0], 2), np.repeat([0.0, 3.0], 3)
    read = read_spectra(_write_wdf_map(tmp_path / "map.wdf", axis, spectra, xs, ys))
    assert read.is_map and len(read.spectra) == 6
    assert read.laser_nm == pytest.approx(532.0, rel=1e-6)
    pixel = read.spectra[4]
    assert (pixel.x, pixel.y) == (2.0, 3.0)
    assert np.array_equal(pixel.counts, spectra[4]) and pixel.axis[0] == pytest.approx(3000.0)
