"""Time series over lazy sources: results equal to in-memory, reads limited to what is needed."""

from __future__ import annotations

import tracemalloc
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memphys as nap
from memphys.arrays import LazyArray, as_lazy
from memphys.arrays.views import RowRangesView, RowSliceView
from memphys.core.time_index import RegularTimeIndex
from memphys.errors import MemoryBudgetError, MemphysTypeError, MemphysValueError


class SpyArray(LazyArray):
    """A lazy array that records every read and fails on anything but contiguous reads."""

    kind = "spy-ts"

    def __init__(self, data: np.ndarray) -> None:
        self._data = data
        self.shape = tuple(data.shape)
        self.dtype = data.dtype
        self.reads: list[tuple[int, int]] = []

    def _read(self, start: int, stop: int, channels: Any) -> np.ndarray:
        self.reads.append((start, stop))
        block = self._data[start:stop]
        return block if self.ndim < 2 else block[:, channels]

    @property
    def rows_read(self) -> int:
        return sum(b - a for a, b in self.reads)

    def recipe(self) -> dict[str, Any]:  # pragma: no cover - not rebuilt in these tests
        return {"kind": self.kind}

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> SpyArray:  # pragma: no cover
        raise NotImplementedError


N = 1000


def _data(shape: tuple[int, ...]) -> np.ndarray:
    return (np.arange(int(np.prod(shape))) % 251 - 100).astype("int16").reshape(shape)


@pytest.fixture(params=[(N,), (N, 4), (N, 3, 2)], ids=["tsd", "frame", "tensor"])
def shape(request: Any) -> tuple[int, ...]:
    return request.param


def _cls(ndim: int) -> Any:
    return {1: nap.Tsd, 2: nap.TsdFrame, 3: nap.TsdTensor}[ndim]


@pytest.fixture(params=["memmap", "npy", "zarr", "h5py", "dask", "spy"])
def source(request: Any, tmp_path: Any, shape: tuple[int, ...]) -> tuple[Any, np.ndarray]:
    data = _data(shape)
    kind = request.param
    if kind == "memmap":
        path = tmp_path / "x.dat"
        data.tofile(path)
        return np.memmap(path, dtype=data.dtype, mode="r", shape=data.shape), data
    if kind == "npy":
        np.save(tmp_path / "x.npy", data)
        return np.load(tmp_path / "x.npy", mmap_mode="r"), data
    if kind == "zarr":
        zarr = pytest.importorskip("zarr")
        z = zarr.open_array(str(tmp_path / "x.zarr"), mode="w", shape=data.shape, dtype=data.dtype)
        z[:] = data
        return z, data
    if kind == "h5py":
        h5py = pytest.importorskip("h5py")
        with h5py.File(tmp_path / "x.h5", "w") as f:
            f.create_dataset("x", data=data)
        return h5py.File(tmp_path / "x.h5", "r")["x"], data
    if kind == "dask":
        da = pytest.importorskip("dask.array")
        return da.from_array(data, chunks=100), data
    return SpyArray(data), data


def _pair(source: tuple[Any, np.ndarray]) -> tuple[Any, Any]:
    src, data = source
    t = np.arange(N) / 100.0
    cls = _cls(data.ndim)
    return cls(t=t, d=src, load_array=False), cls(t=t, d=data)


def test_source_kept(source: tuple[Any, np.ndarray]) -> None:
    src, _ = source
    lazy, _ = _pair(source)
    assert lazy.values is src
    assert lazy.d is src
    assert isinstance(lazy.time_index, RegularTimeIndex)
    if isinstance(src, np.memmap):
        assert type(lazy.values) is np.memmap


def test_results_equal_in_memory(source: tuple[Any, np.ndarray]) -> None:
    lazy, mem = _pair(source)
    ep = nap.IntervalSet([0.5, 3.0, 7.2], [1.0, 5.55, 20.0])
    for a, b in [(lazy.restrict(ep), mem.restrict(ep)), (lazy.get(1, 2), mem.get(1, 2))]:
        np.testing.assert_array_equal(np.asarray(a.values), b.values)
        np.testing.assert_array_equal(a.t, b.t)
        np.testing.assert_array_equal(a.time_support.values, b.time_support.values)
    np.testing.assert_array_equal(np.asarray(lazy.get(3.333)), np.asarray(mem.get(3.333)))
    for key in [5, slice(10, 20), slice(None, None, 7), np.arange(N) % 3 == 0, [1, 5, 900]]:
        out, ref = lazy[key], mem[key]
        np.testing.assert_array_equal(np.asarray(out), np.asarray(ref))
    np.testing.assert_array_equal((lazy * 2).values, (mem * 2).values)
    np.testing.assert_array_equal(np.negative(lazy).values, np.negative(mem).values)
    assert float(np.mean(lazy)) == pytest.approx(float(np.mean(mem)))
    assert repr(lazy) == repr(mem)
    np.testing.assert_array_equal(lazy.copy().values, mem.values)
    np.testing.assert_array_equal(lazy.in_interval(ep).values, mem.in_interval(ep).values)


def test_restrict_reads_only_rows_needed() -> None:
    spy = SpyArray(_data((N, 4)))
    tsd = nap.TsdFrame(t=np.arange(N) / 100.0, d=spy)
    assert spy.reads == []  # construction reads nothing
    ep = nap.IntervalSet([1.0, 5.0], [1.5, 5.2])
    out = tsd.restrict(ep)
    assert spy.reads == [(100, 151), (500, 521)]  # one contiguous read per epoch
    np.testing.assert_array_equal(out.values, spy._data[np.r_[100:151, 500:521]])
    spy.reads.clear()
    tsd.get(2.0, 2.1)
    assert spy.reads == [(200, 211)]
    spy.reads.clear()
    tsd.get(3.004)
    assert spy.reads == [(300, 301)]


def test_repr_reads_head_and_tail_only() -> None:
    spy = SpyArray(_data((N,)))
    text = repr(nap.Tsd(t=np.arange(N) / 100.0, d=spy))
    assert "shape: (1000,)" in text
    assert len(spy.reads) == 2
    assert spy.rows_read < 200
    assert spy.reads[0][0] == 0
    assert spy.reads[1][1] == N


def test_masks_read_bounding_blocks_not_points() -> None:
    spy = SpyArray(_data((N,)))
    tsd = nap.Tsd(t=np.arange(N) / 100.0, d=spy)
    mask = np.zeros(N, dtype=bool)
    mask[[10, 12, 15]] = True
    np.testing.assert_array_equal(tsd[mask].values, spy._data[[10, 12, 15]])
    assert spy.reads == [(10, 16)]


def test_large_restrict_stays_lazy() -> None:
    spy = SpyArray(_data((N, 4)))
    tsd = nap.TsdFrame(t=np.arange(N) / 100.0, d=spy)
    ep = nap.IntervalSet([0.0, 5.0], [2.0, 9.0])
    with nap.config_context(memory_budget=1000):
        out = tsd.restrict(ep)
        assert isinstance(out.values, RowRangesView)
        assert spy.reads == []
        assert out.values.ranges[0].tolist() == [0, 500]
        piece = tsd[100:900]
        assert isinstance(piece.values, RowSliceView)
        with pytest.raises(MemoryBudgetError, match="map_chunks"):
            np.exp(out)
    np.testing.assert_array_equal(np.asarray(out.values), spy._data[np.r_[0:201, 500:901]])
    np.testing.assert_array_equal(out.t, np.r_[0:201, 500:901] / 100.0)
    # a restrict of the lazy result composes with the parent: still contiguous reads
    spy.reads.clear()
    sub = out.restrict(nap.IntervalSet(1.0, 5.1))
    np.testing.assert_array_equal(sub.values, spy._data[np.r_[100:201, 500:511]])
    assert spy.reads == [(100, 201), (500, 511)]


def test_selection_over_budget_raises() -> None:
    tsd = nap.Tsd(t=np.arange(N) / 100.0, d=SpyArray(_data((N,))))
    with nap.config_context(memory_budget=100), pytest.raises(MemoryBudgetError):
        tsd[np.arange(N) % 2 == 0]


def test_time_support_clips_lazy_source() -> None:
    spy = SpyArray(_data((N,)))
    ep = nap.IntervalSet([1.0, 4.0], [2.0, 4.5])
    tsd = nap.Tsd(t=np.arange(N) / 100.0, d=spy, time_support=ep)
    assert spy.reads == [(100, 201), (400, 451)]
    assert len(tsd) == 152
    np.testing.assert_array_equal(tsd.time_support.values, ep.values)


def test_lazy_sources_refuse_writes(tmp_path: Any) -> None:
    tsd = nap.Tsd(t=np.arange(N) / 100.0, d=SpyArray(_data((N,))))
    with pytest.raises(MemphysTypeError, match="lazy source"):
        tsd[0] = 1
    path = tmp_path / "w.dat"
    _data((N,)).tofile(path)
    ro = nap.Tsd(t=np.arange(N) / 100.0, d=np.memmap(path, dtype="int16", mode="r"))
    with pytest.raises(MemphysValueError, match="read-only"):
        ro[0] = 1
    rw = nap.Tsd(t=np.arange(N) / 100.0, d=np.memmap(path, dtype="int16", mode="r+"))
    rw[0] = 7
    rw.values.flush()
    assert np.fromfile(path, dtype="int16")[0] == 7


def test_conversion_warning_and_load_array(tmp_path: Any) -> None:
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "x.h5", "w") as f:
        f.create_dataset("x", data=np.arange(10))
        with pytest.warns(UserWarning, match="Converting 'd' to numpy.array"):
            tsd = nap.Tsd(t=np.arange(10), d=f["x"])
        assert isinstance(tsd.values, np.ndarray)
        lazy = nap.Tsd(t=np.arange(10), d=f["x"], load_array=False)
        assert lazy.d is f["x"] or lazy.d.name == "/x"
        f.create_dataset("s", data="not_an_array")
        with pytest.raises(TypeError, match="Data should be array-like"):
            nap.Tsd(t=np.arange(12), d=f["s"], load_array=False)


def test_lazy_timestamps_stay_lazy(tmp_path: Any) -> None:
    t = np.sort(np.random.default_rng(0).uniform(0, 100, N))
    np.save(tmp_path / "t.npy", t)
    mm = np.load(tmp_path / "t.npy", mmap_mode="r")
    tsd = nap.Tsd(t=mm, d=np.arange(N))
    assert tsd.time_index.is_lazy  # type: ignore[attr-defined]
    np.testing.assert_array_equal(tsd.t, t)
    np.testing.assert_array_equal(tsd.restrict(nap.IntervalSet(10, 20)).t, t[(t >= 10) & (t <= 20)])


def test_large_sparse_memmap_construction_is_cheap(tmp_path: Any) -> None:
    n, ch = 67_108_864, 16
    path = tmp_path / "big.dat"
    with open(path, "wb") as f:
        f.truncate(n * ch * 2)  # 2 GiB, sparse: costs no disk
    mm = np.memmap(path, dtype="int16", mode="r", shape=(n, ch))
    t = np.arange(n) / 1250.0  # 512 MiB, allocated before the measurement
    tracemalloc.start()
    tsd = nap.TsdFrame(t=t, d=mm)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    del t
    assert isinstance(tsd.time_index, RegularTimeIndex)
    assert type(tsd.values) is np.memmap
    assert peak < 64 * 2**20, f"construction allocated {peak / 2**20:.0f} MiB"
    assert tsd.shape == (n, ch)
    assert tsd.rate == pytest.approx(1250.0, rel=1e-6)
    out = tsd.restrict(nap.IntervalSet(100.0, 100.01))
    assert out.shape == (13, ch)
    assert tsd.get(1000.0, 1000.002).shape == (3, ch)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.floats(-1, 11), st.floats(0, 3)), min_size=1, max_size=5),
    st.integers(10, 100_000),
)
def test_restrict_random_epochs_lazy_equals_memory(
    epochs: list[tuple[float, float]], budget: int
) -> None:
    data = _data((N, 2))
    t = np.arange(N) / 100.0
    starts = [s for s, _ in epochs]
    ends = [s + w for s, w in epochs]
    with _quiet():
        ep = nap.IntervalSet(starts, ends)
    lazy = nap.TsdFrame(t=t, d=SpyArray(data))
    mem = nap.TsdFrame(t=t, d=data)
    with nap.config_context(memory_budget=budget):
        a = lazy.restrict(ep)
    b = mem.restrict(ep)
    np.testing.assert_array_equal(np.asarray(a.values), b.values)
    np.testing.assert_array_equal(a.t, b.t)
    keep = np.zeros(N, dtype=bool)
    for s, e in ep.values:
        keep |= (t >= s) & (t <= e)
    np.testing.assert_array_equal(b.values, data[keep])


class _quiet:
    def __enter__(self) -> None:
        import warnings

        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc: Any) -> None:
        self._w.__exit__(*exc)


def test_as_lazy_accepts_views() -> None:
    v = as_lazy(RowSliceView(as_lazy(np.arange(10)), 2, 5))
    assert v.shape == (3,)


def test_memmap_pickles_as_recipe(tmp_path: Any) -> None:
    import pickle

    path = tmp_path / "p.dat"
    data = _data((N, 4))
    data.tofile(path)
    mm = np.memmap(path, dtype=data.dtype, mode="r", shape=data.shape)
    frame = nap.TsdFrame(t=np.arange(N) / 100.0, d=mm, columns=list("abcd"))
    blob = pickle.dumps(frame)
    assert len(blob) < 4000  # not the 8 kB of data
    again = pickle.loads(blob)
    assert type(again.values) is np.memmap
    np.testing.assert_array_equal(again.values, data)
    assert list(again.columns) == list("abcd")
    np.testing.assert_array_equal(again.restrict(nap.IntervalSet(1, 2)).values, data[100:201])
