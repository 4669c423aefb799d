"""Executors: serial, thread and process give bit-identical results; failures name blocks."""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memphys.arrays import MemmapArray, as_lazy
from memphys.engine import (
    ArraySink,
    CollectSink,
    MeanVar,
    ReducerGroup,
    Sum,
    map_chunks,
    plan_blocks,
    run_blocks,
)
from memphys.engine.executors import make_executor
from memphys.engine.job_kwargs import JobKwargs
from memphys.errors import ChunkError, MemphysTypeError, MemphysValueError

N, C = 5000, 3


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(42)
    return rng.integers(-2000, 2000, size=(N, C)).astype(np.int16)


@pytest.fixture(scope="module")
def memmap_source(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("exec") / "raw.dat"
    data.tofile(path)
    return MemmapArray(path, dtype="int16", shape=data.shape)


def halo_kernel(x, block):
    """A function whose output depends on the halo (a 3-tap moving sum in float64)."""
    y = x.astype(np.float64)
    out = y.copy()
    out[1:] += y[:-1]
    out[:-1] += y[1:]
    return out * 0.1 + block.index


def run_all(source, chunk_size, halo, **job):
    plan = plan_blocks(len(source), chunk_size, halo=halo)
    gathered = run_blocks(halo_kernel, source, plan, ArraySink(), progress_bar=False, **job)
    reduced = run_blocks(
        halo_kernel,
        source,
        plan,
        ReducerGroup({"sum": Sum(), "mv": MeanVar()}),
        progress_bar=False,
        **job,
    )
    return gathered, reduced


def assert_identical(a, b):
    ga, ra = a
    gb, rb = b
    assert ga.dtype == gb.dtype
    assert np.array_equal(ga, gb)
    assert np.array_equal(ra["sum"], rb["sum"])
    assert ra["mv"].n == rb["mv"].n
    # bit-identical, not merely close
    assert ra["mv"].mean.tobytes() == rb["mv"].mean.tobytes()
    assert ra["mv"].var.tobytes() == rb["mv"].var.tobytes()


@pytest.mark.parametrize("engine", ["thread", "process"])
@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    chunk_size=st.integers(50, 2500),
    halo=st.tuples(st.integers(0, 40), st.integers(0, 40)),
    n_jobs=st.sampled_from([2, 3]),
)
def test_bit_identical_to_serial(memmap_source, engine, chunk_size, halo, n_jobs):
    serial = run_all(memmap_source, chunk_size, halo, pool_engine="serial")
    parallel = run_all(memmap_source, chunk_size, halo, pool_engine=engine, n_jobs=n_jobs)
    assert_identical(serial, parallel)


def test_serial_matches_in_memory_reference(memmap_source, data):
    gathered, reduced = run_all(memmap_source, 700, 5, pool_engine="serial")
    # interior samples of block 0 equal the whole-array computation
    ref = halo_kernel(data, plan_blocks(N, N)[0])
    assert np.allclose(gathered[:700], ref[:700])
    assert np.allclose(reduced["sum"], gathered.sum(axis=0), rtol=1e-12)
    assert np.allclose(reduced["mv"].var, gathered.var(axis=0), rtol=1e-12)


def fail_on_block(x, block):
    if block.index == 3:
        raise ValueError(f"boom at {block.index}")
    return x


@pytest.mark.parametrize("engine", ["serial", "thread", "process"])
def test_worker_exception_names_block(memmap_source, engine):
    plan = plan_blocks(N, 400, halo=7)
    with pytest.raises(ChunkError) as info:
        run_blocks(
            fail_on_block,
            memmap_source,
            plan,
            ArraySink(),
            n_jobs=2,
            pool_engine=engine,
            progress_bar=False,
        )
    msg = str(info.value)
    assert "block 3 (segment 0, samples [1200, 1600))" in msg
    assert "ValueError: boom at 3" in msg
    assert isinstance(info.value.__cause__, ValueError)
    assert info.value.block == plan[3]


class Unpicklable(Exception):
    def __init__(self, msg):
        super().__init__(msg)
        self.lock = threading.Lock()


def fail_unpicklable(x, block):
    if block.index == 1:
        raise Unpicklable("cannot travel")
    return x


def test_unpicklable_worker_exception_still_names_block(memmap_source):
    plan = plan_blocks(N, 1000)
    with pytest.raises(
        ChunkError,
        match=r"block 1 \(segment 0, samples \[1000, 2000\)\).*"
        r"Unpicklable: cannot travel",
    ):
        run_blocks(
            fail_unpicklable,
            memmap_source,
            plan,
            ArraySink(),
            n_jobs=2,
            pool_engine="process",
            progress_bar=False,
        )


def slow_and_logged(x, block, folder, fail_at):
    (folder / f"{block.index}").touch()
    if block.index == fail_at:
        raise RuntimeError("stop")
    time.sleep(0.02)
    return x


class Recorder:
    def __init__(self, folder, fail_at):
        self.folder = folder
        self.fail_at = fail_at

    def __call__(self, x, block):
        return slow_and_logged(x, block, self.folder, self.fail_at)


@pytest.mark.parametrize("engine", ["serial", "thread", "process"])
def test_error_cancels_pending_blocks(memmap_source, tmp_path, engine):
    plan = plan_blocks(N, 25)  # 200 blocks
    with pytest.raises(ChunkError, match="block 2 "):
        run_blocks(
            Recorder(tmp_path, 2),
            memmap_source,
            plan,
            ArraySink(),
            n_jobs=2,
            pool_engine=engine,
            progress_bar=False,
        )
    time.sleep(0.1)
    ran = len(os.listdir(tmp_path))
    assert 3 <= ran <= 12, ran  # the window (2 * n_jobs) plus what was running, not 200
    assert not multiprocessing.active_children()


def test_lambda_and_closure_run_in_processes(memmap_source, data):
    scale = 3.0
    plan = plan_blocks(N, 999)
    out = run_blocks(
        lambda x, b: x * scale,
        memmap_source,
        plan,
        ArraySink(),
        n_jobs=2,
        pool_engine="process",
        progress_bar=False,
    )
    assert np.array_equal(out, data * 3.0)


@pytest.mark.parametrize("context", ["fork", "spawn", "forkserver"])
def test_mp_contexts(memmap_source, data, context):
    plan = plan_blocks(N, 1700)
    r = run_blocks(
        None,
        memmap_source,
        plan,
        Sum(dtype="int64"),
        n_jobs=2,
        pool_engine="process",
        mp_context=context,
        progress_bar=False,
    )
    assert np.array_equal(r, data.sum(axis=0, dtype=np.int64))


def test_large_in_memory_source_in_processes():
    # over 1 MiB: no recipe, the adapter is pickled whole to each worker instead
    x = np.random.default_rng(1).normal(size=(200_000, 2))
    plan = plan_blocks(len(x), 30_000)
    r = run_blocks(
        None, as_lazy(x), plan, Sum(), n_jobs=2, pool_engine="process", progress_bar=False
    )
    assert np.array_equal(r, run_blocks(None, x, plan, Sum(), progress_bar=False))


@pytest.mark.parametrize("engine", ["serial", "thread", "process"])
def test_segments_with_one_source_each(tmp_path, engine):
    a = np.arange(300, dtype=np.float32).reshape(100, 3)
    b = -np.arange(150, dtype=np.float32).reshape(50, 3)
    np.save(tmp_path / "a.npy", a)
    np.save(tmp_path / "b.npy", b)
    sources = [str(tmp_path / "a.npy"), str(tmp_path / "b.npy")]
    plan = plan_blocks([(10, 100), (0, 50)], 17, halo=2)
    out = run_blocks(
        None, sources, plan, ArraySink(), n_jobs=2, pool_engine=engine, progress_bar=False
    )
    assert np.array_equal(out, np.concatenate([a[10:], b]))
    # a channel selection is read from every source
    out = run_blocks(
        None,
        sources,
        plan,
        ArraySink(),
        channels=[2, 0],
        n_jobs=2,
        pool_engine=engine,
        progress_bar=False,
    )
    assert np.array_equal(out, np.concatenate([a[10:], b])[:, [2, 0]])


def report_env(x, block):
    return os.environ.get("OMP_NUM_THREADS"), os.getpid()


def test_max_threads_per_worker(memmap_source):
    plan = plan_blocks(N, 1000)
    res = run_blocks(
        report_env,
        memmap_source,
        plan,
        CollectSink(),
        n_jobs=2,
        pool_engine="process",
        max_threads_per_worker=1,
        progress_bar=False,
    )
    assert {r[0] for r in res} == {"1"}
    assert os.getpid() not in {r[1] for r in res}


def test_make_executor_caps_workers_at_blocks():
    assert make_executor(JobKwargs(n_jobs=8, pool_engine="process"), 3).n_workers == 3
    assert make_executor(JobKwargs(n_jobs=8, pool_engine="process"), 1).name == "serial"
    assert make_executor(JobKwargs(n_jobs=1, pool_engine="process"), 10).name == "serial"


def test_run_blocks_validation(memmap_source):
    plan = plan_blocks(N, 100)
    with pytest.raises(MemphysTypeError, match="sink"):
        run_blocks(None, memmap_source, plan, "out.npy")
    with pytest.raises(MemphysTypeError, match="plan"):
        run_blocks(None, memmap_source, [(0, 0, 10)], ArraySink())
    with pytest.raises(MemphysTypeError, match="func"):
        run_blocks(42, memmap_source, plan, ArraySink())
    with pytest.raises(MemphysValueError, match="segment 0 ends at sample 6000"):
        run_blocks(None, memmap_source, plan_blocks(6000, 100), ArraySink())
    with pytest.raises(MemphysValueError, match="one per segment"):
        run_blocks(None, [memmap_source] * 2, plan_blocks([10, 10, 10], 5), ArraySink())


def test_output_of_wrong_length_is_refused(memmap_source):
    plan = plan_blocks(N, 100, halo=5)
    with pytest.raises(ChunkError, match=r"block 0 .*returned 3 samples"):
        run_blocks(lambda x, b: x[:3], memmap_source, plan, ArraySink(), progress_bar=False)


def test_progress_bar_and_logging(memmap_source, capsys, caplog):
    plan = plan_blocks(N, 500)
    with caplog.at_level(logging.DEBUG, logger="memphys.engine"):
        run_blocks(None, memmap_source, plan, Sum(), progress_bar=True, desc="mytask")
    err = capsys.readouterr().err
    assert "mytask" in err
    assert "10/10" in err
    assert "MB/s" in err
    assert any("10 blocks" in r.getMessage() for r in caplog.records)
    run_blocks(None, memmap_source, plan, Sum(), progress_bar=False, desc="quiet")
    # auto mode: a short run shows nothing
    run_blocks(None, memmap_source, plan, Sum(), desc="auto")
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out == ""


CTRL_C_SCRIPT = textwrap.dedent(
    """
    import multiprocessing, os, sys, time
    import numpy as np
    from memphys.engine import map_chunks

    def slow(x):
        time.sleep(0.05)
        return x * 2.0

    out = sys.argv[1]
    try:
        map_chunks(slow, np.ones((4000, 4)), out=out, dtype="float64", chunk_size=10,
                   n_jobs=2, pool_engine="process", progress_bar=False)
        print("FINISHED")
    except KeyboardInterrupt:
        time.sleep(0.2)
        print("INTERRUPTED", len(multiprocessing.active_children()), flush=True)
    """
)


def test_ctrl_c_stops_workers_cleanly(tmp_path):
    script = tmp_path / "ctrl_c.py"
    script.write_text(CTRL_C_SCRIPT)
    out = tmp_path / "result.npy"
    proc = subprocess.Popen(
        [sys.executable, str(script), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    partial = tmp_path / "result.npy.partial"
    deadline = time.monotonic() + 30
    while not partial.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert partial.exists(), proc.communicate(timeout=30)
    time.sleep(0.5)  # let the workers start on blocks
    os.killpg(proc.pid, signal.SIGINT)  # like Ctrl-C in a terminal: the whole group
    stdout, stderr = proc.communicate(timeout=20)
    assert "INTERRUPTED 0" in stdout, stderr
    assert not out.exists()
    assert not partial.exists()


class BrokenOnUnpickle:
    """Callable here, but unpickling it in a worker fails (like an unimportable function)."""

    def __call__(self, x, block):
        return x

    def __reduce__(self):
        return (importlib.import_module, ("memphys_no_such_module_for_tests",))


def test_function_not_rebuildable_in_workers(memmap_source):
    # a clear error naming a block, not a broken pool or a hang
    with pytest.raises(ChunkError, match=r"block \d+ .*could not rebuild the sources") as info:
        run_blocks(
            BrokenOnUnpickle(),
            memmap_source,
            plan_blocks(N, 1000),
            ArraySink(),
            n_jobs=2,
            pool_engine="process",
            progress_bar=False,
        )
    assert "memphys_no_such_module_for_tests" in str(info.value)


def _blas_threads(block: Any) -> Any:
    from threadpoolctl import threadpool_info

    counts = [p["num_threads"] for p in threadpool_info()]
    return np.full((len(block), 1), max(counts) if counts else -1)


@pytest.mark.parametrize("engine", ["thread", "process"])
def test_max_threads_per_worker_limits_blas_threads(engine):
    pytest.importorskip("threadpoolctl")
    from threadpoolctl import threadpool_info

    if not threadpool_info():
        pytest.skip("no BLAS/OpenMP thread pool loaded in this numpy build")
    src = as_lazy(np.zeros((40, 1)))
    out = map_chunks(
        _blas_threads,
        src,
        chunk_size=10,
        n_jobs=2,
        pool_engine=engine,
        max_threads_per_worker=1,
        progress_bar=False,
        dtype="int64",
    )
    assert np.all(np.asarray(out) == 1)
