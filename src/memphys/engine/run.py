"""The one entry point of the engine: :func:`run_blocks`.

Examples
--------
>>> import numpy as np
>>> from memphys.arrays import as_lazy
>>> from memphys.engine import run_blocks, plan_blocks, Sum
>>> x = as_lazy(np.ones((100, 3), dtype="int16"))
>>> run_blocks(None, x, plan_blocks(100, 30), Sum(), n_jobs=2, pool_engine="thread",
...            progress_bar=False)
array([100., 100., 100.])
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import Any

import numpy as np

from memphys.engine.executors import WorkerState, make_executor
from memphys.engine.job_kwargs import JobKwargs, resolve_job_kwargs
from memphys.engine.plan import Block, Plan
from memphys.engine.progress import Progress
from memphys.engine.sinks import Sink, SinkContext
from memphys.errors import ChunkError, MemoryBudgetError, MemphysTypeError, MemphysValueError

__all__ = ["run_blocks", "as_sources"]

logger = logging.getLogger("memphys.engine")


def as_sources(sources: Any) -> list[Any]:
    """Return ``sources`` (one source or a list or tuple of them) as lazy adapters.

    >>> import numpy as np
    >>> as_sources(np.zeros(3))
    [<NumpyArray shape=(3,) dtype=float64>]
    """
    from memphys.arrays import as_lazy

    if isinstance(sources, list | tuple):
        if not sources:
            raise MemphysValueError(
                "Invalid value for `sources`: expected at least one source, but got none."
            )
        return [as_lazy(s) for s in sources]
    return [as_lazy(sources)]


def _selected_trailing(source: Any, channels: Any) -> tuple[int, ...]:
    from memphys.arrays import normalize_channels

    shape = tuple(source.shape)
    if len(shape) < 2 or channels is None:
        return shape[1:]
    ch = normalize_channels(channels, shape[1])
    n = len(range(*ch.indices(shape[1]))) if isinstance(ch, slice) else len(ch)
    return (n, *shape[2:])


def _check_plan(plan: Plan, sources: list[Any]) -> None:
    if not isinstance(plan, Plan):
        raise MemphysTypeError(
            f"Invalid type for `plan`: expected a Plan from plan_blocks, but got "
            f"{type(plan).__name__}."
        )
    if len(sources) not in (1, len(plan.segments)):
        raise MemphysValueError(
            f"Invalid value for `sources`: expected 1 source or one per segment "
            f"({len(plan.segments)}), but got {len(sources)}."
        )
    for i, (_, stop) in enumerate(plan.segments):
        src = sources[0] if len(sources) == 1 else sources[i]
        if stop > src.shape[0]:
            raise MemphysValueError(
                f"Invalid value for `plan`: segment {i} ends at sample {stop}, but its source "
                f"has only {src.shape[0]} samples."
            )


def run_blocks(
    func: Callable[[np.ndarray, Block], Any] | None,
    sources: Any,
    plan: Plan,
    sink: Sink,
    *,
    channels: Any = None,
    desc: str = "memphys",
    job: JobKwargs | None = None,
    **job_kwargs: Any,
) -> Any:
    """Run ``func`` over every block of ``plan`` and return what ``sink`` makes of it.

    For each block, the halo-extended range ``[read_start, read_stop)`` of the block's
    source is read (with ``channels`` selected), passed to ``func(data, block)``, and the
    output goes to ``sink`` (in block order). Time-aligned outputs are trimmed of their
    halos: ``func`` may return either as many samples as it received or exactly
    ``block.length`` (already trimmed).

    Parameters
    ----------
    func : callable or None
        ``func(data, block) -> output``; None passes the data through. Must be picklable
        (cloudpickle is used) for the process and dask executors.
    sources : LazyArray, array-like, or a list of them
        One source for all segments, or one per segment of the plan.
    plan : Plan
        Blocks from :func:`~memphys.engine.plan_blocks`.
    sink : Sink
        Where outputs go (:class:`~memphys.engine.ArraySink`, :class:`NpySink`,
        :class:`ZarrSink`, a reducer, ...).
    channels : optional
        Channel selection (axis 1) read from the sources.
    desc : str
        Label of the progress bar.
    job : JobKwargs, optional
        Already-resolved job kwargs (else ``**job_kwargs`` are resolved).
    **job_kwargs
        ``n_jobs``, ``pool_engine``, ``progress_bar``, ``mp_context``, ... (see
        :mod:`memphys.engine.job_kwargs`; chunk settings are the plan's business).

    Returns
    -------
    The sink's result (an array, a path, a reducer's value ...).

    Raises
    ------
    memphys.errors.ChunkError
        If a block fails; the message names the block's segment and sample range, and the
        original exception is its ``__cause__``. The sink is aborted (partial files are
        removed or marked incomplete).
    """
    if job is None:
        job = resolve_job_kwargs(**job_kwargs)
    elif job_kwargs:
        raise MemphysValueError("Pass either `job` or job kwargs, not both.")
    if func is not None and not callable(func):
        raise MemphysTypeError(
            f"Invalid type for `func`: expected a callable or None, but got {type(func).__name__}."
        )
    if not isinstance(sink, Sink):
        raise MemphysTypeError(
            f"Invalid type for `sink`: expected a memphys.engine Sink, but got "
            f"{type(sink).__name__}."
        )
    srcs = as_sources(sources)
    _check_plan(plan, srcs)
    executor = make_executor(job, len(plan))
    trailing = _selected_trailing(srcs[0], channels)
    row_nbytes = [
        int(np.prod(_selected_trailing(s, channels), dtype=np.int64)) * s.dtype.itemsize
        for s in srcs
    ]
    ctx = SinkContext(
        plan=plan,
        executor=executor.name,
        trailing_shape=trailing if func is None else None,
        dtype=srcs[0].dtype if func is None else None,
    )
    logger.debug(
        "%s: %d blocks (chunk_size %d, halo %s) with %s executor, %d worker(s)",
        desc,
        len(plan),
        plan.chunk_size,
        plan.halo,
        executor.name,
        executor.n_workers,
    )
    sink.open(ctx)
    try:
        state = WorkerState(srcs, func, sink.worker(), channels)
        with (
            Progress(len(plan), enabled=job.progress_bar, desc=desc) as progress,
            executor,
            contextlib.closing(executor.map(state, plan.blocks)) as results,  # type: ignore[type-var]
        ):
            for block, payload in results:
                try:
                    sink.consume(block, payload)
                except MemoryBudgetError:
                    raise  # not a failure of this block: the whole result is too large
                except Exception as exc:
                    raise ChunkError(
                        f"{block.describe()} failed: {type(exc).__name__}: {exc}"
                    ) from exc
                rb = row_nbytes[0] if len(row_nbytes) == 1 else row_nbytes[block.segment]
                progress.update(1, block.read_length * rb)
        return sink.finalize()
    except BaseException:
        sink.abort()
        raise
