"""Tests of Ts (timestamps without data) and of what all time series share (_Base)."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import memphys as nap
from memphys.core.time_index import ExplicitTimeIndex, RegularTimeIndex
from memphys.errors import MemphysRuntimeError, MemphysTypeError, TimeIndexError


def test_construction_and_properties() -> None:
    ts = nap.Ts(t=np.array([0.5, 1.0, 3.0]))
    assert len(ts) == 3
    assert ts.shape == (3,)
    np.testing.assert_array_equal(ts.t, [0.5, 1.0, 3.0])
    assert isinstance(ts.index, nap.TsIndex)
    assert ts.start == 0.5
    assert ts.end == 3.0
    assert ts.start_time("ms") == 500.0
    assert ts.end_time("us") == 3e6
    np.testing.assert_array_equal(ts.time_support.values, [[0.5, 3.0]])
    assert ts.rate == pytest.approx(3 / 2.5)
    assert ts.nap_class == "Ts"


def test_time_units() -> None:
    np.testing.assert_allclose(nap.Ts(t=[1000, 2500], time_units="ms").t, [1.0, 2.5])
    np.testing.assert_allclose(nap.Ts(t=[10, 20], time_units="us").t, [1e-5, 2e-5])
    with pytest.raises(ValueError, match="time_units"):
        nap.Ts(t=[1, 2], time_units="min")


def test_regular_times_give_regular_index() -> None:
    ts = nap.Ts(t=np.arange(1000) / 250.0)
    assert isinstance(ts.time_index, RegularTimeIndex)
    assert isinstance(nap.Ts(t=[0.0, 0.3, 2.0]).time_index, ExplicitTimeIndex)


def test_unsorted_and_nan_times_raise() -> None:
    with pytest.raises(TimeIndexError, match=r"t\[2\]"):
        nap.Ts(t=[0.0, 2.0, 1.0])
    with pytest.raises(TimeIndexError, match=r"t\[1\] = nan"):
        nap.Ts(t=[0.0, np.nan])


def test_unknown_format() -> None:
    with pytest.raises(RuntimeError, match="Unknown format for t"):
        nap.Ts(t="abc")
    with pytest.raises(TypeError, match="IntervalSet"):
        nap.Ts(t=[1.0], time_support=[0, 1])


def test_number_and_empty() -> None:
    with pytest.warns(UserWarning, match="Some epochs have no duration"):  # as pynapple
        one = nap.Ts(t=3)
    assert len(one) == 1
    assert len(one.time_support) == 0
    assert one.rate == np.inf
    empty = nap.Ts(t=np.array([]))
    assert len(empty) == 0
    assert np.isnan(empty.rate)
    assert empty.start is None
    assert empty.end is None
    assert len(empty.time_support) == 0
    with_support = nap.Ts(t=np.array([]), time_support=nap.IntervalSet(0, 10))
    assert with_support.rate == 0.0
    assert len(with_support.time_support) == 1


def test_time_support_clips() -> None:
    ep = nap.IntervalSet(start=[0, 20], end=[10, 30])
    ts = nap.Ts(t=np.arange(100), time_support=ep)
    assert len(ts) == 22
    np.testing.assert_array_equal(ts.time_support.values, ep.values)
    assert ts.rate == pytest.approx(22 / 20)


def test_immutable_attributes() -> None:
    ts = nap.Ts(t=[1.0, 2.0])
    with pytest.raises(RuntimeError, match="not permitted for Ts"):
        ts.rate = 0
    assert isinstance(MemphysRuntimeError("x"), RuntimeError)
    with pytest.warns(UserWarning, match="ignored"):
        ts[0] = 1
    np.testing.assert_array_equal(ts.t, [1.0, 2.0])


def test_indexing() -> None:
    ts = nap.Ts(t=np.arange(100.0))
    assert isinstance(ts[0], nap.Ts)
    assert len(ts[0]) == 1
    assert len(ts[0:10]) == 10
    np.testing.assert_array_equal(ts[[0, 2, 5]].t, [0, 2, 5])
    assert len(ts[0:10, 0]) == 10
    assert len(ts[ts.t > 50]) == 49
    with pytest.raises(IndexError):
        ts[1000]
    with pytest.raises(TimeIndexError):
        ts[[5, 1]]


def test_restrict_get_and_slices() -> None:
    ts = nap.Ts(t=np.arange(10.0))
    ep = nap.IntervalSet([1.5, 6], [3, 7.5])
    out = ts.restrict(ep)
    np.testing.assert_array_equal(out.t, [2, 3, 6, 7])
    np.testing.assert_array_equal(out.time_support.values, ep.values)
    with pytest.raises(TypeError, match="Argument should be IntervalSet"):
        ts.restrict([0, 1])
    assert ts.get_slice(2, 4) == slice(2, 5)
    assert ts.get_slice(2.5) == slice(3, 4)  # tie goes to the later sample
    assert ts.get_slice(2.4) == slice(2, 3)
    assert ts.get_slice(-5) == slice(0, 1)
    assert ts.get_slice(50) == slice(9, 10)
    assert ts.get_slice(2000, 4000, "ms") == slice(2, 5)
    np.testing.assert_array_equal(ts.get(2, 4).t, [2, 3, 4])
    assert ts.get(6.1).t[0] == 6.0
    with pytest.raises(ValueError, match="'start' should not precede 'end'"):
        ts.get(5, 1)
    with pytest.raises(ValueError, match="'start' must be an int or a float"):
        ts.get([1], 2)
    with pytest.raises(ValueError, match="'mode' only accepts"):
        ts._get_slice(1, mode="bad")


@pytest.mark.parametrize(
    ("mode", "start", "end", "expected"),
    [
        ("before_t", 2.5, None, slice(2, 3)),
        ("after_t", 2.5, None, slice(3, 4)),
        ("after_t", 20, None, slice(9, 9)),
        ("before_t", -1, None, slice(0, 0)),
        ("closest_t", 2.2, 5.7, slice(2, 6)),
        ("before_t", 2.5, 5.5, slice(2, 5)),
        ("after_t", 2.5, 5.5, slice(3, 6)),
    ],
)
def test_get_slice_modes(mode: str, start: float, end: float | None, expected: slice) -> None:
    ts = nap.Ts(t=np.arange(10.0))
    assert ts._get_slice(start, end, mode=mode) == expected


def test_in_interval_find_support_time_diff() -> None:
    ts = nap.Ts(t=np.r_[0:5, 10:13].astype(float))
    mask = ts.in_interval(nap.IntervalSet(1, 3))
    assert isinstance(mask, nap.Tsd)
    assert mask.dtype == bool
    np.testing.assert_array_equal(mask.values, [0, 1, 1, 1, 0, 0, 0, 0])
    ep = ts.find_support(1.0)
    np.testing.assert_allclose(ep.values, [[0, 4 + 1e-6], [10, 12 + 1e-6]])
    diff = ts.time_diff()
    np.testing.assert_array_equal(diff.values, [1, 1, 1, 1, 6, 1, 1])
    np.testing.assert_array_equal(diff.t, [0.5, 1.5, 2.5, 3.5, 7.0, 10.5, 11.5])
    per_epoch = ts.time_diff(align="end", epochs=ep)
    np.testing.assert_array_equal(per_epoch.t, [1, 2, 3, 4, 11, 12])
    with pytest.raises(RuntimeError, match="align should be"):
        ts.time_diff(align="middle")
    with pytest.raises(TypeError, match="epochs should be an object of type IntervalSet"):
        ts.time_diff(epochs=[0, 1])


def test_conversions() -> None:
    ts = nap.Ts(t=[0.5, 1.0])
    s = ts.as_series()
    assert isinstance(s, pd.Series)
    assert s.dtype == object
    assert ts.as_units("us").index.tolist() == [500000, 1000000]
    assert ts.as_units("ms").index.name == "Time (ms)"
    filled = ts.fillna(2)
    assert isinstance(filled, nap.Tsd)
    np.testing.assert_array_equal(filled.values, [2.0, 2.0])
    with pytest.raises(TypeError):
        ts.fillna("a")
    np.testing.assert_array_equal(ts.times("ms"), [500, 1000])
    assert list(ts) == [0.5, 1.0]


def test_repr_and_pickle() -> None:
    ts = nap.Ts(t=np.arange(3.0))
    assert repr(ts) == "Time (s)\n0.0\n1.0\n2.0\nshape: 3"
    again = pickle.loads(pickle.dumps(ts))
    np.testing.assert_array_equal(again.t, ts.t)
    assert isinstance(again.time_index, RegularTimeIndex)


def test_interval_set_uses_ts() -> None:
    ep = nap.IntervalSet([0, 10], [4, 20])
    centers = ep.get_intervals_center()
    assert isinstance(centers, nap.Ts)
    np.testing.assert_array_equal(centers.t, [2, 15])


def test_module_paths() -> None:
    from memphys.core.time_series import Ts, Tsd, TsdFrame, TsdTensor

    assert Ts is nap.Ts
    assert Tsd is nap.Tsd
    assert TsdFrame is nap.TsdFrame
    assert TsdTensor is nap.TsdTensor
    assert nap.core.time_series.Ts is Ts
    assert isinstance(MemphysTypeError("x"), TypeError)


def test_get_slice_returns_numpy_integers():
    ts = nap.Ts(t=np.arange(10.0))
    s = ts.get_slice(2, 4)
    assert s == slice(2, 5)
    assert isinstance(s.start, np.int64)
    assert isinstance(s.stop, np.int64)
