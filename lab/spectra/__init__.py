"""A lab's own spectrum files: read any instrument's export (text/CSV, Renishaw .wdf, Galactic .spc, JCAMP-DX),
merge stitched windows, and analyse every spectrum with :mod:`lab.analysis` over the range it covers."""

from lab.spectra.analyze import analyze, analyze_spectrum
from lab.spectra.read import read_spectra
from lab.spectra.records import RawSpectrum, SpectrumFile, merge_segments

__all__ = ["RawSpectrum", "SpectrumFile", "analyze", "analyze_spectrum", "merge_segments", "read_spectra"]
