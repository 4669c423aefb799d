"""Compiled kernels of the waveform pass (numba, imported on first use).

- :func:`gather_windows`: copy each spike's window ``[s - nbefore, s + nafter)`` on its
  unit's channels out of a block of traces, scaled to µV in float32 exactly as
  ``get_traces(return_in_uV=True)`` scales them (``float32(raw) * gain + offset``), with
  zeros for samples outside the segment and for the padding channels of sparse rows;
- :func:`block_moments`: per unit, the count, the mean and the sum of squared deviations
  (float64, two passes over the block's waveforms): the pieces that
  :func:`merge_moments` combines across blocks with Chan et al.'s pairwise update, a
  numerically stable variance whatever the number of spikes.

All kernels release the GIL, so the thread executor runs them in parallel.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

__all__ = ["gather_windows", "block_moments", "merge_moments"]


@numba.njit(nogil=True, cache=True)
def gather_windows(
    traces: Any,
    t0: int,
    samples: Any,
    units: Any,
    chan_table: Any,
    nchan: Any,
    nbefore: int,
    nafter: int,
    seg_len: int,
    gains: Any,
    offsets: Any,
    scale: bool,
    add_offset: bool,
    out: Any,
    out_offset: int,
) -> None:
    """Windows of spikes ``samples`` (segment frames) into ``out[out_offset + i]``.

    ``traces`` holds frames ``[t0, t0 + len(traces))`` of the segment (all channels);
    ``chan_table[u, :nchan[u]]`` are unit ``u``'s channels. Frames outside
    ``[0, seg_len)`` give zeros; the caller guarantees that the others are in ``traces``.
    """
    ns = nbefore + nafter
    width = out.shape[2]
    for i in range(samples.shape[0]):
        u = units[i]
        k = nchan[u]
        o = out_offset + i
        first = samples[i] - nbefore
        for t in range(ns):
            r = first + t
            if r < 0 or r >= seg_len:
                for j in range(width):
                    out[o, t, j] = 0
                continue
            row = r - t0
            if scale:
                if add_offset:
                    for j in range(k):
                        c = chan_table[u, j]
                        out[o, t, j] = np.float32(traces[row, c]) * gains[c] + offsets[c]
                else:
                    for j in range(k):
                        c = chan_table[u, j]
                        out[o, t, j] = np.float32(traces[row, c]) * gains[c]
            else:
                for j in range(k):
                    out[o, t, j] = traces[row, chan_table[u, j]]
            for j in range(k, width):
                out[o, t, j] = 0


@numba.njit(nogil=True, cache=True)
def block_moments(
    waveforms: Any, units: Any, slot: Any, counts: Any, mean: Any, m2: Any, want_m2: bool
) -> None:
    """Per unit slot ``slot[units[i]]``: count, mean and sum of squared deviations of the
    block's waveforms (float64 accumulators, zeroed by the caller)."""
    n = waveforms.shape[0]
    ns = waveforms.shape[1]
    width = waveforms.shape[2]
    for i in range(n):
        s = slot[units[i]]
        counts[s] += 1
        for t in range(ns):
            for j in range(width):
                mean[s, t, j] += waveforms[i, t, j]
    for s in range(counts.shape[0]):
        if counts[s] > 0:
            inv = 1.0 / counts[s]
            for t in range(ns):
                for j in range(width):
                    mean[s, t, j] *= inv
    if want_m2:
        for i in range(n):
            s = slot[units[i]]
            for t in range(ns):
                for j in range(width):
                    d = waveforms[i, t, j] - mean[s, t, j]
                    m2[s, t, j] += d * d


@numba.njit(nogil=True, cache=True)
def merge_moments(
    units: Any,
    counts_b: Any,
    mean_b: Any,
    m2_b: Any,
    counts: Any,
    mean: Any,
    m2: Any,
    want_m2: bool,
) -> None:
    """Fold a block's moments (units ``units``) into the running ones (Chan et al.)."""
    ns = mean.shape[1]
    width = mean.shape[2]
    for s in range(units.shape[0]):
        u = units[s]
        nb = counts_b[s]
        if nb == 0:
            continue
        na = counts[u]
        n = na + nb
        fb = nb / n
        cross = na * fb
        for t in range(ns):
            for j in range(width):
                delta = mean_b[s, t, j] - mean[u, t, j]
                mean[u, t, j] += delta * fb
                if want_m2:
                    m2[u, t, j] += m2_b[s, t, j] + delta * delta * cross
        counts[u] = n


def empty_moments(num_units: int, num_samples: int, width: int) -> tuple[np.ndarray, ...]:
    """Zeroed running moments: counts (int64), mean and m2 (float64)."""
    return (
        np.zeros(num_units, dtype=np.int64),
        np.zeros((num_units, num_samples, width), dtype=np.float64),
        np.zeros((num_units, num_samples, width), dtype=np.float64),
    )


@numba.njit(nogil=True, cache=True)
def _median_sorted_counts(values: Any, counts: Any, n: int) -> Any:
    """numpy's median of ``values`` (sorted) each repeated ``counts`` times."""
    lo_rank = (n - 1) // 2
    hi_rank = n // 2
    acc = 0
    lo = values[0]
    hi = values[0]
    found_lo = False
    for i in range(values.shape[0]):
        acc += counts[i]
        if not found_lo and acc > lo_rank:
            lo = values[i]
            found_lo = True
        if acc > hi_rank:
            hi = values[i]
            break
    if n % 2:
        return lo
    return (lo + hi) / values.dtype.type(2)


@numba.njit(nogil=True, cache=True)
def mad_from_counts_f32(counts: Any, lo: int, gains: Any, offsets: Any, out: Any) -> None:
    """Per channel, the MAD of float32-scaled integer traces given their value counts
    (``counts[c, v - lo]``): ``median(|x - median(x)|)`` exactly as numpy computes it on
    ``float32(raw) * gain + offset``."""
    n_ch, span = counts.shape
    for c in range(n_ch):
        k = 0
        for v in range(span):
            if counts[c, v] > 0:
                k += 1
        vals = np.empty(k, dtype=np.float32)
        cnt = np.empty(k, dtype=np.int64)
        j = 0
        g = gains[c]
        o = offsets[c]
        for v in range(span):
            if counts[c, v] > 0:
                x = np.float32(lo + v) * g
                if o != 0:
                    x = x + o
                vals[j] = x
                cnt[j] = counts[c, v]
                j += 1
        n = 0
        for i in range(k):
            n += cnt[i]
        order = np.argsort(vals, kind="mergesort")
        med = _median_sorted_counts(vals[order], cnt[order], n)
        dev = np.abs(vals - med)
        order = np.argsort(dev, kind="mergesort")
        out[c] = _median_sorted_counts(dev[order], cnt[order], n)


@numba.njit(nogil=True, cache=True)
def mad_from_counts_f64(counts: Any, lo: int, out: Any) -> None:
    """As :func:`mad_from_counts_f32` for unscaled traces (float64 values)."""
    n_ch, span = counts.shape
    for c in range(n_ch):
        k = 0
        for v in range(span):
            if counts[c, v] > 0:
                k += 1
        vals = np.empty(k, dtype=np.float64)
        cnt = np.empty(k, dtype=np.int64)
        j = 0
        for v in range(span):
            if counts[c, v] > 0:
                vals[j] = np.float64(lo + v)
                cnt[j] = counts[c, v]
                j += 1
        n = 0
        for i in range(k):
            n += cnt[i]
        med = _median_sorted_counts(vals, cnt, n)
        dev = np.abs(vals - med)
        order = np.argsort(dev, kind="mergesort")
        out[c] = _median_sorted_counts(dev[order], cnt[order], n)


@numba.njit(nogil=True, cache=True)
def value_range(raw: Any) -> Any:
    """Smallest and largest value of an integer array (2-D)."""
    lo = np.int64(raw[0, 0])
    hi = lo
    for i in range(raw.shape[0]):
        for c in range(raw.shape[1]):
            v = np.int64(raw[i, c])
            if v < lo:
                lo = v
            elif v > hi:
                hi = v
    return lo, hi


@numba.njit(nogil=True, cache=True)
def count_values(raw: Any, lo: int, counts: Any) -> None:
    """``counts[c, v - lo] += 1`` for every value ``v`` of channel ``c``."""
    for i in range(raw.shape[0]):
        for c in range(raw.shape[1]):
            counts[c, np.int64(raw[i, c]) - lo] += 1
