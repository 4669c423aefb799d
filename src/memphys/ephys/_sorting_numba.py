"""Compiled kernels of the sortings (numba), imported on first use only.

A spike vector is read through its flat ``(n, 3)`` int64 view (``sample_index``,
``unit_index``, ``segment_index``): numba walks that layout faster than the three strided
fields. Each kernel is one or two passes over the spikes, with no temporary of the
vector's size besides its output (``docs/benchmarks.md`` has the measurements that made
these kernels win over the numpy equivalents: a counting sort instead of a stable
argsort, one validation pass instead of three ``np.diff`` temporaries).
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

__all__ = [
    "bucket_counts",
    "scatter_samples",
    "reorder_rows",
    "check_spike_vector",
    "map_int_labels",
    "inject_spikes",
    "unit_counts",
    "permute_rows_inplace",
    "samples_nondecreasing",
    "sort_ties_by_unit",
    "count_kept",
    "remap_rows",
    "build_code_table",
    "map_codes",
]


@numba.njit(nogil=True, cache=True)
def bucket_counts(flat: Any, num_segments: int, counts: Any) -> bool:
    """Add to ``counts[unit * num_segments + segment]`` the spikes of each bucket.

    Returns False if a unit or segment index is out of range (nothing is counted then
    past that spike)."""
    nb = counts.shape[0]
    for i in range(flat.shape[0]):
        b = flat[i, 1] * num_segments + flat[i, 2]
        if flat[i, 1] < 0 or flat[i, 2] < 0 or flat[i, 2] >= num_segments or b >= nb:
            return False
        counts[b] += 1
    return True


@numba.njit(nogil=True, cache=True)
def unit_counts(flat: Any, counts: Any) -> None:
    """``counts[unit] += 1`` for every spike (indices checked by the caller)."""
    for i in range(flat.shape[0]):
        counts[flat[i, 1]] += 1


@numba.njit(nogil=True, cache=True)
def scatter_samples(flat: Any, num_segments: int, starts: Any, out: Any) -> None:
    """Counting sort of the sample indices into unit-major buckets.

    ``starts[b]`` is where bucket ``b = unit * num_segments + segment`` begins in ``out``;
    it is advanced as the bucket fills. The sort is stable, so each bucket keeps the
    spike vector's (time) order."""
    for i in range(flat.shape[0]):
        b = flat[i, 1] * num_segments + flat[i, 2]
        out[starts[b]] = flat[i, 0]
        starts[b] += 1


@numba.njit(nogil=True, cache=True)
def reorder_rows(
    flat: Any, unit_stride: int, segment_stride: int, starts: Any, out: Any, order: Any
) -> None:
    """Stable counting sort of whole rows by bucket ``unit * unit_stride + segment *
    segment_stride``; ``order[k]`` is the input row that went to output row ``k``."""
    nf = flat.shape[1]
    for i in range(flat.shape[0]):
        b = flat[i, 1] * unit_stride + flat[i, 2] * segment_stride
        k = starts[b]
        for f in range(nf):
            out[k, f] = flat[i, f]
        order[k] = i
        starts[b] += 1


@numba.njit(nogil=True, cache=True)
def check_spike_vector(flat: Any, num_units: int, num_segments: int) -> Any:
    """First problem of a spike vector, as ``(code, position)``; ``(0, -1)`` if none.

    Codes: 1 negative sample index, 2 unit index out of ``[0, num_units)``, 3 segment
    index out of ``[0, num_segments)``, 4 segments not in order, 5 samples (or units at one
    sample) not in order within a segment."""
    n = flat.shape[0]
    for i in range(n):
        s = flat[i, 0]
        u = flat[i, 1]
        g = flat[i, 2]
        if s < 0:
            return 1, i
        if u < 0 or u >= num_units:
            return 2, i
        if g < 0 or g >= num_segments:
            return 3, i
        if i > 0:
            pg = flat[i - 1, 2]
            if g < pg:
                return 4, i
            if g == pg:
                ps = flat[i - 1, 0]
                if s < ps or (s == ps and u < flat[i - 1, 1]):
                    return 5, i
    return 0, -1


@numba.njit(nogil=True, cache=True)
def map_int_labels(labels: Any, offset: int, lut: Any, out: Any, counts: Any) -> int:
    """``out[i] = lut[labels[i] - offset]`` (-1 for labels outside the table), counting
    each unit's spikes; returns the number of spikes with a known label."""
    m = lut.shape[0]
    kept = 0
    for i in range(labels.shape[0]):
        k = labels[i] - offset
        if k < 0 or k >= m:
            out[i] = -1
            continue
        u = lut[k]
        out[i] = u
        if u >= 0:
            counts[u] += 1
            kept += 1
    return kept


@numba.njit(nogil=True, cache=True)
def inject_spikes(
    traces: Any,
    start_frame: int,
    samples: Any,
    units: Any,
    templates: Any,
    nbefore: int,
    amplitudes: Any,
    upsample: Any,
    channels: Any,
) -> None:
    """Add ``amplitude * template`` of each spike to ``traces`` (frames ``start_frame``
    onwards), clipped to the block. ``templates`` is ``(units, samples, channels,
    jitters)``; ``channels`` the template channels of the block's columns; an empty
    ``amplitudes`` means 1 and an empty ``upsample`` jitter 0."""
    n_t = traces.shape[0]
    width = templates.shape[1]
    nc = channels.shape[0]
    for i in range(samples.shape[0]):
        t0 = samples[i] - nbefore - start_frame
        a = max(0, -t0)
        b = min(width, n_t - t0)
        if a >= b:
            continue
        u = units[i]
        j = upsample[i] if upsample.shape[0] > 0 else 0
        amp = amplitudes[i] if amplitudes.shape[0] > 0 else 1.0
        for k in range(a, b):
            row = t0 + k
            for c in range(nc):
                traces[row, c] += templates[u, k, channels[c], j] * amp


@numba.njit(nogil=True, cache=True)
def permute_rows_inplace(flat: Any, order: Any, visited: Any) -> None:
    """``flat[:] = flat[order]`` without a second copy of ``flat`` (cycle following;
    ``visited`` is a zeroed boolean array of the same length)."""
    n = flat.shape[0]
    nf = flat.shape[1]
    tmp = flat[0].copy()
    for start in range(n):
        if visited[start]:
            continue
        for f in range(nf):
            tmp[f] = flat[start, f]
        j = start
        while True:
            visited[j] = True
            k = order[j]
            if k == start:
                for f in range(nf):
                    flat[j, f] = tmp[f]
                break
            for f in range(nf):
                flat[j, f] = flat[k, f]
            j = k


@numba.njit(nogil=True, cache=True)
def samples_nondecreasing(flat: Any) -> bool:
    """True if ``flat[:, 0]`` never decreases."""
    for i in range(1, flat.shape[0]):  # noqa: SIM110  (a loop numba compiles)
        if flat[i, 0] < flat[i - 1, 0]:
            return False
    return True


@numba.njit(nogil=True, cache=True)
def sort_ties_by_unit(flat: Any) -> None:
    """Rows sorted by sample already: order each run of equal samples by unit (a stable
    insertion sort per run; runs are short)."""
    n = flat.shape[0]
    nf = flat.shape[1]
    row = flat[0].copy() if n else np.zeros(nf, dtype=np.int64)
    a = 0
    while a < n:
        b = a + 1
        while b < n and flat[b, 0] == flat[a, 0]:
            b += 1
        for i in range(a + 1, b):
            if flat[i, 1] >= flat[i - 1, 1]:
                continue
            for f in range(nf):
                row[f] = flat[i, f]
            j = i - 1
            while j >= a and flat[j, 1] > row[1]:
                for f in range(nf):
                    flat[j + 1, f] = flat[j, f]
                j -= 1
            for f in range(nf):
                flat[j + 1, f] = row[f]
        a = b


@numba.njit(nogil=True, cache=True)
def count_kept(flat: Any, mapping: Any) -> int:
    """Spikes whose unit maps to a new unit (``mapping[u] >= 0``)."""
    n = 0
    for i in range(flat.shape[0]):
        if mapping[flat[i, 1]] >= 0:
            n += 1
    return n


@numba.njit(nogil=True, cache=True)
def remap_rows(flat: Any, mapping: Any, out: Any) -> bool:
    """Copy the kept rows to ``out`` with their unit renumbered; False if two kept spikes
    at one sample (and segment) come out of unit order."""
    k = 0
    ordered = True
    nf = flat.shape[1]
    for i in range(flat.shape[0]):
        u = mapping[flat[i, 1]]
        if u < 0:
            continue
        for f in range(nf):
            out[k, f] = flat[i, f]
        out[k, 1] = u
        if (
            k > 0
            and out[k, 0] == out[k - 1, 0]
            and out[k, 2] == out[k - 1, 2]
            and u < out[k - 1, 1]
        ):
            ordered = False
        k += 1
    return ordered


@numba.njit(nogil=True, cache=True)
def _code_hash(codes: Any, i: int) -> np.uint64:
    h = np.uint64(1469598103934665603)
    for j in range(codes.shape[1]):
        h = (h ^ np.uint64(codes[i, j])) * np.uint64(1099511628211)
    return h


@numba.njit(nogil=True, cache=True)
def build_code_table(keys: Any, size: int) -> Any:
    """Open-addressing table (``size`` a power of two) of the rows of ``keys``: slot ->
    row index, -1 when empty."""
    table = np.full(size, -1, dtype=np.int64)
    mask = np.uint64(size - 1)
    for r in range(keys.shape[0]):
        s = np.int64(_code_hash(keys, r) & mask)
        while table[s] >= 0:
            s = (s + 1) & (size - 1)
        table[s] = r
    return table


@numba.njit(nogil=True, cache=True)
def map_codes(codes: Any, keys: Any, table: Any, key_unit: Any, out: Any, counts: Any) -> None:
    """``out[i]`` = the unit of the key row equal to ``codes[i]`` (-1 if none), counting
    spikes per unit: string labels (as their character codes) looked up by hashing."""
    size = table.shape[0]
    mask = np.uint64(size - 1)
    w = codes.shape[1]
    for i in range(codes.shape[0]):
        s = np.int64(_code_hash(codes, i) & mask)
        found = -1
        while table[s] >= 0:
            r = table[s]
            same = True
            for j in range(w):
                if codes[i, j] != keys[r, j]:
                    same = False
                    break
            if same:
                found = key_unit[r]
                break
            s = (s + 1) & (size - 1)
        out[i] = found
        if found >= 0:
            counts[found] += 1
