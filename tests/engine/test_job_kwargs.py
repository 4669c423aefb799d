"""Job kwargs: parsing, validation, n_jobs resolution and global defaults."""

from __future__ import annotations

import pytest

from memphys.engine import (
    JOB_KWARGS,
    JobKwargs,
    get_global_job_kwargs,
    parse_duration,
    reset_global_job_kwargs,
    resolve_job_kwargs,
    resolve_n_jobs,
    set_global_job_kwargs,
    split_job_kwargs,
)
from memphys.engine.job_kwargs import cpu_count
from memphys.errors import MemphysTypeError, MemphysValueError


@pytest.fixture(autouse=True)
def _clean_globals():
    reset_global_job_kwargs()
    yield
    reset_global_job_kwargs()


@pytest.mark.parametrize(
    ("value", "expected"),
    [(1, 1), (3, 3), (-1, 8), (-2, 7), (-20, 1), (0.5, 4), (1.0, 8), (0.01, 1), (None, 1)],
)
def test_resolve_n_jobs(value, expected):
    assert resolve_n_jobs(value, n_cpus=8) == expected


def test_resolve_n_jobs_all_cores_default():
    assert resolve_n_jobs(-1) == cpu_count()


@pytest.mark.parametrize("value", [0, 1.5, 0.0, -0.5, "all", True, float("nan")])
def test_resolve_n_jobs_rejects(value):
    with pytest.raises(MemphysValueError, match=r"Invalid value for `n_jobs`: expected"):
        resolve_n_jobs(value)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("1s", 1.0),
        ("500ms", 0.5),
        ("250us", 250e-6),
        ("2", 2.0),
        (0.1, 0.1),
        ("1.5 s", 1.5),
        (3, 3.0),
    ],
)
def test_parse_duration(value, seconds):
    assert parse_duration(value) == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["1h", "", "-1s", 0, -2.0, "ms", None, [1], float("inf"), True])
def test_parse_duration_rejects(value):
    with pytest.raises(MemphysValueError, match="chunk_duration"):
        parse_duration(value)


def test_resolve_defaults():
    job = resolve_job_kwargs()
    assert job == JobKwargs()
    assert job.n_jobs == 1
    assert job.pool_engine == "process"
    assert job.executor_name == "serial"


def test_resolve_parses_every_setting():
    job = resolve_job_kwargs(
        n_jobs=2,
        chunk_memory="10M",
        progress_bar=False,
        mp_context="spawn",
        pool_engine="thread",
        max_threads_per_worker=1,
    )
    assert job.n_jobs == 2
    assert job.chunk_memory == 10 * 1024**2
    assert job.progress_bar is False
    assert job.mp_context == "spawn"
    assert job.executor_name == "thread"
    assert job.max_threads_per_worker == 1
    assert resolve_job_kwargs(total_memory="1G").total_memory == 1024**3
    assert resolve_job_kwargs(chunk_duration="20ms").chunk_duration == pytest.approx(0.02)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"chunk_size": 0}, "chunk_size"),
        ({"chunk_size": 1.5}, "chunk_size"),
        ({"chunk_memory": "lots"}, "chunk_memory"),
        ({"total_memory": -1}, "total_memory"),
        ({"progress_bar": "yes"}, "progress_bar"),
        ({"mp_context": "threads"}, "mp_context"),
        ({"pool_engine": "multiprocessing"}, "pool_engine"),
        ({"max_threads_per_worker": 0}, "max_threads_per_worker"),
        ({"n_job": 2}, "Unknown job kwarg 'n_job'"),
        ({"chunk_size": 10, "chunk_memory": "1M"}, "at most one of"),
    ],
)
def test_resolve_rejects(kwargs, match):
    with pytest.raises(MemphysValueError, match=match):
        resolve_job_kwargs(**kwargs)


def test_dask_client_type_checked():
    with pytest.raises(MemphysTypeError, match="dask_client"):
        resolve_job_kwargs(dask_client="tcp://localhost:8786")


def test_globals_set_get_reset():
    set_global_job_kwargs(n_jobs=2, chunk_duration="500ms", progress_bar=False)
    g = get_global_job_kwargs()
    assert g["n_jobs"] == 2
    assert g["chunk_duration"] == 0.5
    assert g["progress_bar"] is False
    job = resolve_job_kwargs()
    assert job.n_jobs == 2
    assert job.chunk_duration == 0.5
    # a call's value overrides the global one
    assert resolve_job_kwargs(n_jobs=3).n_jobs == 3
    # None means "not given": the global value stays
    assert resolve_job_kwargs(n_jobs=None).n_jobs == 2
    reset_global_job_kwargs()
    assert get_global_job_kwargs() == JobKwargs().as_dict()


def test_call_chunk_setting_replaces_global_one():
    set_global_job_kwargs(chunk_duration="1s")
    job = resolve_job_kwargs(chunk_memory="5M")
    assert job.chunk_duration is None
    assert job.chunk_memory == 5 * 1024**2
    # and a new global chunk setting replaces the previous global one
    set_global_job_kwargs(chunk_size=100)
    g = get_global_job_kwargs()
    assert g["chunk_size"] == 100
    assert g["chunk_duration"] is None


def test_set_global_none_restores_default():
    set_global_job_kwargs(n_jobs=4, progress_bar=True)
    set_global_job_kwargs(progress_bar=None)
    g = get_global_job_kwargs()
    assert g["progress_bar"] is None
    assert g["n_jobs"] == 4


def test_set_global_validates_and_keeps_previous():
    set_global_job_kwargs(n_jobs=2)
    with pytest.raises(MemphysValueError):
        set_global_job_kwargs(n_jobs=2, pool_engine="gpu")
    assert get_global_job_kwargs()["n_jobs"] == 2
    assert get_global_job_kwargs()["pool_engine"] == "process"


def test_global_n_jobs_fraction_resolved_at_run_time():
    set_global_job_kwargs(n_jobs=-1)
    assert resolve_job_kwargs().n_jobs == cpu_count()


def test_split_job_kwargs():
    job, other = split_job_kwargs({"n_jobs": 2, "order": 4, "progress_bar": False, "fs": 1.0})
    assert job == {"n_jobs": 2, "progress_bar": False}
    assert other == {"order": 4, "fs": 1.0}
    assert set(JOB_KWARGS) >= set(job)


@pytest.mark.parametrize(
    ("engine", "n_jobs", "expected"),
    [
        ("process", 1, "serial"),
        ("process", 2, "process"),
        ("thread", 1, "serial"),
        ("thread", 2, "thread"),
        ("serial", 4, "serial"),
        ("dask", 1, "dask"),
    ],
)
def test_executor_name(engine, n_jobs, expected):
    assert JobKwargs(n_jobs=n_jobs, pool_engine=engine).executor_name == expected
