"""The chunked engine: every heavy operation of memphys runs through it.

A *plan* splits segments into ``(segment, start, stop)`` blocks with halos
(:func:`plan_blocks`), sized from the job kwargs and the memory budget
(:func:`chunk_size_from_job_kwargs`). An *executor* (serial, threads, processes or dask)
runs a function over the blocks, and a *sink* gathers the results in block order: an
in-memory array, a ``.npy`` memmap, a zarr array, or a reducer (sums, counts, min/max,
mean and variance). :func:`run_blocks` is the one entry point; :func:`iter_chunks`,
:func:`map_chunks` and :func:`reduce_chunks` are the user-facing primitives.

Job kwargs follow SpikeInterface's names (``n_jobs``, ``chunk_duration``, ``chunk_size``,
``chunk_memory``, ``total_memory``, ``progress_bar``, ``mp_context``, ``pool_engine``,
``max_threads_per_worker``), with global defaults set by :func:`set_global_job_kwargs`.

Importing this package imports neither scipy, zarr, dask nor tqdm: they are loaded when a
run needs them.

Examples
--------
>>> import numpy as np
>>> from memphys.engine import map_chunks, reduce_chunks, Sum
>>> x = np.arange(20, dtype="int16").reshape(10, 2)
>>> reduce_chunks(x, Sum(), chunk_size=4, n_jobs=2, pool_engine="thread")
array([ 90., 100.])
>>> map_chunks(lambda d: d * 0.5, x, chunk_size=3)[:2]
array([[0. , 0.5],
       [1. , 1.5]])
"""

from __future__ import annotations

from memphys.engine.executors import (
    DaskExecutor,
    Executor,
    ProcessExecutor,
    SerialExecutor,
    ThreadExecutor,
    WorkerState,
    build_dask_tasks,
    make_executor,
)
from memphys.engine.job_kwargs import (
    CHUNK_KWARGS,
    JOB_KWARGS,
    POOL_ENGINES,
    JobKwargs,
    get_global_job_kwargs,
    parse_duration,
    reset_global_job_kwargs,
    resolve_job_kwargs,
    resolve_n_jobs,
    set_global_job_kwargs,
    split_job_kwargs,
)
from memphys.engine.plan import (
    Block,
    Plan,
    chunk_size_from_job_kwargs,
    normalize_halo,
    plan_blocks,
)
from memphys.engine.primitives import iter_chunks, map_chunks, reduce_chunks
from memphys.engine.progress import Progress
from memphys.engine.reducers import (
    Count,
    Max,
    MeanVar,
    MeanVarResult,
    Min,
    Reducer,
    ReducerGroup,
    Sum,
)
from memphys.engine.run import run_blocks
from memphys.engine.sinks import (
    ArraySink,
    CollectSink,
    NpySink,
    Sink,
    SinkContext,
    SinkWorker,
    ZarrSink,
    check_complete,
    is_complete,
)

__all__ = [
    # job kwargs
    "CHUNK_KWARGS",
    "JOB_KWARGS",
    "POOL_ENGINES",
    "JobKwargs",
    "get_global_job_kwargs",
    "parse_duration",
    "reset_global_job_kwargs",
    "resolve_job_kwargs",
    "resolve_n_jobs",
    "set_global_job_kwargs",
    "split_job_kwargs",
    # plans
    "Block",
    "Plan",
    "chunk_size_from_job_kwargs",
    "normalize_halo",
    "plan_blocks",
    # executors
    "DaskExecutor",
    "Executor",
    "ProcessExecutor",
    "SerialExecutor",
    "ThreadExecutor",
    "WorkerState",
    "build_dask_tasks",
    "make_executor",
    # sinks
    "ArraySink",
    "CollectSink",
    "NpySink",
    "Sink",
    "SinkContext",
    "SinkWorker",
    "ZarrSink",
    "check_complete",
    "is_complete",
    # reducers
    "Count",
    "Max",
    "MeanVar",
    "MeanVarResult",
    "Min",
    "Reducer",
    "ReducerGroup",
    "Sum",
    # entry points
    "Progress",
    "iter_chunks",
    "map_chunks",
    "reduce_chunks",
    "run_blocks",
]
