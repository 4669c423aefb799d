"""The block-operation contract and its array-level runner, :func:`run_op`.

A :class:`BlockOp` says what the engine needs to run it out of core, and nothing else:

- ``kind``: ``"map"`` (one output row per input row, gathered in order into memory, a
  temporary file or ``out=``), ``"reduce"`` (per-block partial states combined by a
  :class:`~memphys.engine.Reducer` that :meth:`BlockOp.sink` returns) or ``"gather"``
  (any per-block payload, collected in block order and handed to :meth:`BlockOp.finish`);
- ``halo``: samples read before and after each block (clipped at the segment's edges);
- the output: :meth:`BlockOp.output_dtype` and :meth:`BlockOp.output_trailing` (for maps);
- :meth:`BlockOp.temp_bytes_per_row`: bytes of temporaries per input row, besides the
  input block and the output;
- ``block_multiple``: block lengths are multiples of it, counted from each segment's
  start (decimation); ``whole_segments``: prefer one block per segment when a segment
  fits one worker's memory (non-local transforms such as the Hilbert transform);
- ``__call__(data, block)``: the per-block computation. ``data`` holds the rows
  ``[block.read_start, block.read_stop)``; a map returns as many rows (the halo is trimmed
  for it) or exactly ``block.length`` rows.

The engine derives block sizes from this declaration alone (:func:`op_block_size`), for
the executor that runs them (:func:`~memphys.engine.block_limits`). An operation must be
picklable (plain attributes; cloudpickle is used for functions) to run in processes or on
dask.

Examples
--------
A moving sum over 3 samples, with a halo of 1 on each side:

>>> import numpy as np
>>> from memphys.engine import BlockOp, run_op
>>> class MovingSum(BlockOp):
...     halo = (1, 1)
...     dtype = np.float64
...     def __call__(self, data, block):
...         return np.convolve(data, np.ones(3), mode="same")
>>> x = np.arange(8, dtype="int16")
>>> run_op(MovingSum(), x, chunk_size=3)
array([ 1.,  3.,  6.,  9., 12., 15., 18., 13.])
"""

from __future__ import annotations

import dataclasses
import math
import os
from collections.abc import Callable, Sequence
from typing import Any, ClassVar

import numpy as np

from memphys.engine.job_kwargs import JobKwargs, resolve_job_kwargs
from memphys.engine.plan import Block, Plan, block_size, normalize_halo, plan_blocks
from memphys.engine.run import _selected_trailing, run_blocks
from memphys.engine.sinks import CollectSink, Sink, check_block_output
from memphys.errors import MemphysTypeError, MemphysValueError

__all__ = [
    "OP_KINDS",
    "BlockOp",
    "FuncOp",
    "ReduceOp",
    "op_block_size",
    "op_plan",
    "run_op",
]

#: The kinds of operation.
OP_KINDS = ("map", "reduce", "gather")


class BlockOp:
    """Base class of block operations (see the module docstring for the contract).

    Subclasses set the class (or instance) attributes they need and implement
    :meth:`__call__`; reductions also implement :meth:`sink`.
    """

    #: ``"map"``, ``"reduce"`` or ``"gather"``.
    kind: ClassVar[str] = "map"
    #: Samples read before and after each block: an int or ``(before, after)``.
    halo: Any = 0
    #: Output dtype of a map (None: the input's).
    dtype: Any = None
    #: Block lengths are multiples of this, counted from each segment's start.
    block_multiple: int | None = None
    #: One block per segment when the segment fits one worker's memory.
    whole_segments: bool = False
    #: Column labels of a 2-D output (used by :func:`memphys.core.apply_blocks`).
    columns: Any = None
    #: Label of the progress bar.
    label: str = ""

    # -- the declaration -------------------------------------------------------------
    def output_dtype(self, in_dtype: np.dtype[Any]) -> np.dtype[Any]:
        """dtype of a map's output for input of ``in_dtype``."""
        return np.dtype(in_dtype if self.dtype is None else self.dtype)

    def output_trailing(self, in_trailing: tuple[int, ...]) -> tuple[int, ...]:
        """Shape of one output row of a map for input rows of shape ``in_trailing``."""
        return tuple(in_trailing)

    def temp_bytes_per_row(self, in_dtype: np.dtype[Any], in_trailing: tuple[int, ...]) -> int:
        """Bytes of temporaries per row *read* (halos included), besides the input row.

        The default assumes one float64 copy of the row.
        """
        return 8 * max(1, int(np.prod(in_trailing, dtype=np.int64)))

    def out_temp_bytes_per_row(self, in_dtype: np.dtype[Any], in_trailing: tuple[int, ...]) -> int:
        """Bytes of temporaries per row *produced*, besides the output row (default 0)."""
        return 0

    def __call__(self, data: np.ndarray, block: Block) -> Any:
        raise NotImplementedError(f"{type(self).__name__} does not implement __call__")

    # -- optional hooks ----------------------------------------------------------------
    def sink(self) -> Sink:
        """Where the payloads go: required for reductions; gathers collect them in order."""
        if self.kind == "gather":
            return CollectSink()
        raise MemphysTypeError(
            f"{type(self).__name__} is a {self.kind!r} operation without a sink: a reduction "
            "returns its Reducer from sink()."
        )

    def plan(self, segments: Any, chunk_size: int, align_to: Any) -> Plan:
        """The blocks of a run over ``segments`` (an int64 ``(k, 2)`` array of row ranges;
        default: :func:`~memphys.engine.plan_blocks`)."""
        if self.block_multiple:
            align_to = None  # block boundaries are counted from each segment's start
        return plan_blocks(segments, chunk_size, halo=self.halo, align_to=align_to)

    def finish(self, result: Any) -> Any:
        """The run's return value from the sink's result (default: unchanged)."""
        return result

    # -- derived -------------------------------------------------------------------
    def work_bytes_per_row(self, in_dtype: Any, in_trailing: tuple[int, ...]) -> tuple[int, int]:
        """Working memory per row read (input and temporaries) and per row produced (for
        maps: the output and its temporaries), from the declaration."""
        dt = np.dtype(in_dtype)
        tr = tuple(in_trailing)
        elems = max(1, int(np.prod(tr, dtype=np.int64)))
        read = elems * dt.itemsize + int(self.temp_bytes_per_row(dt, tr))
        produced = int(self.out_temp_bytes_per_row(dt, tr))
        if self.kind == "map":
            out_dt = self.output_dtype(dt)
            out_tr = self.output_trailing(tr)
            produced += max(1, int(np.prod(out_tr, dtype=np.int64))) * out_dt.itemsize
        return read, produced

    @property
    def label_or_name(self) -> str:
        return self.label or type(self).__name__


class FuncOp(BlockOp):
    """A map from a function ``func(data)`` (or ``func(data, block)`` with
    ``pass_block=True``), with the declaration given as arguments.

    ``dtype`` or ``trailing_shape`` left as None are learned from the function's output
    on the first block by :func:`run_op`. ``factor`` is the working memory per input byte,
    the input included (the default, 3, counts the input, the output and one temporary).

    >>> import numpy as np
    >>> run_op(FuncOp(np.cumsum), np.arange(5.0), chunk_size=2)
    array([0., 1., 2., 5., 4.])
    """

    def __init__(
        self,
        func: Callable[..., Any],
        halo: int | tuple[int, int] = 0,
        dtype: Any = None,
        trailing_shape: tuple[int, ...] | None = None,
        *,
        pass_block: bool = False,
        factor: float = 3.0,
        label: str = "",
    ) -> None:
        if not callable(func):
            raise MemphysTypeError(
                f"Invalid type for `func`: expected a callable, but got {type(func).__name__}."
            )
        if not (isinstance(factor, int | float) and math.isfinite(factor) and factor > 0):
            raise MemphysValueError(
                f"Invalid value for `factor`: expected a finite number > 0, but got {factor!r}."
            )
        self.func = func
        self.halo = normalize_halo(halo)
        self.dtype = None if dtype is None else np.dtype(dtype)
        self.trailing_shape = (
            None if trailing_shape is None else tuple(int(s) for s in trailing_shape)
        )
        self.pass_block = pass_block
        self.factor = float(factor)
        self.label = label or getattr(func, "__name__", "") or "map"

    def output_trailing(self, in_trailing: tuple[int, ...]) -> tuple[int, ...]:
        return tuple(in_trailing) if self.trailing_shape is None else self.trailing_shape

    def work_bytes_per_row(self, in_dtype: Any, in_trailing: tuple[int, ...]) -> tuple[int, int]:
        row = max(1, int(np.prod(in_trailing, dtype=np.int64))) * np.dtype(in_dtype).itemsize
        return max(row, math.ceil(row * self.factor)), 0

    def __call__(self, data: np.ndarray, block: Block) -> Any:
        return self.func(data, block) if self.pass_block else self.func(data)


class ReduceOp(BlockOp):
    """A reduction: ``reducer`` (a :class:`~memphys.engine.Reducer`) over the blocks,
    optionally transformed first by ``func`` (as in :class:`FuncOp`).

    >>> import numpy as np
    >>> from memphys.engine import Sum
    >>> run_op(ReduceOp(Sum()), np.ones((10, 2)), chunk_size=3)
    array([10., 10.])
    """

    kind = "reduce"

    def __init__(
        self,
        reducer: Any,
        func: Callable[..., Any] | None = None,
        halo: int | tuple[int, int] = 0,
        *,
        pass_block: bool = False,
        factor: float | None = None,
    ) -> None:
        from memphys.engine.reducers import Reducer

        if not isinstance(reducer, Reducer):
            raise MemphysTypeError(
                f"Invalid type for `reducer`: expected a memphys.engine Reducer, but got "
                f"{type(reducer).__name__}."
            )
        if func is not None and not callable(func):
            raise MemphysTypeError(
                f"Invalid type for `func`: expected a callable or None, but got "
                f"{type(func).__name__}."
            )
        self.reducer = reducer
        self.func = func
        self.halo = normalize_halo(halo)
        self.pass_block = pass_block
        self.factor = (
            float(factor)
            if factor is not None
            else reducer.factor + (2.0 if func is not None else 0.0)
        )
        self.label = type(reducer).__name__

    def work_bytes_per_row(self, in_dtype: Any, in_trailing: tuple[int, ...]) -> tuple[int, int]:
        row = max(1, int(np.prod(in_trailing, dtype=np.int64))) * np.dtype(in_dtype).itemsize
        return max(row, math.ceil(row * self.factor)), 0

    def sink(self) -> Sink:
        return self.reducer

    def __call__(self, data: np.ndarray, block: Block) -> Any:
        if self.func is None:
            return data
        return self.func(data, block) if self.pass_block else self.func(data)


# ------------------------------------------------------------------------------ runner
def _source_chunk(source: Any) -> int | None:
    chunks = getattr(source, "chunks", None)
    return int(chunks[0]) if chunks else None


def _check_op(op: Any) -> BlockOp:
    if not isinstance(op, BlockOp):
        raise MemphysTypeError(
            f"Invalid type for `op`: expected a memphys.engine.BlockOp, but got "
            f"{type(op).__name__}. Wrap a function with FuncOp(func, halo=...)."
        )
    if op.kind not in OP_KINDS:
        raise MemphysValueError(
            f"Invalid value for `{type(op).__name__}.kind`: allowed values are "
            f"{', '.join(map(repr, OP_KINDS))}, but got {op.kind!r}."
        )
    return op


def _norm_segments(segments: Any, n: int) -> np.ndarray:
    """Non-empty ``(start, stop)`` row ranges within ``[0, n]`` as an int64 ``(k, 2)`` array."""
    if segments is None:
        return np.array([[0, int(n)]], dtype=np.int64)
    if isinstance(segments, np.ndarray) and segments.dtype.kind in "iu" and segments.ndim == 2:
        arr = segments.astype(np.int64, copy=False)
    else:
        pairs = [
            (0, int(seg)) if np.ndim(seg) == 0 else (int(seg[0]), int(seg[1])) for seg in segments
        ]
        arr = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    bad = (arr[:, 0] < 0) | (arr[:, 1] < arr[:, 0]) | (arr[:, 1] > n)
    if bad.any():
        a, b = arr[int(np.flatnonzero(bad)[0])].tolist()
        raise MemphysValueError(
            f"Invalid value for `segments`: expected ranges within [0, {n}], but got [{a}, {b})."
        )
    return arr[arr[:, 1] > arr[:, 0]]


def op_block_size(
    op: BlockOp,
    source: Any,
    segments: Sequence[tuple[int, int]] | np.ndarray | None = None,
    *,
    channels: Any = None,
    sampling_rate: float | None = None,
    align_to: int | None = None,
    job: JobKwargs | None = None,
    **job_kwargs: Any,
) -> int:
    """Block length for ``op`` over ``source``, from the op's declaration and the job.

    >>> import numpy as np
    >>> op_block_size(FuncOp(np.abs, halo=5), np.zeros((1000, 4)), chunk_size=100)
    100
    """
    from memphys.arrays import as_lazy

    op = _check_op(op)
    src = as_lazy(source)
    if job is None:
        job = resolve_job_kwargs(**job_kwargs)
    trailing = _selected_trailing(src, channels)
    row = max(1, int(np.prod(trailing, dtype=np.int64))) * src.dtype.itemsize
    work, produced = op.work_bytes_per_row(src.dtype, trailing)
    segs = _norm_segments(segments, src.shape[0])
    longest = int((segs[:, 1] - segs[:, 0]).max()) if len(segs) else 0
    align = align_to
    if op.block_multiple:
        m = int(op.block_multiple)
        align = m if align is None else math.lcm(int(align), m)
    size = block_size(
        row,
        work,
        produced,
        sampling_rate=sampling_rate,
        halo=op.halo,
        align_to=align,
        longest_segment=longest if longest else None,
        job=job,
        what=op.label_or_name,
    )
    return int(size)


def op_plan(
    op: BlockOp,
    source: Any,
    segments: Sequence[tuple[int, int]] | np.ndarray | None = None,
    *,
    channels: Any = None,
    sampling_rate: float | None = None,
    out: Any = None,
    job: JobKwargs | None = None,
    **job_kwargs: Any,
) -> Plan:
    """The :class:`~memphys.engine.Plan` :func:`run_op` would run.

    >>> import numpy as np
    >>> len(op_plan(FuncOp(np.abs), np.zeros(10), [(0, 4), (6, 10)], chunk_size=3))
    4
    """
    from memphys.arrays import as_lazy

    src = as_lazy(source)
    if job is None:
        job = resolve_job_kwargs(**job_kwargs)
    segs = _norm_segments(segments, src.shape[0])
    align = _source_chunk(src)
    if out is not None and type(out).__module__.split(".")[0] == "zarr":
        oc = int(out.chunks[0])
        align = oc if align is None else math.lcm(align, oc)
    size = op_block_size(
        op, src, segs, channels=channels, sampling_rate=sampling_rate, align_to=align, job=job
    )
    if op.whole_segments and job.chunk_size is None and job.chunk_duration is None:
        whole = _whole_segment_rows(op, src, channels, job)
        lengths = segs[:, 1] - segs[:, 0]
        if np.any((lengths > size) & (lengths <= whole)):
            return _whole_segment_plan(op, segs, size, whole)
    return op.plan(segs, size, align)


def _whole_segment_rows(op: BlockOp, src: Any, channels: Any, job: JobKwargs) -> int:
    """The longest segment that one worker's memory holds in one block."""
    from memphys.config import get_config

    if job.chunk_memory is not None:
        per_worker = job.chunk_memory
    elif job.total_memory is not None:
        per_worker = job.total_memory // job.n_jobs
    else:
        per_worker = int(get_config("memory_budget")) // job.n_jobs
    work, produced = op.work_bytes_per_row(src.dtype, _selected_trailing(src, channels))
    return int(per_worker // max(1, work + produced))


def _whole_segment_plan(op: BlockOp, segs: np.ndarray, size: int, whole: int) -> Plan:
    """One block per segment that fits ``whole`` rows; blocks of ``size`` for the others."""
    blocks: list[Block] = []
    out = 0
    for k, (a, b) in enumerate(segs.tolist()):
        seg_size = b - a if b - a <= whole else size
        for blk in plan_blocks([(a, b)], max(1, seg_size), halo=op.halo):
            blocks.append(
                dataclasses.replace(
                    blk, index=len(blocks), segment=k, out_start=out + blk.out_start
                )
            )
        out += b - a
    return Plan(tuple(blocks), tuple(map(tuple, segs.tolist())), size, normalize_halo(op.halo))


def _probe(
    op: BlockOp, src: Any, plan: Plan, channels: Any
) -> tuple[np.dtype[Any], tuple[int, ...]]:
    """dtype and trailing shape of a map's output, from a few rows of its first block."""
    first = plan[0]
    before, after = normalize_halo(op.halo)
    a = first.read_start
    b = min(first.read_stop, a + max(16, 2 * (before + after) + 1))
    block = Block(0, first.segment, a, b, a, b, 0, first.segment_start, first.segment_stop)
    out = np.asarray(op(src.read(a, b, channels), block))
    out = check_block_output(block, out, None, None)
    return out.dtype, tuple(out.shape[1:])


def run_op(
    op: BlockOp,
    source: Any,
    segments: Sequence[tuple[int, int]] | np.ndarray | None = None,
    *,
    out: Any = None,
    channels: Any = None,
    sampling_rate: float | None = None,
    overwrite: bool = True,
    desc: str | None = None,
    job: JobKwargs | None = None,
    **job_kwargs: Any,
) -> Any:
    """Run ``op`` over ``source`` (or its ``segments``) and return its result.

    Parameters
    ----------
    op : BlockOp
        The operation.
    source : LazyArray or array-like
        Anything :func:`memphys.arrays.as_lazy` accepts.
    segments : sequence of (start, stop), optional
        Row ranges processed as separate signals (blocks never straddle two; halos are
        clipped at their edges); default the whole source. A map's output is their rows,
        concatenated.
    out : None, str, numpy.ndarray or zarr.Array
        For maps. None: in memory when the result fits comfortably in the available
        memory, else a temporary ``.npy`` memmap (with a
        :class:`~memphys.engine.ResultOnDiskWarning`; see :mod:`memphys.engine.results`).
        A path ending in ``.npy`` or ``.zarr``: written there crash-safely and returned
        read-only (memmap or zarr array). An array: written into and returned.
    channels : optional
        Channel selection (axis 1) read from the source.
    sampling_rate : float, optional
        Samples per second, for ``chunk_duration``.
    overwrite : bool, default True
        Replace an existing output file once the new one is complete.
    desc : str, optional
        Label of the progress bar (default: the op's).
    job : JobKwargs, optional
        Already-resolved job kwargs (else ``**job_kwargs`` are resolved).
    **job_kwargs
        ``n_jobs``, ``chunk_size`` | ``chunk_duration`` | ``chunk_memory`` |
        ``total_memory``, ``pool_engine``, ``progress_bar``, ``mp_context``,
        ``max_threads_per_worker``, ``dask_client``.

    Returns
    -------
    A map's gathered output (array, memmap or zarr array); a reduction's value; a
    gather's :meth:`BlockOp.finish` of the payloads in block order.
    """
    from memphys.arrays import as_lazy
    from memphys.engine.results import open_result, result_sink

    op = _check_op(op)
    src = as_lazy(source)
    if job is None:
        job = resolve_job_kwargs(**job_kwargs)
    elif job_kwargs:
        raise MemphysValueError("Pass either `job` or job kwargs, not both.")
    if op.kind != "map" and out is not None:
        raise MemphysValueError(
            f"Invalid value for `out`: a {op.kind!r} operation returns a value, not rows to "
            f"write, but got out={out!r}."
        )
    plan = op_plan(
        op, src, segments, channels=channels, sampling_rate=sampling_rate, out=out, job=job
    )
    label = desc or op.label_or_name
    if op.kind != "map":
        result = run_blocks(op, src, plan, op.sink(), channels=channels, desc=label, job=job)
        return op.finish(result)
    in_trailing = _selected_trailing(src, channels)
    dtype: np.dtype[Any] | None = None
    trailing: tuple[int, ...] | None = None
    if isinstance(op, FuncOp):
        dtype, trailing = op.dtype, op.trailing_shape
        probe = out is None or isinstance(out, str | os.PathLike)
        if (dtype is None or trailing is None) and len(plan) and probe:
            p_dtype, p_trailing = _probe(op, src, plan, channels)
            dtype = p_dtype if dtype is None else dtype
            trailing = p_trailing if trailing is None else trailing
    if dtype is None:
        dtype = op.output_dtype(src.dtype)
    if trailing is None:
        trailing = op.output_trailing(in_trailing)
    sink, kind = result_sink(
        out, plan.n_samples, trailing, dtype, overwrite=overwrite, what=f"the result of {label}"
    )
    result = run_blocks(op, src, plan, sink, channels=channels, desc=label, job=job)
    return op.finish(open_result(result, kind))
