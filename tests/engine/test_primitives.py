"""iter_chunks / map_chunks / reduce_chunks over plain adapters."""

from __future__ import annotations

import numpy as np
import pytest
import zarr
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from memphys import config_context
from memphys.arrays import MemmapArray
from memphys.engine import (
    MeanVar,
    Sum,
    is_complete,
    iter_chunks,
    map_chunks,
    reduce_chunks,
)
from memphys.errors import ChunkError, MemphysTypeError, MemphysValueError


@pytest.fixture(scope="module")
def raw(tmp_path_factory):
    x = np.random.default_rng(5).integers(-500, 500, size=(4000, 3)).astype(np.int16)
    path = tmp_path_factory.mktemp("prim") / "raw.dat"
    x.tofile(path)
    return x, MemmapArray(path, "int16", x.shape)


def moving_average(d, width=7):
    """Centered moving average along time (float64, zeros outside), a function that needs a
    halo. (``np.convolve(mode="same")`` would return ``width`` samples for shorter input.)"""
    k = np.ones(width) / width
    h = width // 2
    return np.stack(
        [
            np.convolve(d[:, c].astype(np.float64), k, mode="full")[h : h + len(d)]
            for c in range(d.shape[1])
        ],
        axis=1,
    )


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(chunk_size=st.integers(10, 1500), engine=st.sampled_from(["serial", "thread"]))
@example(chunk_size=1333, engine="serial")  # last block of 1 sample, shorter than the kernel
def test_map_chunks_with_halo_equals_whole_array(raw, chunk_size, engine):
    x, src = raw
    out = map_chunks(
        moving_average, src, halo=3, chunk_size=chunk_size, n_jobs=2, pool_engine=engine
    )
    np.testing.assert_allclose(out, moving_average(x), rtol=1e-12, atol=1e-12)
    assert out.shape == x.shape
    assert out.dtype == np.float64


def test_map_chunks_without_enough_halo_differs(raw):
    # the test above can fail: too small a halo gives a different answer at block edges
    x, src = raw
    out = map_chunks(moving_average, src, halo=1, chunk_size=100)
    assert not np.allclose(out, moving_average(x))


def test_map_chunks_processes_and_trimmed_output(raw):
    x, src = raw

    def already_trimmed(d, block):
        return block.trim(d) * 2

    out = map_chunks(
        already_trimmed,
        src,
        halo=(2, 5),
        pass_block=True,
        chunk_size=333,
        n_jobs=2,
        pool_engine="process",
    )
    assert np.array_equal(out, x * 2)
    assert out.dtype == np.int16


def test_map_chunks_outputs(raw, tmp_path):
    x, src = raw
    ref = moving_average(x)
    npy = map_chunks(
        moving_average,
        src,
        halo=3,
        out=tmp_path / "o.npy",
        chunk_size=500,
        n_jobs=2,
        pool_engine="process",
    )
    assert isinstance(npy, np.memmap)
    assert not npy.flags.writeable
    np.testing.assert_allclose(npy, ref, rtol=1e-12)
    z = map_chunks(
        moving_average,
        src,
        halo=3,
        out=str(tmp_path / "o.zarr"),
        chunk_size=500,
        dtype="float32",
        n_jobs=2,
        pool_engine="thread",
    )
    assert z.dtype == np.float32
    assert z.chunks[0] == 500
    np.testing.assert_allclose(z[:], ref, rtol=1e-6)
    assert is_complete(tmp_path / "o.zarr")
    buf = np.empty((len(x), 3))
    assert map_chunks(moving_average, src, halo=3, out=buf, chunk_size=500) is buf
    np.testing.assert_allclose(buf, ref, rtol=1e-12)
    za = zarr.create_array(
        store=str(tmp_path / "u.zarr"), shape=(len(x), 3), chunks=(300, 3), dtype="f8"
    )
    assert map_chunks(moving_average, src, halo=3, out=za, chunk_size=500) is za
    np.testing.assert_allclose(za[:], ref, rtol=1e-12)


def test_map_chunks_changes_channels_and_dtype(raw, tmp_path):
    x, src = raw
    out = map_chunks(
        lambda d: d.sum(axis=1, keepdims=True).astype(np.int64),
        src,
        out=tmp_path / "s.npy",
        chunk_size=999,
        n_jobs=2,
        pool_engine="process",
    )
    assert out.shape == (len(x), 1)
    assert out.dtype == np.int64
    assert np.array_equal(out[:, 0], x.sum(axis=1, dtype=np.int64))


def test_map_chunks_channels(raw):
    x, src = raw
    out = map_chunks(lambda d: d, src, channels=[2, 0], chunk_size=700)
    assert np.array_equal(out, x[:, [2, 0]])


def test_map_chunks_budget_bounds_working_memory_not_the_result(raw, tmp_path):
    x, src = raw
    with config_context(memory_budget=20_000):
        # the result (96 kB) is over the budget but fits the available memory
        inmem = map_chunks(moving_average, src, halo=3, chunk_size=200)
        assert type(inmem) is np.ndarray
        assert inmem.shape == x.shape
        out = map_chunks(moving_average, src, halo=3, out=tmp_path / "big.npy", chunk_size=200)
        assert out.shape == x.shape
        assert np.array_equal(np.asarray(out), inmem)


def test_map_chunks_deliberate_dtype(raw):
    _x, src = raw
    with pytest.raises(ChunkError, match="castable to int16"):
        map_chunks(moving_average, src, halo=3, dtype="int16", chunk_size=1000)
    with pytest.raises(MemphysValueError, match=r"'\.npy' or '\.zarr'"):
        map_chunks(moving_average, src, out="result.txt")
    with pytest.raises(MemphysTypeError, match="callable"):
        map_chunks("sum", src)
    with pytest.raises(MemphysTypeError, match="`out`"):
        map_chunks(moving_average, src, out=42)


def test_map_chunks_chunk_duration(raw):
    _x, src = raw
    blocks = []

    def record(d, block):
        blocks.append(block.length)
        return d

    map_chunks(record, src, pass_block=True, chunk_duration="250ms", sampling_rate=1000.0)
    assert blocks[1:] == [250] * 16  # the first call learns the output's dtype and shape
    assert blocks[0] <= 250


def test_iter_chunks(raw):
    x, src = raw
    seen = []
    for block, data in iter_chunks(src, chunk_size=900, halo=4):
        assert len(data) == block.read_length
        assert np.array_equal(data, x[block.read_start : block.read_stop])
        seen.append(block.trim(data))
    assert np.array_equal(np.concatenate(seen), x)
    # job kwargs are accepted; chunk size from a memory setting
    blocks = list(iter_chunks(src, chunk_memory=600, n_jobs=4, progress_bar=False))
    assert [b.length for b, _ in blocks][:2] == [100, 100]


def test_iter_chunks_npy_path(tmp_path):
    x = np.arange(30.0).reshape(10, 3)
    np.save(tmp_path / "x.npy", x)
    got = np.concatenate([d for _, d in iter_chunks(str(tmp_path / "x.npy"), chunk_size=4)])
    assert np.array_equal(got, x)


@pytest.mark.parametrize("engine", ["serial", "thread", "process"])
def test_reduce_chunks(raw, engine):
    x, src = raw
    r = reduce_chunks(src, MeanVar(), chunk_size=301, n_jobs=2, pool_engine=engine)
    np.testing.assert_allclose(r.var, x.var(axis=0), rtol=1e-12)
    s = reduce_chunks(
        src, Sum(), func=moving_average, halo=3, chunk_size=301, n_jobs=2, pool_engine=engine
    )
    np.testing.assert_allclose(s, moving_average(x).sum(axis=0), rtol=1e-12)
    with pytest.raises(MemphysTypeError, match="Reducer"):
        reduce_chunks(src, np.sum)


@pytest.mark.parametrize("engine", ["serial", "process", "dask"])
def test_zarr_source_blocks_aligned_to_its_chunks(raw, tmp_path, engine):
    x, _ = raw
    z = zarr.create_array(
        store=str(tmp_path / "src.zarr"), shape=x.shape, chunks=(300, 3), dtype=x.dtype
    )
    z[:] = x
    starts = [b.start for b, _ in iter_chunks(z, chunk_size=1000)]
    assert starts == list(range(0, len(x), 900))
    r = reduce_chunks(z, MeanVar(), chunk_size=1000, n_jobs=2, pool_engine=engine)
    np.testing.assert_allclose(r.var, x.var(axis=0), rtol=1e-12)
    out = map_chunks(moving_average, z, halo=3, chunk_size=1000, n_jobs=2, pool_engine=engine)
    np.testing.assert_allclose(out, moving_average(x), rtol=1e-12)
