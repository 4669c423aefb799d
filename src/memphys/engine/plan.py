"""Block plans: segments split into ``(segment, start, stop)`` blocks with halos.

A *segment* is a contiguous range of samples ``[start, stop)`` of a source (a whole
recording segment, or one epoch of a time support). A plan splits each segment into
blocks. Each block reads a *halo* (samples before and after, clipped at the segment's
edges) that the function may use (filters, windows) and that is trimmed from its output.

Examples
--------
>>> from memphys.engine import plan_blocks
>>> plan = plan_blocks([10], chunk_size=4, halo=2)
>>> [(b.start, b.stop, b.read_start, b.read_stop) for b in plan]
[(0, 4, 0, 6), (4, 8, 2, 10), (8, 10, 6, 10)]
>>> plan[1].trim_before, plan[1].trim_after
(2, 2)
"""

from __future__ import annotations

import dataclasses
import logging
import numbers
from collections.abc import Iterator, Sequence
from typing import Any, overload

import numpy as np

from memphys._validation import value_error
from memphys.config import get_config
from memphys.engine.job_kwargs import JobKwargs, active_dask_client, resolve_job_kwargs
from memphys.errors import MemoryBudgetError, MemphysValueError

__all__ = [
    "Block",
    "Plan",
    "plan_blocks",
    "normalize_halo",
    "chunk_size_from_job_kwargs",
    "block_size",
    "block_limits",
    "BlockLimits",
    "DEFAULT_MAX_BLOCK_BYTES",
    "DEFAULT_MAX_WORK_BYTES",
    "LOCAL_LIMITS",
    "DASK_LOCAL_LIMITS",
    "DASK_CLUSTER_LIMITS",
]

logger = logging.getLogger("memphys.engine")

#: Upper bound on the input bytes of one block when the size is derived from the memory
#: budget (not when given explicitly): beyond a few MiB larger blocks do not read faster,
#: and smaller ones give finer progress, cancellation and load balance.
DEFAULT_MAX_BLOCK_BYTES = 8 * 1024**2

#: Upper bound on the working memory of one block (input, temporaries and output, as the
#: operation declares them) when the size is derived from the memory budget: with two
#: blocks in flight per worker, a filter's float buffers stay within a few tens of MiB.
DEFAULT_MAX_WORK_BYTES = 16 * 1024**2


@dataclasses.dataclass(frozen=True, slots=True)
class Block:
    """One block of a plan.

    Attributes
    ----------
    index : int
        Position of the block in its plan (block order).
    segment : int
        Index of the segment the block belongs to.
    start, stop : int
        Samples ``[start, stop)`` of the source that this block produces.
    read_start, read_stop : int
        Samples actually read: ``[start, stop)`` extended by the halo, clipped to the segment.
    out_start : int
        Position of the block's first sample in the gathered output (the concatenation of
        all blocks in block order).
    segment_start, segment_stop : int or None
        Samples ``[segment_start, segment_stop)`` of the block's segment (None when the
        block was built by hand without them). An operation that treats each segment as a
        separate signal (a filter emulating its edges) asks :attr:`at_segment_start` and
        :attr:`at_segment_stop`.
    """

    index: int
    segment: int
    start: int
    stop: int
    read_start: int
    read_stop: int
    out_start: int
    segment_start: int | None = None
    segment_stop: int | None = None

    @property
    def length(self) -> int:
        """Samples produced by the block (``stop - start``)."""
        return self.stop - self.start

    @property
    def read_length(self) -> int:
        """Samples read for the block, halos included."""
        return self.read_stop - self.read_start

    @property
    def trim_before(self) -> int:
        """Halo samples read before ``start`` (to trim from the front of the output)."""
        return self.start - self.read_start

    @property
    def trim_after(self) -> int:
        """Halo samples read after ``stop`` (to trim from the end of the output)."""
        return self.read_stop - self.stop

    @property
    def at_segment_start(self) -> bool:
        """True when the block's read starts at its segment's first sample.

        >>> Block(0, 0, 0, 4, 0, 6, 0, 0, 10).at_segment_start
        True
        """
        first = self.segment_start if self.segment_start is not None else self.start
        return self.read_start <= first

    @property
    def at_segment_stop(self) -> bool:
        """True when the block's read ends at its segment's last sample.

        >>> Block(0, 0, 0, 4, 0, 6, 0, 0, 10).at_segment_stop
        False
        """
        last = self.segment_stop if self.segment_stop is not None else self.stop
        return self.read_stop >= last

    @property
    def out_stop(self) -> int:
        """End of the block in the gathered output."""
        return self.out_start + self.length

    def trim(self, data: Any) -> Any:
        """Return ``data`` (aligned with the read range) without its halos.

        >>> b = Block(0, 0, 2, 4, 0, 6, 0)
        >>> b.trim([10, 11, 12, 13, 14, 15])
        [12, 13]
        """
        return data[self.trim_before : self.trim_before + self.length]

    def as_task(self) -> tuple[int | None, ...]:
        """The block as a plain tuple (what is sent to worker processes)."""
        return (
            self.index,
            self.segment,
            self.start,
            self.stop,
            self.read_start,
            self.read_stop,
            self.out_start,
            self.segment_start,
            self.segment_stop,
        )

    @classmethod
    def from_task(cls, task: Sequence[int | None]) -> Block:
        """The block of a task tuple (:meth:`as_task`).

        >>> Block.from_task(Block(2, 0, 4, 8, 3, 9, 4, 0, 10).as_task()).read_start
        3
        """
        return cls(*task)  # type: ignore[arg-type]

    def describe(self) -> str:
        """Human-readable description used in error messages.

        >>> Block(3, 1, 400, 500, 390, 510, 0).describe()
        'block 3 (segment 1, samples [400, 500))'
        """
        return f"block {self.index} (segment {self.segment}, samples [{self.start}, {self.stop}))"


@dataclasses.dataclass(frozen=True)
class Plan(Sequence[Block]):
    """An ordered sequence of :class:`Block` plus the segments and settings it came from."""

    blocks: tuple[Block, ...]
    segments: tuple[tuple[int, int], ...]
    chunk_size: int
    halo: tuple[int, int] = (0, 0)

    @overload
    def __getitem__(self, i: int) -> Block: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Block]: ...
    def __getitem__(self, i: int | slice) -> Block | Sequence[Block]:
        return self.blocks[i]

    def __len__(self) -> int:
        return len(self.blocks)

    def __iter__(self) -> Iterator[Block]:
        return iter(self.blocks)

    @property
    def n_samples(self) -> int:
        """Total samples produced (length of the gathered output)."""
        return sum(stop - start for start, stop in self.segments)

    @property
    def n_read(self) -> int:
        """Total samples read, halos included."""
        return sum(b.read_length for b in self.blocks)

    def __repr__(self) -> str:
        return (
            f"<Plan {len(self.blocks)} blocks over {len(self.segments)} segment(s), "
            f"chunk_size={self.chunk_size}, halo={self.halo}>"
        )


def normalize_halo(halo: Any) -> tuple[int, int]:
    """Return ``halo`` as ``(before, after)`` non-negative sample counts.

    >>> normalize_halo(5), normalize_halo((0, 3))
    ((5, 5), (0, 3))
    """
    expected = "a non-negative integer or a pair (before, after) of them"
    if isinstance(halo, numbers.Integral) and not isinstance(halo, bool):
        pair: tuple[Any, ...] = (halo, halo)
    elif isinstance(halo, Sequence) and not isinstance(halo, str) and len(halo) == 2:
        pair = tuple(halo)
    else:
        raise value_error("halo", expected, halo)
    for v in pair:
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 0:
            raise value_error("halo", expected, halo)
    return int(pair[0]), int(pair[1])


def _normalize_segments(segments: Any) -> tuple[tuple[int, int], ...]:
    expected = "a length, or a sequence of lengths or (start, stop) pairs with 0 <= start <= stop"
    if isinstance(segments, numbers.Integral) and not isinstance(segments, bool):
        segments = [segments]
    if (
        isinstance(segments, np.ndarray)
        and segments.dtype.kind in "iu"
        and segments.ndim == 2
        and segments.shape[1] == 2
    ):  # (start, stop) pairs from code: checked at once, not pair by pair
        if segments.size and (segments[:, 0].min() < 0 or np.any(segments[:, 1] < segments[:, 0])):
            raise value_error("segments", expected, segments)
        return tuple((int(a), int(b)) for a, b in segments.tolist())
    if isinstance(segments, np.ndarray):
        segments = segments.tolist()
    if not isinstance(segments, Sequence) or isinstance(segments, str):
        raise value_error("segments", expected, segments)
    out = []
    for seg in segments:
        if isinstance(seg, numbers.Integral) and not isinstance(seg, bool):
            start, stop = 0, int(seg)
        elif (
            isinstance(seg, Sequence | np.ndarray)
            and len(seg) == 2
            and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in seg)
        ):
            start, stop = int(seg[0]), int(seg[1])
        else:
            raise value_error("segments", expected, segments)
        if start < 0 or stop < start:
            raise value_error("segments", expected, segments)
        out.append((start, stop))
    return tuple(out)


def plan_blocks(
    segments: int | Sequence[int | tuple[int, int]],
    chunk_size: int,
    halo: int | tuple[int, int] = 0,
    align_to: int | None = None,
) -> Plan:
    """Split segments into blocks of ``chunk_size`` samples with halos.

    Parameters
    ----------
    segments : int or sequence
        One length, or for each segment its length (the segment is ``[0, length)`` of its
        own source) or a ``(start, stop)`` range of samples. Empty segments give no block.
    chunk_size : int
        Samples per block (the last block of a segment may be shorter).
    halo : int or (int, int)
        Samples read before and after each block, clipped to the segment's edges.
    align_to : int, optional
        The source's own chunk length (zarr, HDF5). ``chunk_size`` is then rounded down to a
        multiple of it (at least one chunk) and block boundaries fall on multiples of it,
        counted from sample 0 of the source, so that no source chunk is read by two blocks
        (halos aside).

    Returns
    -------
    Plan

    Examples
    --------
    >>> plan = plan_blocks([(5, 17)], chunk_size=5, align_to=4)
    >>> plan.chunk_size, [(b.start, b.stop) for b in plan]
    (4, [(5, 8), (8, 12), (12, 16), (16, 17)])
    >>> [b.out_start for b in plan_blocks([3, 4], chunk_size=2)]
    [0, 2, 3, 5]
    """
    if (
        isinstance(chunk_size, bool)
        or not isinstance(chunk_size, numbers.Integral)
        or chunk_size <= 0
    ):
        raise value_error("chunk_size", "a positive integer number of samples", chunk_size)
    chunk_size = int(chunk_size)
    before, after = normalize_halo(halo)
    segs = _normalize_segments(segments)
    if align_to is not None:
        if (
            isinstance(align_to, bool)
            or not isinstance(align_to, numbers.Integral)
            or align_to <= 0
        ):
            raise value_error("align_to", "a positive integer or None", align_to)
        align = int(align_to)
        chunk_size = max(align, chunk_size // align * align)
    blocks: list[Block] = []
    out_pos = 0
    for seg_index, (seg_start, seg_stop) in enumerate(segs):
        pos = seg_start
        while pos < seg_stop:
            if align_to is not None:
                stop = min(seg_stop, (pos // chunk_size + 1) * chunk_size)
            else:
                stop = min(seg_stop, pos + chunk_size)
            blocks.append(
                Block(
                    index=len(blocks),
                    segment=seg_index,
                    start=pos,
                    stop=stop,
                    read_start=max(seg_start, pos - before),
                    read_stop=min(seg_stop, stop + after),
                    out_start=out_pos,
                    segment_start=seg_start,
                    segment_stop=seg_stop,
                )
            )
            out_pos += stop - pos
            pos = stop
    return Plan(tuple(blocks), segs, chunk_size, (before, after))


@dataclasses.dataclass(frozen=True)
class BlockLimits:
    """Caps on blocks sized from the memory budget, per kind of executor.

    ``input_bytes`` caps what one block reads (larger blocks do not read faster and give
    coarser progress and load balance; past ~8 MiB each read pays fresh page faults);
    ``work_bytes`` caps the block's working memory as the operation declares it (input,
    temporaries and output), so that the blocks in flight stay small. Sizes given
    explicitly (``chunk_size``, ``chunk_duration``, ``chunk_memory``, ``total_memory``) are
    not capped.
    """

    input_bytes: int = DEFAULT_MAX_BLOCK_BYTES
    work_bytes: int = DEFAULT_MAX_WORK_BYTES


#: Limits of the executors running in this process or in a local pool.
LOCAL_LIMITS = BlockLimits()
#: Dask's local scheduler: per-task scheduling costs ~1 ms, blocks twice as large.
DASK_LOCAL_LIMITS = BlockLimits(2 * DEFAULT_MAX_BLOCK_BYTES, 2 * DEFAULT_MAX_WORK_BYTES)
#: A distributed cluster: every task is a round trip through the scheduler (several ms)
#: and results travel between processes, so blocks are as large as the memory budget of
#: a worker allows, up to 8x the local ones.
DASK_CLUSTER_LIMITS = BlockLimits(4 * DEFAULT_MAX_BLOCK_BYTES, 8 * DEFAULT_MAX_WORK_BYTES)


def block_limits(job: JobKwargs) -> BlockLimits:
    """The :class:`BlockLimits` of the executor that will run ``job``.

    >>> from memphys.engine import JobKwargs
    >>> block_limits(JobKwargs(n_jobs=2)) == LOCAL_LIMITS
    True
    """
    if job.pool_engine != "dask":
        return LOCAL_LIMITS
    if job.dask_client is not None:
        return DASK_CLUSTER_LIMITS
    return DASK_CLUSTER_LIMITS if active_dask_client() is not None else DASK_LOCAL_LIMITS


def block_size(
    row_nbytes: int,
    work_row_nbytes: int | None = None,
    out_row_nbytes: int = 0,
    *,
    sampling_rate: float | None = None,
    halo: int | tuple[int, int] = 0,
    align_to: int | None = None,
    longest_segment: int | None = None,
    job: JobKwargs | None = None,
    limits: BlockLimits | None = None,
    what: str = "the operation",
    **job_kwargs: Any,
) -> int:
    """Block length in samples: the one rule every chunked run of memphys uses.

    In order of precedence: ``chunk_size``; ``chunk_duration`` times ``sampling_rate``;
    otherwise a memory per worker, ``chunk_memory``, ``total_memory / n_jobs`` or the global
    ``memory_budget / n_jobs``, shared between the rows read (``work_row_nbytes`` each: the
    input row and the temporaries the operation keeps per row read, halos included) and
    the rows produced (``out_row_nbytes`` each: the output and its temporaries). Sizes
    derived from the global budget are then capped by the executor's
    :class:`BlockLimits` (but kept at least four halos long when the budget allows it, so
    that halos cost at most half of the reads), and, with ``longest_segment``, by the
    longest segment (a block never spans two segments).

    Parameters
    ----------
    row_nbytes : int
        Bytes read per sample (all channels read).
    work_row_nbytes : int, optional
        Working memory per sample read, the input included (default ``row_nbytes``).
    out_row_nbytes : int, default 0
        Working memory per sample produced (the output and what scales with it).
    sampling_rate : float, optional
        Samples per second; needed by ``chunk_duration``.
    halo : int or (int, int)
        Halo read around each block.
    align_to : int, optional
        The result is a multiple of this (source chunks, decimation factors ...).
    longest_segment : int, optional
        Cap for sizes derived from the memory budget.
    job : JobKwargs, optional
        Already-resolved job kwargs; otherwise ``job_kwargs`` are resolved.
    limits : BlockLimits, optional
        Default: those of the executor of ``job`` (:func:`block_limits`).
    what : str
        The operation, as named in the error message.

    Raises
    ------
    memphys.errors.MemoryBudgetError
        If not even one sample (with its halos and temporaries) fits one worker's memory.

    Examples
    --------
    >>> block_size(32, 160, 64, chunk_memory="1M", halo=100)
    4538
    >>> block_size(32, 160, 64) * 224 <= DEFAULT_MAX_WORK_BYTES
    True
    """
    if job is None:
        job = resolve_job_kwargs(**job_kwargs)
    elif job_kwargs:
        raise MemphysValueError("Pass either `job` or job kwargs, not both.")
    if (
        isinstance(row_nbytes, bool)
        or not isinstance(row_nbytes, numbers.Integral)
        or row_nbytes < 0
    ):
        raise value_error("row_nbytes", "a non-negative integer", row_nbytes)
    before, after = normalize_halo(halo)
    row = max(1, int(row_nbytes))
    work = max(row, int(work_row_nbytes or row))
    out_row = max(0, int(out_row_nbytes))
    if job.chunk_size is not None:
        size = job.chunk_size
    elif job.chunk_duration is not None:
        if sampling_rate is None:
            raise MemphysValueError(
                "Invalid job kwargs: `chunk_duration` needs a sampling rate, but this source "
                "has none. Use `chunk_size` (samples) or `chunk_memory` instead."
            )
        size = max(1, round(job.chunk_duration * float(sampling_rate)))
    else:
        if job.chunk_memory is not None:
            per_worker, where = job.chunk_memory, f"chunk_memory={job.chunk_memory}"
        elif job.total_memory is not None:
            per_worker = job.total_memory // job.n_jobs
            where = f"total_memory={job.total_memory} over {job.n_jobs} worker(s)"
        else:
            budget = int(get_config("memory_budget"))
            per_worker = budget // job.n_jobs
            where = f"memory_budget={budget} over {job.n_jobs} worker(s)"
        most = int((per_worker - (before + after) * work) // (work + out_row))
        if most < 1:
            need = (1 + before + after) * work + out_row
            raise MemoryBudgetError(
                f"Invalid job kwargs: one sample of {what} with its halo ({before} + {after} "
                f"samples) and its temporaries needs {need} bytes per worker, but "
                f"{where} leaves {per_worker} bytes. Raise the memory (e.g. "
                "memphys.set_config(memory_budget='1G') or chunk_memory=...) or use fewer "
                "jobs."
            )
        size = most
        if job.chunk_memory is None and job.total_memory is None:
            lim = limits if limits is not None else block_limits(job)
            cap = max(1, min(lim.input_bytes // row, lim.work_bytes // (work + out_row)))
            size = min(most, max(cap, 4 * (before + after)))
            if longest_segment is not None and longest_segment > 0:
                size = min(size, int(longest_segment))
    if align_to is not None and align_to > 0:
        size = max(int(align_to), size // int(align_to) * int(align_to))
    logger.debug(
        "block size %d samples (row %d bytes, work %d bytes, halo %s)",
        size,
        row,
        work,
        (before, after),
    )
    return int(size)


def chunk_size_from_job_kwargs(
    row_nbytes: int,
    sampling_rate: float | None = None,
    *,
    factor: float = 1.0,
    halo: int | tuple[int, int] = 0,
    align_to: int | None = None,
    job: JobKwargs | None = None,
    **job_kwargs: Any,
) -> int:
    """Block length in samples from the job kwargs, the memory budget and a working factor.

    :func:`block_size` with ``work_row_nbytes = row_nbytes * factor`` (kept for callers
    that describe an operation by one factor; a :class:`~memphys.engine.BlockOp` declares
    its temporaries instead).

    Parameters
    ----------
    row_nbytes : int
        Bytes of one input sample (all channels read).
    sampling_rate : float, optional
        Samples per second; required with ``chunk_duration``.
    factor : float, default 1.0
        Working memory of the operation per byte of input read, the input included.
    halo : int or (int, int)
        Halo read around each block.
    align_to : int, optional
        Source chunk length: the result is a multiple of it (at least one chunk).
    job : JobKwargs, optional
        Already-resolved job kwargs; otherwise ``job_kwargs`` are resolved.

    Examples
    --------
    >>> chunk_size_from_job_kwargs(128, 30000.0, chunk_duration="500ms")
    15000
    >>> chunk_size_from_job_kwargs(1000, chunk_memory="1M", factor=4)
    262
    >>> chunk_size_from_job_kwargs(1000, total_memory="4M", n_jobs=2, factor=4, halo=12)
    500
    """
    if not (isinstance(factor, numbers.Real) and np.isfinite(factor) and factor > 0):
        raise value_error("factor", "a finite number > 0", factor)
    if (
        isinstance(row_nbytes, bool)
        or not isinstance(row_nbytes, numbers.Integral)
        or row_nbytes < 0
    ):
        raise value_error("row_nbytes", "a non-negative integer", row_nbytes)
    row = max(1, int(row_nbytes))
    return block_size(
        row,
        max(1, int(np.ceil(row * float(factor)))),
        sampling_rate=sampling_rate,
        halo=halo,
        align_to=align_to,
        job=job,
        limits=BlockLimits(DEFAULT_MAX_BLOCK_BYTES, 2**62),
        **job_kwargs,
    )
