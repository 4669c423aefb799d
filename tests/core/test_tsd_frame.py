"""Tests of TsdFrame: columns, metadata, loc and column selection."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import memphys as nap
from memphys.errors import ShapeMismatchError


@pytest.fixture
def frame() -> nap.TsdFrame:
    return nap.TsdFrame(
        t=np.arange(10.0),
        d=np.arange(30.0).reshape(10, 3),
        columns=["a", "b", "c"],
        metadata={"area": ["x", "y", "x"], "depth": [1, 2, 3]},
    )


def test_construction() -> None:
    f = nap.TsdFrame(t=np.arange(4.0), d=np.zeros((4, 2)))
    assert list(f.columns) == [0, 1]
    assert isinstance(f.columns, pd.Index)
    one = nap.TsdFrame(t=np.arange(4.0), d=np.zeros(4))
    assert one.shape == (4, 1)
    df = pd.DataFrame(index=[0.0, 1.0], data={"u": [1, 2], "v": [3, 4]})
    from_df = nap.TsdFrame(df)
    assert list(from_df.columns) == ["u", "v"]
    np.testing.assert_array_equal(from_df.values, [[1, 3], [2, 4]])
    with pytest.raises(AssertionError):
        nap.TsdFrame(t=np.arange(100))
    with pytest.raises(ShapeMismatchError, match="expected 2 labels"):
        nap.TsdFrame(t=np.arange(4.0), d=np.zeros((4, 2)), columns=["a"])
    with pytest.raises(ValueError, match="1 or 2 dimensional"):
        nap.TsdFrame(t=np.arange(4.0), d=np.zeros((4, 2, 2)))


def test_column_access(frame: nap.TsdFrame) -> None:
    a = frame["a"]
    assert isinstance(a, nap.Tsd)
    np.testing.assert_array_equal(a.values, np.arange(0, 30, 3))
    ab = frame[["a", "c"]]
    assert isinstance(ab, nap.TsdFrame)
    assert list(ab.columns) == ["a", "c"]
    np.testing.assert_array_equal(ab.area.values, ["x", "x"])
    assert isinstance(frame.loc["b"], nap.Tsd)
    assert list(frame.loc[["b", "c"]].columns) == ["b", "c"]
    with pytest.raises(IndexError):
        frame.loc["zz"]
    col0 = frame[:, 0]
    assert isinstance(col0, nap.Tsd)
    single = frame[:, [1]]
    assert isinstance(single, nap.TsdFrame)
    assert single.shape == (10, 1)
    assert list(single.columns) == ["b"]
    assert list(single.depth) == [2]
    rows = frame[2:5]
    assert isinstance(rows, nap.TsdFrame)
    assert list(rows.columns) == ["a", "b", "c"]
    assert list(rows.metadata_columns) == ["area", "depth"]
    one_row = frame[[3], :]
    assert isinstance(one_row, nap.TsdFrame)
    assert one_row.shape == (1, 3)
    np.testing.assert_array_equal(frame[4], np.arange(12.0, 15.0))
    with pytest.raises(KeyError):
        frame["d"]
    with pytest.raises(KeyError):
        frame[["d", "e"]]


def test_metadata(frame: nap.TsdFrame) -> None:
    assert frame.area.tolist() == ["x", "y", "x"]
    assert frame["depth"].tolist() == [1, 2, 3]
    frame.label = ["p", "q", "r"]
    assert frame.get_info("label").tolist() == ["p", "q", "r"]
    frame["other"] = [0, 0, 1]
    assert "other" in frame.metadata_columns
    with pytest.raises(AttributeError, match="reserved attribute"):
        frame.rate = 3
    with pytest.raises(ValueError, match="must differ from"):
        frame.set_info(a=[1, 2, 3])
    groups = frame.groupby("area")
    assert {k: list(v) for k, v in groups.items()} == {"x": ["a", "c"], "y": ["b"]}
    sub = frame.groupby("area", get_group="x")
    assert list(sub.columns) == ["a", "c"]


def test_setitem(frame: nap.TsdFrame) -> None:
    frame["a"] = 0.0
    np.testing.assert_array_equal(frame.values[:, 0], 0.0)
    frame[["b", "c"]] = 1.0
    np.testing.assert_array_equal(frame.values[:, 1:], 1.0)
    frame[frame["a"] == 0] = 5.0
    assert np.all(frame.values == 5.0)


def test_bool_frame_mask(frame: nap.TsdFrame) -> None:
    out = frame[frame > 20]
    np.testing.assert_array_equal(out, np.arange(21.0, 30.0))
    with pytest.raises(ValueError, match="must contain boolean values"):
        frame[frame + 1]


def test_numpy_keeps_columns(frame: nap.TsdFrame) -> None:
    out = frame * 2
    assert isinstance(out, nap.TsdFrame)
    assert list(out.columns) == ["a", "b", "c"]
    assert out.area.tolist() == ["x", "y", "x"]
    m = np.mean(frame, axis=1)
    assert isinstance(m, nap.Tsd)
    stacked = np.column_stack((frame[:, 0], frame[:, 1]))
    assert isinstance(stacked, nap.TsdFrame)
    assert stacked.shape == (10, 2)


def test_conversions(frame: nap.TsdFrame) -> None:
    df = frame.as_dataframe()
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["a", "b", "c"]
    units = frame.as_units("ms")
    assert units.index.name == "Time (ms)"
    assert units.index[1] == 1000.0


def test_restrict_keeps_metadata(frame: nap.TsdFrame) -> None:
    out = frame.restrict(nap.IntervalSet([1, 6], [2, 7]))
    assert out.area.tolist() == ["x", "y", "x"]
    np.testing.assert_array_equal(out.t, [1, 2, 6, 7])


def test_repr(frame: nap.TsdFrame) -> None:
    lines = repr(frame).splitlines()
    assert lines[0].split() == ["Time", "(s)", "a", "b", "c"]
    assert any(line.startswith("Metadata") for line in lines)
    assert lines[-1] == "dtype: float64, shape: (10, 3)"
    wide = nap.TsdFrame(t=np.arange(3.0), d=np.zeros((3, 40)))
    assert "..." in repr(wide).splitlines()[0]
    empty = nap.TsdFrame(t=np.array([]), d=np.empty((0, 3)), metadata={"l1": np.zeros(3)})
    assert "shape: (0, 3)" in repr(empty)


# --- column selections of a lazy TsdFrame stay lazy views ----------------------------------
N_ROWS, N_COLS = 40_000, 5


def _lazy_source(kind: str, tmp_path, data: np.ndarray):
    if kind == "memmap":
        path = tmp_path / "x.dat"
        data.tofile(path)
        return np.memmap(path, dtype=data.dtype, mode="r", shape=data.shape)
    if kind == "zarr":
        zarr = pytest.importorskip("zarr")
        z = zarr.create_array(
            store=str(tmp_path / "x.zarr"), shape=data.shape, dtype=data.dtype, chunks=(4096, 5)
        )
        z[:] = data
        return z
    h5py = pytest.importorskip("h5py")
    fh = h5py.File(tmp_path / "x.h5", "w")
    fh.create_dataset("x", data=data, chunks=(4096, N_COLS))
    return fh["x"]


@pytest.fixture(params=["memmap", "zarr", "hdf5"])
def lazy_frame(request, tmp_path):
    data = np.random.default_rng(0).integers(-1000, 1000, (N_ROWS, N_COLS)).astype(np.float32)
    src = _lazy_source(request.param, tmp_path, data)
    x = nap.TsdFrame(d=src, rate=100.0, columns=list("abcde"), load_array=False)
    return x, data


def _is_lazy(values) -> bool:
    from memphys.arrays import LazyArray

    return isinstance(values, LazyArray | np.memmap)


def test_column_selections_of_a_lazy_frame_are_views(lazy_frame) -> None:
    x, data = lazy_frame
    with nap.config_context(memory_budget=100_000):  # the source is 800 kB
        one = x[:, 0]
        assert isinstance(one, nap.Tsd)
        assert _is_lazy(one.values)
        two = x[:, [1, 3]]
        assert isinstance(two, nap.TsdFrame)
        assert _is_lazy(two.values)
        assert two.columns.tolist() == ["b", "d"]
        by_label = x.loc[["e", "a"]]
        assert _is_lazy(by_label.values)
        assert by_label.columns.tolist() == ["e", "a"]
        assert _is_lazy(x.loc["c"].values)
        part = x[1000:30000, [4, 2]]
        assert _is_lazy(part.values)
        np.testing.assert_array_equal(np.asarray(part.values), data[1000:30000][:, [4, 2]])
        np.testing.assert_array_equal(one.values[:], data[:, 0])
        np.testing.assert_array_equal(two.values[10:20], data[10:20][:, [1, 3]])
        np.testing.assert_array_equal(by_label.values[5:7], data[5:7][:, [4, 0]])
        np.testing.assert_array_equal(one.t[:3], [0.0, 0.01, 0.02])
        ev = nap.Ts(t=[1.234, 100.0, 399.5])
        got = ev.value_from(two)
        np.testing.assert_array_equal(got.values, data[[123, 10000, 39950]][:, [1, 3]])
        # in-budget selections still come back in memory, as pynapple returns them
        small = x[100:200, [1, 3]]
        assert type(small.values) is np.ndarray
        np.testing.assert_array_equal(small.values, data[100:200][:, [1, 3]])


def test_value_from_a_lazy_column_reads_only_the_rows_it_needs(tmp_path) -> None:
    from memphys.arrays import LazyArray, as_lazy

    class Counting(LazyArray):
        kind = "test_counting"

        def __init__(self, inner):
            self.inner = inner
            self.shape, self.dtype = inner.shape, inner.dtype
            self.rows = 0

        def _read(self, start, stop, channels):
            self.rows += stop - start
            return self.inner.read(start, stop, channels)

        def recipe(self):
            return self.inner.recipe()

        @classmethod
        def from_recipe(cls, recipe):  # pragma: no cover - not rebuilt here
            raise NotImplementedError

    n = 10_000_000
    src = Counting(as_lazy(np.lib.stride_tricks.as_strided(np.zeros(1), (n, 4), (0, 0))))
    x = nap.TsdFrame(d=src, rate=1000.0, load_array=False)
    events = nap.Ts(t=np.sort(np.random.default_rng(1).uniform(0, n / 1000.0, 1000)))
    out = events.value_from(x[:, 0])
    assert out.shape == (1000,)
    assert src.rows <= 1000 * 32  # one short read per run of nearby rows, never the column


def test_lazy_column_view_runs_on_process_workers(tmp_path) -> None:
    data = np.random.default_rng(2).normal(size=(20_000, 4))
    path = tmp_path / "x.dat"
    data.tofile(path)
    mm = np.memmap(path, dtype=data.dtype, mode="r", shape=data.shape)
    x = nap.TsdFrame(d=mm, rate=1000.0)
    with nap.config_context(memory_budget=200_000):
        sel = x[:, [3, 1]]
    assert _is_lazy(sel.values)
    ref = sel.map_chunks(lambda d: d * 2.0, chunk_size=3000)
    par = sel.map_chunks(lambda d: d * 2.0, chunk_size=3000, n_jobs=2, pool_engine="process")
    np.testing.assert_array_equal(par.values, ref.values)
    np.testing.assert_array_equal(ref.values, data[:, [3, 1]] * 2.0)
