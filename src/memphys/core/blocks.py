"""Block operations on time series: :func:`apply_blocks`, and the public helpers analyses use.

:func:`apply_blocks` runs a :class:`~memphys.engine.BlockOp` over the samples of a Tsd,
TsdFrame or TsdTensor, epoch by epoch: each epoch of ``epochs`` (default: the time
support) is a segment of the engine, so blocks never straddle two epochs and halos are
clipped at epoch edges (pynapple treats each epoch as a separate signal). A map returns a
time series of the same kind on the epochs' rows; a reduction or a gather returns the
engine's value. Everything else (block sizes for each executor, workers, sinks, where a
large result goes) is the engine's business (:func:`memphys.engine.run_op`).

The other functions are what an analysis needs beside it, public so that ``process/``
and third-party code never reach into private names: :func:`epoch_rows`,
:func:`rows_time_index`, :func:`series_like`, :func:`source_of`, :func:`gather_rows`,
:func:`check_job_kwargs`, :func:`memory_budget`, :func:`row_nbytes`,
:func:`memory_budget_error`, :func:`is_in_memory`, :func:`sampling_rate_of`,
:func:`count_bin_edges`. See ``docs/extending.md``.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> from memphys.engine import BlockOp
>>> class Double(BlockOp):
...     dtype = np.float64
...     def __call__(self, data, block):
...         return data * 2.0
>>> x = nap.Tsd(t=np.arange(6.0), d=np.arange(6), time_support=nap.IntervalSet([0, 4], [2, 5]))
>>> y = apply_blocks(x, Double(), chunk_size=2)
>>> y.t, y.values
(array([0., 1., 2., 4., 5.]), array([ 0.,  2.,  4.,  8., 10.]))
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from memphys.core._ts_group_ops import _count_edges
from memphys.core.base_class import (
    _Base,
    _initialize_tsd_output,
    adapter,
    budget,
    budget_error,
    index_ranges,
)
from memphys.core.base_class import is_in_memory as _is_in_memory
from memphys.core.base_class import row_nbytes as _row_nbytes
from memphys.core.interval_set import IntervalSet
from memphys.core.time_index import TimeIndex
from memphys.errors import MemoryBudgetError, MemphysTypeError

if TYPE_CHECKING:
    import zarr

    from memphys.arrays.base import LazyArray
    from memphys.core._base_tsd import _BaseTsd
    from memphys.engine import BlockOp

    #: Where ``apply_blocks`` writes a map's result: a ``.npy``/``.zarr`` path or an array.
    Out = str | os.PathLike[str] | np.ndarray | zarr.Array[Any]

__all__ = [
    "MERGE_GAP",
    "apply_blocks",
    "check_job_kwargs",
    "count_bin_edges",
    "epoch_rows",
    "gather_rows",
    "is_in_memory",
    "memory_budget",
    "memory_budget_error",
    "row_nbytes",
    "rows_time_index",
    "sampling_rate_of",
    "series_like",
    "source_of",
]

#: Positions closer than this many rows are read with one contiguous read.
MERGE_GAP = 32


# --- small public helpers -------------------------------------------------------------------
def memory_budget() -> int:
    """The memory budget in bytes (``memphys.get_config("memory_budget")``).

    >>> memory_budget() > 0
    True
    """
    return budget()


def row_nbytes(values: Any) -> int:
    """Bytes of one row (axis 0) of ``values``.

    >>> row_nbytes(np.zeros((5, 3), dtype=np.int16))
    6
    """
    return _row_nbytes(values)


def is_in_memory(values: Any) -> bool:
    """True for a plain in-memory numpy array (not a memmap, not a lazy source).

    >>> is_in_memory(np.zeros(3)), is_in_memory(np.memmap)
    (True, False)
    """
    return _is_in_memory(values)


def memory_budget_error(what: str, nbytes: int, values: Any) -> MemoryBudgetError:
    """The :class:`~memphys.errors.MemoryBudgetError` for ``what`` loading ``nbytes`` of
    ``values`` past the memory budget (raise it).

    >>> str(memory_budget_error("this read", 10**12, np.zeros(1)))[:30]
    'this read would load 100000000'
    """
    err = budget_error(what, nbytes, values)
    assert isinstance(err, MemoryBudgetError)
    return err


def check_job_kwargs(kwargs: dict[str, Any], method: str) -> dict[str, Any]:
    """The job kwargs of ``kwargs``; any other name is a TypeError naming ``method``.

    >>> check_job_kwargs({"n_jobs": 2}, "f")
    {'n_jobs': 2}
    >>> check_job_kwargs({"order": 2}, "f")
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysTypeError: f() got unexpected keyword argument(s): order. ...
    """
    from memphys.engine import split_job_kwargs

    job, other = split_job_kwargs(kwargs)
    if other:
        names = ", ".join(sorted(other))
        raise MemphysTypeError(
            f"{method}() got unexpected keyword argument(s): {names}. Expected job kwargs "
            "(n_jobs, chunk_size, chunk_duration, chunk_memory, total_memory, progress_bar, "
            "mp_context, pool_engine, max_threads_per_worker, dask_client)."
        )
    return job


def epoch_rows(series: _Base, epochs: IntervalSet) -> tuple[np.ndarray, np.ndarray]:
    """Row ranges ``[i0[k], i1[k])`` of ``series`` inside each epoch of ``epochs``.

    A search of the time index (arithmetic for a regular one): no data is read.

    >>> import memphys as nap
    >>> x = nap.Tsd(t=np.arange(10.0), d=np.zeros(10))
    >>> epoch_rows(x, nap.IntervalSet([1, 6], [3, 7]))
    (array([1, 6]), array([4, 8]))
    """
    i0, i1 = series.time_index.epoch_positions(epochs.start, epochs.end)
    return np.asarray(i0, dtype=np.int64), np.asarray(i1, dtype=np.int64)


def rows_time_index(series: _Base, i0: np.ndarray, i1: np.ndarray) -> TimeIndex:
    """The time index of the rows ``[i0[k], i1[k])`` of ``series``, concatenated: the
    series' own index when the ranges cover it, a slice for one range, else explicit.

    >>> import memphys as nap
    >>> x = nap.Tsd(d=np.zeros(10), rate=10.0)
    >>> rows_time_index(x, np.array([0]), np.array([10])) is x.time_index
    True
    """
    ti = series.time_index
    keep = np.asarray(i1) > np.asarray(i0)
    s = np.asarray(i0)[keep]
    e = np.asarray(i1)[keep]
    n = len(ti)
    if n and s.size and int(s[0]) == 0 and int(e[-1]) == n and np.array_equal(s[1:], e[:-1]):
        return ti
    return index_ranges(ti, np.asarray(i0, dtype=np.int64), np.asarray(i1, dtype=np.int64))


def series_like(
    like: Any,
    values: Any,
    time_index: Any = None,
    time_support: IntervalSet | None = None,
    *,
    columns: Any = None,
    drop_metadata: bool = False,
) -> Any:
    """``values`` as a time series of the class matching its dimensions, built like ``like``.

    ``values`` with as many rows as ``time_index`` (``like``'s by default) become a Tsd,
    TsdFrame or TsdTensor on that index (trusted: not re-validated, not clipped) with
    ``time_support`` (``like``'s by default); a TsdFrame from a TsdFrame with as many
    columns keeps its columns and metadata unless ``drop_metadata``. Anything else is
    returned unchanged.

    >>> import memphys as nap
    >>> x = nap.TsdFrame(t=np.arange(3.0), d=np.zeros((3, 2)), columns=["a", "b"])
    >>> series_like(x, np.ones((3, 2))).columns.tolist()
    ['a', 'b']
    >>> type(series_like(x, np.ones(3))).__name__
    'Tsd'
    """
    kwargs = {} if columns is None else {"columns": columns}
    return _initialize_tsd_output(
        like, values, time_index, time_support, drop_metadata=drop_metadata, kwargs=kwargs
    )


def source_of(values: Any) -> LazyArray:
    """The contiguous-read adapter (:class:`~memphys.arrays.LazyArray`) of ``values``; a
    strided memmap view (a column of a memory-mapped frame) is read through numpy views
    of the mapping.

    >>> source_of(np.zeros((4, 2)))
    <NumpyArray shape=(4, 2) dtype=float64>
    """
    from memphys.errors import SourceError

    try:
        return adapter(values)
    except SourceError:
        from memphys.arrays import NumpyArray

        return NumpyArray(values)


def sampling_rate_of(series: _Base) -> float | None:
    """The sampling rate of ``series`` (regular index first, else ``series.rate``), or None.

    >>> import memphys as nap
    >>> sampling_rate_of(nap.Tsd(d=np.zeros(5), rate=250.0))
    250.0
    """
    rate = series.time_index.rate
    if rate is None:
        rate = series.rate
    return float(rate) if rate and np.isfinite(rate) else None


def count_bin_edges(
    starts: np.ndarray, ends: np.ndarray, bin_size: float | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """pynapple's bins of ``bin_size`` over epochs ``[starts, ends]``: bin centers, the
    edges, which edges open a bin, and the number of bins per epoch (what ``count`` uses).

    >>> centers, edges, opens, n = count_bin_edges(np.array([0.0]), np.array([3.0]), 1.0)
    >>> centers, n
    (array([0.5, 1.5, 2.5]), array([3]))
    """
    return _count_edges(starts, ends, bin_size)


def gather_rows(values: Any, pos: np.ndarray, gap: int = MERGE_GAP) -> np.ndarray:
    """Rows of ``values`` at sorted unique positions ``pos`` (an ``(len(pos), ...)`` array).

    Positions less than ``gap`` rows apart are read with one contiguous read; a run is cut
    when its read would exceed a quarter of the memory budget. An in-memory array is
    indexed directly. The rows gathered are the caller's result: they must fit the
    available memory (:func:`memphys.engine.result_fits_in_memory`), not the budget.

    Examples
    --------
    >>> gather_rows(np.arange(10) * 10, np.array([1, 2, 8]))
    array([10, 20, 80])
    """
    from memphys.engine import result_fits_in_memory

    pos = np.asarray(pos, dtype=np.int64)
    shape = tuple(values.shape)
    if isinstance(values, np.ndarray) and not isinstance(values, np.memmap):
        return np.asarray(values[pos])
    rb = max(row_nbytes(values), 1)
    if not result_fits_in_memory(pos.size * rb):
        raise memory_budget_error("this gather", pos.size * rb, values)
    out = np.empty((pos.size, *shape[1:]), dtype=values.dtype)
    if not pos.size:
        return out
    src = source_of(values)
    max_span = max(1, budget() // (4 * rb))
    cuts = np.flatnonzero(np.diff(pos) >= gap) + 1
    for a, b in zip(np.r_[0, cuts].tolist(), np.r_[cuts, pos.size].tolist(), strict=True):
        i = a
        while i < b:  # split a run whose read would be too large
            first = int(pos[i])
            j = int(np.searchsorted(pos[i:b], first + max_span, side="left")) + i
            j = max(j, i + 1)
            block = src.read(first, int(pos[j - 1]) + 1)
            out[i:j] = block[pos[i:j] - first]
            i = j
    return out


# --- the entry point ------------------------------------------------------------------------
def _check_series(series: object) -> None:
    if not (isinstance(series, _Base) and getattr(series, "values", None) is not None):
        raise MemphysTypeError(
            f"Invalid type for `series`: expected a Tsd, TsdFrame or TsdTensor, but got "
            f"{type(series).__name__}."
        )


def apply_blocks(
    series: _BaseTsd,
    op: BlockOp,
    epochs: IntervalSet | None = None,
    out: Out | None = None,
    **job_kwargs: Any,
) -> Any:
    """Run the block operation ``op`` over ``series``, each epoch a separate signal.

    Parameters
    ----------
    series : Tsd, TsdFrame or TsdTensor
        The data (in memory, a memmap, zarr, HDF5, a lazy view ...).
    op : memphys.engine.BlockOp
        The operation: halo, output, temporaries, kind, and the per-block call.
    epochs : IntervalSet, optional
        Epochs to process (default: the time support). Blocks never straddle two epochs
        and halos are clipped at their edges; a map's result holds the rows inside them,
        with ``epochs`` as time support.
    out : None, str, numpy.ndarray or zarr.Array
        For maps. None: in memory when the result fits comfortably in the available memory,
        otherwise a temporary file removed with the result (with a warning naming
        ``out=``). A ``.npy``/``.zarr`` path: written there crash-safely, and the result
        reads it lazily. An array: written into.
    **job_kwargs
        ``n_jobs``, ``chunk_size``, ``chunk_duration``, ``chunk_memory``,
        ``total_memory``, ``progress_bar``, ``pool_engine``, ``mp_context``,
        ``max_threads_per_worker``, ``dask_client``.

    Returns
    -------
    Tsd, TsdFrame or TsdTensor for a map (same times; the class follows the output's
    dimensions; a TsdFrame keeps its columns when the width is unchanged, or takes
    ``op.columns``); the engine's value for a reduction or a gather.

    Raises
    ------
    memphys.errors.MemphysTypeError
        On a series or an op of the wrong type, or arguments that are not job kwargs.
    memphys.errors.ChunkError
        If a block fails (its message names the block's samples).

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> from memphys.engine import ReduceOp, Sum
    >>> x = nap.TsdFrame(t=np.arange(100.0), d=np.ones((100, 2)))
    >>> apply_blocks(x, ReduceOp(Sum()), epochs=nap.IntervalSet(10, 19), chunk_size=3)
    array([10., 10.])
    """
    from memphys.engine import BlockOp, run_op

    _check_series(series)
    if not isinstance(op, BlockOp):
        raise MemphysTypeError(
            f"Invalid type for `op`: expected a memphys.engine.BlockOp, but got "
            f"{type(op).__name__}."
        )
    if epochs is None:
        epochs = series.time_support
    elif not isinstance(epochs, IntervalSet):
        raise MemphysTypeError(
            f"Invalid type for `epochs`: expected an IntervalSet or None, but got "
            f"{type(epochs).__name__}."
        )
    job = check_job_kwargs(job_kwargs, op.label_or_name)
    i0, i1 = epoch_rows(series, epochs)
    segments = [(int(a), int(b)) for a, b in zip(i0, i1, strict=True) if b > a]
    result = run_op(
        op,
        source_of(series.values),
        segments,
        out=out,
        sampling_rate=sampling_rate_of(series),
        **job,
    )
    if op.kind != "map":
        return result
    ti = rows_time_index(series, i0, i1)
    return series_like(series, result, ti, epochs, columns=op.columns)
