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
