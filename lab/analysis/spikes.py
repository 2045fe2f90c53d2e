"""Cosmic-ray spike rejection for Raman spectra.

A Whitaker–Hayes-style detector. The modified z-score 0.6745·(r − median r)/MAD of the residual ``r`` from
the median of each pixel's neighbours (``max_width`` each side) flags pixels standing far above them; the MAD
is taken over a running window because shot noise varies along the spectrum. The neighbour median is used
instead of the first difference so that the steep flanks of strong bands are not flagged. To spare the tops
of strong narrow bands as well, a flagged pixel must also exceed the neighbour median by more than
``relative`` times the local signal above the spectrum's floor, which a band ten or more pixels wide cannot
do but a cosmic ray can. Flagged pixels (grown by one pixel each side) are left out of fits or replaced by
linear interpolation from their neighbours.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import binary_dilation, median_filter, minimum_filter1d

from lab.analysis.spectrum import Spectrum

_NOISE_WINDOW = 101  # pixels over which the median absolute deviation (the local noise) is taken
_FLOOR_WINDOW = 201  # pixels; wider than any Raman band, so the running minimum lies below the bands


def _neighbour_median(counts: np.ndarray, half_width: int) -> np.ndarray:
    """Median of the ``half_width`` pixels on each side of every pixel (along the last axis), excluding the pixel
    itself.

    (Including it, the median is often the pixel's own value on a steep flank, which hides the noise.) The
    ends are padded with the mirrored pixels just beyond a possible spike at the very edge. The neighbours are
    sorted pixel by pixel with a sorting network of element-wise minima and maxima (no array of windows).
    """
    beyond_edge = slice(half_width + 1, 2 * half_width + 1)
    padded = np.concatenate([counts[..., beyond_edge][..., ::-1], counts, counts[..., ::-1][..., beyond_edge]],
                            axis=-1)
    size = counts.shape[-1]
    values = [padded[..., i : i + size] for i in range(2 * half_width + 1) if i != half_width]
    for sweep in range(len(values)):  # odd–even transposition sort: n sweeps sort n values
        for i in range(sweep % 2, len(values) - 1, 2):
            values[i], values[i + 1] = np.minimum(values[i], values[i + 1]), np.maximum(values[i], values[i + 1])
    return 0.5 * (values[half_width - 1] + values[half_width])  # the median of 2·half_width values


def spike_mask(
    counts: np.ndarray, max_width: int = 3, threshold: float = 7.0, relative: float = 0.3
) -> np.ndarray:
    """Boolean mask of the pixels hit by cosmic-ray spikes up to ``max_width`` pixels wide; of one spectrum, or of
    each spectrum of a stack (the pixels along the last axis).

    ``threshold`` is the modified z-score above which a pixel is a candidate and ``relative`` the fraction
    of the local signal (above the floor) by which it must exceed the running median.
    """
    counts = np.asarray(counts, dtype=float)
    if counts.shape[-1] < 2 * max_width + 2:
        return np.zeros(counts.shape, dtype=bool)  # too short to tell a spike from its neighbours
    along = (1,) * (counts.ndim - 1)  # filters run along the pixels of each spectrum only
    smooth = _neighbour_median(counts, max_width)
    residual = counts - smooth
    centred = residual - np.median(residual, axis=-1, keepdims=True)
    deviation = np.abs(centred).reshape(-1, counts.shape[-1])  # scipy's fast running median is 1-D: row by row
    mad = np.stack([median_filter(row, size=_NOISE_WINDOW, mode="mirror") for row in deviation]).reshape(counts.shape)
    z = np.divide(0.6745 * centred, mad, out=np.zeros_like(centred), where=mad > 0)
    floor = minimum_filter1d(smooth, size=_FLOOR_WINDOW, axis=-1, mode="nearest")
    spikes = (z > threshold) & (residual > relative * (smooth - floor))
    if not spikes.any():
        return spikes
    return binary_dilation(spikes, structure=np.ones((*along, 3), dtype=bool), iterations=1)


def remove_spikes(spectrum: Spectrum, mask: np.ndarray | None = None) -> Spectrum:
    """``spectrum`` with the pixels in ``mask`` (default: :func:`spike_mask`) linearly interpolated."""
    if mask is None:
        mask = spike_mask(spectrum.counts)
    if not mask.any():
        return spectrum
    good = ~mask
    if not good.any():
        raise ValueError("every pixel of the spectrum is flagged as a spike; nothing to interpolate from")
    counts = spectrum.counts.copy()
    counts[mask] = np.interp(spectrum.shift[mask], spectrum.shift[good], spectrum.counts[good])
    return Spectrum(spectrum.shift, counts)
