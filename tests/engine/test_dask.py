"""The dask executor: local scheduler, in-process LocalCluster, and two worker processes."""

from __future__ import annotations

import pickle
import sys

import cloudpickle
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memphys.arrays import MemmapArray
from memphys.engine import (
    ArraySink,
    MeanVar,
    NpySink,
    ReducerGroup,
    Sum,
    WorkerState,
    build_dask_tasks,
    map_chunks,
    plan_blocks,
    run_blocks,
)
from memphys.engine.executors import DaskExecutor
from memphys.engine.job_kwargs import JobKwargs
from memphys.errors import ChunkError

distributed = pytest.importorskip("distributed")

N, C = 6000, 4


@pytest.fixture(scope="module")
def data():
    return np.random.default_rng(11).integers(-3000, 3000, size=(N, C)).astype(np.int16)


@pytest.fixture(scope="module")
def source(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("dask") / "raw.dat"
    data.tofile(path)
    return MemmapArray(path, "int16", data.shape)


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=1, threads_per_worker=2, processes=False, dashboard_address=":0"
    )
    c = distributed.Client(cluster, set_as_default=False)
    yield c
    c.close()
    cluster.close()


def _unimportable_kernel():
    """A function whose module exists only in this process: workers cannot import it."""
    import types

    mod = types.ModuleType("memphys_test_only_in_parent")
    exec("def kernel(x, block):\n    return x\n", mod.__dict__)
    sys.modules[mod.__name__] = mod  # pickled by reference, as an installed module would be
    return mod.kernel


def kernel(x, block):
    y = x.astype(np.float64)
    out = y * 0.5
    out[1:] += y[:-1]
    out[:-1] -= y[1:] * 0.25
    return out


def run_pair(source, chunk_size, halo, **job):
    plan = plan_blocks(len(source), chunk_size, halo=halo)
    g = run_blocks(kernel, source, plan, ArraySink(), progress_bar=False, **job)
    r = run_blocks(
        kernel, source, plan, ReducerGroup({"s": Sum(), "mv": MeanVar()}), progress_bar=False, **job
    )
    return g, r


def assert_identical(a, b):
    assert np.array_equal(a[0], b[0])
    assert a[1]["s"].tobytes() == b[1]["s"].tobytes()
    assert a[1]["mv"].var.tobytes() == b[1]["mv"].var.tobytes()
    assert a[1]["mv"].mean.tobytes() == b[1]["mv"].mean.tobytes()


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(chunk_size=st.integers(40, 3000), halo=st.tuples(st.integers(0, 30), st.integers(0, 30)))
def test_dask_local_scheduler_bit_identical(source, chunk_size, halo):
    serial = run_pair(source, chunk_size, halo, pool_engine="serial")
    assert_identical(serial, run_pair(source, chunk_size, halo, pool_engine="dask", n_jobs=2))


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(chunk_size=st.integers(40, 3000), halo=st.tuples(st.integers(0, 30), st.integers(0, 30)))
def test_dask_client_bit_identical(source, client, chunk_size, halo):
    serial = run_pair(source, chunk_size, halo, pool_engine="serial")
    parallel = run_pair(source, chunk_size, halo, pool_engine="dask", dask_client=client)
    assert_identical(serial, parallel)


def test_active_client_is_used(source, data, client):
    assert DaskExecutor(JobKwargs(pool_engine="dask")).client is None
    with client.as_current():
        ex = DaskExecutor(JobKwargs(pool_engine="dask"))
        assert ex.client is client
        r = run_blocks(
            None,
            source,
            plan_blocks(N, 1000),
            Sum(dtype="int64"),
            pool_engine="dask",
            progress_bar=False,
        )
    assert np.array_equal(r, data.sum(axis=0, dtype=np.int64))


def fail_block_2(x, block):
    if block.index == 2:
        raise KeyError("missing channel")
    return x


@pytest.mark.parametrize("use_client", [False, True])
def test_dask_worker_exception_names_block(source, client, use_client):
    job = {"dask_client": client} if use_client else {"n_jobs": 2}
    with pytest.raises(
        ChunkError,
        match=r"block 2 \(segment 0, samples \[2000, 3000\)\).*"
        r"KeyError",
    ) as info:
        run_blocks(
            fail_block_2,
            source,
            plan_blocks(N, 1000),
            ArraySink(),
            pool_engine="dask",
            progress_bar=False,
            **job,
        )
    assert isinstance(info.value.__cause__, KeyError)


def test_dask_npy_sink_and_map_chunks(source, data, client, tmp_path):
    path = tmp_path / "o.npy"
    run_blocks(
        kernel,
        source,
        plan_blocks(N, 700, halo=1),
        NpySink(path, (C,), "f8"),
        pool_engine="dask",
        dask_client=client,
        progress_bar=False,
    )
    ref = run_blocks(kernel, source, plan_blocks(N, 700, halo=1), ArraySink(), progress_bar=False)
    assert np.array_equal(np.load(path), ref)
    z = map_chunks(
        lambda d: d * 2,
        source,
        out=str(tmp_path / "o.zarr"),
        chunk_size=512,
        pool_engine="dask",
        n_jobs=2,
    )
    assert np.array_equal(z[:], data * 2)


def test_dask_graph_holds_recipes_not_data(tmp_path):
    path = tmp_path / "big.dat"
    with open(path, "wb") as fh:
        fh.truncate(1 << 30)  # 1 GiB, sparse: nothing is read to build the graph
    src = MemmapArray(path, "int16", ((1 << 29) // 64, 64))
    assert src.nbytes == 1 << 30
    plan = plan_blocks(len(src), 1 << 14, halo=100)  # 512 blocks
    state = WorkerState([src], kernel, Sum().worker())
    tasks = build_dask_tasks(state, plan.blocks)
    graph = {}
    for t in tasks:
        graph.update(dict(t.__dask_graph__()))
    size = len(cloudpickle.dumps(graph))
    assert size < 200_000, size  # ~300 bytes per block plus one small state node
    per_state = len(pickle.dumps(state.to_bytes()))
    assert per_state < 5_000, per_state


def test_two_worker_processes(source, data, tmp_path):
    # integration: a real cluster of two worker processes rebuilding sources from recipes.
    # Worker processes cannot import this test module: use functions pickled by value.
    def kernel(x, block):
        y = x.astype(np.float64)
        out = y * 0.5
        out[1:] += y[:-1]
        out[:-1] -= y[1:] * 0.25
        return out

    def fail_block_2(x, block):
        if block.index == 2:
            raise KeyError("missing channel")
        return x

    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
        ) as cluster,
        distributed.Client(cluster, set_as_default=False) as c,
    ):
        r = run_blocks(
            kernel,
            source,
            plan_blocks(N, 250, halo=3),
            ReducerGroup({"s": Sum(), "mv": MeanVar()}),
            pool_engine="dask",
            dask_client=c,
            progress_bar=False,
        )
        serial = run_blocks(
            kernel,
            source,
            plan_blocks(N, 250, halo=3),
            ReducerGroup({"s": Sum(), "mv": MeanVar()}),
            progress_bar=False,
        )
        assert r["s"].tobytes() == serial["s"].tobytes()
        assert r["mv"].var.tobytes() == serial["mv"].var.tobytes()
        z = map_chunks(
            lambda d: d + 1,
            source,
            out=str(tmp_path / "w.zarr"),
            chunk_size=333,
            pool_engine="dask",
            dask_client=c,
        )
        assert np.array_equal(z[:], data + 1)
        with pytest.raises(ChunkError, match="block 2 "):
            run_blocks(
                fail_block_2,
                source,
                plan_blocks(N, 1000),
                ArraySink(),
                pool_engine="dask",
                dask_client=c,
                progress_bar=False,
            )
        # a function the workers cannot import: a clear error naming a block, no hang
        with pytest.raises(ChunkError, match=r"block \d+ .*could not rebuild"):
            run_blocks(
                _unimportable_kernel(),
                source,
                plan_blocks(N, 1000),
                ArraySink(),
                pool_engine="dask",
                dask_client=c,
                progress_bar=False,
            )


def test_malloc_thresholds_restored_only_where_a_nanny_lowered_them(monkeypatch):
    import platform

    from memphys.engine.executors import restore_malloc_thresholds

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    assert restore_malloc_thresholds() is False
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "not a number")
    assert restore_malloc_thresholds() is False
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", str(256 * 2**20))  # already high
    assert restore_malloc_thresholds() is False
    monkeypatch.setenv("MALLOC_TRIM_THRESHOLD_", "65536")  # distributed's nanny value
    expected = sys.platform.startswith("linux") and platform.libc_ver()[0] == "glibc"
    assert restore_malloc_thresholds() is expected
