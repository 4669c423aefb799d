"""The engine under the data methods of time series: epochs as segments, gathers of rows.

Every data method that reads a whole support (filters, binning, thresholds, user maps)
runs :func:`memphys.engine.run_blocks` over a plan whose segments are the row ranges of
the epochs, so blocks never straddle two epochs and halos are clipped at epoch edges
(pynapple treats each epoch as a separate signal). :func:`gather_rows` reads the rows at
a few sorted positions with one contiguous read per run of nearby positions, never a
fancy index on the source.

The methods :meth:`iter_chunks` and :meth:`map_chunks` of Tsd, TsdFrame and TsdTensor
live here.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> tsd = nap.Tsd(t=np.arange(10.0), d=np.arange(10.0))
>>> tsd.map_chunks(lambda d: d * 2, chunk_size=3).values
array([ 0.,  2.,  4.,  6.,  8., 10., 12., 14., 16., 18.])
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from memphys.core.base_class import (
    _initialize_tsd_output,
    adapter,
    budget,
    budget_error,
    index_ranges,
    row_nbytes,
)
from memphys.core.interval_set import IntervalSet
from memphys.errors import MemphysTypeError

__all__ = [
    "check_job_kwargs",
    "epoch_rows",
    "gather_rows",
    "iter_chunks",
    "map_chunks",
    "run_epochs",
    "source_of",
]

#: Positions closer than this many rows are read with one contiguous read.
MERGE_GAP = 32


def source_of(values: Any) -> Any:
    """The contiguous-read adapter of ``values``; a strided memmap view (a column of a
    memory-mapped frame) is read through numpy views of the mapping."""
    from memphys.errors import SourceError

    try:
        return adapter(values)
    except SourceError:
        from memphys.arrays import NumpyArray

        return NumpyArray(values)


def check_job_kwargs(kwargs: dict[str, Any], method: str) -> dict[str, Any]:
    """The job kwargs of ``kwargs``; anything else is a TypeError naming ``method``."""
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


def epoch_rows(obj: Any, ep: IntervalSet) -> tuple[np.ndarray, np.ndarray]:
    """Row ranges ``[i0[k], i1[k])`` of ``obj`` inside each epoch of ``ep``."""
    i0, i1 = obj._ti.epoch_positions(ep.start, ep.end)
    return np.asarray(i0, dtype=np.int64), np.asarray(i1, dtype=np.int64)


def _sampling_rate(obj: Any) -> float | None:
    rate = obj._ti.rate
    if rate is None:
        rate = obj.rate
    return float(rate) if rate and np.isfinite(rate) else None


def _out_kind(out: Any) -> str:
    if out is None:
        return "memory"
    if isinstance(out, str | os.PathLike):
        return "npy" if os.fspath(out).endswith(".npy") else "zarr"
    return "array"


def run_epochs(
    obj: Any,
    func: Callable[[np.ndarray, Any], Any] | None,
    i0: np.ndarray,
    i1: np.ndarray,
    *,
    trailing: tuple[int, ...],
    dtype: Any,
    halo: int | tuple[int, int] = 0,
    out: Any = None,
    factor: float = 3.0,
    job_kwargs: dict[str, Any] | None = None,
    desc: str = "memphys",
    chunk_multiple: int | None = None,
    sink: Any = None,
) -> Any:
    """Run ``func(data, block)`` over the rows of each epoch ``[i0[k], i1[k])`` of ``obj``.

    Blocks never cross an epoch; halos are clipped to the epoch. The outputs (trimmed of
    their halos, one row per input row) are gathered in order into memory (within the
    memory budget), a ``.npy``/``.zarr`` path or an array given as ``out``; ``sink``
    replaces that gathering (a reducer or a :class:`~memphys.engine.CollectSink`).
    """
    from memphys.engine import chunk_size_from_job_kwargs, plan_blocks, resolve_job_kwargs
    from memphys.engine.primitives import _out_sink
    from memphys.engine.run import run_blocks

    job = resolve_job_kwargs(**(job_kwargs or {}))
    segs = [(int(a), int(b)) for a, b in zip(i0, i1, strict=True) if b > a]
    if not segs and sink is None:
        empty = np.empty((0, *trailing), dtype=np.dtype(dtype))
        if out is None:
            return empty
    src = source_of(obj.values)
    size = chunk_size_from_job_kwargs(
        max(row_nbytes(obj.values), 1),
        _sampling_rate(obj),
        factor=factor,
        halo=halo,
        job=job,
    )
    if chunk_multiple:
        size = max(chunk_multiple, size // chunk_multiple * chunk_multiple)
    plan = plan_blocks(segs, size, halo=halo)
    kind = "sink"
    if sink is None:
        sink, kind = _out_sink(out, trailing, np.dtype(dtype), False, True)
    result = run_blocks(func, src, plan, sink, desc=desc, job=job)
    if kind == "npy":
        return np.load(result, mmap_mode="r")
    return result


def gather_rows(values: Any, pos: np.ndarray, gap: int = MERGE_GAP) -> np.ndarray:
    """Rows of ``values`` at sorted unique positions ``pos`` (an ``(len(pos), ...)`` array).

    Positions less than ``gap`` rows apart are read with one contiguous read; a run is cut
    when its read would exceed a quarter of the memory budget. An in-memory array is
    indexed directly.

    Examples
    --------
    >>> gather_rows(np.arange(10) * 10, np.array([1, 2, 8]))
    array([10, 20, 80])
    """
    pos = np.asarray(pos, dtype=np.int64)
    shape = tuple(values.shape)
    if isinstance(values, np.ndarray) and not isinstance(values, np.memmap):
        return np.asarray(values[pos])
    rb = max(row_nbytes(values), 1)
    if pos.size * rb > budget():
        raise budget_error("this gather", pos.size * rb, values)
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


# --- iter_chunks / map_chunks -------------------------------------------------------------
def _ep_or_support(obj: Any, ep: Any) -> IntervalSet:
    if ep is None:
        return obj.time_support
    if not isinstance(ep, IntervalSet):
        raise MemphysTypeError(
            f"Invalid type for `ep`: expected an IntervalSet or None, but got {type(ep).__name__}."
        )
    return ep


def iter_chunks(
    self: Any,
    chunk_size: int | None = None,
    halo: int | tuple[int, int] = 0,
    ep: IntervalSet | None = None,
    **job_kwargs: Any,
) -> Iterator[tuple[Any, Any]]:
    """Yield ``(block, chunk)`` over the data, epoch by epoch, one block in memory at a time.

    ``chunk`` is a time series of the same type holding the rows ``[block.read_start,
    block.read_stop)`` (the block and its halo, clipped to the epoch) with their times;
    ``block.trim(chunk)`` drops the halo. Blocks never cross an epoch of ``ep`` (default:
    the time support).

    Parameters
    ----------
    chunk_size : int, optional
        Rows per block (default from the job kwargs or the memory budget).
    halo : int or (int, int)
        Rows of context read before and after each block.
    ep : IntervalSet, optional
        Epochs to iterate over.
    **job_kwargs
        ``chunk_duration``, ``chunk_memory``, ``progress_bar``, ... (the loop runs here).

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> tsd = nap.Tsd(t=np.arange(6.0), d=np.arange(6) * 10,
    ...               time_support=nap.IntervalSet([0, 3], [1, 5]))
    >>> [(b.start, b.stop, c.values.tolist()) for b, c in tsd.iter_chunks(chunk_size=2)]
    [(0, 2, [0, 10]), (2, 4, [30, 40]), (4, 5, [50])]
    """
    from memphys.engine import (
        CHUNK_KWARGS,
        chunk_size_from_job_kwargs,
        plan_blocks,
        resolve_job_kwargs,
    )
    from memphys.engine.progress import Progress

    ep = _ep_or_support(self, ep)
    job_kwargs = check_job_kwargs(job_kwargs, "iter_chunks")
    if chunk_size is not None:
        job_kwargs = {k: v for k, v in job_kwargs.items() if k not in CHUNK_KWARGS}
        job_kwargs["chunk_size"] = chunk_size
    job = resolve_job_kwargs(**job_kwargs)
    i0, i1 = epoch_rows(self, ep)
    rb = max(row_nbytes(self.values), 1)
    size = chunk_size_from_job_kwargs(rb, _sampling_rate(self), halo=halo, job=job)
    kept = np.flatnonzero(i1 > i0)
    plan = plan_blocks([(int(i0[k]), int(i1[k])) for k in kept], size, halo)
    with Progress(len(plan), enabled=job.progress_bar, desc="iter_chunks") as progress:
        for block in plan:
            a, b = block.read_start, block.read_stop
            data = self._read_block(a, b)
            ti = self._ti[a:b]
            k = int(kept[block.segment])
            support = IntervalSet(ep.start[k], ep.end[k])
            yield block, _initialize_tsd_output(self, data, ti, support)
            progress.update(1, (b - a) * rb)


class _UserFunc:
    """``func(data)`` as the engine's ``func(data, block)`` (picklable with cloudpickle)."""

    def __init__(self, func: Callable[[np.ndarray], Any]) -> None:
        self.func = func

    def __call__(self, data: np.ndarray, block: Any) -> Any:
        return np.asarray(self.func(data))


def map_chunks(
    self: Any,
    func: Callable[[np.ndarray], Any],
    halo: int | tuple[int, int] = 0,
    out: Any = None,
    dtype: Any = None,
    ep: IntervalSet | None = None,
    **job_kwargs: Any,
) -> Any:
    """Apply ``func`` block by block (with halos) over each epoch; same times, new values.

    ``func`` receives the numpy rows of a block and its halo (clipped to the epoch) and
    returns one output row per input row (the halo is trimmed for you) or per block row.
    The result is a time series on the same times (restricted to ``ep``): in memory when
    it fits the memory budget, else pass ``out=``.

    Parameters
    ----------
    func : callable
        ``func(data) -> array``; picklable (cloudpickle) for process or dask executors.
    halo : int or (int, int)
        Rows of context before and after each block.
    out : None, str, numpy.ndarray or zarr.Array
        None: in memory (:class:`~memphys.errors.MemoryBudgetError` when too large). A
        path ending in ``.npy`` or ``.zarr``: written there (crash-safely), and the result
        reads it lazily (a memmap or a zarr array). An array: written into.
    dtype : dtype_like, optional
        Output dtype (default: that of ``func``'s output; never cast unsafely).
    ep : IntervalSet, optional
        Epochs to process (default: the time support).
    **job_kwargs
        ``n_jobs``, ``chunk_size``, ``chunk_duration``, ``chunk_memory``, ``progress_bar``,
        ``pool_engine``, ...

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> x = nap.TsdFrame(t=np.arange(6.0), d=np.arange(12, dtype="int16").reshape(6, 2))
    >>> y = x.map_chunks(lambda d: d - d.mean(axis=0), chunk_size=2, n_jobs=2,
    ...                  pool_engine="thread")
    >>> y.values[:, 0]
    array([-1.,  1., -1.,  1., -1.,  1.])
    """
    if not callable(func):
        raise MemphysTypeError(
            f"Invalid type for `func`: expected a callable, but got {type(func).__name__}."
        )
    ep = _ep_or_support(self, ep)
    job = check_job_kwargs(job_kwargs, "map_chunks")
    i0, i1 = epoch_rows(self, ep)
    engine_func = _UserFunc(func)
    dt = None if dtype is None else np.dtype(dtype)
    nonempty = np.flatnonzero(i1 > i0)
    trailing: tuple[int, ...] | None = None
    if nonempty.size:
        # learn the output's dtype and trailing shape from a short first block
        from memphys.engine.plan import normalize_halo

        _before, after = normalize_halo(halo)
        a = int(i0[nonempty[0]])
        b = min(int(i1[nonempty[0]]), a + max(2 * after + 1, 8))
        probe = engine_func(self._read_block(a, b), None)
        trailing = tuple(probe.shape[1:])
        dt = probe.dtype if dt is None else dt
    else:
        trailing = tuple(self.shape[1:])
        dt = np.dtype(self.dtype) if dt is None else dt
    values = run_epochs(
        self,
        engine_func,
        i0,
        i1,
        trailing=trailing,
        dtype=dt,
        halo=halo,
        out=out,
        job_kwargs=job,
        desc="map_chunks",
    )
    ti = index_ranges(self._ti, i0, i1)
    kw = {}
    cols = getattr(self, "columns", None)
    if cols is not None and len(trailing) == 1 and trailing[0] == self.shape[1]:
        kw = {"columns": cols}
    return _initialize_tsd_output(self, values, ti, ep, kwargs=kw)
