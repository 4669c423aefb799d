"""Helpers of the figure tests: what a drawn artist holds."""

from __future__ import annotations

from typing import Any

import numpy as np


def fill_between_bounds(coll: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(x, y1, y2) of a one-polygon ``fill_between`` collection (matplotlib's layout: the
    start point, the ``y1`` path, the end point, the ``y2`` path reversed, the close)."""
    paths = coll.get_paths()
    assert len(paths) == 1, f"{len(paths)} polygons"
    v = paths[0].vertices
    n = (len(v) - 3) // 2
    x = v[1 : n + 1, 0]
    y1 = v[1 : n + 1, 1]
    y2 = v[n + 2 : 2 * n + 2, 1][::-1]
    return x, y1, y2


def reference_envelope(
    values: np.ndarray, times: np.ndarray, edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """numpy's min and max of the samples in each column ``[edges[k], edges[k+1])`` (the
    last column includes its end), NaN for an empty column."""
    n_cols = len(edges) - 1
    lo = np.full((n_cols, values.shape[1]), np.nan)
    hi = np.full((n_cols, values.shape[1]), np.nan)
    for k in range(n_cols):
        if k < n_cols - 1:
            rows = (times >= edges[k]) & (times < edges[k + 1])
        else:
            rows = (times >= edges[k]) & (times <= edges[k + 1])
        if rows.any():
            lo[k] = values[rows].min(axis=0)
            hi[k] = values[rows].max(axis=0)
    return lo, hi
