"""The min/max envelope of samples per pixel column, computed through the engine.

A long window of a recording cannot be drawn sample by sample (an hour of 30 kHz is
10^8 points per channel) and must not be read whole. What a screen shows of it is, in
each pixel column, the range of the samples that fall in that column. :class:`EnvelopeOp`
computes exactly that, as a :class:`~memphys.engine.BlockOp` of kind ``"gather"``: each
block of the source returns the minimum and maximum of its rows in each column it
overlaps (a compiled single pass, :mod:`memphys.plot._minmax_numba`), and the partial
results of a column split between blocks are combined. The memory used is one block of
the source per worker plus ``2 * n_columns * n_channels`` values, whatever the length of
the window; the result equals ``x[a:b].min(axis=0)`` and ``x[a:b].max(axis=0)`` for
each column's rows ``[a, b)``, exactly.

Columns are defined in time (:func:`column_edges`) and turned into rows by a search of
the time index, so a window over a gap between epochs gets empty columns (NaN) there.

Examples
--------
>>> import numpy as np
>>> x = np.arange(20, dtype="int16").reshape(10, 2)
>>> lo, hi = trace_envelope(x, np.array([0, 4, 4, 10]), chunk_size=3, progress_bar=False)
>>> lo.tolist()
[[0.0, 1.0], [nan, nan], [8.0, 9.0]]
>>> hi.tolist()
[[6.0, 7.0], [nan, nan], [18.0, 19.0]]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys._validation import value_error
from memphys.engine import Block, BlockOp, run_op

__all__ = ["EnvelopeOp", "column_edges", "trace_envelope"]


def column_edges(start: float, end: float, n_columns: int) -> np.ndarray:
    """``n_columns + 1`` evenly spaced times from ``start`` to ``end`` (the pixel columns).

    >>> column_edges(0.0, 1.0, 4).tolist()
    [0.0, 0.25, 0.5, 0.75, 1.0]
    """
    if not (np.isfinite(start) and np.isfinite(end) and end > start):
        raise value_error("start, end", "finite times with end > start", (start, end))
    if int(n_columns) < 1:
        raise value_error("n_columns", "an integer >= 1", n_columns)
    return np.linspace(float(start), float(end), int(n_columns) + 1)


class EnvelopeOp(BlockOp):
    """Minimum and maximum of the rows of each column ``[row_edges[k], row_edges[k + 1])``.

    A gather: each block returns ``(first column, mins, maxs)`` for the columns it
    overlaps; :meth:`finish` combines them into two ``(n_columns, n_channels)`` float64
    arrays, NaN for empty columns. Run it on the rows ``[row_edges[0], row_edges[-1])``.

    Parameters
    ----------
    row_edges : array of int
        Non-decreasing row positions; column ``k`` holds rows
        ``[row_edges[k], row_edges[k + 1])``.
    """

    kind = "gather"
    label = "envelope"

    def __init__(self, row_edges: Any) -> None:
        edges = np.asarray(row_edges, dtype=np.int64)
        if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) < 0):
            raise value_error(
                "row_edges", "a non-decreasing 1-D array of at least 2 row positions", edges
            )
        self.row_edges = edges

    def temp_bytes_per_row(self, in_dtype: Any, in_trailing: tuple[int, ...]) -> int:
        # a contiguous copy of a strided block (a channel selection), nothing else per row
        return int(np.dtype(in_dtype).itemsize * max(1, int(np.prod(in_trailing))))

    @property
    def n_columns(self) -> int:
        return len(self.row_edges) - 1

    def __call__(self, data: np.ndarray, block: Block) -> Any:
        from memphys.plot._minmax_numba import minmax_columns

        x = np.asarray(data)[block.trim_before : block.trim_before + block.length]
        x = x.reshape(len(x), -1)
        edges = self.row_edges
        # the columns overlapping [start, stop): k0 .. k1 - 1
        k0 = int(np.searchsorted(edges, block.start, side="right")) - 1
        k1 = int(np.searchsorted(edges, block.stop, side="left"))
        k0 = max(k0, 0)
        k1 = min(max(k1, k0), self.n_columns)
        bounds = np.clip(edges[k0 : k1 + 1], block.start, block.stop) - block.start
        keep = np.flatnonzero(np.diff(bounds) > 0)
        if keep.size == 0:
            return None
        # empty columns have no rows: the others are contiguous, one bounds array serves
        lo, hi = minmax_columns(x, np.append(bounds[keep], bounds[keep[-1] + 1]))
        return (k0 + keep).astype(np.int64), lo, hi

    def finish(self, result: Any) -> tuple[np.ndarray, np.ndarray]:
        lo: np.ndarray | None = None
        hi: np.ndarray | None = None
        seen = np.zeros(self.n_columns, dtype=bool)
        for payload in result:
            if payload is None:
                continue
            cols, plo, phi = payload
            if lo is None or hi is None:
                width = plo.shape[1]
                lo = np.full((self.n_columns, width), np.nan)
                hi = np.full((self.n_columns, width), np.nan)
            new_lo = plo.astype(np.float64)
            new_hi = phi.astype(np.float64)
            again = seen[cols]  # a column split between blocks: combine (NaN propagates)
            if again.any():
                c = cols[again]
                new_lo[again] = np.minimum(lo[c], new_lo[again])
                new_hi[again] = np.maximum(hi[c], new_hi[again])
            lo[cols] = new_lo
            hi[cols] = new_hi
            seen[cols] = True
        if lo is None or hi is None:
            return np.full((self.n_columns, 0), np.nan), np.full((self.n_columns, 0), np.nan)
        return lo, hi


def trace_envelope(
    source: Any,
    row_edges: Any,
    channels: Any = None,
    **job_kwargs: Any,
) -> tuple[np.ndarray, np.ndarray]:
    """Per-column minimum and maximum of ``source`` (any array or lazy array, rows along
    axis 0), each a float64 ``(n_columns, n_channels)`` array (NaN for empty columns).

    Parameters
    ----------
    source : array-like or LazyArray
        Anything :func:`memphys.arrays.as_lazy` accepts (a memmap, zarr, HDF5 ...).
    row_edges : array of int
        Column ``k`` holds rows ``[row_edges[k], row_edges[k + 1])``.
    channels : optional
        Channel selection (axis 1) read from the source.
    **job_kwargs
        ``n_jobs``, ``chunk_size`` | ``chunk_duration`` | ``chunk_memory`` |
        ``total_memory``, ``pool_engine``, ``progress_bar`` ...
    """
    op = EnvelopeOp(row_edges)
    a, b = int(op.row_edges[0]), int(op.row_edges[-1])
    if b <= a:
        return op.finish([])
    lo, hi = run_op(op, source, [(a, b)], channels=channels, **job_kwargs)
    return lo, hi
