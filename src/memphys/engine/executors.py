"""Executors: run one function over the blocks of a plan, serially or in parallel.

All executors share one worker routine (:func:`run_task`): read the block's halo-extended
range from its source, apply the function, trim the halos (for sinks that want it) and
hand the output to the sink's worker handle. They yield ``(block, payload)`` in block
order, keeping at most ``2 * n_workers`` blocks in flight, so memory stays bounded.

- ``serial``: a loop in this process.
- ``thread``: a thread pool (for kernels that release the GIL: numpy, scipy, I/O).
- ``process``: a process pool whose per-worker initializer receives, once, the sources'
  recipes, the pickled function and the sink handle; tasks are plain tuples of ints.
  Workers ignore SIGINT, so Ctrl-C reaches only this process, which terminates them.
  Workers die with their parent: on Linux the kernel sends them SIGKILL when it exits
  (``PR_SET_PDEATHSIG``), and everywhere a watcher thread in each worker exits it within
  :data:`PARENT_POLL_SECONDS` of its parent's death (SIGKILL, SIGTERM, a crash), so an
  interrupted run never leaves workers writing or idling.
- ``dask``: with a ``distributed.Client`` (given as ``dask_client`` or active), tasks are
  submitted to the cluster against a state scattered once to every worker; otherwise a
  ``dask.delayed`` graph is computed with dask's own scheduler, ``n_jobs`` workers. The
  graph holds recipes, not data (see :func:`build_dask_tasks`).

The first failing block stops the run: pending blocks are cancelled, workers stopped, and
a :class:`~memphys.errors.ChunkError` naming the block's segment and sample range is
raised from the original exception.
"""

from __future__ import annotations

import collections
import contextlib
import itertools
import logging
import os
import pickle
import signal
import sys
import traceback
import uuid
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import Any

from memphys.engine.job_kwargs import JobKwargs, active_dask_client
from memphys.engine.plan import Block
from memphys.engine.sinks import SinkWorker
from memphys.errors import ChunkError, MemphysError, MemphysValueError

__all__ = [
    "WorkerState",
    "run_task",
    "Executor",
    "SerialExecutor",
    "ThreadExecutor",
    "ProcessExecutor",
    "DaskExecutor",
    "make_executor",
    "build_dask_tasks",
    "active_dask_client",
    "restore_malloc_thresholds",
    "PARENT_POLL_SECONDS",
]

logger = logging.getLogger("memphys.engine")

_THREAD_ENV_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
)


# ------------------------------------------------------------------------ worker state
def _source_spec(source: Any) -> tuple[str, Any]:
    """``("recipe", dict)`` when the adapter has a recipe, else ``("object", adapter)``."""
    try:
        return ("recipe", source.recipe())
    except MemphysError:
        # e.g. a large in-memory array: it has no file to reopen; pickle it whole
        return ("object", source)


def _build_source(spec: tuple[str, Any]) -> Any:
    kind, value = spec
    if kind == "recipe":
        from memphys.arrays import from_recipe

        return from_recipe(value)
    return value


def _dumps(obj: Any) -> bytes:
    """Pickle with cloudpickle when available (lambdas, closures), else pickle."""
    try:
        import cloudpickle
    except ImportError:  # pragma: no cover - cloudpickle ships with dask
        return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return bytes(cloudpickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


class WorkerState:
    """Everything a worker needs to run blocks: sources, function, sink handle, channels.

    In this process the sources are the adapters themselves; :meth:`to_bytes` describes
    them by their recipes (a few hundred bytes each) and :meth:`from_bytes` rebuilds them
    in a worker.
    """

    def __init__(
        self,
        sources: Sequence[Any],
        func: Callable[[Any, Block], Any] | None,
        sink: SinkWorker,
        channels: Any = None,
    ) -> None:
        self.sources = list(sources)
        self.func = func
        self.sink = sink
        self.channels = channels
        self.remote = False

    def source(self, segment: int) -> Any:
        return self.sources[0] if len(self.sources) == 1 else self.sources[segment]

    def to_bytes(self) -> bytes:
        specs = [_source_spec(s) for s in self.sources]
        return _dumps((specs, self.func, self.sink, self.channels))

    @classmethod
    def from_bytes(cls, data: bytes) -> WorkerState:
        specs, func, sink, channels = pickle.loads(data)
        state = cls([_build_source(s) for s in specs], func, sink, channels)
        state.remote = True
        return state


class _BlockFailed(Exception):
    """Carries a worker exception and its block (a task tuple) back to the main process."""

    def __init__(self, task: tuple[int | None, ...], exc: BaseException, tb: str = "") -> None:
        super().__init__(task, exc, tb)
        self.task = task
        self.exc = exc
        self.tb = tb

    def __reduce__(self) -> tuple[Any, ...]:
        return (_BlockFailed, (self.task, self.exc, self.tb))


def _picklable(exc: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(exc))
    except Exception:
        ok = False
    else:
        ok = True
    return exc if ok else RuntimeError(f"{type(exc).__name__}: {exc}")


def _trim(output: Any, block: Block) -> Any:
    n = len(output)
    if n == block.read_length:
        if block.read_length == block.length:
            return output
        return output[block.trim_before : block.trim_before + block.length]
    if n == block.length:
        return output
    raise MemphysValueError(
        f"Invalid output for {block.describe()}: the function returned {n} samples, but "
        f"expected {block.read_length} (aligned with the halo-extended input) or "
        f"{block.length} (already trimmed)."
    )


def run_task(state: WorkerState, task: tuple[int | None, ...]) -> Any:
    """Run one block (a task tuple, see :meth:`Block.as_task`) and return its payload.

    Any exception is re-raised wrapped with its task, so the caller can name the block.
    In workers of other processes the wrapper is raised outside the ``except`` clause, so it
    carries no ``__context__`` (pickling a context, as tblib does once distributed is
    imported, would fail on exceptions that cannot be pickled).
    """
    failure: _BlockFailed | None = None
    try:
        block = Block.from_task(task)
        data = state.source(block.segment).read(block.read_start, block.read_stop, state.channels)
        out = data if state.func is None else state.func(data, block)
        if state.sink.trims:
            out = _trim(out, block)
        return state.sink.process(block, out)
    except Exception as exc:
        if not state.remote:
            raise _BlockFailed(task, exc) from exc
        failure = _BlockFailed(task, _picklable(exc), "".join(traceback.format_exception(exc)))
    raise failure


def _chunk_error(failed: _BlockFailed) -> ChunkError:
    block = Block.from_task(failed.task)
    exc = failed.exc
    if failed.tb and hasattr(exc, "add_note"):
        with contextlib.suppress(Exception):
            exc.add_note(f"Traceback in the worker:\n{failed.tb}")
    err = ChunkError(f"{block.describe()} failed: {type(exc).__name__}: {exc}")
    err.block = block  # type: ignore[attr-defined]
    return err


# ---------------------------------------------------------------------- process worker
class _WorkerSlot:
    """Per-process holder of the state installed by the process pool's initializer."""

    def __init__(self) -> None:
        self.state: WorkerState | None = None
        self.error: BaseException | None = None


_WORKER = _WorkerSlot()


def _limit_threads(n: int | None) -> None:
    if n is None:
        return
    from threadpoolctl import threadpool_limits

    # libraries loaded later in this worker read these at load time; threadpoolctl limits
    # the ones already loaded (numpy's BLAS after fork)
    for var in _THREAD_ENV_VARS:
        os.environ[var] = str(n)
    threadpool_limits(n)


#: How often a worker checks that its parent is alive (seconds).
PARENT_POLL_SECONDS = 0.2
_PR_SET_PDEATHSIG = 1


def _die_with_parent(parent: int) -> None:
    """Make this worker process exit when ``parent`` (the process that started it) dies.

    On Linux, ``prctl(PR_SET_PDEATHSIG, SIGKILL)`` has the kernel kill the worker when its
    parent exits; a daemon thread also polls ``os.getppid()`` (a dead parent's children are
    re-parented) and exits the worker at once: it covers the race where the parent died
    before ``prctl`` ran, and other platforms.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
    if os.getppid() != parent:
        os._exit(1)

    def watch() -> None:
        import time

        while True:
            time.sleep(PARENT_POLL_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    import threading

    threading.Thread(target=watch, name="memphys-parent-watch", daemon=True).start()


def _init_process_worker(
    state_bytes: bytes, max_threads: int | None, parent: int | None = None
) -> None:
    """Process-pool initializer: die with the parent, ignore Ctrl-C, and rebuild the
    sources once per worker.

    ``parent`` is the pid of the process that started the pool when it is also the
    worker's parent (``fork`` and ``spawn``; with ``forkserver`` the server is the parent,
    and it exits when the pool's process does): a worker whose parent is already gone
    exits at once.
    """
    _die_with_parent(os.getppid() if parent is None else parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _limit_threads(max_threads)
    try:
        _WORKER.state = WorkerState.from_bytes(state_bytes)
    except Exception as exc:  # reported with the first block (an initializer error
        _WORKER.error = exc  # would only break the pool without saying why)


def _setup_failed(task: tuple[int | None, ...], exc: BaseException) -> _BlockFailed:
    tb = "".join(traceback.format_exception(exc))
    wrapped = RuntimeError(
        f"the worker could not rebuild the sources or unpickle the function: "
        f"{type(exc).__name__}: {exc}. Functions must be importable in workers (defined in "
        "an installed module, or in __main__ / a notebook)."
    )
    return _BlockFailed(task, wrapped, tb)


def _process_task(task: tuple[int | None, ...]) -> Any:
    state = _WORKER.state
    if state is None:
        raise _setup_failed(task, _WORKER.error or RuntimeError("initializer did not run"))
    return run_task(state, task)


# ------------------------------------------------------------------------- executors
def _ordered_window(
    submit: Callable[[Block], Any], blocks: Sequence[Block], window: int
) -> Iterator[tuple[Block, Any, collections.deque[tuple[Block, Any]]]]:
    """Submit blocks keeping ``window`` in flight; yield results in block order.

    Yields ``(block, future, pending)``; the caller takes ``future.result()``.
    """
    it = iter(blocks)
    pending: collections.deque[tuple[Block, Any]] = collections.deque()
    for b in itertools.islice(it, window):
        pending.append((b, submit(b)))
    while pending:
        block, fut = pending.popleft()
        yield block, fut, pending
        nxt = next(it, None)
        if nxt is not None:
            pending.append((nxt, submit(nxt)))


class Executor:
    """Base class: ``map(state, blocks)`` yields ``(block, payload)`` in block order.

    Use as a context manager; leaving it on an exception stops the workers at once.
    """

    name = "base"

    def __init__(self, job: JobKwargs, n_workers: int = 1) -> None:
        self.job = job
        self.n_workers = max(1, int(n_workers))

    def map(self, state: WorkerState, blocks: Sequence[Block]) -> Iterator[tuple[Block, Any]]:
        raise NotImplementedError

    def shutdown(self, kill: bool = False) -> None:
        """Release the workers; ``kill`` stops running blocks instead of waiting."""

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown(kill=exc_type is not None)

    def _collect(
        self, submit: Callable[[Block], Any], blocks: Sequence[Block]
    ) -> Iterator[tuple[Block, Any]]:
        window = 2 * self.n_workers
        pending: collections.deque[tuple[Block, Any]] = collections.deque()
        try:
            for block, fut, in_flight in _ordered_window(submit, blocks, window):
                pending = in_flight
                try:
                    payload = fut.result()
                except _BlockFailed as failed:
                    raise _chunk_error(failed) from failed.exc
                yield block, payload
        except BaseException:
            for _, f in pending:
                f.cancel()
            raise


class SerialExecutor(Executor):
    """Run blocks one after the other in this process."""

    name = "serial"

    def map(self, state: WorkerState, blocks: Sequence[Block]) -> Iterator[tuple[Block, Any]]:
        for block in blocks:
            try:
                payload = run_task(state, block.as_task())
            except _BlockFailed as failed:
                raise _chunk_error(failed) from failed.exc
            yield block, payload


class ThreadExecutor(Executor):
    """Run blocks in a pool of ``n_workers`` threads sharing this process's sources."""

    name = "thread"

    def __init__(self, job: JobKwargs, n_workers: int = 1) -> None:
        super().__init__(job, n_workers)
        self._pool: Any = None

    def map(self, state: WorkerState, blocks: Sequence[Block]) -> Iterator[tuple[Block, Any]]:
        from concurrent.futures import ThreadPoolExecutor

        self._pool = ThreadPoolExecutor(self.n_workers, thread_name_prefix="memphys-engine")
        pool = self._pool
        with contextlib.ExitStack() as stack:
            n = self.job.max_threads_per_worker
            if n is not None:
                # BLAS/OpenMP pools are process-wide: limit them for the run's duration
                from threadpoolctl import threadpool_limits

                stack.enter_context(threadpool_limits(n))
            yield from self._collect(lambda b: pool.submit(run_task, state, b.as_task()), blocks)

    def shutdown(self, kill: bool = False) -> None:
        if self._pool is not None:
            # threads cannot be killed: running blocks finish, pending ones are cancelled
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None


class ProcessExecutor(Executor):
    """Run blocks in ``n_workers`` processes started with ``job.mp_context``."""

    name = "process"

    def __init__(self, job: JobKwargs, n_workers: int = 1) -> None:
        super().__init__(job, n_workers)
        self._pool: Any = None

    def map(self, state: WorkerState, blocks: Sequence[Block]) -> Iterator[tuple[Block, Any]]:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        ctx = multiprocessing.get_context(self.job.mp_context)
        self._pool = ProcessPoolExecutor(
            max_workers=self.n_workers,
            mp_context=ctx,
            initializer=_init_process_worker,
            initargs=(
                state.to_bytes(),
                self.job.max_threads_per_worker,
                None if ctx.get_start_method() == "forkserver" else os.getpid(),
            ),
        )
        pool = self._pool

        def submit(b: Block) -> Any:
            return pool.submit(_process_task, b.as_task())

        try:
            yield from self._collect(submit, blocks)
        except BrokenProcessPool as exc:
            raise ChunkError(
                "A worker process died (killed, out of memory, or failed to start) during "
                f"the run: {exc}. Try fewer jobs or a smaller chunk_memory."
            ) from exc

    def shutdown(self, kill: bool = False) -> None:
        pool, self._pool = self._pool, None
        if pool is None:
            return
        if not kill:
            pool.shutdown(wait=True)
            return
        procs = list((getattr(pool, "_processes", None) or {}).values())
        for p in procs:
            with contextlib.suppress(Exception):
                p.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        for p in procs:
            with contextlib.suppress(Exception):
                p.join(timeout=5)
                if p.is_alive():  # pragma: no cover - SIGTERM ignored
                    p.kill()


# ------------------------------------------------------------------------------- dask
#: glibc's ``mallopt`` parameters (``malloc.h``).
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3


def restore_malloc_thresholds() -> bool:
    """Undo a low ``MALLOC_TRIM_THRESHOLD_`` in this process (glibc only); True if done.

    distributed's nanny starts its workers with ``MALLOC_TRIM_THRESHOLD_=65536``. Setting
    the trim threshold also freezes glibc's mmap threshold at 128 KiB, so every buffer of a
    block (several MiB: the read, the float copies, zarr's encode buffers) is a fresh
    ``mmap`` that page-faults on first touch and is unmapped on free: a 16 MiB Zarr write
    took 3-4x longer in a dask worker than in a process-pool worker (docs/benchmarks.md).
    Blocks are bounded by the memory budget, so keeping up to 128 MiB of freed heap is
    harmless; the thresholds are raised to 32 MiB (mmap) and 128 MiB (trim).

    >>> isinstance(restore_malloc_thresholds(), bool)
    True
    """
    value = os.environ.get("MALLOC_TRIM_THRESHOLD_")
    try:
        low = value is not None and int(value) < 32 * 2**20
    except ValueError:
        return False
    if not low or not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        ok = libc.mallopt(_M_MMAP_THRESHOLD, 32 * 2**20) == 1
        ok = libc.mallopt(_M_TRIM_THRESHOLD, 128 * 2**20) == 1 and ok
    except (OSError, AttributeError):  # pragma: no cover - not glibc
        return False
    return bool(ok)


class _RemoteState:
    """A :class:`WorkerState` as bytes, rebuilt once per process where a task runs."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._state: WorkerState | None = None
        self._pid = -1

    def __getstate__(self) -> dict[str, Any]:
        return {"data": self.data, "_state": None, "_pid": -1}

    def get(self) -> WorkerState:
        if self._state is None or self._pid != os.getpid():
            restore_malloc_thresholds()  # a dask worker process (see the function)
            self._state = WorkerState.from_bytes(self.data)
            self._pid = os.getpid()
        return self._state

    def __sizeof__(self) -> int:
        return len(self.data) + 64


def _dask_task(remote: _RemoteState, task: tuple[int | None, ...]) -> Any:
    try:
        state = remote.get()
    except Exception as exc:
        failure = _setup_failed(task, exc)
    else:
        return run_task(state, task)
    raise failure  # outside the except clause: no __context__ to pickle


def build_dask_tasks(state: WorkerState, blocks: Sequence[Block]) -> list[Any]:
    """One ``dask.delayed`` task per block; all share one small node holding the state.

    The state node holds the sources' recipes, the pickled function and the sink handle,
    never the data: the graph of a run over a 1 GB memmap pickles to a few kilobytes.
    """
    import dask

    remote = _RemoteState(state.to_bytes())
    name = f"memphys-state-{uuid.uuid4().hex}"
    state_node = dask.delayed(remote, name=name, traverse=False)
    run = dask.delayed(_dask_task, pure=False)
    return [
        run(state_node, b.as_task(), dask_key_name=f"memphys-block-{name[14:]}-{b.index}")
        for b in blocks
    ]


class DaskExecutor(Executor):
    """Run blocks on dask: a ``distributed.Client`` if one is given or active, else dask's
    own scheduler with ``n_workers`` workers."""

    name = "dask"

    def __init__(self, job: JobKwargs, n_workers: int = 1) -> None:
        super().__init__(job, n_workers)
        self.client = job.dask_client if job.dask_client is not None else active_dask_client()
        self._futures: list[Any] = []

    def map(self, state: WorkerState, blocks: Sequence[Block]) -> Iterator[tuple[Block, Any]]:
        if self.client is not None:
            yield from self._map_client(state, blocks)
        else:
            yield from self._map_local(state, blocks)

    def _map_client(
        self, state: WorkerState, blocks: Sequence[Block]
    ) -> Iterator[tuple[Block, Any]]:
        client = self.client
        nthreads = sum(client.nthreads().values()) or 1
        self.n_workers = nthreads
        remote = client.scatter(_RemoteState(state.to_bytes()), broadcast=True, hash=False)
        run_id = uuid.uuid4().hex
        self._futures = [remote]

        def submit(b: Block) -> Any:
            fut = client.submit(
                _dask_task, remote, b.as_task(), pure=False, key=f"memphys-{run_id}-{b.index}"
            )
            self._futures.append(fut)
            return fut

        logger.debug("dask: %d blocks on %s (%d threads)", len(blocks), client, nthreads)
        yield from self._collect(submit, blocks)

    def _map_local(
        self, state: WorkerState, blocks: Sequence[Block]
    ) -> Iterator[tuple[Block, Any]]:
        import dask

        tasks = build_dask_tasks(state, blocks)
        batch = 8 * self.n_workers  # results are consumed between batches
        for i in range(0, len(tasks), batch):
            try:
                results = dask.compute(*tasks[i : i + batch], num_workers=self.n_workers)
            except _BlockFailed as failed:
                raise _chunk_error(failed) from failed.exc
            yield from zip(blocks[i : i + batch], results, strict=True)

    def shutdown(self, kill: bool = False) -> None:
        if self._futures and self.client is not None:
            with contextlib.suppress(Exception):
                self.client.cancel(self._futures)
        self._futures = []


_EXECUTORS: dict[str, type[Executor]] = {
    "serial": SerialExecutor,
    "thread": ThreadExecutor,
    "process": ProcessExecutor,
    "dask": DaskExecutor,
}


def make_executor(job: JobKwargs, n_blocks: int) -> Executor:
    """The executor for ``job`` (``n_jobs`` capped at the number of blocks).

    >>> from memphys.engine.job_kwargs import JobKwargs
    >>> make_executor(JobKwargs(n_jobs=4, pool_engine="thread"), n_blocks=1).name
    'serial'
    """
    name = job.executor_name
    n = max(1, min(job.n_jobs, n_blocks))
    if name in ("thread", "process") and n == 1:
        name = "serial"
    return _EXECUTORS[name](job, n)
