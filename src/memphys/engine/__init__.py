"""The chunked engine: every heavy operation of memphys runs through it.

An *operation* (:class:`BlockOp`) declares what it needs: its halo, its output (dtype and
trailing shape), its temporaries per input row, and whether it is a map, a reduction or a
gather. :func:`run_op` derives block sizes from that declaration alone, for the executor
that runs it (:func:`block_size`, :func:`block_limits`), makes a *plan* of
``(segment, start, stop)`` blocks with halos (:func:`plan_blocks`), runs the blocks on an
*executor* (serial, threads, processes or dask) through :func:`run_blocks`, and gathers
the results in block order in a *sink*: an in-memory array (or a temporary file when the
result does not fit the available memory: :mod:`memphys.engine.results`), a ``.npy``
memmap, a zarr array, or a reducer (sums, counts, min/max, mean and variance).
:func:`iter_chunks`, :func:`map_chunks` and :func:`reduce_chunks` are the same machinery
for a plain function. Time series run operations with
:func:`memphys.core.apply_blocks`.

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
from memphys.engine.ops import OP_KINDS, BlockOp, FuncOp, ReduceOp, op_block_size, op_plan, run_op
from memphys.engine.plan import (
    DASK_CLUSTER_LIMITS,
    DASK_LOCAL_LIMITS,
    LOCAL_LIMITS,
    Block,
    BlockLimits,
    Plan,
    block_limits,
    block_size,
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
from memphys.engine.results import (
    ResultOnDiskWarning,
    available_memory,
    empty_result,
    open_result,
    result_fits_in_memory,
    result_sink,
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
    "DASK_CLUSTER_LIMITS",
    "DASK_LOCAL_LIMITS",
    "LOCAL_LIMITS",
    "Block",
    "BlockLimits",
    "Plan",
    "block_limits",
    "block_size",
    "chunk_size_from_job_kwargs",
    "normalize_halo",
    "plan_blocks",
    # operations
    "OP_KINDS",
    "BlockOp",
    "FuncOp",
    "ReduceOp",
    "op_block_size",
    "op_plan",
    "run_op",
    # results
    "ResultOnDiskWarning",
    "available_memory",
    "empty_result",
    "open_result",
    "result_fits_in_memory",
    "result_sink",
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
