"""Job kwargs and the chunk executor of the SpikeInterface face, over :mod:`memphys.engine`.

SpikeInterface's names and semantics (``fix_job_kwargs``, ``split_job_kwargs``,
``ensure_n_jobs``, ``ensure_chunk_size``, ``TimeSeriesChunkExecutor`` with ``func``,
``init_func``, ``init_args``, ``handle_returns``, ``gather_func``) on top of the engine:
a run is a :class:`~memphys.engine.Plan` of ``(segment, start, stop)`` blocks executed by
:func:`~memphys.engine.run_blocks` on the serial, thread, process or dask executor, with the
engine's progress bar, per-worker initialisation (here: ``init_func`` once per worker) and
error reporting (a failing chunk raises :class:`~memphys.errors.ChunkError` naming it).

Memory sizes are read as SpikeInterface reads them: ``"100M"`` is 10**8 bytes, ``"100Mi"``
2**20 * 100. When memphys itself makes a full pass (``save``, ``write_binary_recording``) a
``chunk_memory`` or ``total_memory`` bounds the working memory of the pass, temporaries
included, not only the raw block (see :func:`engine_chunk_size`).

Examples
--------
>>> from memphys.ephys import generate_recording
>>> from memphys.ephys.job_tools import TimeSeriesChunkExecutor
>>> rec = generate_recording(num_channels=2, durations=[1.0], seed=0)
>>> def func(segment_index, start_frame, end_frame, ctx):
...     return end_frame - start_frame
>>> ex = TimeSeriesChunkExecutor(rec, func, lambda: {}, (), handle_returns=True,
...                              chunk_duration="250ms", progress_bar=False)
>>> ex.run()
[7500, 7500, 7500, 7500]
"""

from __future__ import annotations

import contextlib
import logging
import numbers
import os
import platform
import shutil
import tempfile
import threading
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from memphys.arrays import LazyArray
from memphys.engine import (
    Block,
    JobKwargs,
    Plan,
    Sink,
    SinkContext,
    SinkWorker,
    chunk_size_from_job_kwargs,
    plan_blocks,
    resolve_job_kwargs,
    run_blocks,
)
from memphys.ephys._check import ext_error
from memphys.ephys.core_tools import (
    convert_bytes_to_str,
    convert_seconds_to_str,
    memory_to_bytes,
)
from memphys.ephys.globals import CHUNK_KEYS, JOB_KEYS, check_job_keys, get_global_job_kwargs
from memphys.errors import ExtractorValueError, ExtractorWarning, MemphysRuntimeError, SourceError

logger = logging.getLogger("memphys.ephys")

__all__ = [
    "job_keys",
    "get_usable_cpu_count",
    "get_best_job_kwargs",
    "fix_job_kwargs",
    "merge_job_kwargs",
    "split_job_kwargs",
    "to_engine_job",
    "divide_segment_into_chunks",
    "divide_time_series_into_chunks",
    "divide_recording_into_chunks",
    "ensure_n_jobs",
    "chunk_duration_to_chunk_size",
    "ensure_chunk_size",
    "engine_chunk_size",
    "TimeSeriesChunkExecutor",
    "ChunkRecordingExecutor",
]

job_keys = JOB_KEYS

_shared_job_kwargs_doc = """**job_kwargs : keyword arguments for parallel processing
    ``n_jobs``, ``chunk_duration`` | ``chunk_size`` | ``chunk_memory`` | ``total_memory``,
    ``progress_bar``, ``mp_context``, ``pool_engine`` ("process", "thread", "dask"),
    ``max_threads_per_worker`` (see :mod:`memphys.ephys.job_tools`)."""


def get_usable_cpu_count() -> int:
    """Cores this process may run on (affinity-aware).

    >>> get_usable_cpu_count() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def get_best_job_kwargs() -> dict[str, Any]:
    """Good job kwargs for this machine: one process per core (``fork`` on Linux),
    one BLAS thread each; fewer processes with more threads above 16 cores."""
    n_cpu = get_usable_cpu_count()
    system = platform.system()
    if system == "Windows":
        return dict(pool_engine="thread", mp_context=None, n_jobs=n_cpu, max_threads_per_worker=1)
    mp_context = "fork" if system == "Linux" else "spawn"
    if n_cpu <= 16:
        n_jobs, threads = n_cpu, 1
    else:
        n_jobs, threads = n_cpu // 4, 8
    return dict(
        pool_engine="process", mp_context=mp_context, n_jobs=n_jobs, max_threads_per_worker=threads
    )


def _resolve_n_jobs(n_jobs: Any) -> int:
    """SpikeInterface's reading of ``n_jobs`` (-1: all cores, 0.5: half), capped at the
    number of usable cores."""
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Real) or n_jobs == 0:
        raise ext_error("n_jobs", "a non-zero integer, or a float in (0, 1]", n_jobs)
    cpus = get_usable_cpu_count()
    value = float(n_jobs)
    if isinstance(n_jobs, float | np.floating) and 0 < value <= 1:
        n = int(value * cpus)
    elif value < 0:
        n = int(cpus + 1 + value)
    else:
        n = int(value)
    return min(max(n, 1), cpus)


def to_engine_job(job_kwargs: dict[str, Any]) -> JobKwargs:
    """The engine's validated :class:`~memphys.engine.JobKwargs` for SpikeInterface-spelled
    job kwargs (memory strings read the SpikeInterface way).

    >>> to_engine_job({"n_jobs": 1, "chunk_memory": "10M", "pool_engine": "thread"}).chunk_memory
    10000000
    """
    d: dict[str, Any] = {}
    for k, v in job_kwargs.items():
        if v is None:
            continue
        if k == "n_jobs":
            d[k] = _resolve_n_jobs(v)
        elif k in ("chunk_memory", "total_memory"):
            d[k] = memory_to_bytes(v, k)
        elif k == "chunk_size":
            if isinstance(v, bool) or not isinstance(v, numbers.Integral | float) or v <= 0:
                raise ext_error("chunk_size", "a positive number of samples", v)
            d[k] = int(v)
        else:
            d[k] = v
    try:
        return resolve_job_kwargs(**d)
    except ExtractorValueError:
        raise
    except ValueError as exc:
        raise ExtractorValueError(str(exc)) from None


def merge_job_kwargs(
    runtime_job_kwargs: dict[str, Any] | None, base: dict[str, Any]
) -> dict[str, Any]:
    """``runtime_job_kwargs`` over ``base``: a chunk setting given at run time replaces the
    base's, None values are ignored, ``n_jobs`` is resolved; every value is validated."""
    runtime = {} if runtime_job_kwargs is None else dict(runtime_job_kwargs)
    check_job_keys(runtime)
    job = {k: v for k, v in base.items() if v is not None or k == "mp_context"}
    if any(runtime.get(k) is not None for k in CHUNK_KEYS):
        for k in CHUNK_KEYS:
            job.pop(k, None)
    job.update({k: v for k, v in runtime.items() if v is not None})
    present = [k for k in CHUNK_KEYS if job.get(k) is not None]
    if len(present) > 1:  # several in the base: keep SpikeInterface's precedence
        order = ("chunk_size", "chunk_memory", "total_memory", "chunk_duration")
        keep = next(k for k in order if k in present)
        for k in present:
            if k != keep:
                job.pop(k)
    job["n_jobs"] = _resolve_n_jobs(job.get("n_jobs", 1))
    to_engine_job(job)  # validation
    return job


def fix_job_kwargs(runtime_job_kwargs: dict[str, Any] | None) -> dict[str, Any]:
    """The job kwargs of a run: the global ones with ``runtime_job_kwargs`` over them.

    Raises
    ------
    memphys.errors.ExtractorValueError
        On unknown keys (also an AssertionError, as in SpikeInterface) or invalid values.

    Examples
    --------
    >>> fix_job_kwargs({"chunk_duration": "300ms", "n_jobs": 1})["chunk_duration"]
    '300ms'
    >>> fix_job_kwargs({"n_jobs": 1, "other_param": 2})
    Traceback (most recent call last):
    ...
    memphys.errors.ExtractorValueError: other_param is not a valid job keyword argument. ...
    """
    return merge_job_kwargs(runtime_job_kwargs, get_global_job_kwargs())


def split_job_kwargs(mixed_kwargs: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(specific_kwargs, job_kwargs)``: the job kwargs are completed by
    :func:`fix_job_kwargs`.

    >>> specific, job = split_job_kwargs({"n_jobs": 1, "folder": "x"})
    >>> specific, job["n_jobs"]
    ({'folder': 'x'}, 1)
    """
    job = {k: v for k, v in mixed_kwargs.items() if k in JOB_KEYS}
    specific = {k: v for k, v in mixed_kwargs.items() if k not in JOB_KEYS}
    return specific, fix_job_kwargs(job)


def divide_segment_into_chunks(num_frames: int, chunk_size: int | None) -> list[tuple[int, int]]:
    """``(start, stop)`` chunks of ``chunk_size`` frames (one chunk when None or larger).

    >>> divide_segment_into_chunks(11, 5)
    [(0, 5), (5, 10), (10, 11)]
    """
    if chunk_size is None or chunk_size > num_frames:
        return [(0, int(num_frames))]
    plan = plan_blocks(int(num_frames), int(chunk_size))
    return [(b.start, b.stop) for b in plan]


def divide_time_series_into_chunks(
    time_series: Any, chunk_size: int | None
) -> list[tuple[int, int, int]]:
    """``(segment_index, start, stop)`` chunks over every segment."""
    out: list[tuple[int, int, int]] = []
    for seg in range(time_series.get_num_segments()):
        n = time_series.get_num_samples(seg)
        out.extend((seg, a, b) for a, b in divide_segment_into_chunks(n, chunk_size))
    return out


divide_recording_into_chunks = divide_time_series_into_chunks


def ensure_n_jobs(extractor: Any, n_jobs: Any = 1) -> int:
    """The number of workers for ``extractor``; objects that cannot go to other processes
    (not memory-serializable) only run with one.

    Raises
    ------
    memphys.errors.MemphysRuntimeError
        If ``n_jobs > 1`` and the object cannot be sent to workers.
    """
    if n_jobs is None or n_jobs == 0:
        n = 1
    elif n_jobs == -1:
        n = get_usable_cpu_count()
    else:
        n = _resolve_n_jobs(n_jobs)
    if platform.system() == "Windows":  # pragma: no cover
        n = min(n, 61)
    if n != 1 and not extractor.check_serializability("memory"):
        raise MemphysRuntimeError(
            f"Extractor is not serializable to memory and can't be processed in parallel: "
            f"{type(extractor).__name__} cannot be sent to worker processes. Use `rec = "
            "recording.save(folder=...)` first, or set n_jobs=1."
        )
    return n


def chunk_duration_to_chunk_size(chunk_duration: Any, time_series: Any) -> int:
    """Samples in ``chunk_duration`` (seconds, or ``"1s"`` / ``"500ms"``).

    >>> from memphys.ephys import generate_recording
    >>> chunk_duration_to_chunk_size("500ms", generate_recording(durations=[1.0]))
    15000
    """
    fs = time_series.get_sampling_frequency()
    if isinstance(chunk_duration, str):
        s = chunk_duration.strip()
        try:
            if s.endswith("ms"):
                seconds = float(s[:-2]) / 1000.0
            elif s.endswith("s"):
                seconds = float(s[:-1])
            else:
                raise ValueError
        except ValueError:
            raise ext_error(
                "chunk_duration", "seconds, or a string ending in 's' or 'ms'", chunk_duration
            ) from None
    elif isinstance(chunk_duration, numbers.Real) and not isinstance(chunk_duration, bool):
        seconds = float(chunk_duration)
    else:
        raise ext_error(
            "chunk_duration", "seconds, or a string ending in 's' or 'ms'", chunk_duration
        )
    if not np.isfinite(seconds) or seconds <= 0:
        raise ext_error("chunk_duration", "a positive duration", chunk_duration)
    return max(1, int(seconds * fs))


def ensure_chunk_size(
    time_series: Any,
    total_memory: Any = None,
    chunk_size: Any = None,
    chunk_memory: Any = None,
    chunk_duration: Any = None,
    n_jobs: Any = 1,
    **other_kwargs: Any,
) -> int:
    """Samples per chunk, SpikeInterface's way: ``chunk_size``, else ``chunk_memory`` or
    ``total_memory`` divided by the bytes of one sample (and by ``n_jobs``), else
    ``chunk_duration``; with none of them, one chunk per segment (``n_jobs=1`` only).

    >>> from memphys.ephys import generate_recording
    >>> rec = generate_recording(num_channels=2, durations=[5.0])  # float32: 8 bytes/sample
    >>> ensure_chunk_size(rec, chunk_memory="1k"), ensure_chunk_size(rec, chunk_duration=1.5)
    (125, 45000)
    """
    sample_bytes = time_series.get_sample_size_in_bytes()
    if chunk_size is not None:
        return int(chunk_size)
    if chunk_memory is not None:
        return max(1, int(memory_to_bytes(chunk_memory, "chunk_memory") / sample_bytes))
    if total_memory is not None:
        n = ensure_n_jobs(time_series, n_jobs=n_jobs)
        return max(1, int(memory_to_bytes(total_memory, "total_memory") / (sample_bytes * n)))
    if chunk_duration is not None:
        return chunk_duration_to_chunk_size(chunk_duration, time_series)
    if n_jobs == 1:
        return max(
            [time_series.get_num_samples(s) for s in range(time_series.get_num_segments())] + [1]
        )
    raise ExtractorValueError(
        "For n_jobs >1 you must specify total_memory or chunk_size or chunk_memory (or "
        "chunk_duration)."
    )


def engine_chunk_size(
    time_series: Any, job_kwargs: dict[str, Any], factor: float, row_nbytes: int | None = None
) -> int:
    """Samples per block for a full pass made by memphys itself.

    ``chunk_size`` and ``chunk_duration`` are taken as given. ``chunk_memory`` (per worker)
    and ``total_memory`` (all workers) bound the pass's *working* memory: a block, its
    copies and the operation's temporaries (``factor`` bytes per byte of the block), which
    is what keeps a run inside ``total_memory``. Without any, the engine's memory budget
    decides.
    """
    row = int(row_nbytes if row_nbytes is not None else time_series.get_sample_size_in_bytes())
    if job_kwargs.get("chunk_size") is not None:
        return max(1, int(job_kwargs["chunk_size"]))
    if job_kwargs.get("chunk_duration") is not None:
        return chunk_duration_to_chunk_size(job_kwargs["chunk_duration"], time_series)
    job = to_engine_job(job_kwargs)
    return int(
        chunk_size_from_job_kwargs(
            max(row, 1), time_series.get_sampling_frequency(), factor=factor, job=job
        )
    )


# --------------------------------------------------------------------- the executor
class _NullSource(LazyArray):
    """A source of ``n`` samples and no channels: the chunk functions read their data
    themselves through the recording held in their worker context."""

    kind = "ephys_null"

    def __init__(self, n: int) -> None:
        self.shape = (int(n), 0)
        self.dtype = np.dtype(np.uint8)

    def _read(self, start: int, stop: int, channels: Any) -> np.ndarray:
        return np.empty((stop - start, 0), dtype=np.uint8)

    def recipe(self) -> dict[str, Any]:
        raise SourceError("a null source is pickled whole (it has no file)")

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> _NullSource:
        return cls(int(recipe["n"]))

    def __reduce__(self) -> tuple[Any, tuple[int]]:  # type: ignore[override]
        return (_NullSource, (self.shape[0],))


class _ChunkTask:
    """Runs ``func(segment_index, start, stop, worker_ctx)`` for a block; the worker context
    is built by ``init_func(*init_args)`` once per worker (thread or process)."""

    def __init__(
        self,
        func: Callable[..., Any],
        init_func: Callable[..., Any],
        init_args: tuple[Any, ...],
        max_threads: int | None,
        index_dir: str | None,
    ) -> None:
        self.func = func
        self.init_func = init_func
        self.init_args = tuple(init_args)
        self.max_threads = max_threads
        self.index_dir = index_dir
        self._local = threading.local()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_local", None)
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._local = threading.local()

    def _worker_index(self) -> int:
        assert self.index_dir is not None
        i = 0
        while True:  # the first index file this worker creates is its index
            try:
                fd = os.open(os.path.join(self.index_dir, str(i)), os.O_CREAT | os.O_EXCL)
            except FileExistsError:
                i += 1
                continue
            os.close(fd)
            return i

    def _context(self) -> Any:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            args = self.init_args
            index = None
            if self.index_dir is not None:
                index = self._worker_index()
                args = (*args, index)
            with self._limits():
                ctx = self.init_func(*args)
            if index is not None and isinstance(ctx, dict):
                ctx["worker_index"] = index
            local.ctx, local.pid = ctx, os.getpid()
        return local.ctx

    def _limits(self) -> Any:
        if self.max_threads is None:
            return contextlib.nullcontext()
        from threadpoolctl import threadpool_limits

        return threadpool_limits(limits=self.max_threads)

    def __call__(self, data: np.ndarray, block: Block) -> Any:
        ctx = self._context()
        with self._limits():
            return self.func(block.segment, block.start, block.stop, ctx)


class _GatherWorker(SinkWorker):
    trims = False


class _GatherSink(Sink):
    """Hands each chunk's return value, in chunk order, to ``gather_func`` and/or a list."""

    def __init__(self, handle_returns: bool, gather_func: Callable[[Any], Any] | None) -> None:
        self.handle_returns = handle_returns
        self.gather_func = gather_func
        self.returns: list[Any] | None = None

    def open(self, ctx: SinkContext) -> None:
        self.returns = [] if self.handle_returns else None

    def worker(self) -> SinkWorker:
        return _GatherWorker()

    def consume(self, block: Block, payload: Any) -> None:
        if self.returns is not None:
            self.returns.append(payload)
        if self.gather_func is not None:
            self.gather_func(payload)

    def finalize(self) -> list[Any] | None:
        return self.returns


def _plan_from_slices(time_series: Any, slices: Sequence[Any], chunk_size: int) -> Plan:
    lengths = [int(time_series.get_num_samples(s)) for s in range(time_series.get_num_segments())]
    blocks = []
    out = 0
    for i, sl in enumerate(slices):
        seg, start, stop = (int(v) for v in sl)
        if not (0 <= seg < len(lengths)) or not (0 <= start <= stop <= lengths[seg]):
            raise ext_error(
                "slices",
                "(segment_index, start_frame, end_frame) with 0 <= start <= end <= num_samples",
                tuple(sl),
            )
        blocks.append(Block(i, seg, start, stop, start, stop, out))
        out += stop - start
    return Plan(tuple(blocks), tuple((0, n) for n in lengths), max(1, int(chunk_size)))


class TimeSeriesChunkExecutor:
    """Run ``func`` over chunks of a recording, serially or in parallel, on
    :mod:`memphys.engine`.

    Parameters
    ----------
    time_series : BaseRecording
        The recording (its segments and lengths define the chunks).
    func : callable
        ``func(segment_index, start_frame, end_frame, worker_ctx)``, run for every chunk.
    init_func : callable
        ``init_func(*init_args)`` returns the worker context (a dict); it runs once per
        worker (with the worker index appended when ``need_worker_index``).
    init_args : tuple
    verbose : bool
        Log the chunking (level INFO, logger ``memphys.ephys``; SpikeInterface prints it).
    progress_bar : bool
    handle_returns : bool
        :meth:`run` returns the list of ``func``'s return values, in chunk order.
    gather_func : callable, optional
        Called in this process with each chunk's return value, in chunk order.
    pool_engine : {"process", "thread", "dask"}
    n_jobs, total_memory, chunk_size, chunk_memory, chunk_duration, mp_context,
    max_threads_per_worker, dask_client
        Job kwargs (SpikeInterface's meaning for the chunk size).
    job_name : str
        Label of the progress bar.
    need_worker_index : bool
        Give each worker a distinct index 0, 1, ... (``worker_ctx["worker_index"]``).
    """

    def __init__(
        self,
        time_series: Any,
        func: Callable[..., Any],
        init_func: Callable[..., Any],
        init_args: tuple[Any, ...],
        verbose: bool = False,
        progress_bar: bool = False,
        handle_returns: bool = False,
        gather_func: Callable[[Any], Any] | None = None,
        pool_engine: str = "thread",
        n_jobs: Any = 1,
        total_memory: Any = None,
        chunk_size: Any = None,
        chunk_memory: Any = None,
        chunk_duration: Any = None,
        mp_context: str | None = None,
        job_name: str = "",
        max_threads_per_worker: int | None = 1,
        need_worker_index: bool = False,
        dask_client: Any = None,
    ) -> None:
        if not callable(func) or not callable(init_func):
            raise MemphysRuntimeError("`func` and `init_func` must be callables.")
        self.time_series = time_series
        self.func = func
        self.init_func = init_func
        self.init_args = tuple(init_args)
        preferred = time_series.get_preferred_mp_context()
        if pool_engine == "process" and preferred is not None and mp_context != preferred:
            import warnings

            if mp_context is not None:
                warnings.warn(
                    f"pool_engine='process' with mp_context='{mp_context}' is not possible for "
                    f"this recording: using mp_context='{preferred}' instead.",
                    ExtractorWarning,
                    stacklevel=2,
                )
            mp_context = preferred
        self.mp_context = mp_context
        self.verbose = verbose
        self.progress_bar = progress_bar
        self.handle_returns = handle_returns
        self.gather_func = gather_func
        self.n_jobs = ensure_n_jobs(time_series, n_jobs=n_jobs)
        self.chunk_size = ensure_chunk_size(
            time_series,
            total_memory=total_memory,
            chunk_size=chunk_size,
            chunk_memory=chunk_memory,
            chunk_duration=chunk_duration,
            n_jobs=self.n_jobs,
        )
        self.job_name = job_name
        self.max_threads_per_worker = max_threads_per_worker
        self.pool_engine = pool_engine
        self.need_worker_index = need_worker_index
        self.dask_client = dask_client
        self._job = to_engine_job(
            dict(
                n_jobs=self.n_jobs,
                pool_engine=pool_engine,
                progress_bar=bool(progress_bar),
                mp_context=mp_context,
                max_threads_per_worker=max_threads_per_worker,
                dask_client=dask_client,
            )
        )
        if verbose:
            mem = self.get_chunk_memory()
            dur = self.chunk_size / time_series.get_sampling_frequency()
            logger.info(
                "%s\n%s",
                self.job_name,
                f"engine={self.pool_engine} - n_jobs={self.n_jobs} - "
                f"samples_per_chunk={self.chunk_size:,} - "
                f"chunk_memory={convert_bytes_to_str(mem)} - "
                f"total_memory={convert_bytes_to_str(mem * self.n_jobs)} - "
                f"chunk_duration={convert_seconds_to_str(dur)}",
            )

    def get_chunk_memory(self) -> int:
        """Bytes of one chunk of raw traces."""
        return int(self.chunk_size * self.time_series.get_sample_size_in_bytes())

    def ensure_chunk_size(self, **kwargs: Any) -> int:
        return ensure_chunk_size(self.time_series, **kwargs)

    def run(self, slices: Sequence[Any] | None = None) -> list[Any] | None:
        """Run every chunk (or the given ``(segment_index, start, stop)`` slices)."""
        ts = self.time_series
        if slices is None:
            lengths = [ts.get_num_samples(s) for s in range(ts.get_num_segments())]
            plan = plan_blocks(lengths, max(1, int(self.chunk_size)))
        else:
            plan = _plan_from_slices(ts, slices, self.chunk_size)
        sources = [_NullSource(ts.get_num_samples(s)) for s in range(ts.get_num_segments())]
        index_dir = tempfile.mkdtemp(prefix="memphys-workers-") if self.need_worker_index else None
        # the engine limits BLAS threads per worker (max_threads_per_worker) itself
        task = _ChunkTask(self.func, self.init_func, self.init_args, None, index_dir)
        sink = _GatherSink(self.handle_returns, self.gather_func)
        try:
            result: list[Any] | None = run_blocks(
                task, sources, plan, sink, desc=self.job_name or "memphys.ephys", job=self._job
            )
        finally:
            if index_dir is not None:
                shutil.rmtree(index_dir, ignore_errors=True)
        return result


#: SpikeInterface's former name of the executor.
ChunkRecordingExecutor = TimeSeriesChunkExecutor
