"""Public batching primitives over lazy sources: :func:`iter_chunks`, :func:`map_chunks`
and :func:`reduce_chunks`.

Examples
--------
>>> import numpy as np
>>> from memphys.engine import iter_chunks, map_chunks, reduce_chunks, Max
>>> x = np.arange(10.0)
>>> [(b.start, b.stop, len(d)) for b, d in iter_chunks(x, chunk_size=4, halo=1)]
[(0, 4, 5), (4, 8, 6), (8, 10, 3)]
>>> map_chunks(np.cumsum, x, chunk_size=3)  # per-block cumulative sums
array([ 0.,  1.,  3.,  3.,  7., 12.,  6., 13., 21.,  9.])
>>> reduce_chunks(x, Max(), chunk_size=3)
np.float64(9.0)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from memphys.engine.job_kwargs import CHUNK_KWARGS, JobKwargs, resolve_job_kwargs
from memphys.engine.ops import FuncOp, ReduceOp, op_plan, run_op
from memphys.engine.plan import Block, Plan
from memphys.engine.progress import Progress
from memphys.engine.run import _selected_trailing

__all__ = ["iter_chunks", "map_chunks", "reduce_chunks"]

#: Default working-memory factor of a user function: input, output and one temporary.
DEFAULT_MAP_FACTOR = 3.0


def _plan_for(
    source: Any,
    job: JobKwargs,
    halo: Any,
    channels: Any,
    sampling_rate: float | None,
    factor: float,
    align_extra: int | None = None,
) -> Plan:
    """The plan of a map of working ``factor`` over ``source`` (kept for callers that
    plan a copy themselves: :func:`memphys.engine.op_plan` with a :class:`FuncOp`)."""
    op = FuncOp(_identity, halo=halo, factor=factor)
    op.block_multiple = None
    plan = op_plan(op, source, channels=channels, sampling_rate=sampling_rate, job=job)
    if align_extra and plan.chunk_size % align_extra:
        from memphys.arrays import as_lazy
        from memphys.engine.plan import plan_blocks

        src_chunk = getattr(as_lazy(source), "chunks", None)
        align = int(align_extra) if not src_chunk else math.lcm(int(src_chunk[0]), align_extra)
        size = max(align, plan.chunk_size // align * align)
        plan = plan_blocks(list(plan.segments), size, halo=halo, align_to=align)
    return plan


def _identity(data: np.ndarray) -> np.ndarray:
    return data


def iter_chunks(
    source: Any,
    chunk_size: int | None = None,
    halo: int | tuple[int, int] = 0,
    *,
    channels: Any = None,
    sampling_rate: float | None = None,
    factor: float = 1.0,
    **job_kwargs: Any,
) -> Iterator[tuple[Block, np.ndarray]]:
    """Yield ``(block, data)`` over a source, in order, for loops of your own.

    ``data`` holds samples ``[block.read_start, block.read_stop)``: the block and its halo
    (clipped at the ends). ``block.trim(x)`` removes the halo from anything aligned with
    ``data``. One block is in memory at a time.

    Parameters
    ----------
    source : LazyArray or array-like
        Anything :func:`memphys.arrays.as_lazy` accepts (memmap, ``.npy`` path, zarr,
        HDF5, dask, numpy).
    chunk_size : int, optional
        Samples per block; by default from the job kwargs (``chunk_duration`` needs
        ``sampling_rate``) or the memory budget.
    halo : int or (int, int)
        Samples read before and after each block.
    channels : optional
        Channel selection (axis 1).
    sampling_rate : float, optional
        Samples per second, for ``chunk_duration``.
    factor : float
        Working memory of your loop body per byte read (sizes default blocks).
    **job_kwargs
        ``chunk_duration``, ``chunk_memory``, ``total_memory``, ``progress_bar``; the
        others are accepted and ignored (the loop runs in this process).

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(12).reshape(6, 2)
    >>> for block, data in iter_chunks(x, chunk_size=4, halo=(1, 0)):
    ...     print(block.start, block.stop, block.trim(data)[:, 0])
    0 4 [0 2 4 6]
    4 6 [ 8 10]
    """
    from memphys.arrays import as_lazy

    src = as_lazy(source)
    if chunk_size is not None:
        job_kwargs = {k: v for k, v in job_kwargs.items() if k not in CHUNK_KWARGS}
        job_kwargs["chunk_size"] = chunk_size
    job = resolve_job_kwargs(**job_kwargs)
    job = JobKwargs(**{**job.as_dict(), "n_jobs": 1, "pool_engine": "serial"})
    op = FuncOp(_identity, halo=halo, factor=factor)
    plan = op_plan(op, src, channels=channels, sampling_rate=sampling_rate, job=job)
    row = int(np.prod(_selected_trailing(src, channels), dtype=np.int64)) * src.dtype.itemsize
    with Progress(len(plan), enabled=job.progress_bar, desc="iter_chunks") as progress:
        for block in plan:
            data = src.read(block.read_start, block.read_stop, channels)
            yield block, data
            progress.update(1, block.read_length * row)


def map_chunks(
    func: Callable[..., Any],
    source: Any,
    halo: int | tuple[int, int] = 0,
    out: Any = None,
    dtype: Any = None,
    *,
    pass_block: bool = False,
    trailing_shape: tuple[int, ...] | None = None,
    channels: Any = None,
    sampling_rate: float | None = None,
    factor: float = DEFAULT_MAP_FACTOR,
    allow_large: bool = False,
    overwrite: bool = True,
    **job_kwargs: Any,
) -> Any:
    """Apply ``func`` block by block, in parallel, with halos; the output has the input's
    length.

    ``func(data)`` (or ``func(data, block)`` with ``pass_block=True``) receives the
    halo-extended block ``[block.read_start, block.read_stop)`` and returns an array
    aligned with it (same number of samples: the halo is trimmed for you) or already
    trimmed to ``block.length`` samples. Other axes and the dtype are free.

    Parameters
    ----------
    func : callable
        The per-block function; picklable (cloudpickle) for processes and dask.
    source : LazyArray or array-like
        The input (anything :func:`memphys.arrays.as_lazy` accepts).
    halo : int or (int, int)
        Samples of context read before and after each block (clipped at the ends).
    out : None, str, numpy.ndarray or zarr.Array
        None: an in-memory array when the result fits comfortably in the available memory,
        otherwise a read-only memmap of a temporary ``.npy`` file, removed with it, and a
        :class:`~memphys.engine.ResultOnDiskWarning` (the memory budget bounds the working
        memory, not the result). A path ending in ``.npy`` or ``.zarr``: write there,
        crash-safely, and return a read-only memmap / zarr array. An array: write into it
        and return it.
    dtype : dtype_like, optional
        Output dtype; by default that of ``func``'s output. Outputs are cast to it with
        ``same_kind`` casting (a float result never silently becomes an integer).
    pass_block : bool, default False
        Call ``func(data, block)`` with the :class:`~memphys.engine.Block`.
    trailing_shape : tuple of int, optional
        Shape of one output sample; by default that of ``func``'s output.
    channels : optional
        Channel selection read from the source.
    sampling_rate : float, optional
        Samples per second, for ``chunk_duration``.
    factor : float, default 3.0
        Working memory of ``func`` per byte of input (sizes the default blocks).
    allow_large : bool, default False
        Kept for compatibility: results are no longer limited by the memory budget.
    overwrite : bool, default True
        Replace an existing output file once the new one is complete.
    **job_kwargs
        ``n_jobs``, ``chunk_size``/``chunk_duration``/``chunk_memory``/``total_memory``,
        ``pool_engine``, ``progress_bar``, ``mp_context``, ``max_threads_per_worker``,
        ``dask_client``.

    Notes
    -----
    When ``dtype`` or ``trailing_shape`` is not given, ``func`` runs once more, in this
    process, on a few rows of the first block to learn them. ``map_chunks`` is
    :func:`~memphys.engine.run_op` with a :class:`~memphys.engine.FuncOp`.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(8, dtype="int16")
    >>> moving_sum = lambda d: np.convolve(d, np.ones(3), mode="same")
    >>> map_chunks(moving_sum, x, halo=1, chunk_size=3)
    array([ 1.,  3.,  6.,  9., 12., 15., 18., 13.])
    >>> np.convolve(x, np.ones(3), mode="same")
    array([ 1.,  3.,  6.,  9., 12., 15., 18., 13.])
    """
    op = FuncOp(
        func,
        halo=halo,
        dtype=dtype,
        trailing_shape=trailing_shape,
        pass_block=pass_block,
        factor=factor,
        label="map_chunks",
    )
    return run_op(
        op,
        source,
        out=out,
        channels=channels,
        sampling_rate=sampling_rate,
        overwrite=overwrite,
        desc="map_chunks",
        **job_kwargs,
    )


def reduce_chunks(
    source: Any,
    reducer: Any,
    func: Callable[..., Any] | None = None,
    halo: int | tuple[int, int] = 0,
    *,
    pass_block: bool = False,
    channels: Any = None,
    sampling_rate: float | None = None,
    factor: float | None = None,
    **job_kwargs: Any,
) -> Any:
    """Reduce a source (optionally transformed block by block by ``func``) with a reducer.

    Parameters
    ----------
    source : LazyArray or array-like
    reducer : Reducer
        :class:`~memphys.engine.Sum`, :class:`~memphys.engine.Count`,
        :class:`~memphys.engine.Min`, :class:`~memphys.engine.Max`,
        :class:`~memphys.engine.MeanVar` or a :class:`~memphys.engine.ReducerGroup`.
    func : callable, optional
        Applied to each halo-extended block before reducing (as in :func:`map_chunks`).
    halo : int or (int, int)
    pass_block, channels, sampling_rate : see :func:`map_chunks`.
    factor : float, optional
        Working memory per input byte; default: the reducer's own (plus 2 with ``func``).
    **job_kwargs
        As for :func:`map_chunks`.

    Examples
    --------
    >>> import numpy as np
    >>> from memphys.engine import MeanVar
    >>> x = np.random.default_rng(0).normal(size=(1000, 3))
    >>> r = reduce_chunks(x, MeanVar(), chunk_size=128, n_jobs=2, pool_engine="thread")
    >>> np.allclose(r.var, x.var(axis=0), rtol=1e-12)
    True
    """
    op = ReduceOp(reducer, func, halo, pass_block=pass_block, factor=factor)
    return run_op(
        op,
        source,
        channels=channels,
        sampling_rate=sampling_rate,
        desc="reduce_chunks",
        **job_kwargs,
    )
