"""The methods :meth:`iter_chunks` and :meth:`map_chunks` of Tsd, TsdFrame and TsdTensor.

Both run through the engine epoch by epoch (:func:`memphys.core.blocks.apply_blocks` and
the same block plan for the loop of ``iter_chunks``): blocks never straddle two epochs and
halos are clipped at epoch edges. The helpers the other data methods share
(:func:`~memphys.core.blocks.epoch_rows`, :func:`~memphys.core.blocks.gather_rows` ...)
are public in :mod:`memphys.core.blocks`.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> tsd = nap.Tsd(t=np.arange(10.0), d=np.arange(10.0))
>>> tsd.map_chunks(lambda d: d * 2, chunk_size=3).values
array([ 0.,  2.,  4.,  6.,  8., 10., 12., 14., 16., 18.])
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import numpy as np

from memphys.core.base_class import _Base, _initialize_tsd_output, row_nbytes
from memphys.core.blocks import (
    MERGE_GAP,
    apply_blocks,
    check_job_kwargs,
    epoch_rows,
    gather_rows,
    sampling_rate_of,
    source_of,
)
from memphys.core.interval_set import IntervalSet
from memphys.errors import MemphysTypeError

if TYPE_CHECKING:
    from memphys.core._base_tsd import _BaseTsd

__all__ = [
    "MERGE_GAP",
    "check_job_kwargs",
    "epoch_rows",
    "gather_rows",
    "iter_chunks",
    "map_chunks",
    "source_of",
]


# --- iter_chunks / map_chunks -------------------------------------------------------------
def _ep_or_support(obj: _Base, ep: object) -> IntervalSet:
    if ep is None:
        return obj.time_support
    if not isinstance(ep, IntervalSet):
        raise MemphysTypeError(
            f"Invalid type for `ep`: expected an IntervalSet or None, but got {type(ep).__name__}."
        )
    return ep


def iter_chunks(
    self: _BaseTsd,
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
    from memphys.engine import CHUNK_KWARGS, FuncOp, JobKwargs, op_plan, resolve_job_kwargs
    from memphys.engine.progress import Progress

    ep = _ep_or_support(self, ep)
    job_kwargs = check_job_kwargs(job_kwargs, "iter_chunks")
    if chunk_size is not None:
        job_kwargs = {k: v for k, v in job_kwargs.items() if k not in CHUNK_KWARGS}
        job_kwargs["chunk_size"] = chunk_size
    job = resolve_job_kwargs(**job_kwargs)
    job = JobKwargs(**{**job.as_dict(), "n_jobs": 1, "pool_engine": "serial"})
    i0, i1 = epoch_rows(self, ep)
    rb = max(row_nbytes(self.values), 1)
    kept = np.flatnonzero(i1 > i0)
    segments = [(int(i0[k]), int(i1[k])) for k in kept]
    op = FuncOp(_identity, halo=halo, factor=1.0)
    src = source_of(self.values)
    plan = op_plan(op, src, segments, sampling_rate=sampling_rate_of(self), job=job)
    with Progress(len(plan), enabled=job.progress_bar, desc="iter_chunks") as progress:
        for block in plan:
            a, b = block.read_start, block.read_stop
            data = self._read_block(a, b)
            ti = self._ti[a:b]
            k = int(kept[block.segment])
            support = IntervalSet(ep.start[k], ep.end[k])
            yield block, _initialize_tsd_output(self, data, ti, support)
            progress.update(1, (b - a) * rb)


def _identity(data: np.ndarray) -> np.ndarray:
    return data


class _UserFunc:
    """``func(data)`` returning an array (picklable with cloudpickle)."""

    def __init__(self, func: Callable[[np.ndarray], Any]) -> None:
        self.func = func

    def __call__(self, data: np.ndarray) -> Any:
        return np.asarray(self.func(data))


def map_chunks(
    self: _BaseTsd,
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
    it fits the available memory, else in a temporary file (pass ``out=`` to choose).

    Parameters
    ----------
    func : callable
        ``func(data) -> array``; picklable (cloudpickle) for process or dask executors.
    halo : int or (int, int)
        Rows of context before and after each block.
    out : None, str, numpy.ndarray or zarr.Array
        None: in memory, or a temporary file when it does not fit the available memory. A
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
    from memphys.engine import FuncOp

    ep = _ep_or_support(self, ep)
    job = check_job_kwargs(job_kwargs, "map_chunks")
    op = FuncOp(_UserFunc(func), halo=halo, dtype=dtype, label="map_chunks")
    return apply_blocks(self, op, ep, out=out, **job)
