"""Binning helpers of the tuning curves: numpy's ``histogramdd`` rules, applied in blocks.

``np.histogramdd`` needs the whole sample at once. Tuning curves instead read features
(which may be lazy: a memmap or zarr TsdFrame) epoch by epoch with ``iter_chunks`` and
accumulate integer counts with ``bincount``; the bin edges and the bin of each sample follow
``histogramdd`` exactly (``searchsorted(..., side="right")``, values equal to the last edge
in the last bin, values outside the edges or NaN dropped), so the counts are identical.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np

from memphys.core.interval_set import IntervalSet
from memphys.errors import MemphysTypeError, MemphysValueError

__all__ = [
    "bin_edges",
    "feature_blocks",
    "feature_min_max",
    "flat_bin_index",
    "n_cells",
]


def feature_blocks(features: Any, epochs: IntervalSet) -> Any:
    """Yield 2-D float blocks of the feature rows inside ``epochs`` (one epoch at a time)."""
    for _block, chunk in features.iter_chunks(ep=epochs):
        values = np.asarray(chunk.values)
        yield values.reshape(values.shape[0], -1)


def feature_min_max(features: Any, epochs: IntervalSet, n_dims: int) -> tuple[Any, Any, int]:
    """Per-dimension min and max (NaN propagates, as ``ndarray.min``) and the row count."""
    lo: list[Any] = [None] * n_dims
    hi: list[Any] = [None] * n_dims
    rows = 0
    for values in feature_blocks(features, epochs):
        if values.shape[0] == 0:
            continue
        rows += values.shape[0]
        bmin, bmax = values.min(axis=0), values.max(axis=0)
        for d in range(n_dims):
            lo[d] = bmin[d] if lo[d] is None else np.minimum(lo[d], bmin[d])
            hi[d] = bmax[d] if hi[d] is None else np.maximum(hi[d], bmax[d])
    return lo, hi, rows


def _outer_edges(lo: Any, hi: Any, rng: Any, rows: int) -> tuple[Any, Any]:
    """numpy's outer edges of one dimension: the given range, else the data's min and max."""
    if rng is not None:
        first, last = rng
        if first > last:
            raise MemphysValueError("max must be larger than min in range parameter.")
        if not (np.isfinite(first) and np.isfinite(last)):
            raise MemphysValueError(f"supplied range of [{first}, {last}] is not finite")
    elif rows == 0:
        first, last = 0, 1
    else:
        first, last = lo, hi
        if not (np.isfinite(first) and np.isfinite(last)):
            raise MemphysValueError(f"autodetected range of [{first}, {last}] is not finite")
    if first == last:
        first, last = first - 0.5, last + 0.5
    return first, last


def bin_edges(
    bins: Any, rng: Any, n_dims: int, features: Any, epochs: IntervalSet
) -> list[np.ndarray]:
    """The bin edges ``np.histogramdd(features, bins, range)`` would use, one array per dim.

    The feature is only read (per epoch) when a dimension needs its min and max.
    """
    try:
        n_specs = len(bins)
    except TypeError:
        bins = n_dims * [bins]
    else:
        if n_specs != n_dims:
            raise MemphysValueError(
                "The dimension of bins must be equal to the dimension of the sample x."
            )
    if rng is None:
        rng = (None,) * n_dims
    needs_data = [np.ndim(b) == 0 and rng[d] is None for d, b in enumerate(bins)]
    lo: list[Any] = [None] * n_dims
    hi: list[Any] = [None] * n_dims
    rows = 0
    if any(needs_data):
        lo, hi, rows = feature_min_max(features, epochs, n_dims)
    edges: list[np.ndarray] = []
    for d, b in enumerate(bins):
        if np.ndim(b) == 0:
            if b < 1:
                raise MemphysValueError(f"`bins[{d}]` must be positive, when an integer")
            first, last = _outer_edges(lo[d], hi[d], rng[d], rows)
            try:
                n = operator.index(b)
            except TypeError as exc:
                raise MemphysTypeError(f"`bins[{d}]` must be an integer, when a scalar") from exc
            edges.append(np.linspace(first, last, n + 1))
        elif np.ndim(b) == 1:
            e = np.asarray(b)
            if np.any(e[:-1] > e[1:]):
                raise MemphysValueError(
                    f"`bins[{d}]` must be monotonically increasing, when an array"
                )
            edges.append(e)
        else:
            raise MemphysValueError(f"`bins[{d}]` must be a scalar or 1d array")
    return edges


def n_cells(edges: list[np.ndarray]) -> tuple[int, ...]:
    return tuple(len(e) - 1 for e in edges)


def flat_bin_index(values: np.ndarray, edges: list[np.ndarray]) -> np.ndarray:
    """Flat (C-order) bin of each row of ``values``; -1 where a value falls outside.

    >>> flat_bin_index(np.array([[0.0], [0.5], [1.0], [2.0]]), [np.array([0.0, 0.5, 1.0])])
    array([ 0,  1,  1, -1])
    """
    shape = n_cells(edges)
    flat = np.zeros(values.shape[0], dtype=np.intp)
    ok = np.ones(values.shape[0], dtype=bool)
    for d, e in enumerate(edges):
        x = values[:, d]
        i = np.searchsorted(e, x, side="right")
        i[x == e[-1]] -= 1
        i -= 1
        ok &= (i >= 0) & (i < shape[d])
        flat = flat * shape[d] + i
    flat[~ok] = -1
    return flat
