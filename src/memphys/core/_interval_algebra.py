"""Vectorised interval algebra on float64 ``start``/``end`` arrays.

Every function here is pure: it takes numpy arrays of interval bounds (in seconds) and
returns new arrays. There is no Python loop over intervals; each operation is a handful
of sorts, ``searchsorted`` calls and cumulative sums, so it costs O((n + m) log(n + m)).

Conventions (those of pynapple):

* A *valid set* has sorted bounds with ``start[0] < end[0] < start[1] < end[1] < ...``
  (non-overlapping, non-touching, no zero-length interval). :func:`fix_intervals` turns
  sorted, possibly overlapping bounds into a valid set.
* Two intervals *overlap* when they share more than one point: ``s1 < e2`` and
  ``s2 < e1``. Touching intervals (``e1 == s2``) do not overlap.
* A time ``t`` is inside ``[start, end]`` when ``start <= t <= end`` (closed interval).

Examples
--------
>>> import numpy as np
>>> from memphys.core import _interval_algebra as ia
>>> s, e, i1, i2 = ia.intersect(
...     np.array([0.0, 30.0]), np.array([10.0, 70.0]), np.array([40.0]), np.array([100.0])
... )
>>> s, e, i1, i2
(array([40.]), array([70.]), array([1]), array([0]))
>>> ia.in_interval(np.array([5.0, 20.0, 50.0]), np.array([0.0, 30.0]), np.array([10.0, 70.0]))
array([ 0., nan,  1.])
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "FIX_WARNINGS",
    "fix_intervals",
    "in_interval",
    "intersect",
    "merge_close",
    "set_diff",
    "split",
    "union",
]

F64 = NDArray[np.float64]
I64 = NDArray[np.int64]

#: Messages of the fixing pass, in the order of the flags returned by :func:`fix_intervals`.
FIX_WARNINGS = (
    "Some starts and ends are equal. Removing 1 microsecond!",
    "Some ends precede the relative start. Dropping them!",
    "Some starts precede the previous end. Joining them!",
    "Some epochs have no duration",
)

#: Shift applied to an end that touches the next start (as pynapple: one microsecond).
TOUCH_SHIFT = 1e-6


def _ranges(counts: I64) -> tuple[I64, I64]:
    """For group sizes ``counts``, return ``(group, k)``: group id and rank of each item.

    >>> _ranges(np.array([2, 0, 3]))
    (array([0, 0, 2, 2, 2]), array([0, 1, 0, 1, 2]))
    """
    counts = np.asarray(counts, dtype=np.int64)
    total = int(counts.sum())
    group = np.repeat(np.arange(counts.size, dtype=np.int64), counts)
    first = np.cumsum(counts) - counts
    k = np.arange(total, dtype=np.int64) - first[group]
    return group, k


def fix_intervals(start: F64, end: F64) -> tuple[F64, F64, NDArray[np.bool_]]:
    """Turn sorted bounds into a valid set, as pynapple's constructor does.

    ``start`` and ``end`` must each be sorted (non-decreasing) with ``end >= start``
    elementwise. Then, scanning groups of consecutive overlapping intervals:

    * an isolated interval of zero duration is dropped (flag 3);
    * a group of overlapping intervals is joined into one (flag 2);
    * an end equal to the next start is moved back by one microsecond (flag 0).

    Returns the new bounds and four flags, one per message of :data:`FIX_WARNINGS`
    (flag 1, "ends precede the relative start", never happens here: callers reject such
    input first).

    Examples
    --------
    >>> s, e, flags = fix_intervals(np.array([0.0, 5.0, 10.0]), np.array([4.0, 10.0, 12.0]))
    >>> e
    array([ 4.      ,  9.999999, 12.      ])
    >>> flags
    array([ True, False, False, False])
    >>> fix_intervals(np.array([0.0, 2.0, 8.0]), np.array([3.0, 6.0, 8.0]))[:2]
    (array([0.]), array([6.]))
    """
    start = np.asarray(start, dtype=np.float64)
    end = np.asarray(end, dtype=np.float64)
    flags = np.zeros(4, dtype=bool)
    n = start.size
    if n == 0:
        return start.copy(), end.copy(), flags
    # a new group starts where the next start does not precede the current end
    new_group = np.empty(n, dtype=bool)
    new_group[0] = True
    np.greater_equal(start[1:], end[:-1], out=new_group[1:])
    firsts = np.flatnonzero(new_group)
    lasts = np.empty_like(firsts)
    lasts[:-1] = firsts[1:] - 1
    lasts[-1] = n - 1
    single = firsts == lasts
    if not single.all():
        flags[2] = True
    # a zero-length interval alone in its group is dropped
    empty = single & (start[firsts] == end[firsts])
    if empty.any():
        flags[3] = True
        firsts = firsts[~empty]
        lasts = lasts[~empty]
    new_start = start[firsts]
    new_end = end[lasts].copy()  # ends are sorted: the last end of a group is its maximum
    has_next = lasts < n - 1
    touch = np.zeros(lasts.size, dtype=bool)
    touch[has_next] = new_end[has_next] == start[lasts[has_next] + 1]
    if touch.any():
        flags[0] = True
        new_end[touch] -= TOUCH_SHIFT
    return new_start, new_end, flags


def intersect(s1: F64, e1: F64, s2: F64, e2: F64) -> tuple[F64, F64, I64, I64]:
    """Intersection of two valid sets.

    Returns the bounds of the pieces and, for each piece, the index of the interval of
    each set it comes from (for metadata). Touching intervals give no piece.

    Examples
    --------
    >>> intersect(np.array([0.0, 50.0]), np.array([30.0, 70.0]), np.array([20.0]), np.array([60.0]))
    (array([20., 50.]), array([30., 60.]), array([0, 1]), array([0, 0]))
    """
    # intervals of set 2 overlapping interval i of set 1: lo[i] <= j < hi[i]
    lo = np.searchsorted(e2, s1, side="right")
    hi = np.searchsorted(s2, e1, side="left")
    counts = np.maximum(hi - lo, 0).astype(np.int64)
    i1, k = _ranges(counts)
    i2 = lo[i1] + k
    s = np.maximum(s1[i1], s2[i2])
    e = np.minimum(e1[i1], e2[i2])
    return s, e, i1, i2.astype(np.int64)


def union(s1: F64, e1: F64, s2: F64, e2: F64) -> tuple[F64, F64]:
    """Union of two valid sets: overlapping intervals are joined.

    Touching intervals are left as they are (pynapple then moves the first end back by one
    microsecond when the result is turned into an IntervalSet).

    Examples
    --------
    >>> union(np.array([0.0, 30.0]), np.array([10.0, 70.0]), np.array([40.0]), np.array([100.0]))
    (array([ 0., 30.]), array([ 10., 100.]))
    """
    # both sets are valid, so sorting starts and ends separately keeps start <= end and
    # the same covered set (the coverage count depends only on the two multisets)
    s = np.sort(np.concatenate([s1, s2]))
    e = np.sort(np.concatenate([e1, e2]))
    if s.size == 0:
        return s, e
    new_group = np.empty(s.size, dtype=bool)
    new_group[0] = True
    np.greater_equal(s[1:], e[:-1], out=new_group[1:])
    firsts = np.flatnonzero(new_group)
    lasts = np.append(firsts[1:] - 1, s.size - 1)
    return s[firsts], e[lasts]


def set_diff(s1: F64, e1: F64, s2: F64, e2: F64) -> tuple[F64, F64, I64]:
    """Set difference ``set1 - set2`` of two valid sets.

    The pieces keep the bounds of the removed intervals (``[0, 10] - [4, 6]`` gives
    ``[0, 4]`` and ``[6, 10]``), as pynapple. Also returns, for each piece, the index of
    the interval of set 1 it comes from.

    Examples
    --------
    >>> set_diff(np.array([0.0, 60.0]), np.array([50.0, 80.0]),
    ...          np.array([20.0, 40.0]), np.array([30.0, 70.0]))
    (array([ 0., 30., 70.]), array([20., 40., 80.]), array([0, 0, 1]))
    """
    lo = np.searchsorted(e2, s1, side="right")
    hi = np.searchsorted(s2, e1, side="left")
    counts = np.maximum(hi - lo, 0).astype(np.int64)
    # interval i is cut by counts[i] intervals of set 2 into counts[i] + 1 candidate pieces:
    # [s1, s2[lo]], [e2[lo], s2[lo+1]], ..., [e2[hi-1], e1]
    idx, k = _ranges(counts + 1)
    j = lo[idx] + k  # index in set 2 of the interval that ends the piece (if any)
    piece_start = np.where(k == 0, s1[idx], e2[np.clip(j - 1, 0, None)] if e2.size else 0.0)
    last = k == counts[idx]
    piece_end = np.where(last, e1[idx], s2[np.clip(j, 0, max(s2.size - 1, 0))] if s2.size else 0.0)
    keep = piece_end > piece_start
    return piece_start[keep], piece_end[keep], idx[keep]


def in_interval(t: F64, start: F64, end: F64) -> F64:
    """Index of the interval (closed) containing each time, or NaN.

    ``t`` need not be sorted.

    Examples
    --------
    >>> in_interval(np.array([0.0, 10.0, 10.5]), np.array([0.0]), np.array([10.0]))
    array([ 0.,  0., nan])
    """
    t = np.asarray(t, dtype=np.float64)
    out = np.full(t.shape, np.nan)
    if start.size == 0 or t.size == 0:
        return out
    i = np.searchsorted(start, t, side="right") - 1
    ok = i >= 0
    ok[ok] = t[ok] <= end[i[ok]]
    out[ok] = i[ok]
    return out


def merge_close(start: F64, end: F64, threshold: float) -> tuple[F64, F64]:
    """Join consecutive intervals separated by a gap ``<= threshold``.

    Examples
    --------
    >>> merge_close(np.array([0.0, 10.0, 16.0]), np.array([5.0, 15.0, 20.0]), 4.0)
    (array([ 0., 10.]), array([ 5., 20.]))
    """
    if start.size == 0:
        return start.copy(), end.copy()
    keep_gap = (start[1:] - end[:-1]) > threshold
    new_start = np.concatenate([start[:1], start[1:][keep_gap]])
    new_end = np.concatenate([end[:-1][keep_gap], end[-1:]])
    return new_start, new_end


def split(start: F64, end: F64, size: float, decimals: int = 9) -> tuple[F64, F64, I64]:
    """Cut each interval longer than ``size`` into consecutive pieces of length ``size``.

    As pynapple: intervals not longer than ``size`` are skipped, a last piece shorter than
    ``size`` is dropped, bounds are rounded to ``decimals`` and every end is moved back by one
    microsecond so that pieces do not touch. Returns the pieces and the index of the
    interval each piece comes from.

    Examples
    --------
    >>> s, e, idx = split(np.array([0.0]), np.array([3.5]), 1.0)
    >>> s, e, idx
    (array([0., 1., 2.]), array([0.999999, 1.999999, 2.999999]), array([0, 0, 0]))
    """
    size = float(np.round(size, decimals))
    durations = np.round(end - start, decimals)
    cand = np.flatnonzero(durations > size)
    counts = np.ceil((end[cand] - start[cand]) / size).astype(np.int64)
    grp, k = _ranges(counts)
    src = cand[grp]
    new_start = start[src] + k * size
    is_last = k == counts[grp] - 1
    nxt = np.empty_like(new_start)
    nxt[:-1] = new_start[1:]
    new_end = np.where(is_last, end[src], nxt) if new_start.size else new_start.copy()
    new_start = np.round(new_start, decimals).astype(np.float64)
    new_end = np.round(new_end, decimals).astype(np.float64)
    keep = np.round(new_end - new_start, decimals) >= size
    return new_start[keep], new_end[keep] - TOUCH_SHIFT, src[keep].astype(np.int64)
