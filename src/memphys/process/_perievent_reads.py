"""Contiguous reads of many small row ranges: the windows around events.

:func:`read_ranges` takes one row range ``[lo[i], hi[i])`` per item (an event's window, a
bin's samples), merges ranges that overlap or lie less than ``gap`` rows apart into runs,
caps each run's length by the memory budget, reads each run once through the engine
(serially or with ``n_jobs`` workers; never a fancy index on the source) and returns the
rows of all runs, concatenated, with the offset of each item's rows in that buffer. Item
``i``'s rows are ``buffer[off[i] : off[i] + hi[i] - lo[i]]``.

It is the same grouping of nearby positions into contiguous runs as
:func:`memphys.core.blocks.gather_rows` (which ``value_from`` uses), for ranges
instead of single positions.

Examples
--------
>>> import numpy as np
>>> x = np.arange(100) * 10
>>> buf, off = read_ranges(x, np.array([2, 4, 60]), np.array([5, 7, 62]), gap=8)
>>> buf.tolist(), off.tolist()
([20, 30, 40, 50, 60, 600, 610], [0, 2, 5])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.core.blocks import (
    MERGE_GAP,
    memory_budget,
    memory_budget_error,
    row_nbytes,
    source_of,
)
from memphys.engine import FuncOp, run_op

__all__ = ["merge_ranges", "read_ranges"]


def merge_ranges(
    lo: np.ndarray, hi: np.ndarray, gap: int = MERGE_GAP, max_rows: int | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Group item ranges (sorted by ``lo``: the caller sorts) into runs ``[rs[r], re[r])``.

    Items whose range starts less than ``gap`` rows after the end of the run so far join
    it, unless the run would then span more than ``max_rows`` rows (a single item longer
    than ``max_rows`` is a run of its own). Runs may overlap when a long group is cut.

    Returns
    -------
    run_start, run_stop : int64 arrays, one per run
    run_of : int64 array, the run of each item

    Examples
    --------
    >>> merge_ranges(np.array([0, 3, 50]), np.array([5, 9, 52]), gap=4)
    (array([ 0, 50]), array([ 9, 52]), array([0, 0, 1]))
    >>> merge_ranges(np.array([0, 3, 6]), np.array([5, 9, 12]), gap=4, max_rows=10)[:2]
    (array([0, 6]), array([ 9, 12]))
    """
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.asarray(hi, dtype=np.int64)
    n = lo.size
    if n == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e.copy(), e.copy()
    reach = np.maximum.accumulate(hi)
    # a new group starts where an item begins `gap` rows or more after everything before
    new = np.r_[True, lo[1:] >= reach[:-1] + gap]
    firsts = np.flatnonzero(new)
    lasts = np.r_[firsts[1:], n]
    rs: list[int] = []
    rstop: list[int] = []
    run_of = np.empty(n, dtype=np.int64)
    cap = max_rows if max_rows is not None else None
    for a, b in zip(firsts.tolist(), lasts.tolist(), strict=True):
        if cap is None or int(reach[b - 1]) - int(lo[a]) <= cap:
            run_of[a:b] = len(rs)
            rs.append(int(lo[a]))
            rstop.append(int(reach[b - 1]))
            continue
        i = a
        while i < b:  # cut a group whose read would be too large
            first = int(lo[i])
            # items i..j-1 end within `cap` rows of `first` (reach is non-decreasing)
            j = int(np.searchsorted(reach[i:b], first + cap, side="right")) + i
            j = max(j, i + 1)
            run_of[i:j] = len(rs)
            rs.append(first)
            rstop.append(int(reach[j - 1]) if j - 1 >= i else first)
            i = j
    # reach[j-1] counts items before i too; a run ends at its own items' furthest end
    rs_a = np.asarray(rs, dtype=np.int64)
    re_a = np.asarray(rstop, dtype=np.int64)
    if cap is not None:
        own = np.zeros(rs_a.size, dtype=np.int64)
        np.maximum.at(own, run_of, hi)
        re_a = np.maximum(own, rs_a)
    return rs_a, re_a, run_of


def read_ranges(
    values: Any,
    lo: np.ndarray,
    hi: np.ndarray,
    *,
    gap: int = MERGE_GAP,
    job_kwargs: dict[str, Any] | None = None,
    what: str = "this read",
) -> tuple[np.ndarray, np.ndarray]:
    """Read the rows ``[lo[i], hi[i])`` of ``values`` for every item, in contiguous runs.

    Ranges may come in any order and may be empty or overlap. The buffer holds the
    runs' rows in order; it must fit the memory budget (``MemoryBudgetError`` otherwise).
    An in-memory array is sliced directly; any other source is read through the engine,
    one block per run, with ``job_kwargs`` (``n_jobs``, ``pool_engine`` ...).

    Returns
    -------
    buffer : numpy.ndarray
        ``(n_rows_read, *values.shape[1:])`` in the source's dtype.
    offsets : int64 array
        Position of each item's first row in ``buffer``.
    """
    lo = np.asarray(lo, dtype=np.int64)
    hi = np.maximum(np.asarray(hi, dtype=np.int64), lo)
    shape = tuple(values.shape)
    rb = max(row_nbytes(values), 1)
    max_rows = max(1, memory_budget() // (4 * rb))
    order = None
    if lo.size and np.any(np.diff(lo) < 0):
        order = np.argsort(lo, kind="stable")
        lo, hi = lo[order], hi[order]
    rs, re, run_of = merge_ranges(lo, hi, gap=gap, max_rows=max_rows)
    lengths = re - rs
    total = int(lengths.sum())
    if total * rb > memory_budget():
        raise memory_budget_error(what, total * rb, values)
    run_off = np.r_[0, np.cumsum(lengths)[:-1]].astype(np.int64) if rs.size else rs
    offsets = run_off[run_of] + (lo - rs[run_of]) if lo.size else np.zeros(0, dtype=np.int64)
    if order is not None:
        unsorted = np.empty_like(offsets)
        unsorted[order] = offsets
        offsets = unsorted
    if total == 0:
        return np.empty((0, *shape[1:]), dtype=values.dtype), offsets
    if isinstance(values, np.ndarray) and not isinstance(values, np.memmap):
        parts = [values[a:b] for a, b in zip(rs.tolist(), re.tolist(), strict=True)]
        return np.concatenate(parts, axis=0), offsets
    keep = lengths > 0
    segs = np.column_stack([rs[keep], re[keep]]).astype(np.int64)
    job = dict(job_kwargs or {})
    job.setdefault("progress_bar", False)
    # the runs' rows, concatenated: a map whose segments are the runs (a run longer than
    # one block is read in several blocks, still in order)
    op = FuncOp(_identity, dtype=values.dtype, trailing_shape=shape[1:], factor=1.0, label=what)
    buffer = run_op(op, source_of(values), segs, **job)
    return np.asarray(buffer), offsets


def _identity(data: np.ndarray) -> np.ndarray:
    return data
