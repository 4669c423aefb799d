"""Tests of IntervalSet: construction, bad input, indexing, algebra, I/O and repr."""

from __future__ import annotations

import os
import pickle
import warnings
from pathlib import Path
from unittest.mock import patch

import numpy as np
import pandas as pd
import pytest

import memphys as nap
from memphys.config import config_context
from memphys.core.interval_set import IntervalSet
from memphys.errors import (
    IntervalError,
    MemphysError,
    MemphysOSError,
    MemphysRuntimeError,
    MemphysTypeError,
    MemphysValueError,
    ShapeMismatchError,
)


class FakeArray:
    """An array-like that is not a numpy array (shape, dtype, ndim, indexing, iteration)."""

    def __init__(self, data):
        self.data = np.asarray(data)
        self.shape = self.data.shape
        self.dtype = self.data.dtype
        self.ndim = self.data.ndim

    def __getitem__(self, i):
        return self.data[i]

    def __iter__(self):
        return iter(self.data)

    def __len__(self):
        return len(self.data)

    def __array__(self, dtype=None, copy=None):
        return np.asarray(self.data, dtype=dtype)


@pytest.fixture
def ep():
    return IntervalSet(start=[0, 10, 16, 25], end=[5, 15, 20, 40])


@pytest.fixture
def ep_meta():
    return IntervalSet(
        start=[0, 10, 16, 25],
        end=[5, 15, 20, 40],
        metadata={"label": ["a", "b", "c", "d"], "info": np.arange(4)},
    )


# ------------------------------------------------------------------ construction
@pytest.mark.parametrize(
    "args",
    [
        {"start": [0, 10], "end": [5, 20]},
        {"start": (0, 10), "end": (5, 20)},
        {"start": np.array([0, 10]), "end": np.array([5, 20])},
        {"start": pd.Series([0, 10]), "end": pd.Series([5, 20])},
        {"start": np.array([[0, 5], [10, 20]])},
        {"start": [(0, 5), (10, 20)]},
        {"start": zip([0, 10], [5, 20], strict=True)},
        {"start": pd.DataFrame({"start": [0, 10], "end": [5, 20]})},
        {"start": IntervalSet([0, 10], [5, 20])},
    ],
)
def test_construction_forms(args):
    ep = IntervalSet(**args)
    assert ep.values.dtype == np.float64
    np.testing.assert_array_equal(ep.values, [[0, 5], [10, 20]])
    np.testing.assert_array_equal(ep.index, [0, 1])
    assert ep.shape == (2, 2)
    assert ep.ndim == 2
    assert ep.size == 4
    assert len(ep) == 2


def test_construction_from_scalars_and_pair():
    np.testing.assert_array_equal(IntervalSet(0, 10).values, [[0, 10]])
    np.testing.assert_array_equal(IntervalSet((3, 5)).values, [[3, 5]])


def test_construction_from_array_like_warns_once_per_argument():
    with pytest.warns(UserWarning, match="Converting") as record:
        ep = IntervalSet(FakeArray([0, 200]), FakeArray([100, 300]))
    messages = [str(w.message) for w in record]
    assert messages == [
        "Converting 'start' to numpy.array. The provided array was of type 'FakeArray'.",
        "Converting 'end' to numpy.array. The provided array was of type 'FakeArray'.",
    ]
    np.testing.assert_array_equal(ep.values, [[0, 100], [200, 300]])
    with config_context(suppress_conversion_warnings=True), warnings.catch_warnings():
        warnings.simplefilter("error")
        IntervalSet(FakeArray([0]), FakeArray([1]))


@pytest.mark.parametrize(
    "args",
    [
        {"start": [], "end": []},
        {"start": np.zeros((0, 2))},
        {"start": [], "end": [], "metadata": {"label": []}},
    ],
)
def test_empty(args):
    ep = IntervalSet(**args)
    assert ep.shape == (0, 2)
    assert ep.tot_length() == 0
    assert len(ep.intersect(IntervalSet(0, 1))) == 0


@pytest.mark.parametrize(("units", "factor"), [("s", 1), ("ms", 1e-3), ("us", 1e-6)])
def test_time_units(units, factor):
    ep = IntervalSet(start=[0, 10], end=[5, 20], time_units=units)
    np.testing.assert_allclose(ep.values, np.array([[0, 5], [10, 20]]) * factor)
    ms = IntervalSet(start=[0], end=[1.5])
    assert ms.tot_length("ms") == 1500.0
    assert ms.tot_length("us") == 1.5e6


def test_dataframe_metadata_and_sorting():
    df = pd.DataFrame({"start": [25.0, 0.0, 10.0], "end": [40.0, 5.0, 15.0], "label": [2, 0, 1]})
    with pytest.warns(UserWarning, match="DataFrame is not sorted by start times"):
        ep = IntervalSet(df)
    pd.testing.assert_frame_equal(ep.as_dataframe(), df.sort_values("start").reset_index(drop=True))
    # a DataFrame with a non-default index still gives metadata
    df2 = pd.DataFrame({"start": [0, 10], "end": [5, 15], "x": ["a", "b"]}, index=[7, 3])
    assert list(IntervalSet(df2).x) == ["a", "b"]


# ------------------------------------------------------------------ bad input
def test_end_before_start_is_an_error_naming_the_position():
    with pytest.raises(IntervalError, match=r"end < start at position\(s\) \[1\]") as info:
        IntervalSet(start=[0, 10, 20], end=[5, 8, 30])
    assert "start=10.0, end=8.0" in str(info.value)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, MemphysError)
    with pytest.raises(IntervalError, match="end < start"):
        IntervalSet(pd.DataFrame({"start": [3.0], "end": [1.0]}))
    with pytest.raises(IntervalError, match="end < start"):
        IntervalSet(np.array([[5, 1]]))


@pytest.mark.parametrize(
    ("start", "end", "name", "pos"),
    [
        ([0.0, np.nan, 16.0], [5.0, 15.0, 20.0], "`start`", "[1]"),
        ([0.0, 10.0, 16.0], [5.0, 15.0, np.nan], "`end`", "[2]"),
        ([np.nan, 10.0], [np.nan, 15.0], "`start`/`end`", "[0]"),
    ],
)
def test_nan_bounds_are_errors_naming_the_position(start, end, name, pos):
    with pytest.raises(IntervalError) as info:
        IntervalSet(start=start, end=end)
    msg = str(info.value)
    assert name in msg
    assert "NaN" in msg
    assert f"position(s) {pos}" in msg


def test_nan_in_dataframe_is_an_error():
    df = pd.DataFrame({"start": [0.0, np.nan], "end": [5.0, 15.0], "label": ["a", "b"]})
    with pytest.raises(IntervalError, match="NaN"):
        IntervalSet(df)


def test_length_mismatch():
    with pytest.raises(ShapeMismatchError) as info:
        IntervalSet(start=np.array([0, 10, 16]), end=np.array([5, 15, 20, 40]))
    assert str(info.value) == "Starts end ends are not of the same length"
    assert isinstance(info.value, ValueError)


def test_unknown_time_units():
    with pytest.raises(MemphysValueError, match="allowed values are 's', 'ms', 'us', but got 'h'"):
        IntervalSet(0, 1, time_units="h")


@pytest.mark.parametrize(
    ("start", "end"),
    [(["a", "b"], [1, 2]), ([0, 1], np.array(["x", "y"])), (np.array([0], dtype="M8[s]"), [1])],
)
def test_non_numeric_bounds(start, end):
    with pytest.raises(MemphysTypeError, match="expected numbers"):
        IntervalSet(start, end)


def test_unknown_format():
    with pytest.raises(RuntimeError) as info:
        IntervalSet(start="abc", end=[1, 2])
    assert str(info.value) == (
        "Unknown format for start. Accepted formats are numpy.ndarray, list, tuple or any "
        "array-like objects."
    )
    assert isinstance(info.value, MemphysRuntimeError)
    with pytest.raises(RuntimeError, match="Unknown format for end"):
        IntervalSet(start=[1, 2], end={"a": 1})


def test_unreadable_pairs_and_dataframe_columns():
    with pytest.raises(MemphysValueError, match="Please provide a list of start-end pairs"):
        IntervalSet(5)
    with pytest.raises(MemphysValueError, match="Please provide a list of start-end pairs"):
        IntervalSet([1, 2, 3])
    with pytest.raises(MemphysValueError, match="columns 'start' and 'end'"):
        IntervalSet(pd.DataFrame({"start": [0], "stop": [1]}))


# --------------------------------------------------------- fixing pass warnings
@pytest.mark.parametrize(
    ("start", "end", "message", "expected"),
    [
        (
            [0, 10, 15],
            [10, 15, 20],
            "Some starts and ends are equal. Removing 1 microsecond!",
            [[0, 10 - 1e-6], [10, 15 - 1e-6], [15, 20]],
        ),
        (
            [0, 10, 16],
            [11, 15, 20],
            "Some starts precede the previous end. Joining them!",
            [[0, 15], [16, 20]],
        ),
        ([0, 15, 16], [5, 15, 20], "Some epochs have no duration", [[0, 5], [16, 20]]),
    ],
)
def test_fixing_warnings(start, end, message, expected):
    with pytest.warns(UserWarning, match=".") as record:
        ep = IntervalSet(start=start, end=end)
    assert str(record[0].message) == message
    np.testing.assert_allclose(ep.values, expected)


def test_unsorted_bounds_are_sorted_with_a_warning():
    with pytest.warns(UserWarning, match="is not sorted") as record:
        ep = IntervalSet(start=[10, 0, 16], end=[15, 5, 20])
    assert [str(w.message) for w in record] == [
        "start is not sorted. Sorting it.",
        "end is not sorted. Sorting it.",
    ]
    np.testing.assert_array_equal(ep.values, [[0, 5], [10, 15], [16, 20]])
    with pytest.warns(UserWarning, match="is not sorted") as record:
        ep = IntervalSet(start=[10, 0], end=[15, 5], metadata={"x": [1, 2]})
    assert str(record[0].message) == (
        "start is not sorted. Cannot add metadata to unsorted start times. "
        "Sorting it and dropping metadata."
    )
    assert ep.metadata_columns == []
    # with the order unchanged, metadata is kept (a touching end only loses 1 us)
    with pytest.warns(UserWarning, match="Removing 1 microsecond"):
        ep = IntervalSet(start=[0, 5], end=[5, 15], metadata={"x": [1, 2]})
    assert list(ep.x) == [1, 2]
    # overlapping intervals are joined and metadata dropped
    with pytest.warns(UserWarning, match="Joining|dropping") as record:
        ep = IntervalSet(start=[0, 5], end=[10, 15], metadata={"x": [1, 2]})
    assert [str(w.message) for w in record] == [
        "Some starts precede the previous end. Joining them!",
        "epochs have changed, dropping metadata.",
    ]
    assert ep.metadata_columns == []


def test_sorting_warning_can_be_silenced():
    with config_context(suppress_time_index_sorting_warnings=True), warnings.catch_warnings():
        warnings.simplefilter("error")
        ep = IntervalSet(start=[10, 0], end=[15, 5])
    np.testing.assert_array_equal(ep.values, [[0, 5], [10, 15]])


# ------------------------------------------------------------------- indexing
def test_getitem_rows(ep_meta):
    one = ep_meta[1]
    assert isinstance(one, IntervalSet)
    np.testing.assert_array_equal(one.values, [[10, 15]])
    assert list(one.label) == ["b"]
    np.testing.assert_array_equal(ep_meta[1:3].values, [[10, 15], [16, 20]])
    assert list(ep_meta[[0, 2]].label) == ["a", "c"]
    assert list(ep_meta[np.array([True, False, True, False])].info) == [0, 2]
    assert list(ep_meta[pd.Series([False, True, False, True])].label) == ["b", "d"]
    sub = ep_meta[ep_meta.label == "c"]
    np.testing.assert_array_equal(sub.values, [[16, 20]])
    np.testing.assert_array_equal(sub.index, [0])
    assert len(ep_meta[ep_meta.info > 10]) == 0


def test_getitem_columns_and_tuples(ep_meta):
    np.testing.assert_array_equal(ep_meta[:, 0], [0, 10, 16, 25])
    np.testing.assert_array_equal(ep_meta["start"], ep_meta.start)
    np.testing.assert_array_equal(ep_meta["end"], [5, 15, 20, 40])
    assert ep_meta[1, 1] == 15.0
    sub = ep_meta[0:2, :]
    assert isinstance(sub, IntervalSet)
    assert sub.metadata_columns == []
    assert isinstance(ep_meta[0:2, 0:2], IntervalSet)
    assert isinstance(ep_meta[0:2, 1:2], np.ndarray)
    with pytest.raises(IndexError, match="too many indices for IntervalSet"):
        ep_meta[:, 0, 3]
    with pytest.raises(IndexError, match="out of bounds"):
        ep_meta[:, 2]


def test_getitem_metadata_keys(ep_meta):
    assert list(ep_meta["label"]) == ["a", "b", "c", "d"]
    df = ep_meta[["label", "info"]]
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["label", "info"]
    with pytest.raises(IndexError) as info:
        ep_meta["nope"]
    assert (
        str(info.value) == "Unknown string argument. Should be in ['start', 'end', 'label', 'info']"
    )


def test_iteration_and_loc(ep):
    pieces = list(ep)
    assert len(pieces) == 4
    assert all(isinstance(p, IntervalSet) for p in pieces)
    np.testing.assert_array_equal(np.vstack([p.values for p in pieces]), ep.values)
    np.testing.assert_array_equal(ep.loc[0], [0, 5])
    assert isinstance(ep.loc[[0]], IntervalSet)
    np.testing.assert_array_equal(ep.loc["end"], ep.end)
    assert ep.loc[1, "end"] == 15.0
    with pytest.raises(IndexError, match=r"IntervalSet\.loc"):
        ep.loc[1.5]


def test_immutability(ep_meta):
    with pytest.raises(RuntimeError, match="IntervalSet is immutable"):
        ep_meta[0, 0] = 1
    with pytest.raises(RuntimeError, match="IntervalSet is immutable"):
        ep_meta["start"] = [1, 2, 3, 4]
    with pytest.raises(AttributeError, match="Cannot set attribute 'values'"):
        ep_meta.values = np.zeros((4, 2))
    with pytest.raises(ValueError, match="read-only"):
        ep_meta.values[0, 0] = 3
    with pytest.raises(ValueError, match="read-only"):
        ep_meta.start[0] = 3
    np.testing.assert_array_equal(ep_meta.values[0], [0, 5])


def test_numpy_protocols(ep):
    with pytest.warns(UserWarning, match="Converting IntervalSet to numpy.array"):
        out = np.exp(ep)
    np.testing.assert_allclose(out, np.exp(ep.values))
    with pytest.warns(UserWarning, match="Converting IntervalSet to numpy.array"):
        out = ep * 2
    np.testing.assert_array_equal(out, ep.values * 2)
    with pytest.warns(UserWarning, match="Converting IntervalSet to numpy.array"):
        out = np.vstack((ep, ep))
    assert out.shape == (8, 2)
    with pytest.warns(UserWarning, match="Converting IntervalSet to numpy.array"):
        total = np.add.reduce(ep, axis=None)
    assert total == ep.values.sum()
    with config_context(suppress_conversion_warnings=True), warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(np.ravel(ep), ep.values.ravel())
    arr = np.asarray(ep)
    arr[0, 0] = 99  # a copy: the set is unchanged
    assert ep.values[0, 0] == 0
    assert np.array(ep, dtype=np.int32).dtype == np.int32


def test_pickle_roundtrip(ep_meta):
    back = pickle.loads(pickle.dumps(ep_meta))
    np.testing.assert_array_equal(back.values, ep_meta.values)
    assert list(back.label) == list(ep_meta.label)
    with pytest.raises(AttributeError):
        back.nope


# ------------------------------------------------------------------- methods
def test_time_span_tot_length_as_units(ep):
    np.testing.assert_array_equal(ep.time_span().values, [[0, 40]])
    assert ep.tot_length() == 5 + 5 + 4 + 15
    assert ep.tot_length("ms") == 29000.0
    df = ep.as_units("us")
    assert df["start"].dtype == np.int64
    assert df["end"].iloc[-1] == 40_000_000
    np.testing.assert_array_equal(ep.as_units("ms").values, ep.values * 1e3)
    assert len(IntervalSet([], []).time_span()) == 0


def test_as_dataframe(ep_meta):
    df = ep_meta.as_dataframe()
    assert list(df.columns) == ["start", "end", "label", "info"]
    np.testing.assert_array_equal(df[["start", "end"]].values, ep_meta.values)


def test_intersect_union_set_diff():
    ep = IntervalSet(start=[0, 30], end=[10, 70])
    ep2 = IntervalSet(start=40, end=100)
    np.testing.assert_array_equal(ep.intersect(ep2).values, [[40, 70]])
    np.testing.assert_array_equal(ep2.intersect(ep).values, [[40, 70]])
    np.testing.assert_array_equal(ep.union(ep2).values, [[0, 10], [30, 100]])
    np.testing.assert_array_equal(ep.set_diff(ep2).values, [[0, 10], [30, 40]])
    np.testing.assert_array_equal(ep2.set_diff(ep).values, [[70, 100]])
    with pytest.raises(MemphysTypeError, match="expected IntervalSet"):
        ep.intersect([0, 1])


def test_algebra_metadata():
    ep = IntervalSet(start=[0, 50], end=[30, 70], metadata={"m1": [0, 1]})
    ep2 = IntervalSet(start=20, end=60, metadata={"m2": 2})
    inter = ep.intersect(ep2)
    np.testing.assert_array_equal(inter.values, [[20, 30], [50, 60]])
    assert list(inter.m1) == [0, 1]
    assert list(inter.m2) == [2, 2]
    # columns present in both sets are dropped
    assert inter.intersect(ep2).metadata_columns == ["m1"]
    diff = IntervalSet(start=[0, 60], end=[50, 80], metadata={"m1": [0, 1]}).set_diff(
        IntervalSet(start=[20, 40], end=[30, 70])
    )
    np.testing.assert_array_equal(diff.values, [[0, 20], [30, 40], [70, 80]])
    assert list(diff.m1) == [0, 0, 1]
    with pytest.warns(UserWarning, match="metadata incompatible with union"):
        assert ep.union(ep2).metadata_columns == []
    with pytest.warns(UserWarning, match="metadata incompatible with time_span"):
        ep.time_span()
    with pytest.warns(UserWarning, match="metadata incompatible with merge_close"):
        ep.merge_close_intervals(1)


def test_union_touching_sets_lose_a_microsecond():
    with pytest.warns(UserWarning, match="Removing 1 microsecond"):
        u = IntervalSet(0, 5).union(IntervalSet(5, 10))
    np.testing.assert_allclose(u.values, [[0, 5 - 1e-6], [5, 10]])


class _Times:
    def __init__(self, t):
        self.t = np.asarray(t, dtype=float)


def test_in_interval():
    ep = IntervalSet(start=[0, 30], end=[10, 70])
    expected = [0.0, np.nan, 1.0, np.nan, 0.0, 1.0]
    times = [5, 20, 50, 100, 10, 30]
    np.testing.assert_array_equal(ep.in_interval(np.array(times)), expected)
    np.testing.assert_array_equal(ep.in_interval(_Times(times)), expected)
    np.testing.assert_array_equal(ep.in_interval(pd.Series(0, index=times)), expected)


def test_drop_short_and_long_intervals(ep_meta):
    np.testing.assert_array_equal(ep_meta.drop_short_intervals(5.0).values, [[25, 40]])
    assert list(ep_meta.drop_short_intervals(5e3, time_units="ms").label) == ["d"]
    np.testing.assert_array_equal(ep_meta.drop_long_intervals(5.0).values, [[16, 20]])
    assert list(ep_meta.drop_long_intervals(5e6, time_units="us").label) == ["c"]
    empty = ep_meta.drop_short_intervals(100)
    assert empty.shape == (0, 2)
    assert len(empty.label) == 0


def test_merge_close_intervals(ep):
    np.testing.assert_array_equal(
        ep.merge_close_intervals(4.0).values, [[0, 5], [10, 20], [25, 40]]
    )
    np.testing.assert_array_equal(ep.merge_close_intervals(5e3, time_units="ms").values, [[0, 40]])
    assert len(IntervalSet([], []).merge_close_intervals(1)) == 0


def test_split():
    ep = IntervalSet(start=[0, 10], end=[3.5, 10.5], metadata={"k": ["x", "y"]})
    out = ep.split(1.0)
    np.testing.assert_allclose(out.start, [0, 1, 2])
    np.testing.assert_allclose(out.end, [1 - 1e-6, 2 - 1e-6, 3 - 1e-6])
    assert list(out.k) == ["x", "x", "x"]
    np.testing.assert_allclose(ep.split(500, time_units="ms").start, [0, 0.5, 1, 1.5, 2, 2.5, 3])
    assert len(IntervalSet([], []).split(1)) == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("a",), "Argument interval_size should of type float or int"),
        ((0,), "Argument interval_size should be strictly larger than 0"),
        ((1, 1), "Argument time_units should be of type str"),
    ],
)
def test_split_errors(ep, args, message):
    with pytest.raises(OSError) as info:
        ep.split(*args)
    # pynapple's wording, and what was found (appended, or a note where pynapple's tests
    # compare the whole message)
    assert str(info.value).startswith(message)
    found = str(info.value)[len(message) :] + " ".join(getattr(info.value, "__notes__", []))
    assert "got" in found.lower()
    assert isinstance(info.value, MemphysOSError)


def test_intervals_center_and_starts_ends(ep):
    pytest.importorskip("memphys.core.time_series")
    center = ep.get_intervals_center()
    np.testing.assert_allclose(center.t, ep.start + (ep.end - ep.start) / 2)
    np.testing.assert_allclose(ep.get_intervals_center(0.25).t, ep.start + (ep.end - ep.start) / 4)
    np.testing.assert_allclose(ep.get_intervals_center(3.0).t, ep.end)  # alpha clipped
    with pytest.warns(DeprecationWarning, match="deprecated"):
        np.testing.assert_array_equal(ep.starts.t, ep.start)
    with pytest.warns(DeprecationWarning, match="deprecated"):
        np.testing.assert_array_equal(ep.ends.t, ep.end)


def test_intervals_center_alpha_must_be_float(ep):
    with pytest.raises(RuntimeError, match="Parameter alpha should be float type"):
        ep.get_intervals_center({})
    with pytest.raises(MemphysRuntimeError):
        ep.get_intervals_center(1)


# ----------------------------------------------------------------------- I/O
@pytest.mark.parametrize("metadata", [None, {"label": ["a", "b", "c"]}])
def test_save_and_load(tmp_path, metadata):
    ep = IntervalSet(start=[0, 10, 16], end=[5, 15, 20], metadata=metadata)
    ep.save(tmp_path / "ep")
    path = tmp_path / "ep.npz"
    assert path.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".tmp")]
    with np.load(path, allow_pickle=True) as f:
        assert {"start", "end", "type", "_metadata"} <= set(f.keys())
        assert f["type"][0] == "IntervalSet"
    back = nap.load_file(path)
    np.testing.assert_array_equal(back.values, ep.values)
    if metadata:
        assert list(back.label) == metadata["label"]
    else:
        assert back.metadata_columns == []


def test_load_old_npz_with_dataframe_dict(tmp_path, ep_meta):
    fname = tmp_path / "old.npz"
    np.savez(
        fname,
        start=ep_meta.start,
        end=ep_meta.end,
        type=np.array(["IntervalSet"]),
        _metadata=ep_meta.metadata.to_dict(),
    )
    back = nap.load_file(fname)
    assert list(back.label) == ["a", "b", "c", "d"]


def test_save_errors(tmp_path, ep):
    with pytest.raises(TypeError):
        ep.save(dict)
    with pytest.raises(RuntimeError) as info:
        ep.save(tmp_path)
    assert str(info.value) == f"Invalid filename input. {tmp_path.resolve()} is directory."
    with pytest.raises(RuntimeError) as info:
        ep.save(tmp_path / "missing" / "ep.npz")
    assert str(info.value) == f"Path {(tmp_path / 'missing').resolve()} does not exist."


# ---------------------------------------------------------------------- repr
def _with_terminal(cols, rows):
    size = os.terminal_size((cols, rows))
    return patch("os.get_terminal_size", return_value=size), patch(
        "shutil.get_terminal_size", return_value=size
    )


def test_repr_basic_and_metadata(ep_meta):
    p1, p2 = _with_terminal(200, 100)
    with p1, p2:
        text = repr(ep_meta)
    assert text == (
        "  index    start    end  label      info\n"
        "      0        0      5  a             0\n"
        "      1       10     15  b             1\n"
        "      2       16     20  c             2\n"
        "      3       25     40  d             3\n"
        "shape: (4, 2), time unit: sec."
    )
    assert str(ep_meta) == repr(ep_meta)


def test_repr_empty_and_long():
    assert repr(IntervalSet([], [])) == (
        "index    start    end\n-------  -------  -----\nshape: (0, 2), time unit: sec."
    )
    ep = IntervalSet(np.arange(0, 100, 2.0), np.arange(1, 101, 2.0))
    p1, p2 = _with_terminal(80, 16)  # 6 rows shown: 3 first, "...", 3 last
    with p1, p2:
        lines = repr(ep).splitlines()
    assert len(lines) == 1 + 3 + 1 + 3 + 1
    assert lines[4].split() == ["...", "...", "..."]
    assert lines[-2].split() == ["49", "98.0", "99.0"]
    assert lines[-1] == "shape: (50, 2), time unit: sec."


def test_repr_many_metadata_columns_shows_dots():
    meta = {f"c{i}": np.arange(2) for i in range(8)}
    ep = IntervalSet([0, 10], [5, 15], metadata=meta)
    p1, p2 = _with_terminal(60, 40)  # at most 5 columns
    with p1, p2:
        header = repr(ep).splitlines()[0]
    assert header.split()[-1] == "..."
    assert "c4" in header
    assert "c5" not in header


def test_public_alias():
    assert nap.IntervalSet is IntervalSet
    assert isinstance(nap.IntervalSet(0, 1), nap.core.IntervalSet)


def test_doc_example_paths_are_independent_of_cwd(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    IntervalSet(0, 1).save("relative")
    assert Path("relative.npz").exists()


def test_from_valid_skips_checks_but_builds_a_full_object():
    values = np.array([[0.0, 1.0], [2.0, 3.0]])
    ep = IntervalSet._from_valid(values, metadata={"k": ["a", "b"]})
    np.testing.assert_array_equal(ep.values, values)
    assert list(ep.k) == ["a", "b"]
    with pytest.raises(RuntimeError, match="immutable"):
        ep[0, 0] = 5
