"""The job kwargs facade and the chunk executor over the engine; import laziness."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import numpy as np
import pytest

import memphys.ephys as si
from memphys.ephys.job_tools import (
    TimeSeriesChunkExecutor,
    divide_segment_into_chunks,
    engine_chunk_size,
    ensure_chunk_size,
    ensure_n_jobs,
    fix_job_kwargs,
    split_job_kwargs,
)
from memphys.errors import ChunkError, ExtractorValueError, MemphysRuntimeError


@pytest.fixture(autouse=True)
def _reset():
    yield
    si.reset_global_job_kwargs()


def test_fix_and_split_job_kwargs():
    cpus = len(os.sched_getaffinity(0))
    assert fix_job_kwargs({"n_jobs": -1})["n_jobs"] == cpus
    assert fix_job_kwargs({"n_jobs": 1000})["n_jobs"] == cpus  # capped, as in SpikeInterface
    with pytest.raises(AssertionError, match="not a valid job keyword"):
        fix_job_kwargs({"jobs": 2})
    with pytest.raises(ExtractorValueError, match="n_jobs"):
        fix_job_kwargs({"n_jobs": 0})
    with pytest.raises(ExtractorValueError, match="chunk_duration"):
        fix_job_kwargs({"chunk_duration": "1h"})
    si.set_global_job_kwargs(chunk_memory="50M")
    assert "chunk_memory" in fix_job_kwargs({})
    assert "chunk_duration" not in fix_job_kwargs({})
    fixed = fix_job_kwargs({"chunk_duration": "300ms"})
    assert fixed["chunk_duration"] == "300ms"
    assert "chunk_memory" not in fixed
    specific, job = split_job_kwargs({"n_jobs": 1, "folder": "x"})
    assert specific == {"folder": "x"}
    assert job["n_jobs"] == 1
    with pytest.raises(ExtractorValueError, match="pool_engine"):
        si.set_global_job_kwargs(pool_engine="mpi")
    assert si.get_global_job_kwargs()["chunk_memory"] == "50M"  # a failed set changes nothing


def test_chunk_sizes():
    rec = si.generate_recording(num_channels=2, durations=[5.0, 2.5], seed=0)
    assert ensure_chunk_size(rec, total_memory="512M", n_jobs=2) == 32_000_000
    assert ensure_chunk_size(rec, chunk_memory="1k") == 125
    assert ensure_chunk_size(rec, chunk_memory="1Ki") == 128
    assert ensure_chunk_size(rec, chunk_duration="500ms") == 15000
    assert ensure_chunk_size(rec, n_jobs=1) == 150_000  # one chunk per segment
    with pytest.raises(ExtractorValueError, match="n_jobs >1"):
        ensure_chunk_size(rec, n_jobs=2)
    assert divide_segment_into_chunks(11, 5) == [(0, 5), (5, 10), (10, 11)]
    # memphys's own passes count the temporaries: total_memory bounds the working memory
    job = fix_job_kwargs({"total_memory": "100M", "n_jobs": 2})
    per_worker = 100e6 / 2
    size = engine_chunk_size(rec, job, factor=4.0)
    assert size * rec.get_sample_size_in_bytes() * 4.0 <= per_worker


def test_ensure_n_jobs_refuses_unpicklable_objects_in_parallel():
    class Local(si.NumpyRecording):
        pass

    rec = Local(np.zeros((10, 2)), 1000.0)
    rec._serializability["memory"] = False
    assert ensure_n_jobs(rec, 1) == 1
    with pytest.raises(MemphysRuntimeError, match="not serializable"):
        ensure_n_jobs(rec, 2)


def _func(segment_index, start_frame, end_frame, ctx):
    return (segment_index, start_frame, end_frame, ctx["tag"], os.getpid())


def _init(tag):
    return {"tag": tag}


def _func_index(segment_index, start_frame, end_frame, ctx):
    time.sleep(0.01)
    return ctx["worker_index"]


def _init_index(worker_index):
    time.sleep(0.01)
    return {}


@pytest.mark.parametrize("engine", ["thread", "process"])
def test_executor_runs_every_chunk_in_order(engine):
    rec = si.generate_recording(num_channels=2, durations=[1.0, 0.5], seed=0)
    gathered = []
    ex = TimeSeriesChunkExecutor(
        rec,
        _func,
        _init,
        ("t",),
        handle_returns=True,
        gather_func=gathered.append,
        n_jobs=2,
        pool_engine=engine,
        chunk_duration="200ms",
        progress_bar=False,
    )
    out = ex.run()
    assert [r[:3] for r in out] == [
        (s, a, b) for s, a, b in si.job_tools.divide_time_series_into_chunks(rec, 6000)
    ]
    assert gathered == out
    assert {r[3] for r in out} == {"t"}
    if engine == "process":
        assert os.getpid() not in {r[4] for r in out}


def test_executor_worker_index_and_slices():
    rec = si.generate_recording(num_channels=2, durations=[1.0], seed=0)
    for engine in ("thread", "process"):
        ex = TimeSeriesChunkExecutor(
            rec,
            _func_index,
            _init_index,
            (),
            handle_returns=True,
            n_jobs=2,
            pool_engine=engine,
            chunk_duration="100ms",
            need_worker_index=True,
            progress_bar=False,
        )
        assert set(ex.run()) == {0, 1}
    ex = TimeSeriesChunkExecutor(rec, _func, _init, ("s",), handle_returns=True, progress_bar=False)
    assert [r[:3] for r in ex.run(slices=[(0, 10, 20), (0, 5, 6)])] == [(0, 10, 20), (0, 5, 6)]
    with pytest.raises(ExtractorValueError, match="slices"):
        ex.run(slices=[(0, 10, 10**9)])


def _boom(segment_index, start_frame, end_frame, ctx):
    if start_frame >= 6000:
        raise ValueError("bad chunk")
    return 0


def test_executor_errors_name_the_chunk():
    rec = si.generate_recording(num_channels=2, durations=[1.0], seed=0)
    ex = TimeSeriesChunkExecutor(rec, _boom, _init, ("x",), chunk_size=6000, progress_bar=False)
    with pytest.raises(ChunkError, match=r"samples \[6000, 12000\).*bad chunk"):
        ex.run()


def test_import_is_lazy():
    code = (
        "import sys, time; t = time.perf_counter(); import memphys; "
        "assert 'memphys.ephys' not in sys.modules; import memphys.ephys; "
        "dt = time.perf_counter() - t; "
        "heavy = [m for m in ('probeinterface', 'zarr', 'numcodecs', 'pandas') "
        "if m in sys.modules]; "
        "print(dt, heavy)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    dt, heavy = out.stdout.split(maxsplit=1)
    assert heavy.strip() == "[]"
    assert float(dt) < 1.0
