"""Reading and fitting a lab's own files: synthetic graphene and TMD spectra written in every text layout
:mod:`lab.spectra` reads, then read back and fitted, against the truth they were drawn from; and map throughput.

Layouts (:data:`LAYOUTS`): CSV with a header; tab-separated, descending, WiRE-like ``#Wave`` header; semicolons
with comma decimals under metadata lines; spaces with a wavelength axis (nm, the laser given); several spectra as
columns; two grating windows stitched with an overlap (the axis runs twice over it); a window truncated to
1226–2788 cm⁻¹ (graphene; TMDs: 140–460 cm⁻¹); JCAMP-DX. Graphene spots are mono-, bi- or multilayer with
ID/IG 0, 0.1–0.5 (from :mod:`simulators.spectra`); TMD spots MoS2, WS2, MoSe2 or WSe2 mono- to multilayer
(:mod:`simulators.tmd_spectra`). A fit is right when every band centre (graphene G, 2D, and D when ID/IG ≥ 0.2;
TMDs E¹2g and A1g of the layer pair) is within 1 cm⁻¹ of the truth and I2D/IG (and ID/IG ≥ 0.2) within 5 %;
``right_fraction_without_d_band`` leaves the broad D band's centre and ID/IG out.
Map throughput (:func:`map_throughput`): spectra per second and CPU time of analysing a graphene map, alone and
read from a text export first.

    .venv/bin/python -m benchmarks.readers [--spectra 500] [--map 600] [--workers 2] [--json results/readers.json]
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from lab.analysis.tmd import layer_pair
from lab.spectra.analyze import PARALLEL_FROM, Target, analyze
from lab.spectra.read import read_spectra
from lab.spectra.records import RawSpectrum
from simulators.spectra import LASER_NM, GrapheneSpot, synthesize_spectrum, wavelength_axis
from simulators.tmd_spectra import RAMAN_SPECTROMETER, TmdSpot, synthesize_raman

TARGETS = {"right_fraction": 0.95, "map_spectra_per_s": 300.0}
TMDS = {"MoS2": (0.0, 0.0), "WS2": (1.0, 0.0), "MoSe2": (0.0, 1.0), "WSe2": (1.0, 1.0)}


def _shift(nm: np.ndarray) -> np.ndarray:
    return 1e7 / LASER_NM - 1e7 / nm


def _lines(rows: np.ndarray, sep: str, decimal: str = ".") -> list[str]:
    return [sep.join(f"{v:.10g}".replace(".", decimal) for v in row) for row in rows]


def write_layout(layout: str, path: Path, nm: np.ndarray, counts: np.ndarray, window: tuple[float, float],
                 extra: list[np.ndarray] | None = None) -> Path:
    """Write the spectrum (``counts`` at wavelengths ``nm``, 532 nm laser) to ``path`` in ``layout``; ``window``
    is the range of a truncated export (cm⁻¹); ``extra`` further spectra for the columns layout."""
    shift = _shift(nm)
    both = np.column_stack([shift, counts])
    if layout == "csv":
        text = "Raman shift (cm-1),Intensity\n" + "\n".join(_lines(both, ","))
    elif layout == "tsv_descending":
        text = "#Wave\t#Intensity\n" + "\n".join(_lines(both[::-1], "\t"))
    elif layout == "semicolon_comma":
        text = "Instrument;LabRAM\nAcq. time (s);1,0\nRaman shift (cm-1);Counts\n" + "\n".join(
            _lines(both, ";", ","))
    elif layout == "wavelength_nm":
        text = "Wavelength (nm)  Counts\n" + "\n".join(_lines(np.column_stack([nm, counts]), "  "))
    elif layout == "columns":
        rows = np.column_stack([shift, counts, *(extra or [counts, counts])])
        text = "shift\tspot1\tspot2\tspot3\n" + "\n".join(_lines(rows, "\t"))
    elif layout == "stitched":
        cut = shift.size // 2
        overlap = shift.size // 10
        first, second = both[: cut + overlap], both[cut - overlap:]
        text = "Raman shift,Intensity\n" + "\n".join(_lines(np.vstack([first, second]), ","))
    elif layout == "truncated":
        inside = (shift >= window[0]) & (shift <= window[1])
        text = "Raman shift,Intensity\n" + "\n".join(_lines(both[inside], ","))
    elif layout == "jcamp":
        text = (f"##TITLE=synthetic\n##JCAMP-DX=4.24\n##DATA TYPE=RAMAN SPECTRUM\n##XUNITS=1/CM\n##YUNITS=COUNTS\n"
                f"##NPOINTS={shift.size}\n##XYPOINTS=(XY..XY)\n" + "\n".join(_lines(both, ", ")) + "\n##END=")
    else:
        raise ValueError(f"unknown layout {layout!r}")
    path.write_text(text + "\n")
    return path


LAYOUTS = ("csv", "tsv_descending", "semicolon_comma", "wavelength_nm", "columns", "stitched", "truncated", "jcamp")


def graphene_case(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, dict[str, float]]:
    """Wavelengths, counts and true band centres / ratios of one synthetic graphene spot."""
    nm = wavelength_axis()
    id_ig = float(rng.choice([0.0, rng.uniform(0.1, 0.5)]))
    synthetic = synthesize_spectrum(GrapheneSpot(int(rng.integers(1, 4)), id_ig), nm, 1.0, rng)
    bands = {p.name: p for p in synthetic.peaks}
    truth = {"g_center": bands["G"].center, "2d_center": bands["2D"].center,
             "i2d_ig": bands["2D"].height / bands["G"].height}
    if id_ig >= 0.2:
        truth |= {"d_center": bands["D"].center, "id_ig": id_ig}
    return nm, synthetic.counts, truth


def tmd_case(rng: np.random.Generator) -> tuple[str, np.ndarray, np.ndarray, dict[str, float]]:
    """Material, wavelengths, counts and true layer-pair centres of one synthetic TMD spot."""
    material = str(rng.choice(list(TMDS)))
    x_w, y_se = TMDS[material]
    nm = np.linspace(RAMAN_SPECTROMETER.start_nm, RAMAN_SPECTROMETER.stop_nm, RAMAN_SPECTROMETER.n_pixels)
    synthetic = synthesize_raman(TmdSpot(int(rng.integers(1, 4)), x_w, y_se), nm, 5.0, rng)
    e_name, a_name = layer_pair(x_w, y_se)
    bands = {p.name: p for p in synthetic.peaks}
    return material, nm, synthetic.counts, {"e12g": bands[e_name].center, "a1g": bands[a_name].center}


def right(record: dict, truth: dict[str, float]) -> bool:
    """Whether every centre is within 1 cm⁻¹ and every ratio within 5 % of the truth (module docstring)."""
    if record["status"] != "fitted":
        return False
    for key, value in truth.items():
        got = record.get(key)
        if got is None:
            return False
        limit = 1.0 if "center" in key or key in ("e12g", "a1g") else 0.05 * abs(value)
        if abs(got - value) > limit:
            return False
    return True


def accuracy(n_spectra: int, seed: int, folder: Path) -> dict:
    """Fraction of right fits by layout and material over ``n_spectra`` spectra written as files."""
    rng = np.random.default_rng(seed)
    tally: dict[str, list[bool]] = {}
    core: list[bool] = []
    for i in range(n_spectra):
        layout = LAYOUTS[(i // 2) % len(LAYOUTS)]
        if i % 2 == 0:
            nm, counts, truth = graphene_case(rng)
            material, x_w, y_se, window = "graphene", 0.0, 0.0, (1226.0, 2788.0)
        else:
            material, nm, counts, truth = tmd_case(rng)
            (x_w, y_se), window = TMDS[material], (140.0, 460.0)
        file = write_layout(layout, folder / f"s{i}.txt", nm, counts, window)
        read = read_spectra(file)
        target = Target(material, "graphene" if material == "graphene" else "tmd", x_w, y_se, laser_nm=LASER_NM)
        record = analyze(read.spectra[:1], target, workers=1)[0]
        family = "graphene" if material == "graphene" else "tmd"
        tally.setdefault(f"{family}/{layout}", []).append(right(record, truth))
        core.append(right(record, {k: v for k, v in truth.items() if k not in ("d_center", "id_ig")}))
    every = [ok for oks in tally.values() for ok in oks]
    return {"right_fraction": float(np.mean(every)), "right_fraction_without_d_band": float(np.mean(core)),
            "n": len(every),
            "by_layout": {k: round(float(np.mean(v)), 3) for k, v in sorted(tally.items())}}


def _timed(work: Callable[[], list]) -> tuple[list, float, float]:
    """What ``work()`` returns, its wall time and the CPU time of this process (s)."""
    started, cpu = time.perf_counter(), time.process_time()
    out = work()
    return out, time.perf_counter() - started, time.process_time() - cpu


def map_throughput(n_pixels: int, seed: int, workers: int, folder: Path) -> dict:
    """Spectra per second of :func:`lab.spectra.analyze` on a graphene map of ``n_pixels`` spectra, with up to
    ``workers`` processes (pool start included; from :data:`lab.spectra.analyze.PARALLEL_FROM` spectra), by wall
    time and by the CPU time of this process (``cpu_seconds``; worker processes, when started, are not in it);
    ``file``: the same with the map first read from a WiRE-like ``x y axis counts`` text export (what
    ``sdlab analyze MAP.txt`` does, but for its start-up and output)."""
    rng = np.random.default_rng(seed)
    shift = _shift(wavelength_axis())
    side = int(np.ceil(np.sqrt(n_pixels)))
    raws = [RawSpectrum(f"p{i}", shift, graphene_case(rng)[1], "cm-1", float(i % side), float(i // side))
            for i in range(n_pixels)]
    processes = 1 if workers == 1 or n_pixels < PARALLEL_FROM else workers
    records, seconds, cpu = _timed(lambda: analyze(raws, Target(), workers=workers))
    path = folder / "map.txt"
    path.write_text("#X\t#Y\t#Wave\t#Intensity\n" + "\n".join(
        f"{raw.x:g}\t{raw.y:g}\t{s:.4f}\t{c:.2f}" for raw in raws for s, c in zip(raw.axis, raw.counts, strict=True)))
    from_file, file_seconds, file_cpu = _timed(lambda: analyze(read_spectra(path).spectra, Target(), workers=workers))
    return {"pixels": n_pixels, "workers": workers, "processes": processes, "seconds": round(seconds, 2),
            "spectra_per_s": round(n_pixels / seconds, 1), "cpu_seconds": round(cpu, 2),
            "cpu_ms_per_spectrum": round(1e3 * cpu / n_pixels, 2) if processes == 1 else None,
            "fitted_fraction": float(np.mean([r["status"] == "fitted" for r in records])),
            "file": {"seconds": round(file_seconds, 2), "spectra_per_s": round(n_pixels / file_seconds, 1),
                     "cpu_seconds": round(file_cpu, 2), "spectra": len(from_file)}}


def run(n_spectra: int, n_map: int, seed: int, workers: int) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        result = {"accuracy": accuracy(n_spectra, seed, Path(folder)),
                  "map": map_throughput(n_map, seed, workers, Path(folder))}
    result["targets"] = TARGETS
    return result


def main(argv: list[str] | None = None, emit: Callable[[str], None] = print) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spectra", type=int, default=500)
    parser.add_argument("--map", type=int, default=600)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    result = run(args.spectra, args.map, args.seed, args.workers)
    emit(json.dumps(result, indent=1))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
