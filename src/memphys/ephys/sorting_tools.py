"""Spike-vector tools: checks, reorderings, per-unit trains, periods.

A *spike vector* is SpikeInterface's representation of a sorting: one structured array
with fields ``sample_index``, ``unit_index``, ``segment_index`` (int64), sorted by
segment, then sample, then unit. Everything here works on that array as a whole, without
a Python loop over spikes or units (the compiled kernels of
:mod:`memphys.ephys._sorting_numba` do the counting sorts and the validation in one or
two passes), so that a sorting of ten million spikes stays a few arrays.

The public names follow ``spikeinterface.core.sorting_tools``.

Examples
--------
>>> import numpy as np
>>> from memphys.ephys.sorting_tools import spikes_from_samples_and_labels
>>> spikes, unit_ids = spikes_from_samples_and_labels(
...     [np.array([30, 10, 20])], [np.array(["b", "a", "a"])])
>>> unit_ids.tolist(), spikes["sample_index"].tolist(), spikes["unit_index"].tolist()
(['a', 'b'], [10, 20, 30], [0, 0, 1])
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from memphys._validation import describe
from memphys.ephys._check import ext_error
from memphys.ephys.base import minimum_spike_dtype, unit_period_dtype
from memphys.errors import (
    ExtractorValueError,
    ExtractorWarning,
    MemphysTypeError,
    ShapeMismatchError,
)

__all__ = [
    "SPIKE_DTYPE",
    "as_flat",
    "check_spike_vector",
    "empty_spike_vector",
    "segment_slices",
    "unit_compact_trains",
    "count_spikes_per_unit",
    "reorder_spike_vector_by_unit_and_segment",
    "spike_vector_to_spike_trains",
    "spike_vector_to_indices",
    "remap_unit_indices_in_vector",
    "spikes_from_samples_and_labels",
    "check_sample_array",
    "sort_spike_vector",
    "sort_piece_inplace",
    "cast_periods_to_unit_period_dtype",
    "select_sorting_periods_mask",
    "select_sorting_periods",
]

SPIKE_DTYPE = np.dtype(minimum_spike_dtype)
_FIELDS = ("sample_index", "unit_index", "segment_index")
#: spikes per step of the chunked numpy passes (bounds their temporaries at ~8 MB)
_CHUNK = 1 << 20


def empty_spike_vector(n: int = 0) -> np.ndarray:
    """A zeroed spike vector of ``n`` spikes."""
    return np.zeros(n, dtype=SPIKE_DTYPE)


def as_flat(spikes: np.ndarray) -> np.ndarray:
    """The ``(n, k)`` int64 view of a spike vector whose first fields are the three int64
    spike fields (extra int64 fields allowed); a converted copy otherwise."""
    dt = spikes.dtype
    names = dt.names or ()
    flat_ok = (
        tuple(names[:3]) == _FIELDS
        and all(dt.fields[n][0] == np.dtype("int64") for n in names)  # type: ignore[index]
        and dt.itemsize == 8 * len(names)
        and all(dt.fields[n][1] == 8 * k for k, n in enumerate(names))  # type: ignore[index]
    )
    if flat_ok and spikes.ndim == 1 and (spikes.flags.c_contiguous or spikes.size == 0):
        return spikes.view(np.int64).reshape(spikes.size, len(names))
    out = np.empty((spikes.size, 3), dtype=np.int64)
    for k, name in enumerate(_FIELDS):
        out[:, k] = spikes[name]
    return out


def check_spike_vector(
    spikes: Any, num_units: int, num_segments: int | None = None, name: str = "spikes"
) -> int:
    """Check a spike vector and return its number of segments.

    Raises
    ------
    memphys.errors.MemphysTypeError
        If ``spikes`` is not a structured array with the spike fields.
    memphys.errors.ExtractorValueError
        On a negative sample, a unit or segment index out of range, or spikes not sorted
        by segment, sample and unit (the message names the first offending spike).
    """
    names = getattr(getattr(spikes, "dtype", None), "names", None)
    if not isinstance(spikes, np.ndarray) or names is None or not set(_FIELDS) <= set(names):
        raise MemphysTypeError(
            f"Invalid value for `{name}`: expected a structured numpy array with the fields "
            f"{list(_FIELDS)} (a spike vector, see sorting.to_spike_vector()), but got "
            f"{describe(spikes)}."
        )
    if spikes.ndim != 1:
        raise ext_error(name, "a 1-D spike vector", f"an array of shape {spikes.shape}")
    for f in _FIELDS:
        if spikes.dtype[f].kind not in "iu":
            raise ext_error(name, f"integer `{f}` values", f"dtype {spikes.dtype}")
    n_seg = num_segments
    if n_seg is None:
        n_seg = 1 if spikes.size == 0 else int(spikes["segment_index"][-1]) + 1
    if spikes.size == 0:
        return max(1, n_seg)
    from memphys.ephys import _sorting_numba as k

    code = 0
    pos = -1
    for a in range(0, spikes.size, 8 * _CHUNK):
        # one chunk beyond `a` so that the order between chunks is checked too
        lo = max(0, a - 1)
        code, p = k.check_spike_vector(as_flat(spikes[lo : a + 8 * _CHUNK]), num_units, n_seg)
        if code:
            pos = lo + int(p)
            break
    if code:
        s = spikes[pos]
        found = (
            f"spike {pos} (sample_index={int(s['sample_index'])}, unit_index="
            f"{int(s['unit_index'])}, segment_index={int(s['segment_index'])})"
        )
        what = {
            1: "sample indices >= 0",
            2: f"unit indices in [0, {num_units})",
            3: f"segment indices in [0, {n_seg})",
            4: "spikes sorted by segment_index",
            5: "spikes sorted by sample_index (then unit_index) within each segment",
        }[code]
        hint = (
            "Sort it with memphys.ephys.sorting_tools.sort_spike_vector(), or build the "
            "sorting with NumpySorting.from_samples_and_labels(), which sorts."
            if code in (4, 5)
            else ""
        )
        raise ext_error(name, what, found, hint)
    return n_seg


def sort_spike_vector(spikes: np.ndarray) -> np.ndarray:
    """A copy of ``spikes`` sorted by segment, sample and unit (every field moves
    together)."""
    order = np.lexsort((spikes["unit_index"], spikes["sample_index"], spikes["segment_index"]))
    return spikes[order]


def sort_piece_inplace(piece: np.ndarray, unit_major: bool = False) -> np.ndarray:
    """Sort one segment's spikes by sample then unit, in place (no second copy of the
    spikes: an order array and a compiled in-place permutation).

    A stable sort on samples (skipped if they are sorted already), then each run of equal
    samples ordered by unit. ``unit_major``: the spikes are grouped by unit (NWB's layout),
    so the stable sort already leaves equal samples in unit order."""
    if piece.size < 2:
        return piece
    from memphys.ephys import _sorting_numba as k

    flat = as_flat(piece)
    code, _ = k.check_spike_vector(flat, np.iinfo(np.int64).max, np.iinfo(np.int64).max)
    if code != 5:
        return piece
    if not k.samples_nondecreasing(flat):
        order = np.argsort(piece["sample_index"], kind="stable")
        k.permute_rows_inplace(flat, order, np.zeros(piece.size, dtype=np.bool_))
        del order
    if not unit_major:  # unit-major input: the stable sort left ties in unit order
        k.sort_ties_by_unit(flat)
    return piece


def segment_slices(spikes: np.ndarray, num_segments: int) -> np.ndarray:
    """``(num_segments, 2)`` start/stop of each segment in a sorted spike vector."""
    if num_segments == 1:
        return np.array([[0, spikes.size]], dtype=np.int64)
    edges = np.searchsorted(spikes["segment_index"], np.arange(num_segments + 1))
    return np.stack([edges[:-1], edges[1:]], axis=1).astype(np.int64)


def count_spikes_per_unit(spikes: np.ndarray, num_units: int) -> np.ndarray:
    """Spikes of each unit (int64, length ``num_units``), in one compiled pass."""
    counts = np.zeros(num_units, dtype=np.int64)
    if spikes.size and num_units:
        from memphys.ephys import _sorting_numba as k

        k.unit_counts(as_flat(spikes), counts)
    return counts


def unit_compact_trains(
    spikes: np.ndarray, num_units: int, num_segments: int, counts: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Every unit's spike train, one after the other: ``(samples, slices)``.

    ``samples`` holds the sample indices grouped by unit, then segment, each group in time
    order; ``slices[u, s]`` is the ``(start, stop)`` of unit ``u`` in segment ``s``. A
    counting sort (two passes, 8 bytes per spike of output), not a full reordering;
    ``counts`` (``(num_units, num_segments)``, when already known) saves the first pass.
    """
    nb = num_units * num_segments
    known = counts is not None and int(np.sum(counts)) == spikes.size
    counts = (
        np.asarray(counts, dtype=np.int64).reshape(nb).copy() if known else np.zeros(nb, np.int64)
    )
    samples = np.empty(spikes.size, dtype=np.int64)
    if spikes.size:
        from memphys.ephys import _sorting_numba as k

        flat = as_flat(spikes)
        if not known and not k.bucket_counts(flat, num_segments, counts):
            raise ext_error(
                "spikes", f"unit indices < {num_units} and segment indices < {num_segments}", spikes
            )
        stops = np.cumsum(counts)
        starts = stops - counts
        k.scatter_samples(flat, num_segments, starts.copy(), samples)
    else:
        stops = counts
        starts = counts
    slices = np.stack([starts, stops], axis=-1).reshape(num_units, num_segments, 2)
    return samples, slices


def reorder_spike_vector_by_unit_and_segment(
    spike_vector: np.ndarray, num_units: int, num_segments: int, unit_major: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stable reordering grouping the spikes by (unit, segment) (``unit_major``) or by
    (segment, unit): ``(ordered_spikes, order, counts)`` with
    ``spike_vector[order] == ordered_spikes`` and ``counts`` per bucket.

    >>> sv = empty_spike_vector(3); sv["sample_index"] = [1, 2, 3]; sv["unit_index"] = [1, 0, 1]
    >>> ordered, order, counts = reorder_spike_vector_by_unit_and_segment(sv, 2, 1)
    >>> ordered["sample_index"].tolist(), order.tolist(), counts.tolist()
    ([2, 1, 3], [1, 0, 2], [1, 2])
    """
    num_units, num_segments = int(num_units), int(num_segments)
    nb = num_units * num_segments
    unit_stride, seg_stride = (num_segments, 1) if unit_major else (1, num_units)
    n = spike_vector.size
    if n == 0:
        return (
            np.empty(0, dtype=spike_vector.dtype),
            np.empty(0, dtype=np.int64),
            np.zeros(nb, dtype=np.int64),
        )
    spike_vector = np.ascontiguousarray(spike_vector)
    flat = as_flat(spike_vector)
    if not np.shares_memory(flat, spike_vector):
        # fields not in the flat int64 layout: a stable argsort of the bucket instead
        bucket = (
            spike_vector["unit_index"] * unit_stride + spike_vector["segment_index"] * seg_stride
        )
        if bucket.min() < 0 or bucket.max() >= nb:
            raise ext_error("spike_vector", "unit and segment indices in range", spike_vector)
        counts = np.bincount(bucket, minlength=nb).astype(np.int64)
        order = np.argsort(bucket.astype(np.min_scalar_type(max(nb - 1, 0))), kind="stable")
        return spike_vector[order], order.astype(np.int64), counts
    from memphys.ephys import _sorting_numba as k

    counts = np.zeros(nb, dtype=np.int64)
    # count by the (unit, segment) bucket, whatever the nesting asked for
    if not k.bucket_counts(flat[:, :3], num_segments, counts):
        raise ext_error(
            "spike_vector",
            f"unit indices < {num_units} and segment indices < {num_segments}",
            spike_vector,
        )
    if not unit_major:
        counts = counts.reshape(num_units, num_segments).T.ravel().copy()
    stops = np.cumsum(counts)
    out = np.empty_like(flat)
    order = np.empty(n, dtype=np.int64)
    k.reorder_rows(flat, unit_stride, seg_stride, stops - counts, out, order)
    return out.view(spike_vector.dtype).reshape(n), order, counts


def spike_vector_to_spike_trains(
    spike_vector: Sequence[np.ndarray], unit_ids: np.ndarray
) -> dict[int, dict[Any, np.ndarray]]:
    """``{segment_index: {unit_id: sample indices}}`` from per-segment spike vectors."""
    unit_ids = np.asarray(unit_ids)
    out: dict[int, dict[Any, np.ndarray]] = {}
    for seg, spikes in enumerate(spike_vector):
        samples, slices = unit_compact_trains(np.asarray(spikes), unit_ids.size, 1)
        out[seg] = {
            uid: samples[slices[u, 0, 0] : slices[u, 0, 1]] for u, uid in enumerate(unit_ids)
        }
    return out


def spike_vector_to_indices(
    spike_vector: Sequence[np.ndarray], unit_ids: np.ndarray, absolute_index: bool = False
) -> dict[int, dict[Any, np.ndarray]]:
    """``{segment_index: {unit_id: positions of its spikes}}``; positions count from the
    start of the segment, or of the whole vector with ``absolute_index=True``."""
    unit_ids = np.asarray(unit_ids)
    out: dict[int, dict[Any, np.ndarray]] = {}
    offset = 0
    for seg, spikes in enumerate(spike_vector):
        spikes = np.asarray(spikes)
        units = np.asarray(spikes["unit_index"], dtype=np.int64)
        order = np.argsort(units, kind="stable")
        counts = (
            np.bincount(units, minlength=unit_ids.size)
            if units.size
            else np.zeros(unit_ids.size, np.int64)
        )
        if absolute_index:
            order += offset
        stops = np.cumsum(counts)
        out[seg] = {uid: order[stops[u] - counts[u] : stops[u]] for u, uid in enumerate(unit_ids)}
        offset += spikes.size
    return out


def remap_unit_indices_in_vector(
    vector: np.ndarray,
    all_old_unit_ids: Any,
    all_new_unit_ids: Any,
    keep_old_unit_ids: Any = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Keep the spikes of units present in both id lists and renumber their
    ``unit_index`` to the new list: ``(new_vector, keep_mask)``."""
    old = np.asarray(all_old_unit_ids)
    new = np.asarray(all_new_unit_ids)
    for arr, what in ((old, "all_old_unit_ids"), (new, "all_new_unit_ids")):
        if np.unique(arr).size != arr.size:
            raise ext_error(what, "unique unit ids", arr.tolist())
    keep_ids = old if keep_old_unit_ids is None else np.asarray(keep_old_unit_ids)
    keep_unit = np.isin(old, keep_ids) & np.isin(old, new)
    mapping = np.full(old.size, -1, dtype=np.int64)
    if new.size and keep_unit.any():
        sorter = np.argsort(new)
        pos = np.searchsorted(new, old[keep_unit], sorter=sorter)
        mapping[keep_unit] = sorter[pos]
    keep_mask = np.empty(vector.size, dtype=bool)
    for a in range(0, vector.size, _CHUNK):  # chunks: no temporary of the vector's size
        keep_mask[a : a + _CHUNK] = keep_unit[vector["unit_index"][a : a + _CHUNK]]
    new_vector = vector[keep_mask]
    units = new_vector["unit_index"]
    for a in range(0, new_vector.size, _CHUNK):
        units[a : a + _CHUNK] = mapping[units[a : a + _CHUNK]]
    return new_vector, keep_mask


def _bad_at(name: str, expected: str, value: Any, pos: int, hint: str = "") -> ExtractorValueError:
    msg = f"Invalid value for `{name}`: expected {expected}, but got {value} at position {pos}."
    return ExtractorValueError(msg + (f" {hint}" if hint else ""))


def check_sample_array(samples: Any, name: str = "samples") -> np.ndarray:
    """Sample indices as int64: integers (or floats with integral values) >= 0.

    Raises
    ------
    memphys.errors.ExtractorValueError
        On negative, non-integral or non-finite values (naming the first one), or values
        that are not numbers.
    """
    arr = np.asarray(samples)
    if arr.ndim != 1:
        raise ext_error(name, "a 1-D array of sample indices", f"an array of shape {arr.shape}")
    if arr.size == 0:
        return np.zeros(0, dtype=np.int64)
    kind = arr.dtype.kind
    if kind == "b" or kind not in "iuf":
        raise ext_error(name, "integer sample indices", f"an array of dtype {arr.dtype}")
    if kind == "f":
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            i = int(np.argmax(bad))
            raise _bad_at(
                name,
                "integer sample indices (frames, not seconds)",
                arr[i].item(),
                i,
                "Use NumpySorting.from_times_and_labels() for times in seconds.",
            )
    if kind == "u" and arr.dtype.itemsize == 8 and int(arr.max()) > np.iinfo(np.int64).max:
        raise ext_error(name, "sample indices < 2**63", int(arr.max()))
    if kind != "u":
        i = int(np.argmin(arr))
        if arr[i] < 0:
            raise _bad_at(name, "sample indices >= 0", arr[i].item(), i)
    return arr.astype(np.int64, copy=False)


def _map_labels(
    labels: np.ndarray, unit_ids: np.ndarray, name: str
) -> tuple[np.ndarray, np.ndarray]:
    """Unit positions of ``labels`` in ``unit_ids`` (-1 for other labels) and per-unit
    counts."""
    n_units = unit_ids.size
    counts = np.zeros(n_units, dtype=np.int64)
    out = np.empty(labels.size, dtype=np.int64)
    if labels.size == 0:
        return out, counts
    if labels.dtype.kind in "iu" and unit_ids.dtype.kind in "iu" and n_units:
        lo, hi = int(unit_ids.min()), int(unit_ids.max())
        if hi - lo < max(1 << 20, 4 * labels.size):
            from memphys.ephys import _sorting_numba as k

            lut = np.full(hi - lo + 1, -1, dtype=np.int64)
            lut[unit_ids.astype(np.int64) - lo] = np.arange(n_units)
            lab = labels if labels.dtype.kind == "i" else labels.astype(np.int64)
            k.map_int_labels(lab, lo, lut, out, counts)
            return out, counts
    if labels.dtype.kind in "US" and labels.dtype.kind == unit_ids.dtype.kind and n_units:
        return _map_string_labels(labels, unit_ids, counts, out)
    if (
        labels.dtype.kind != unit_ids.dtype.kind
        and n_units
        and not (labels.dtype.kind in "iu" and unit_ids.dtype.kind in "iu")
    ):
        raise ext_error(
            name,
            f"labels of the same kind as the unit ids ({unit_ids.dtype})",
            f"labels of dtype {labels.dtype}",
        )
    if n_units == 0:
        out[:] = -1
        return out, counts
    sorter = np.argsort(unit_ids, kind="stable")
    for a in range(0, labels.size, _CHUNK):
        lab = labels[a : a + _CHUNK]
        pos = np.searchsorted(unit_ids, lab, sorter=sorter)
        np.minimum(pos, n_units - 1, out=pos)
        idx = sorter[pos]
        hit = unit_ids[idx] == lab
        idx[~hit] = -1
        out[a : a + lab.size] = idx
        counts += np.bincount(idx[hit], minlength=n_units)
    return out, counts


def _codes(values: np.ndarray, dtype: np.dtype[Any]) -> np.ndarray:
    """Fixed-width strings as a ``(n, width)`` array of their character codes."""
    arr = np.ascontiguousarray(values, dtype=dtype)
    unit = np.uint32 if dtype.kind == "U" else np.uint8
    width = dtype.itemsize // np.dtype(unit).itemsize
    if width == 0:
        return np.zeros((arr.size, 1), dtype=unit)
    return arr.view(unit).reshape(arr.size, width)


def _map_string_labels(
    labels: np.ndarray, unit_ids: np.ndarray, counts: np.ndarray, out: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """String labels to unit positions by hashing their character codes (a compiled
    open-addressing table), chunk by chunk."""
    from memphys.ephys import _sorting_numba as k

    dtype = labels.dtype
    width = dtype.itemsize // (4 if dtype.kind == "U" else 1)
    # unit ids longer than the labels' width cannot match any label
    fits = np.array([len(u) <= width for u in unit_ids.tolist()], dtype=bool)
    key_unit = np.flatnonzero(fits).astype(np.int64)
    keys = _codes(unit_ids[fits], dtype)
    size = 1 << max(4, (2 * max(keys.shape[0], 1)).bit_length())
    table = k.build_code_table(keys, size)
    for a in range(0, labels.size, _CHUNK):
        chunk = labels[a : a + _CHUNK]
        k.map_codes(_codes(chunk, dtype), keys, table, key_unit, out[a : a + chunk.size], counts)
    return out, counts


def _unique_labels(labels_list: Sequence[np.ndarray]) -> np.ndarray:
    """Sorted distinct labels of all segments (a presence table for small integers)."""
    nonempty = [lab for lab in labels_list if lab.size]
    if not nonempty:
        return np.zeros(0, dtype=np.int64)
    if all(lab.dtype.kind in "iu" for lab in nonempty):
        lo = min(int(lab.min()) for lab in nonempty)
        hi = max(int(lab.max()) for lab in nonempty)
        total = sum(lab.size for lab in nonempty)
        if hi - lo < max(1 << 20, 4 * total):
            present = np.zeros(hi - lo + 1, dtype=bool)
            for lab in nonempty:
                for a in range(0, lab.size, _CHUNK):
                    present[lab[a : a + _CHUNK].astype(np.int64) - lo] = True
            dtype = np.result_type(*[lab.dtype for lab in nonempty])
            return (np.flatnonzero(present) + lo).astype(dtype)
    return np.unique(np.concatenate([np.unique(lab) for lab in nonempty]))


def spikes_from_samples_and_labels(
    samples_list: Sequence[Any],
    labels_list: Sequence[Any],
    unit_ids: Any = None,
    return_counts: bool = False,
) -> Any:
    """The spike vector of per-segment ``(samples, labels)``, and the unit ids.

    Samples must be integers >= 0; unsorted samples are sorted *with* their labels. With
    ``unit_ids`` given, only spikes whose label is one of them are kept (in that unit
    order); otherwise the unit ids are the sorted distinct labels.

    Raises
    ------
    memphys.errors.ShapeMismatchError
        If a segment's samples and labels differ in length, or the lists in segments.
    memphys.errors.ExtractorValueError
        On negative or non-integer samples, or labels of another kind than ``unit_ids``.
    """
    if len(samples_list) != len(labels_list):
        raise ShapeMismatchError(
            f"Invalid value for `labels_list`: expected one labels array per samples array "
            f"({len(samples_list)} segments), but got {len(labels_list)}."
        )
    samples_arrays = []
    labels_arrays = []
    for seg, (s, lab) in enumerate(zip(samples_list, labels_list, strict=True)):
        arr = check_sample_array(s, f"samples_list[{seg}]")
        lab_arr = np.asarray(lab)
        if lab_arr.ndim != 1 or lab_arr.size != arr.size:
            found = lab_arr.size if lab_arr.ndim == 1 else f"an array of shape {lab_arr.shape}"
            raise ShapeMismatchError(
                f"Invalid value for `labels_list[{seg}]`: expected {arr.size} labels (one per "
                f"sample of segment {seg}), but got {found}."
            )
        samples_arrays.append(arr)
        labels_arrays.append(lab_arr)
    if unit_ids is None:
        ids = _unique_labels(labels_arrays)
    else:
        from memphys.ephys._check import as_id_array

        ids = as_id_array(unit_ids, "unit_ids")
    pieces = []
    counts_list: list[np.ndarray] = []
    for seg, (arr, lab) in enumerate(zip(samples_arrays, labels_arrays, strict=True)):
        units, counts = _map_labels(lab, ids, f"labels_list[{seg}]")
        kept = int(counts.sum())
        spikes = np.empty(kept, dtype=SPIKE_DTYPE)
        if kept == arr.size:
            spikes["sample_index"] = arr
            spikes["unit_index"] = units
        else:
            keep = units >= 0
            spikes["sample_index"] = arr[keep]
            spikes["unit_index"] = units[keep]
        del units
        spikes["segment_index"] = seg
        sort_piece_inplace(spikes)  # samples sorted together with their labels
        pieces.append(spikes)
        counts_list.append(counts)
    out = pieces[0] if len(pieces) == 1 else np.concatenate(pieces)
    if return_counts:  # (num_units, num_segments) spikes per unit and segment
        return out, ids, np.stack(counts_list, axis=1)
    return out, ids


# ------------------------------------------------------------------------- periods
def cast_periods_to_unit_period_dtype(periods: np.ndarray) -> np.ndarray:
    """Periods as a ``unit_period_dtype`` array (a ``(n, 4)`` array is read as segment,
    start, end, unit, with a warning, as in SpikeInterface)."""
    if not isinstance(periods, np.ndarray):
        raise ext_error("periods", "a numpy array", periods)
    if periods.dtype.names is None:
        if periods.ndim != 2 or periods.shape[1] != 4:
            raise ext_error(
                "periods",
                "an array of unit_period_dtype or of shape (num_periods, 4)",
                f"an array of shape {periods.shape}",
            )
        warnings.warn(
            "periods is not of dtype unit_period_dtype. Assuming fields are in order: "
            "(segment_index, start_sample_index, end_sample_index, unit_index).",
            ExtractorWarning,
            stacklevel=3,
        )
        out = np.empty(periods.shape[0], dtype=unit_period_dtype)
        for k, f in enumerate(np.dtype(unit_period_dtype).names or ()):
            out[f] = periods[:, k]
        return out
    required = set(np.dtype(unit_period_dtype).names or ())
    if not required <= set(periods.dtype.names):
        raise ext_error("periods", f"the fields {sorted(required)}", f"{periods.dtype.names}")
    return periods


def select_sorting_periods_mask(sorting: Any, periods: np.ndarray) -> np.ndarray:
    """Which spikes of ``sorting.to_spike_vector()`` fall in one of the ``periods`` of
    their unit (``start_sample_index <= sample < end_sample_index``)."""
    periods = cast_periods_to_unit_period_dtype(periods)
    spikes = sorting.to_spike_vector()
    n_units = sorting.get_num_units()
    n_seg = sorting.get_num_segments()
    keep = np.zeros(spikes.size, dtype=bool)
    if spikes.size == 0 or periods.size == 0:
        return keep
    # spike-vector positions grouped by (unit, segment), each group in time order
    _, order, counts = reorder_spike_vector_by_unit_and_segment(spikes, n_units, n_seg, True)
    stops = np.cumsum(counts)
    starts = stops - counts
    samples = spikes["sample_index"][order]
    bucket = periods["unit_index"].astype(np.int64) * n_seg + periods["segment_index"]
    lo = starts[bucket]
    hi = stops[bucket]
    # per period, the positions of its first and last spike inside the group
    a = np.empty(periods.size, dtype=np.int64)
    b = np.empty(periods.size, dtype=np.int64)
    for i in range(periods.size):  # one searchsorted pair per period, on its unit's slice
        s = samples[lo[i] : hi[i]]
        a[i] = lo[i] + np.searchsorted(s, periods["start_sample_index"][i], side="left")
        b[i] = lo[i] + np.searchsorted(s, periods["end_sample_index"][i], side="left")
    # mark [a, b) ranges with a difference array, then map back to vector positions
    diff = np.zeros(spikes.size + 1, dtype=np.int32)
    np.add.at(diff, a, 1)
    np.add.at(diff, b, -1)
    inside = np.cumsum(diff[:-1]) > 0
    keep[order[inside]] = True
    return keep


def select_sorting_periods(sorting: Any, periods: Any) -> Any:
    """A :class:`~memphys.ephys.NumpySorting` with only the spikes inside ``periods``
    (``None``: the sorting itself)."""
    if periods is None:
        return sorting
    from memphys.ephys.numpysorting import NumpySorting

    periods = cast_periods_to_unit_period_dtype(periods)
    mask = select_sorting_periods_mask(sorting, periods)
    out = NumpySorting(
        sorting.to_spike_vector()[mask],
        sampling_frequency=sorting.sampling_frequency,
        unit_ids=sorting.unit_ids,
        num_segments=sorting.get_num_segments(),
    )
    sorting.copy_metadata(out)
    return out
