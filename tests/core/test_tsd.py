"""Tests of Tsd: construction, validation, indexing, numpy protocols, data methods."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

import memphys as nap
from memphys.core.time_index import ExplicitTimeIndex, RegularTimeIndex
from memphys.errors import MemphysValueError, ShapeMismatchError, TimeIndexError


@pytest.fixture
def tsd() -> nap.Tsd:
    return nap.Tsd(t=np.arange(100.0), d=np.arange(100) * 2.0)


def test_construction() -> None:
    tsd = nap.Tsd(t=[0.0, 1.0, 2.0], d=[1, 2, 3])
    assert isinstance(tsd.values, np.ndarray)
    assert tsd.dtype == np.int64
    assert tsd.shape == (3,)
    assert tsd.ndim == 1
    assert tsd.size == 3
    assert len(tsd) == 3
    assert tsd.d is tsd.values
    assert tsd.nap_class == "Tsd"
    with pytest.warns(UserWarning, match="Some epochs have no duration"):  # as pynapple
        assert len(nap.Tsd(t=1, d=2)) == 1
    assert len(nap.Tsd(t=np.array([]), d=np.array([]))) == 0
    s = pd.Series(index=[0.0, 1.0], data=[5.0, 6.0])
    np.testing.assert_array_equal(nap.Tsd(s).values, [5.0, 6.0])


def test_rate_construction_is_regular_and_in_seconds() -> None:
    tsd = nap.Tsd(d=np.zeros(5), rate=1000.0, start=2.0)
    assert isinstance(tsd.time_index, RegularTimeIndex)
    np.testing.assert_array_equal(tsd.t, 2.0 + np.arange(5) / 1000.0)
    ms = nap.Tsd(d=np.zeros(3), rate=10.0, start=500, time_units="ms")
    np.testing.assert_allclose(ms.t, [0.5, 0.6, 0.7])
    with pytest.raises(MemphysValueError, match="only without `t`"):
        nap.Tsd(t=[0.0, 1.0], d=[1, 2], rate=10.0)


def test_length_mismatch() -> None:
    with pytest.raises(
        ShapeMismatchError, match="Length of values 3 does not match length of index 4"
    ):
        nap.Tsd(t=np.arange(4), d=np.arange(3))
    with pytest.raises(AssertionError):  # pynapple's exception type still works
        nap.Tsd(t=np.arange(4), d=np.arange(3))


def test_invalid_inputs() -> None:
    with pytest.raises(TimeIndexError, match=r"t\[3\]"):
        nap.Tsd(t=[0.0, 1.0, 2.0, 1.5], d=np.zeros(4))
    with pytest.raises(RuntimeError, match="Unknown format for d"):
        nap.Tsd(t=[0.0], d="abc")
    with pytest.raises(AssertionError, match="Missing argument d"):
        nap.Tsd(t=[0.0])
    with pytest.raises(ValueError, match="1 dimensional"):
        nap.Tsd(t=[0.0, 1.0], d=np.zeros((2, 2)))


def test_time_support_excluding_everything() -> None:
    tsd = nap.Tsd(t=np.arange(10.0), d=np.arange(10), time_support=nap.IntervalSet(20, 30))
    assert len(tsd) == 0
    assert tsd.rate == 0.0
    np.testing.assert_array_equal(tsd.time_support.values, [[20, 30]])


def test_indexing(tsd: nap.Tsd) -> None:
    assert tsd[3] == 6.0
    sub = tsd[10:20]
    assert isinstance(sub, nap.Tsd)
    assert isinstance(sub.time_index, RegularTimeIndex)
    np.testing.assert_array_equal(sub.t, np.arange(10, 20))
    masked = tsd[tsd > 150]
    assert isinstance(masked, nap.Tsd)
    np.testing.assert_array_equal(masked.t, np.arange(76, 100))
    np.testing.assert_array_equal(tsd[[1, 3]].values, [2.0, 6.0])
    np.testing.assert_array_equal(tsd[::10].t, np.arange(0, 100, 10))
    with pytest.raises(IndexError):
        tsd["a"]
    with pytest.raises(ValueError, match="must contain boolean values"):
        tsd[tsd]
    with pytest.raises(ValueError, match="must contain boolean values"):
        tsd[tsd] = 0


def test_setitem(tsd: nap.Tsd) -> None:
    tsd[0] = -1
    tsd[tsd > 190] = 0
    assert tsd.values[0] == -1
    assert tsd.values[-1] == 0
    with pytest.raises(IndexError):
        tsd[1000] = 0


def test_restrict_single_epoch_stays_regular(tsd: nap.Tsd) -> None:
    out = tsd.restrict(nap.IntervalSet(10.5, 20))
    assert isinstance(out.time_index, RegularTimeIndex)
    np.testing.assert_array_equal(out.values, np.arange(11, 21) * 2.0)
    two = tsd.restrict(nap.IntervalSet([1, 50], [2, 51]))
    assert isinstance(two.time_index, ExplicitTimeIndex)
    np.testing.assert_array_equal(two.t, [1, 2, 50, 51])
    out.values[0] = -5  # a copy, not a view
    assert tsd.values[11] == 22.0


def test_numpy_protocols(tsd: nap.Tsd) -> None:
    out = tsd + 1
    assert isinstance(out, nap.Tsd)
    np.testing.assert_array_equal(out.values, tsd.values + 1)
    assert out.time_support is tsd.time_support
    assert isinstance(np.exp(tsd), nap.Tsd)
    assert np.mean(tsd) == tsd.mean() == pytest.approx(99.0)
    assert isinstance(np.cumsum(tsd), nap.Tsd)
    assert isinstance(np.flipud(tsd), np.ndarray)
    with pytest.raises(TypeError):
        tsd + tsd
    with pytest.raises(TypeError):
        np.sort(tsd)
    assert np.asarray(tsd).dtype == np.float64
    parts = np.split(tsd, 4)
    assert all(isinstance(p, nap.Tsd) and len(p) == 25 for p in parts)
    np.testing.assert_array_equal(parts[1].t, np.arange(25, 50))


def test_concatenate() -> None:
    a = nap.Tsd(t=np.arange(5.0), d=np.arange(5))
    b = nap.Tsd(t=np.arange(10.0, 15.0), d=np.arange(5))
    c = np.concatenate((a, b))
    assert isinstance(c, nap.Tsd)
    assert len(c) == 10
    assert len(c.time_support) == 2
    with pytest.raises(RuntimeError, match="strictly increasing"):
        np.concatenate((b, a))


def test_dropna() -> None:
    tsd = nap.Tsd(t=np.arange(6.0), d=[0.0, np.nan, 2, 3, np.nan, 5])
    out = tsd.dropna()
    np.testing.assert_array_equal(out.t, [0, 2, 3, 5])
    np.testing.assert_allclose(out.time_support.values, [[0, 1e-6], [2, 3], [5, 5 + 1e-6]])
    kept = tsd.dropna(update_time_support=False)
    np.testing.assert_array_equal(kept.time_support.values, tsd.time_support.values)
    allnan = nap.Tsd(t=np.arange(3.0), d=np.full(3, np.nan)).dropna()
    assert len(allnan) == 0
    assert len(allnan.time_support) == 0
    with pytest.warns(UserWarning, match="Some epochs have no duration"):
        one = nap.Tsd(t=[0.0], d=[1.0])
    assert one.dropna().values.tolist() == [1.0]
    with pytest.raises(TypeError, match="update_time_support"):
        tsd.dropna(update_time_support=1)


def test_conversions(tsd: nap.Tsd) -> None:
    s = tsd.as_series()
    assert isinstance(s, pd.Series)
    assert s.dtype == np.float64
    ms = tsd.as_units("ms")
    assert ms.index.name == "Time (ms)"
    assert ms.index[1] == 1000.0
    assert tsd.as_units("us").index.dtype == np.int64
    assert tsd.to_numpy() is tsd.values
    assert tsd.as_array() is tsd.values
    cp = tsd.copy()
    cp[0] = 100
    assert tsd.values[0] == 0


def test_repr() -> None:
    tsd = nap.Tsd(t=[0.0, 1.0, 2.0], d=[3, 4, 5])
    assert repr(tsd).splitlines() == [
        "Time (s)",
        "----------  --",
        "0            3",  # tabulate's "g", as pynapple prints it
        "1            4",
        "2            5",
        "dtype: int64, shape: (3,)",
    ]
    empty = repr(nap.Tsd(t=np.array([]), d=np.array([])))
    assert empty.splitlines()[0].startswith("Time (s)")
    long = nap.Tsd(t=np.arange(1000.0), d=np.arange(1000.0))
    assert "..." in repr(long)
    assert len(repr(long).splitlines()) < 200


def test_pickle(tsd: nap.Tsd) -> None:
    again = pickle.loads(pickle.dumps(tsd))
    np.testing.assert_array_equal(again.values, tsd.values)
    np.testing.assert_array_equal(again.t, tsd.t)


@pytest.mark.parametrize("key", [slice(None, None, -1), slice(4, 0, -2)])
def test_reversal_says_how_to_get_what_was_meant(key) -> None:
    x = nap.Tsd(t=np.arange(5.0), d=np.array([3.0, 1.0, 4.0, 1.0, 5.0]))
    with pytest.raises(TimeIndexError, match=r"negative step.*x\.values\[::-1\].*nap\.Tsd\(t=x\.t"):
        x[key]
    with pytest.raises(TimeIndexError, match=r"x\.t\[::-1\]"):
        nap.Ts(t=np.arange(5.0))[key]


def test_permutation_says_how_to_get_what_was_meant() -> None:
    x = nap.Tsd(t=np.arange(5.0), d=np.array([3.0, 1.0, 4.0, 1.0, 5.0]))
    idx = np.argsort(x.values)
    msg = r"permutation.*x\[np\.sort\(idx\)\].*x\.values\[idx\]"
    with pytest.raises(TimeIndexError, match=msg):
        x[idx]
    # what the message proposes works
    np.testing.assert_array_equal(x[np.sort(idx)].values, x.values)
    np.testing.assert_array_equal(nap.Tsd(t=x.t, d=x.values[idx]).values, np.sort(x.values))
