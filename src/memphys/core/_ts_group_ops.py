"""Vectorised kernels behind :class:`~memphys.core.ts_group.TsGroup`.

Spike trains are small enough to sit in memory, but a group holds hundreds of units and an
analysis may use thousands of epochs, so nothing here loops over epochs or bins in Python:

* :func:`union_supports` joins the time supports of the units (one sort);
* :func:`restrict_unit` keeps the samples of one unit inside a set of epochs with two
  ``searchsorted`` calls and one gather, whatever the number of epochs;
* :func:`count_bins` counts the spikes of every unit in every bin of every epoch: the bin
  edges of all epochs form one sorted array, searched once per unit (the count of a bin
  is the difference of the positions of its two edges).

Examples
--------
>>> import numpy as np
>>> trains = [np.array([0.2, 0.7, 1.5, 2.5]), np.array([0.1, 2.9])]
>>> centers, counts, n_bins = count_bins(trains, np.array([0.0]), np.array([3.0]), 1.0)
>>> counts.T
array([[2, 1, 1],
       [1, 0, 1]])
"""

from __future__ import annotations

from numbers import Number, Real
from typing import Any

import numpy as np
from numpy.typing import NDArray

from memphys._validation import describe, found_type, pynapple_error
from memphys.core import _interval_algebra as ia
from memphys.core._interval_input import format_times
from memphys.core._kinds import series_class
from memphys.core.interval_set import IntervalSet
from memphys.core.time_index import as_time_index
from memphys.errors import MemphysRuntimeError, MemphysTypeError, MemphysValueError

__all__ = [
    "bin_seconds",
    "check_count_args",
    "check_trial_count_args",
    "bin_edges",
    "count_bins",
    "flat_times",
    "gather_positions",
    "restrict_unit",
    "union_supports",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

#: pynapple rounds bin edges to this many decimals (nanoseconds).
_DECIMALS = 9
_SCALE = 10.0**_DECIMALS


def check_count_args(
    bin_size: Any, ep: Any, time_units: Any, dtype: Any, default_ep: IntervalSet
) -> tuple[float | None, IntervalSet, np.dtype[Any]]:
    """Validate ``count``'s arguments (shared by Ts/Tsd and TsGroup), with pynapple's messages.

    Returns the bin size in seconds (or None), the epochs to count in, and the counts' dtype.
    """
    if bin_size is not None and (isinstance(bin_size, bool) or not isinstance(bin_size, Real)):
        raise pynapple_error(
            MemphysTypeError, "bin_size argument should be float or int.", found_type(bin_size)
        )
    if not isinstance(time_units, str) or time_units not in ("s", "ms", "us"):
        raise pynapple_error(
            MemphysValueError,
            "time_units argument should be 's', 'ms' or 'us'.",
            describe(time_units),
        )
    if ep is None:
        ep = default_ep
    if not isinstance(ep, IntervalSet):
        raise pynapple_error(
            MemphysTypeError, "ep argument should be of type IntervalSet", found_type(ep)
        )
    try:
        dt = np.dtype(np.int64 if dtype is None else dtype)
    except Exception:
        raise MemphysValueError(f"{dtype} is not a valid numpy dtype.") from None
    return (None if bin_size is None else bin_seconds(bin_size, time_units)), ep, dt


def check_trial_count_args(ep: Any, bin_size: Any, align: Any, time_unit: Any) -> float:
    """Validate ``trial_count``'s arguments (Ts/Tsd and TsGroup), with pynapple's messages.

    Returns the bin size in seconds.
    """
    if not isinstance(ep, IntervalSet):
        raise pynapple_error(
            MemphysRuntimeError, "Argument ep should be of type IntervalSet", found_type(ep)
        )
    if time_unit not in ("s", "ms", "us"):
        raise pynapple_error(
            MemphysRuntimeError, "time_unit should be 's', 'ms' or 'us'", describe(time_unit)
        )
    if align not in ("start", "end"):
        raise pynapple_error(
            MemphysRuntimeError, "align should be 'start' or 'end'", describe(align)
        )
    if isinstance(bin_size, bool) or not isinstance(bin_size, Number):
        raise MemphysRuntimeError("bin_size should be of type int or float")
    return bin_seconds(bin_size, time_unit)


def bin_seconds(bin_size: Any, time_units: str) -> float:
    """A bin size given in ``time_units``, in seconds (rounded as pynapple rounds times)."""
    return float(format_times(np.array([float(bin_size)]), time_units)[0])


def union_supports(supports: list[IntervalSet]) -> IntervalSet:
    """Union of the time supports of the units of a group, as pynapple builds it.

    One support is returned as is; two are joined with the interval union (touching
    intervals stay apart, and the IntervalSet then moves the first end back by 1 us, with
    pynapple's warning); three or more are sorted by start and every interval starting at
    or before the running end is joined.

    Examples
    --------
    >>> union_supports([IntervalSet(0, 5), IntervalSet(3, 8), IntervalSet(10, 12)]).values
    array([[ 0.,  8.],
           [10., 12.]])
    """
    if len(supports) == 1:
        return supports[0]
    if len(supports) == 2:
        a, b = supports
        s, e = ia.union(a.start, a.end, b.start, b.end)
        return IntervalSet(s, e)
    if not supports:
        return IntervalSet(start=[], end=[])
    starts = np.concatenate([s.start for s in supports])
    ends = np.concatenate([s.end for s in supports])
    if starts.size == 0:
        return IntervalSet(start=[], end=[])
    order = np.argsort(starts, kind="stable")
    starts, ends = starts[order], ends[order]
    run_end = np.maximum.accumulate(ends)
    new = np.empty(starts.size, dtype=bool)
    new[0] = True
    np.greater(starts[1:], run_end[:-1], out=new[1:])
    firsts = np.flatnonzero(new)
    lasts = np.append(firsts[1:] - 1, starts.size - 1)
    return IntervalSet(starts[firsts], run_end[lasts])


def gather_positions(i0: I64, i1: I64) -> I64:
    """Concatenated ``arange(i0[k], i1[k])`` for every k, without a Python loop.

    >>> gather_positions(np.array([0, 5, 9]), np.array([2, 5, 11]))
    array([ 0,  1,  9, 10])
    """
    counts = np.maximum(i1 - i0, 0).astype(np.int64)
    total = int(counts.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    first = np.cumsum(counts) - counts
    return np.repeat(i0 - first, counts) + np.arange(total, dtype=np.int64)


def restrict_unit(unit: Any, support: IntervalSet) -> Any:
    """``unit.restrict(support)``, with one gather for all epochs.

    Ts and in-memory 1-D Tsd are rebuilt from the gathered samples (the times are already
    validated, so they are trusted); other objects (frames, tensors, lazy data) use their
    own ``restrict``.
    """
    Ts, Tsd = series_class(0), series_class(1)
    cls = type(unit)
    if cls is Ts:
        values = None
    elif cls is Tsd and isinstance(unit.values, np.ndarray) and unit.values.ndim == 1:
        values = unit.values
        if isinstance(values, np.memmap):
            return unit.restrict(support)
    else:
        return unit.restrict(support)
    ti = unit.time_index
    i0, i1 = ti.epoch_positions(support.start, support.end)
    nonempty = np.flatnonzero(i1 > i0)
    if nonempty.size <= 1:  # one range (or none): a slice keeps a regular index regular
        a = int(i0[nonempty[0]]) if nonempty.size else 0
        b = int(i1[nonempty[0]]) if nonempty.size else 0
        new_ti = ti[a:b]
        new_values = None if values is None else values[a:b]
    else:
        pos = gather_positions(i0[nonempty], i1[nonempty])
        new_ti = as_time_index(ti.take(pos), check=False)
        new_values = None if values is None else values[pos]
    if values is None:
        return Ts._from_trusted(new_ti, support)
    return Tsd._from_trusted(new_ti, support, new_values)


def flat_times(units: list[Any]) -> tuple[F64, I64, I64]:
    """All spike times concatenated, the position of each one's unit, and the unit sizes.

    >>> from memphys.core.ts import Ts
    >>> flat_times([Ts(t=[0.0, 1.0]), Ts(t=[0.5, 2.0])])
    (array([0. , 1. , 0.5, 2. ]), array([0, 0, 1, 1]), array([2, 2]))
    """
    sizes = np.array([len(u) for u in units], dtype=np.int64)
    if not units or int(sizes.sum()) == 0:
        return np.zeros(0), np.zeros(0, dtype=np.int64), sizes
    t = np.concatenate([np.asarray(u.t, dtype=np.float64) for u in units])
    unit = np.repeat(np.arange(len(units), dtype=np.int64), sizes)
    return t, unit, sizes


def bin_edges(starts: F64, ends: F64, bin_size: float) -> tuple[F64, F64, I64, I64]:
    """Bins of pynapple's ``count(bin_size, ep)``, for every epoch at once.

    In each epoch ``[s, e]`` the first bin starts at ``s``; each next edge is the previous
    one plus ``bin_size``, rounded to 9 decimals; bins are made while their center
    ``lower_edge + bin_size / 2`` is not after ``e`` (at most
    ``ceil((e + bin_size - s) / bin_size)`` bins, or 1 when the epoch is not longer than
    ``bin_size``). The rounded edges are computed in integer nanoseconds (``edge_j =
    edge_1 + (j - 1) * round(bin_size)``), which equals pynapple's running rounded sum.

    Returns the bin centers, the lower edges, the number of bins of each epoch and the
    position of each epoch's first bin.

    Raises
    ------
    MemphysValueError
        If ``bin_size`` is not a finite number of at least 1 ns.

    Examples
    --------
    >>> centers, lower, n_bins, first = bin_edges(np.array([0.0, 10.0]), np.array([2.5, 11.0]), 1.0)
    >>> centers
    array([ 0.5,  1.5,  2.5, 10.5])
    >>> n_bins
    array([3, 1])
    """
    bs = float(bin_size)
    step = np.rint(bs * _SCALE) if np.isfinite(bs) else 0.0
    if not np.isfinite(bs) or bs <= 0 or step < 1:
        raise MemphysValueError(
            "Invalid value for `bin_size`: expected a finite number of at least 1 ns (in "
            f"`time_units`), but got {bin_size!r}."
        )
    starts = np.asarray(starts, dtype=np.float64)
    ends = np.asarray(ends, dtype=np.float64)
    n_ep = starts.size
    if n_ep == 0:
        z = np.zeros(0, dtype=np.int64)
        return np.zeros(0), np.zeros(0), z, z
    longer = (ends - starts) > bs
    with np.errstate(over="ignore", invalid="ignore"):
        cap = np.where(longer, np.ceil((ends + bs - starts) / bs), 1.0).astype(np.int64)
    # integer nanoseconds of the second edge of each epoch; the j-th edge (j >= 1) is
    # (n1 + (j - 1) * step) / 1e9
    n1 = np.rint((starts + bs) * _SCALE)
    half = bs / 2

    def lower(j: I64) -> F64:
        out = (n1 + (j - 1) * step) / _SCALE
        return np.where(j == 0, starts, out)

    def fits(j: I64) -> NDArray[np.bool_]:  # bin j of the epoch has its center in it
        return (lower(j) + half) <= ends

    # first estimate of the number of bins, then exact corrections (a step or two)
    with np.errstate(over="ignore", invalid="ignore"):
        est = np.floor(((ends - half) * _SCALE - n1) / step) + 2
    n_bins = np.clip(np.nan_to_num(est, nan=0.0), 0, cap).astype(np.int64)
    for _ in range(64):
        shrink = (n_bins > 0) & ~fits(np.maximum(n_bins - 1, 0))
        grow = (n_bins < cap) & fits(n_bins) & ~shrink
        if not (shrink.any() or grow.any()):
            break
        n_bins = n_bins - shrink + grow
    first = np.cumsum(n_bins) - n_bins
    total = int(n_bins.sum())
    # lower edge j >= 1 of an epoch: (n1 + (j - 1) * step) / 1e9; edge 0 is the start. In
    # place, with the same float operations in the same order as that formula: a few
    # full-length arrays instead of seven (5 M bins: ~130 MB less at the peak).
    epoch = np.repeat(np.arange(n_ep, dtype=np.int64), n_bins)
    jm1 = np.arange(total, dtype=np.float64)  # integers below 2**53: exact
    jm1 -= first[epoch] + 1  # j - 1 within each epoch
    jm1 *= step
    lo = n1[epoch]
    del epoch
    lo += jm1
    del jm1
    lo /= _SCALE
    has = n_bins > 0
    lo[first[has]] = starts[has]
    return lo + half, lo, n_bins, first


def _count_edges(
    starts: F64, ends: F64, bin_size: float | None
) -> tuple[F64, F64, NDArray[np.bool_], I64]:
    """Bin centers, one sorted array of edges, which edges open a bin, bins per epoch.

    Each epoch contributes the lower edge of each of its bins, then a terminal edge: the
    upper edge of its last bin, but never after the epoch's end (``nextafter(end)``, as
    epochs are closed). A bin counts the events from its lower edge to the next edge.
    """
    if bin_size is None:
        centers = starts + (ends - starts) / 2
        edges = np.column_stack([starts, np.nextafter(ends, np.inf)]).reshape(-1)
        opens = np.tile(np.array([True, False]), starts.size)
        return centers, edges, opens, np.ones(starts.size, dtype=np.int64)
    centers, lower, n_bins, first = bin_edges(starts, ends, bin_size)
    has = n_bins > 0
    step = np.rint(float(bin_size) * _SCALE)
    n1 = np.rint((starts[has] + float(bin_size)) * _SCALE)
    last_upper = (n1 + (n_bins[has] - 1) * step) / _SCALE
    terminal = np.minimum(last_upper, np.nextafter(ends[has], np.inf))
    term_pos = (first + n_bins)[has] + np.arange(int(has.sum()))
    size = lower.size + terminal.size
    opens = np.ones(size, dtype=bool)
    opens[term_pos] = False
    edges = np.empty(size)
    edges[opens] = lower
    edges[~opens] = terminal
    return centers, edges, opens, n_bins


def count_bins(
    trains: list[F64],
    starts: F64,
    ends: F64,
    bin_size: float | None,
) -> tuple[F64, NDArray[np.int64], I64]:
    """Event counts of every train in every bin: pynapple's ``TsGroup.count``.

    Without ``bin_size``, one bin per epoch (both ends included), centred on the epoch.
    With ``bin_size``, the bins of :func:`bin_edges`; a bin counts the events in
    ``[lower edge, next edge)`` and events after the last bin of an epoch are not counted.
    Each train (sorted) is searched once for all the edges, so the cost is
    ``O(n_edges log n_events)`` per train with no temporary as large as the events.

    Returns the bin centers, the ``(n_bins, n_trains)`` int64 counts and the number of
    bins of each epoch.

    Examples
    --------
    >>> trains = [np.array([0.2, 0.7, 1.5, 2.5]), np.array([0.1, 2.9])]
    >>> centers, counts, n_bins = count_bins(trains, np.array([0.0]), np.array([3.0]), 1.0)
    >>> centers
    array([0.5, 1.5, 2.5])
    >>> counts
    array([[2, 1],
           [1, 0],
           [1, 1]])
    """
    starts = np.asarray(starts, dtype=np.float64)
    ends = np.asarray(ends, dtype=np.float64)
    centers, edges, opens, n_bins = _count_edges(starts, ends, bin_size)
    out = np.zeros((centers.size, len(trains)), dtype=np.int64)
    if not edges.size:
        return centers, out, n_bins
    which = np.flatnonzero(opens)
    block = np.empty((min(_BLOCK_UNITS, len(trains)), centers.size), dtype=np.int64)
    for first in range(0, len(trains), _BLOCK_UNITS):
        chunk = trains[first : first + _BLOCK_UNITS]
        for i, t in enumerate(chunk):
            block[i] = _train_counts(t, edges, which)
        out[:, first : first + len(chunk)] = block[: len(chunk)].T
    return centers, out, n_bins


_BLOCK_UNITS = 64  # units counted before a transposed write into the (bins, units) output


def _train_counts(t: F64, edges: F64, which: I64) -> NDArray[np.int64]:
    """Events of one sorted train from each opening edge to the next edge.

    Searches the smaller of the two arrays into the larger: the events into the edges
    (then a bincount) for sparse trains, the edges into the events for dense ones.
    """
    if t.size == 0:
        return np.zeros(which.size, dtype=np.int64)
    if t.size < edges.size:
        pos = np.searchsorted(edges, t, side="right") - 1
        per_edge = np.bincount(pos[pos >= 0], minlength=edges.size)
        return per_edge[which]
    below = np.searchsorted(t, edges, side="left")
    return below[which + 1] - below[which]


def trial_tensor(
    counts: NDArray[np.int64], n_bins: I64, align: str, padding_value: float
) -> NDArray[np.float64]:
    """``(n_units, n_trials, width)`` array of the ``(n_bins.sum(), n_units)`` counts.

    Trial ``k`` owns the next ``n_bins[k]`` rows of ``counts``; ``width`` is the largest
    ``n_bins``. Trials are padded with ``padding_value`` after their bins
    (``align="start"``) or before them (``align="end"``).

    >>> trial_tensor(np.array([[1], [2], [3]]), np.array([1, 2]), "end", -1.0)
    array([[[-1.,  1.],
            [ 2.,  3.]]])
    """
    n_trials = n_bins.size
    width = int(n_bins.max()) if n_trials else 0
    out = np.full((counts.shape[1], n_trials, width), padding_value, dtype=np.float64)
    trial = np.repeat(np.arange(n_trials), n_bins)
    first = np.cumsum(n_bins) - n_bins
    rank = np.arange(counts.shape[0]) - first[trial]
    col = rank if align == "start" else width - n_bins[trial] + rank
    out[:, trial, col] = counts.T
    return out


def subsample_positions(n: int, fraction: float, rng: np.random.Generator) -> I64:
    """Sorted positions of ``round(n * fraction)`` of ``n`` events drawn without replacement.

    The draws are pynapple's (one ``rng.random(n)`` per unit that is neither emptied nor
    kept whole, then the smallest values), so a seed gives the same events.

    >>> subsample_positions(10, 0.3, np.random.default_rng(0))
    array([1, 2, 3])
    """
    keep = int(np.round(n * fraction))
    if n == 0 or keep == 0:
        return np.zeros(0, dtype=np.int64)
    if keep >= n:
        return np.arange(n, dtype=np.int64)
    return np.sort(np.argpartition(rng.random(n), keep)[:keep]).astype(np.int64)
