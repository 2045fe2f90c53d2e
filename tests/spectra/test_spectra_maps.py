"""A map's pixels are analysed together (lab.spectra.analyze): every pixel gets the record it gets alone, in this
process or in worker processes, and pixels on another axis or of another kind are analysed as well."""

from __future__ import annotations

import importlib
import math

import numpy as np
import pytest

from benchmarks.readers import graphene_case
from lab.analysis import raman_shift
from lab.spectra.analyze import Target, analyze, analyze_spectrum
from lab.spectra.records import RawSpectrum

MODULE = importlib.import_module("lab.spectra.analyze")  # the package's name `analyze` is the function


@pytest.fixture(scope="module")
def pixels() -> list[RawSpectrum]:
    """A 6 × 5 graphene map, one pixel truncated below the G band, one on a shorter axis, one not finite."""
    rng = np.random.default_rng(21)
    raws = []
    for i in range(30):
        nm, counts, _ = graphene_case(rng)
        shift = raman_shift(nm, 532.0)
        raws.append(RawSpectrum(f"p{i}", shift, counts, "cm-1", float(i % 6), float(i // 6)))
    raws[3] = RawSpectrum("no G band", raws[3].axis[raws[3].axis > 1700], raws[3].counts[raws[3].axis > 1700], "cm-1")
    raws[7] = RawSpectrum("short", raws[7].axis[raws[7].axis < 2000], raws[7].counts[raws[7].axis < 2000], "cm-1")
    raws[9] = RawSpectrum("broken", raws[9].axis, np.where(raws[9].axis > 2500, np.nan, raws[9].counts), "cm-1")
    return raws


def _same(records: list[dict], others: list[dict]) -> None:
    """The same records: the same texts, and numbers to 1e-4 (sums over a stack of spectra may round differently
    from those over one, so a spectrum may stop a step earlier or later at the same optimum)."""
    assert len(records) == len(others)
    for record, other in zip(records, others, strict=True):
        assert record.keys() == other.keys()
        for key, value in record.items():
            if isinstance(value, float) and not math.isnan(value):
                assert other[key] == pytest.approx(value, rel=1e-4, abs=1e-9), (record["spectrum"], key)
            else:
                assert other[key] == value, (record["spectrum"], key)


def test_every_pixel_of_a_map_gets_the_record_it_gets_alone(pixels):
    records = analyze(pixels, Target(), workers=1)
    _same(records, [analyze_spectrum(raw, Target()) for raw in pixels])
    statuses = [record["status"] for record in records]
    assert statuses[3] == "not covered" and statuses[9] == "unreadable"
    assert records[7]["status"] == "fitted" and records[7]["layers"] == 0 and "i2d_ig" in records[7]["missing"]
    assert statuses.count("fitted") == 28


def test_worker_processes_give_the_records_of_this_process(pixels, monkeypatch):
    monkeypatch.setattr(MODULE, "PARALLEL_FROM", 1)
    monkeypatch.setattr(MODULE, "CHUNK", 8)
    told = []
    records = analyze(pixels, Target(), workers=2, progress=told.append)
    _same(records, analyze(pixels, Target(), workers=1))
    assert told == [8, 8, 8, 6]
