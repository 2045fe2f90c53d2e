"""Binary and structured instrument formats, read with maintained readers: Renishaw WiRE ``.wdf`` (single spectra
and maps; ``renishaw_wdf``), Galactic/Thermo ``.spc`` (``spc_io``) and JCAMP-DX (``jcamp``)."""

from __future__ import annotations

import io
import logging
import struct

import numpy as np

from lab.errors import UserError
from lab.spectra.records import RawSpectrum, SpectrumFile, Unit

_WDF_UNITS: dict[str, Unit] = {"RamanShift": "cm-1", "Nanometre": "nm", "ElectronVolt": "eV"}
_SPC_UNITS: dict[str, Unit] = {"XRAMANS": "cm-1", "XNMETR": "nm", "XEV": "eV", "XARB": "cm-1"}


def _check_blocks(path: str) -> None:
    """UserError unless the file is a chain of WiRE blocks (16-byte headers: id, uid, size) that ends at its end:
    the reader walks that chain and would loop forever on a block of size 0."""
    with open(path, "rb") as stream:
        end = stream.seek(0, io.SEEK_END)
        position = 0
        while position < end:
            stream.seek(position)
            header = stream.read(16)
            size = struct.unpack("<IIQ", header)[2] if len(header) == 16 else 0
            if size < 16 or position + size > end:
                raise UserError(f"{path}: not a readable wdf file (damaged block at byte {position}); export it again")
            position += size


def read_wdf(path: str) -> SpectrumFile:
    """A Renishaw WiRE file: its spectra over its x-list, the laser from the header, and for a map (more than one
    spectrum with X/Y origins) each spectrum's stage position."""
    from wdf import Wdf
    from wdf.origin import WdfDataType

    _check_blocks(path)
    with Wdf(path) as wdf:
        header = wdf.hdr
        xlist = wdf.xlist()
        unit = _WDF_UNITS.get(xlist.units.name)
        if unit is None:
            raise UserError(f"{path}: the spectral axis is in {xlist.units.name}; sdlab reads Raman shift, "
                            "nanometres or electronvolts")
        axis = np.array(xlist, dtype=float)
        count = header.nspectra if header.ncollected == 0 else min(header.nspectra, header.ncollected)
        data = np.array(wdf.spectrum(slice(0, count)), dtype=float).reshape(count, header.npoints)
        origins = wdf.origins
        xs = origins.get(WdfDataType.Spatial_X)
        ys = origins.get(WdfDataType.Spatial_Y)
        is_map = count > 1 and xs is not None and ys is not None
        x = np.array(xs[0:count], dtype=float) if is_map else [None] * count
        y = np.array(ys[0:count], dtype=float) if is_map else [None] * count
        laser_nm = 1e7 / header.laser_wavenumber if header.laser_wavenumber > 0 else None
        title = header.title
    spectra = [RawSpectrum(f"x={x[i]:g} y={y[i]:g}" if is_map else (title or f"spectrum {i + 1}"), axis, data[i],
                           unit, None if x[i] is None else float(x[i]), None if y[i] is None else float(y[i]))
               for i in range(count)]
    return SpectrumFile(path, spectra, laser_nm, is_map)


def read_spc(path: str, data: bytes) -> SpectrumFile:
    """A Galactic/Thermo SPC file: every subfile (a shared or per-subfile x axis)."""
    from spc_io import SPC

    logging.getLogger("spc_io").setLevel(logging.ERROR)  # it warns of trailing bytes, which WiRE's exports have
    spc = SPC.from_bytes_io(io.BytesIO(data))
    unit = _SPC_UNITS.get(str(spc.xtype))
    if unit is None:
        raise UserError(f"{path}: the spectral axis is of SPC type {spc.xtype}; sdlab reads Raman shift (XRAMANS), "
                        "nanometres (XNMETR) or electronvolts (XEV)")
    spectra = []
    for i, sub in enumerate(spc):
        axis = np.asarray(sub.xarray if sub.xarray is not None else spc.xarray, dtype=float)
        spectra.append(RawSpectrum(f"subfile {i + 1}" if len(spc) > 1 else "spectrum", axis,
                                   np.asarray(sub.yarray, dtype=float), unit))
    return SpectrumFile(path, spectra)


def read_jcamp(path: str, text: str) -> SpectrumFile:
    """A JCAMP-DX file (XYDATA or XYPOINTS); the x unit from ##XUNITS."""
    import jcamp

    record = jcamp.read(io.StringIO(text))
    if "x" not in record or "y" not in record:
        raise UserError(f"{path}: a JCAMP-DX file without XYDATA or XYPOINTS; export the spectrum as XY data")
    units = str(record.get("xunits", "")).lower()
    unit: Unit = "nm" if "nanomet" in units or units == "nm" else "eV" if "ev" in units else "cm-1"
    name = str(record.get("title", "spectrum")).strip() or "spectrum"
    return SpectrumFile(path, [RawSpectrum(name, np.asarray(record["x"], float), np.asarray(record["y"], float), unit)])
