"""The compiled min/max per column of rows (numba), imported only when an envelope is
computed (never by ``import memphys`` nor ``import memphys.plot``).

One pass over a C-contiguous block, rows outer and channels inner: 5-7 GB/s on int16
(numpy's ``minimum.reduceat`` along axis 0 runs at 0.25 GB/s, and a ``min`` then a
``max`` per column at ~1.1 GB/s). NaN propagates as in numpy's ``min``/``max``.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["minmax_columns"]


@numba.njit(nogil=True, cache=True)
def _minmax_int(x, bounds, lo, hi):  # pragma: no cover - compiled
    c = x.shape[1]
    for k in range(len(bounds) - 1):
        a = bounds[k]
        b = bounds[k + 1]
        low = x[a].copy()
        high = x[a].copy()
        for i in range(a + 1, b):
            row = x[i]
            for j in range(c):
                v = row[j]
                low[j] = min(low[j], v)
                high[j] = max(high[j], v)
        lo[k] = low
        hi[k] = high


@numba.njit(nogil=True, cache=True)
def _minmax_float(x, bounds, lo, hi):  # pragma: no cover - compiled
    c = x.shape[1]
    nan = np.zeros(c, dtype=np.bool_)
    for k in range(len(bounds) - 1):
        a = bounds[k]
        b = bounds[k + 1]
        low = x[a].copy()
        high = x[a].copy()
        nan[:] = False
        for i in range(a, b):
            row = x[i]
            for j in range(c):
                v = row[j]
                low[j] = min(low[j], v)
                high[j] = max(high[j], v)
                nan[j] |= v != v
        for j in range(c):
            if nan[j]:
                low[j] = np.nan
                high[j] = np.nan
        lo[k] = low
        hi[k] = high


def minmax_columns(x: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Minimum and maximum of the rows ``[bounds[k], bounds[k + 1])`` of ``x`` (2-D), for
    each ``k``; every range must be non-empty.

    >>> x = np.array([[1, 5], [3, -2], [0, 7], [4, 4]], dtype=np.int16)
    >>> lo, hi = minmax_columns(x, np.array([0, 2, 4]))
    >>> lo.tolist(), hi.tolist()
    ([[1, -2], [0, 4]], [[3, 5], [4, 7]])
    """
    x = np.ascontiguousarray(x)
    if x.dtype == np.bool_:
        x = x.view(np.uint8)
    bounds = np.asarray(bounds, dtype=np.int64)
    k = len(bounds) - 1
    lo = np.empty((k, x.shape[1]), dtype=x.dtype)
    hi = np.empty((k, x.shape[1]), dtype=x.dtype)
    if k > 0:
        kernel = _minmax_float if x.dtype.kind in "fc" else _minmax_int
        kernel(x, bounds, lo, hi)
    return lo, hi
