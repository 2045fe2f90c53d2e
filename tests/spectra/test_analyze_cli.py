"""`sdlab analyze`: records as table, CSV or JSON, to a file, plots and map images; bad input exits 2 with one
line and writes nothing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from benchmarks.readers import graphene_case, write_layout
from lab.analysis import raman_shift

REAL = Path(__file__).resolve().parents[2] / ".." / "shared" / "testdata" / "spectra"


@pytest.fixture(scope="module")
def export(tmp_path_factory) -> Path:
    nm, counts, _ = graphene_case(np.random.default_rng(7))
    folder = tmp_path_factory.mktemp("exports")
    return write_layout("truncated", folder / "spot.csv", nm, counts, (1226.0, 2788.0))


def test_a_truncated_graphene_export_is_fitted_as_json(sdlab_cli, export):
    result = sdlab_cli("analyze", str(export), "--format", "json", "--workers", "1")
    assert result.code == 0, result.err
    [record] = json.loads(result.out)
    assert record["status"] == "fitted" and record["layers"] in (1, 2, 3)
    assert 2620 < record["2d_center"] < 2780 and record["missing"] == ""


def test_csv_goes_to_the_output_file_and_plots_to_the_folder(sdlab_cli, export, tmp_path):
    out = tmp_path / "fits.csv"
    result = sdlab_cli("analyze", str(export), str(export), "--output", str(out), "--plots", str(tmp_path / "png"),
                       "--workers", "1")
    assert result.code == 0, result.err
    lines = out.read_text().splitlines()
    assert lines[0].startswith("file,spectrum,x,y,measurement,material,status") and len(lines) == 3
    assert len(list((tmp_path / "png").glob("*.png"))) == 1  # both records are of one file and spectrum name
    assert result.out == ""


def test_the_table_names_each_spectrum_and_its_status(sdlab_cli, export):
    result = sdlab_cli("analyze", str(export), "--workers", "1")
    assert result.code == 0, result.err
    assert "spot.csv" in result.out and "fitted" in result.out


def test_a_map_gives_a_record_per_pixel_and_map_images(sdlab_cli, tmp_path):
    rng = np.random.default_rng(2)
    rows = []
    for y in range(2):
        for x in range(3):
            nm, counts, _ = graphene_case(rng)
            rows += [f"{x}\t{y}\t{s:.6f}\t{c:g}" for s, c in zip(raman_shift(nm, 532.0), counts, strict=True)]
    (tmp_path / "map.txt").write_text("#X\t#Y\t#Wave\t#Intensity\n" + "\n".join(rows))
    result = sdlab_cli("analyze", str(tmp_path / "map.txt"), "--format", "csv", "--plots", str(tmp_path / "maps"),
                       "--workers", "2")
    assert result.code == 0, result.err
    assert len(result.out.strip().splitlines()) == 7
    assert sorted(p.name for p in (tmp_path / "maps").iterdir()) == ["map-i2d_ig.png", "map-id_ig.png",
                                                                      "map-layers.png"]


@pytest.mark.skipif(not (REAL / "test1.wdf").is_file(), reason="the shared real spectra are absent")
def test_real_files_are_reported_without_graphene(sdlab_cli):
    result = sdlab_cli("analyze", *(str(REAL / n) for n in ("test1.wdf", "Spectrum_532nm.spc")), "--format", "json",
                       "--workers", "1")
    assert result.code == 0, result.err
    assert [r["status"] for r in json.loads(result.out)] == ["absent", "absent"]


@pytest.mark.parametrize("name, content, args, message", [
    (None, None, [], "is a directory"),
    ("empty.csv", b"", [], "is empty"),
    ("blob.bin", bytes(range(256)) * 20, [], "is binary"),
    ("table.csv", b"a,b\nx,y\n", [], "no spectrum found"),
    ("nm.csv", b"Wavelength (nm),I\n560,1\n561,2\n562,3\n", [], "give the laser with --laser-nm"),
    ("ok.csv", b"1,2\n2,3\n3,4\n", ["--material", "Xy2"], "element Xy is not one of"),
    ("ok.csv", b"1,2\n2,3\n3,4\n", ["--axis", "furlong"], "--axis furlong: give one of"),
])
def test_bad_input_exits_2_with_one_line_and_writes_nothing(sdlab_cli, tmp_path, name, content, args, message):
    path = tmp_path
    if name is not None:
        path = tmp_path / name
        path.write_bytes(content)
    out = tmp_path / "out.json"
    result = sdlab_cli("analyze", str(path), *args, "--output", str(out))
    assert result.code == 2
    assert len(result.err_lines) == 1 and message in result.err, result.err
    assert not out.exists()


def test_a_tmd_raman_export_is_fitted_for_its_composition(sdlab_cli, tmp_path):
    from benchmarks.readers import tmd_case

    rng = np.random.default_rng(11)
    while True:
        material, nm, counts, truth = tmd_case(rng)
        if material == "MoS2":
            break
    path = write_layout("semicolon_comma", tmp_path / "mos2.txt", nm, counts, (0, 0))
    result = sdlab_cli("analyze", str(path), "--material", "MoS2", "--format", "json", "--workers", "1")
    assert result.code == 0, result.err
    [record] = json.loads(result.out)
    assert record["status"] == "fitted" and record["measurement"] == "raman"
    assert record["a1g"] == pytest.approx(truth["a1g"], abs=1.0)
    assert record["delta"] == pytest.approx(truth["a1g"] - truth["e12g"], abs=1.0)


def test_a_pl_export_in_electronvolts_gives_the_optical_gap(sdlab_cli, tmp_path):
    from lab.analysis import pl_spectrum
    from simulators.tmd_spectra import PL_SPECTROMETER, TmdSpot, synthesize_pl

    nm = np.linspace(PL_SPECTROMETER.start_nm, PL_SPECTROMETER.stop_nm, PL_SPECTROMETER.n_pixels)
    synthetic = synthesize_pl(TmdSpot(1, 0.0, 0.0), nm, 5.0, np.random.default_rng(5))
    spectrum = pl_spectrum(nm, synthetic.counts)
    rows = "\n".join(f"{e:.8f}\t{c:.6g}" for e, c in zip(spectrum.shift, spectrum.counts, strict=True))
    (tmp_path / "pl.tsv").write_text("Energy (eV)\tPL counts\n" + rows)
    result = sdlab_cli("analyze", str(tmp_path / "pl.tsv"), "--material", "MoS2", "--format", "json",
                       "--workers", "1")
    assert result.code == 0, result.err
    [record] = json.loads(result.out)
    a_exciton = next(p.center for p in synthetic.peaks if p.name == "A")
    assert record["measurement"] == "pl" and record["status"] == "fitted"
    assert record["pl_gap_ev"] == pytest.approx(a_exciton, abs=0.005)
