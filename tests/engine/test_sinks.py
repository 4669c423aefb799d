"""Sinks (in-memory, .npy, zarr, collect) and reducers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
import zarr
from hypothesis import given, settings
from hypothesis import strategies as st

from memphys import config_context
from memphys.arrays import as_lazy
from memphys.engine import (
    ArraySink,
    CollectSink,
    Count,
    Max,
    MeanVar,
    Min,
    NpySink,
    ReducerGroup,
    Sum,
    ZarrSink,
    check_complete,
    is_complete,
    plan_blocks,
    run_blocks,
)
from memphys.engine.sinks import COMPLETE_ATTR
from memphys.errors import (
    ChunkError,
    IncompleteWriteError,
    MemoryBudgetError,
    MemphysFileNotFoundError,
    MemphysTypeError,
    MemphysValueError,
    ShapeMismatchError,
)

ENGINES = ["serial", "thread", "process"]


@pytest.fixture(scope="module")
def x():
    return np.random.default_rng(3).normal(size=(3000, 4))


def double(d, block):
    return d * 2.0


def fail_at_block(d, block):
    if block.index == 4:
        raise RuntimeError("disk on fire")
    return d * 2.0


# ---------------------------------------------------------------------------- ArraySink
def test_array_sink_refuses_results_over_budget(x):
    plan = plan_blocks(len(x), 500)
    with config_context(memory_budget=50_000), pytest.raises(MemoryBudgetError, match="out="):
        run_blocks(double, x, plan, ArraySink((4,), "float64"), progress_bar=False)
    # inferred shape: refused at the first block, before allocating
    with config_context(memory_budget=50_000), pytest.raises(MemoryBudgetError):
        run_blocks(double, x, plan, ArraySink(), progress_bar=False)
    with config_context(memory_budget=50_000):
        out = run_blocks(double, x, plan, ArraySink(allow_large=True), progress_bar=False)
    assert np.array_equal(out, x * 2)


def test_array_sink_into_given_array(x):
    out = np.zeros((len(x), 4), dtype=np.float32)
    res = run_blocks(double, x, plan_blocks(len(x), 700), ArraySink(out=out), progress_bar=False)
    assert res is out
    assert np.array_equal(out, (x * 2).astype(np.float32))
    with pytest.raises(ShapeMismatchError, match="3000 samples"):
        run_blocks(double, x, plan_blocks(len(x), 700), ArraySink(out=np.zeros((10, 4))))
    with pytest.raises(MemphysTypeError):
        ArraySink(out=[1, 2, 3])


def test_array_sink_refuses_unsafe_cast(x):
    # float results never silently become integers
    with pytest.raises(ChunkError, match="castable to int16"):
        run_blocks(
            double, x, plan_blocks(len(x), 700), ArraySink((4,), "int16"), progress_bar=False
        )
    with pytest.raises(ChunkError, match=r"samples of shape \(4,\)"):
        run_blocks(
            lambda d, b: d[:, :2],
            x,
            plan_blocks(len(x), 700),
            ArraySink((4,), "f8"),
            progress_bar=False,
        )


def test_array_sink_empty_plan():
    x = np.zeros((0, 3), dtype=np.int16)
    out = run_blocks(None, x, plan_blocks(0, 10), ArraySink(), progress_bar=False)
    assert out.shape == (0, 3)
    assert out.dtype == np.int16


# ------------------------------------------------------------------------------ NpySink
@pytest.mark.parametrize("engine", ENGINES)
def test_npy_sink_writes_complete_file(tmp_path, x, engine):
    path = tmp_path / "out.npy"
    res = run_blocks(
        double,
        x,
        plan_blocks(len(x), 512, halo=3),
        NpySink(path, (4,), "f8"),
        n_jobs=2,
        pool_engine=engine,
        progress_bar=False,
    )
    assert res == str(path)
    assert np.array_equal(np.load(path), x * 2)
    assert is_complete(path)
    check_complete(path)
    assert not os.path.exists(str(path) + ".partial")


@pytest.mark.parametrize("engine", ENGINES)
def test_npy_sink_failure_leaves_nothing_that_looks_complete(tmp_path, x, engine):
    path = tmp_path / "out.npy"
    with pytest.raises(ChunkError, match="block 4"):
        run_blocks(
            fail_at_block,
            x,
            plan_blocks(len(x), 100),
            NpySink(path, (4,), "f8"),
            n_jobs=2,
            pool_engine=engine,
            progress_bar=False,
        )
    assert not path.exists()
    assert not (tmp_path / "out.npy.partial").exists()
    assert not is_complete(path)
    with pytest.raises(MemphysFileNotFoundError):
        check_complete(path)


def test_npy_sink_failure_keeps_previous_result(tmp_path, x):
    path = tmp_path / "out.npy"
    np.save(path, np.arange(3))
    with pytest.raises(ChunkError):
        run_blocks(
            fail_at_block,
            x,
            plan_blocks(len(x), 100),
            NpySink(path, (4,), "f8"),
            progress_bar=False,
        )
    assert np.array_equal(np.load(path), np.arange(3))
    with pytest.raises(MemphysValueError, match="already exists"):
        run_blocks(
            double,
            x,
            plan_blocks(len(x), 100),
            NpySink(path, (4,), "f8", overwrite=False),
            progress_bar=False,
        )


def test_npy_sink_zero_length(tmp_path):
    path = tmp_path / "empty.npy"
    run_blocks(
        None, np.zeros((0, 2)), plan_blocks(0, 10), NpySink(path, (2,), "f4"), progress_bar=False
    )
    assert np.load(path).shape == (0, 2)


def test_check_complete_reports_partial_leftover(tmp_path):
    path = tmp_path / "x.npy"
    (tmp_path / "x.npy.partial").write_bytes(b"\x93NUMPY")
    assert not is_complete(path)
    with pytest.raises(IncompleteWriteError, match=r"x\.npy\.partial"):
        check_complete(path)


# ----------------------------------------------------------------------------- ZarrSink
@pytest.mark.parametrize("engine", ENGINES)
def test_zarr_sink_new_store_chunks_aligned_with_blocks(tmp_path, x, engine):
    path = tmp_path / "out.zarr"
    plan = plan_blocks(len(x), 400, halo=2)
    arr = run_blocks(
        double,
        x,
        plan,
        ZarrSink(path, (4,), "f8"),
        n_jobs=2,
        pool_engine=engine,
        progress_bar=False,
    )
    assert arr.chunks == (400, 4)
    assert np.array_equal(arr[:], x * 2)
    assert arr.attrs[COMPLETE_ATTR] is True
    assert is_complete(path)
    assert not os.path.exists(str(path) + ".partial")
    reopened = zarr.open_array(path, mode="r")
    assert np.array_equal(reopened[:], x * 2)


@pytest.mark.parametrize("engine", ENGINES)
def test_zarr_sink_failure(tmp_path, x, engine):
    path = tmp_path / "out.zarr"
    with pytest.raises(ChunkError, match="block 4"):
        run_blocks(
            fail_at_block,
            x,
            plan_blocks(len(x), 100),
            ZarrSink(path, (4,), "f8"),
            n_jobs=2,
            pool_engine=engine,
            progress_bar=False,
        )
    assert not path.exists()
    assert not (tmp_path / "out.zarr.partial").exists()
    assert not is_complete(path)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("chunk", [128, 333, 1000])
def test_zarr_sink_existing_array_unaligned_chunks(tmp_path, x, engine, chunk):
    # blocks of 250 over chunks of 333: edges are written by the main process only
    target = zarr.create_array(
        store=str(tmp_path / "t.zarr"), shape=x.shape, chunks=(chunk, 2), dtype="f4"
    )
    res = run_blocks(
        double,
        x,
        plan_blocks(len(x), 250, halo=1),
        ZarrSink(target),
        n_jobs=3,
        pool_engine=engine,
        progress_bar=False,
    )
    assert res is target
    assert np.array_equal(target[:], (x * 2).astype("f4"))
    assert is_complete(target)


def test_zarr_sink_existing_array_failure_marks_incomplete(tmp_path, x):
    target = zarr.create_array(
        store=str(tmp_path / "t.zarr"), shape=x.shape, chunks=(100, 4), dtype="f8"
    )
    with pytest.raises(ChunkError):
        run_blocks(fail_at_block, x, plan_blocks(len(x), 100), ZarrSink(target), progress_bar=False)
    assert target.attrs[COMPLETE_ATTR] is False
    assert not is_complete(target)
    assert not is_complete(tmp_path / "t.zarr")
    with pytest.raises(IncompleteWriteError, match="memphys_complete"):
        check_complete(tmp_path / "t.zarr")
    with pytest.raises(IncompleteWriteError):
        check_complete(target)


def test_zarr_sink_memory_store_with_processes(x):
    # an in-memory store cannot be written by worker processes: the main process writes
    target = zarr.create_array(
        store=zarr.storage.MemoryStore(), shape=x.shape, chunks=(300, 4), dtype="f8"
    )
    run_blocks(
        double,
        x,
        plan_blocks(len(x), 300),
        ZarrSink(target),
        n_jobs=2,
        pool_engine="process",
        progress_bar=False,
    )
    assert np.array_equal(target[:], x * 2)


def test_zarr_sink_argument_errors(tmp_path, x):
    with pytest.raises(MemphysValueError, match="trailing_shape"):
        ZarrSink(tmp_path / "a.zarr")
    with pytest.raises(MemphysTypeError):
        ZarrSink(42)
    wrong = zarr.create_array(
        store=str(tmp_path / "w.zarr"), shape=(10, 4), chunks=(5, 4), dtype="f8"
    )
    with pytest.raises(ShapeMismatchError):
        run_blocks(double, x, plan_blocks(len(x), 100), ZarrSink(wrong), progress_bar=False)


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    import numpy as np
    from memphys.engine import map_chunks

    def slow(x):
        time.sleep(0.02)
        return x + 1.0

    map_chunks(slow, np.zeros((100_000, 4)), out=sys.argv[1], dtype="float64",
               chunk_size=100, n_jobs=int(sys.argv[2]), pool_engine="process",
               progress_bar=False)
    print("FINISHED")
    """
)


@pytest.mark.parametrize(("name", "n_jobs"), [("out.npy", 1), ("out.zarr", 2)])
def test_sigkill_mid_write_is_not_mistaken_for_complete(tmp_path, name, n_jobs):
    script = tmp_path / "writer.py"
    script.write_text(KILL_SCRIPT)
    out = tmp_path / name
    partial = tmp_path / (name + ".partial")
    proc = subprocess.Popen(
        [sys.executable, str(script), str(out), str(n_jobs)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while not partial.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.5)  # some blocks written, most not
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=10)
    assert partial.exists()  # the leftover exists, under its partial name only
    assert not out.exists()
    assert not is_complete(out)
    with pytest.raises(IncompleteWriteError, match="interrupted"):
        check_complete(out)


# ---------------------------------------------------------------------------- reducers
@pytest.mark.parametrize("engine", ENGINES)
def test_meanvar_matches_numpy_float64(engine):
    rng = np.random.default_rng(7)
    # a large offset makes the naive one-pass formula lose every digit
    x = 1e6 + rng.normal(scale=1e-2, size=(20_011, 3))
    for ddof in (0, 1):
        r = run_blocks(
            None,
            x,
            plan_blocks(len(x), 1237),
            MeanVar(ddof=ddof),
            n_jobs=2,
            pool_engine=engine,
            progress_bar=False,
        )
        assert r.n == len(x)
        np.testing.assert_allclose(r.mean, x.mean(axis=0), rtol=1e-12, atol=0)
        np.testing.assert_allclose(r.var, x.var(axis=0, ddof=ddof), rtol=1e-12, atol=0)
        np.testing.assert_allclose(r.std, x.std(axis=0, ddof=ddof), rtol=1e-12, atol=0)


@settings(max_examples=50, deadline=None)
@given(
    n=st.integers(1, 2000),
    chunk=st.integers(1, 500),
    scale=st.floats(1e-3, 1e3),
    offset=st.floats(-1e4, 1e4),
    axis=st.sampled_from([0, None]),
)
def test_meanvar_property(n, chunk, scale, offset, axis):
    x = offset + scale * np.random.default_rng(n).normal(size=(n, 2))
    r = run_blocks(None, x, plan_blocks(n, chunk), MeanVar(axis=axis), progress_bar=False)
    np.testing.assert_allclose(r.mean, x.mean(axis=axis), rtol=1e-12, atol=1e-12 * scale)
    np.testing.assert_allclose(r.var, x.var(axis=axis), rtol=1e-12, atol=0)


def test_meanvar_combination_order_independent():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1000, 2)) + 50
    mv = MeanVar()
    parts = [mv.partial(x[i : i + 70]) for i in range(0, 1000, 70)]
    forward = parts[0]
    for p in parts[1:]:
        forward = mv.combine(forward, p)
    perm = rng.permutation(len(parts))
    shuffled = parts[perm[0]]
    for i in perm[1:]:
        shuffled = mv.combine(shuffled, parts[i])
    a, b = mv.result(forward), mv.result(shuffled)
    np.testing.assert_allclose(a.var, b.var, rtol=1e-13)
    np.testing.assert_allclose(a.var, x.var(axis=0), rtol=1e-12)


def test_sum_count_min_max_exact():
    x = np.random.default_rng(1).integers(-32768, 32767, size=(10_007, 5)).astype(np.int16)
    plan = plan_blocks(len(x), 999)
    group = ReducerGroup(
        {
            "sum": Sum(),
            "isum": Sum(dtype="int64"),
            "n": Count(),
            "pos": Count(lambda v: v > 0),
            "min": Min(),
            "max": Max(),
            "gmax": Max(axis=None),
            "gsum": Sum(axis=None),
        }
    )
    r = run_blocks(None, x, plan, group, n_jobs=2, pool_engine="thread", progress_bar=False)
    assert np.array_equal(r["sum"], x.sum(axis=0, dtype=np.int64).astype(np.float64))
    assert r["isum"].dtype == np.int64
    assert np.array_equal(r["isum"], x.sum(axis=0, dtype="i8"))
    assert np.array_equal(r["n"], [len(x)] * 5)
    assert np.array_equal(r["pos"], (x > 0).sum(axis=0))
    assert np.array_equal(r["min"], x.min(axis=0))
    assert r["min"].dtype == np.int16
    assert np.array_equal(r["max"], x.max(axis=0))
    assert r["gmax"] == x.max()
    assert r["gsum"] == float(x.sum(dtype=np.int64))


def test_reducers_nan_propagate_like_numpy():
    x = np.arange(20.0).reshape(10, 2)
    x[7, 1] = np.nan
    plan = plan_blocks(10, 3)
    for red, ref in [(Min(), np.min), (Max(), np.max), (Sum(), np.sum)]:
        np.testing.assert_array_equal(
            run_blocks(None, x, plan, red, progress_bar=False), ref(x, axis=0)
        )
    assert np.array_equal(run_blocks(None, x, plan, Count(np.isfinite)), [10, 9])


def test_reducers_on_empty_plan():
    x = np.zeros((0, 3))
    plan = plan_blocks(0, 5)
    assert np.array_equal(run_blocks(None, x, plan, Sum()), np.zeros(3))
    assert np.array_equal(run_blocks(None, x, plan, Count()), np.zeros(3))
    r = run_blocks(None, x, plan, MeanVar())
    assert r.n == 0
    assert np.isnan(r.mean).all()
    with pytest.raises(MemphysValueError, match="zero samples"):
        run_blocks(None, x, plan, Min())


def test_reducer_argument_checks():
    with pytest.raises(MemphysValueError, match="axis"):
        Sum(axis=1)
    with pytest.raises(MemphysValueError, match="ddof"):
        MeanVar(ddof=-1)
    with pytest.raises(MemphysValueError, match="reducers"):
        ReducerGroup({})


def test_collect_sink_keeps_untrimmed_results():
    x = as_lazy(np.arange(10))
    res = run_blocks(
        lambda d, b: (b.index, d.tolist()),
        x,
        plan_blocks(10, 4, halo=1),
        CollectSink(),
        n_jobs=2,
        pool_engine="process",
        progress_bar=False,
    )
    assert res == [(0, [0, 1, 2, 3, 4]), (1, [3, 4, 5, 6, 7, 8]), (2, [7, 8, 9])]


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16"])
@pytest.mark.parametrize("axis", [0, None])
def test_sum_of_small_integers_is_exact_and_equals_float64_sum(dtype, axis):
    from memphys.engine.reducers import Sum

    info = np.iinfo(dtype)
    # extreme values over more rows than one int32 slab, so slabs must not overflow
    x = np.full((140_000, 3), info.max, dtype=dtype)
    x[::7, 1] = info.min
    for acc in ("float64", "int64"):
        got = Sum(axis=axis, dtype=acc).reduce(x)
        expected = np.add.reduce(x.astype(np.int64), axis=axis)
        np.testing.assert_array_equal(got, expected.astype(acc))
        assert np.asarray(got).dtype == np.dtype(acc)
