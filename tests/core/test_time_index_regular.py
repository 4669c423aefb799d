"""RegularTimeIndex: formula, O(1) searchsorted consistent with numpy, slicing, epochs."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memphys.core.time_index import (
    ExplicitTimeIndex,
    RegularTimeIndex,
    TimeIndex,
    time_index_from_recipe,
)
from memphys.errors import MemphysValueError, ShapeMismatchError, TimeIndexError

SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def regular_indexes(draw: st.DrawFn) -> RegularTimeIndex:
    start = draw(
        st.one_of(
            st.just(0.0),
            st.floats(-1e5, 1e5, allow_nan=False),
            st.floats(1e6, 1e9),  # large offsets: many float ties at high rates
        )
    )
    n = draw(st.integers(0, 3000))
    offset = draw(st.one_of(st.just(0), st.integers(0, 10**6)))
    step = draw(st.one_of(st.just(1), st.integers(1, 7)))
    if draw(st.booleans()):
        rate = draw(
            st.one_of(st.sampled_from([1.0, 3.0, 1250.0, 20000 / 3, 30000.0]), st.floats(1e-3, 1e7))
        )
        return RegularTimeIndex(start, rate, n, offset=offset, step=step)
    period = draw(st.floats(1e-7, 1e3))
    return RegularTimeIndex(start, n=n, period=period, offset=offset, step=step)


def _queries(draw: st.DrawFn, v: np.ndarray) -> np.ndarray:
    qs: list[float] = []
    if v.size:
        k = draw(st.lists(st.integers(0, v.size - 1), max_size=20))
        exact = v[k]
        qs += exact.tolist()
        qs += np.nextafter(exact, np.inf).tolist() + np.nextafter(exact, -np.inf).tolist()
        lo, hi = float(v[0]), float(v[-1])
        span = max(hi - lo, 1.0)
        qs += draw(st.lists(st.floats(lo - span, hi + span), max_size=20))
    qs += draw(st.lists(st.floats(allow_nan=True, allow_infinity=True), max_size=5))
    return np.array(qs, dtype=np.float64)


@SETTINGS
@given(data=st.data())
def test_searchsorted_matches_numpy(data: st.DataObject) -> None:
    idx = data.draw(regular_indexes())
    v = idx.values
    assert np.all(np.diff(v) >= 0)
    q = _queries(data.draw, v)
    for side in ("left", "right"):
        expected = np.searchsorted(v, q, side=side)
        np.testing.assert_array_equal(idx.searchsorted(q, side=side), expected)
        if q.size:
            assert idx.searchsorted(float(q[0]), side=side) == expected[0]


@SETTINGS
@given(data=st.data())
def test_epoch_positions_match_brute_force(data: st.DataObject) -> None:
    idx = data.draw(regular_indexes())
    v = idx.values
    q = _queries(data.draw, v)
    q = q[np.isfinite(q)]
    if q.size < 2:
        return
    starts, ends = (
        np.minimum(q[::2][: q.size // 2], q[1::2]),
        np.maximum(q[::2][: q.size // 2], q[1::2]),
    )
    i0, i1 = idx.epoch_positions(starts, ends)
    for k in range(starts.size):
        inside = np.flatnonzero((v >= starts[k]) & (v <= ends[k]))
        if inside.size:
            assert (i0[k], i1[k]) == (inside[0], inside[-1] + 1)
        else:
            assert i0[k] == i1[k]
    pos = idx.restrict_positions(np.sort(starts), np.sort(ends))
    assert pos.dtype == np.int64


@SETTINGS
@given(data=st.data())
def test_slicing_and_getitem_match_values(data: st.DataObject) -> None:
    idx = data.draw(regular_indexes())
    v = idx.values
    n = len(idx)
    a = data.draw(st.one_of(st.none(), st.integers(-n - 3, n + 3)))
    b = data.draw(st.one_of(st.none(), st.integers(-n - 3, n + 3)))
    k = data.draw(st.one_of(st.none(), st.integers(1, 9)))
    sub = idx[a:b:k]
    assert isinstance(sub, RegularTimeIndex)
    np.testing.assert_array_equal(sub.values, v[a:b:k])  # bit for bit
    assert len(sub) == v[a:b:k].size
    # a slice of a slice is still consistent
    sub2 = sub[1::2]
    np.testing.assert_array_equal(sub2.values, v[a:b:k][1::2])
    if n:
        i = data.draw(st.integers(-n, n - 1))
        assert idx[i] == v[i]
        mask = np.asarray(data.draw(st.lists(st.booleans(), min_size=n, max_size=n)))
        got = idx[mask]
        assert isinstance(got, ExplicitTimeIndex)
        np.testing.assert_array_equal(got.values, v[mask])
        pos = np.asarray(data.draw(st.lists(st.integers(-n, n - 1), max_size=10)), dtype=np.int64)
        pos = pos[np.argsort(np.where(pos < 0, pos + n, pos), kind="stable")]
        np.testing.assert_array_equal(idx[pos].values, v[pos])
        np.testing.assert_array_equal(idx.take(pos), v[pos])


def test_values_formula_is_numpy_arange_over_rate() -> None:
    for fs in (1250.0, 30000.0, 20000 / 3):
        idx = RegularTimeIndex(start=0.0, rate=fs, n=1_000_000)
        np.testing.assert_array_equal(idx.values, np.arange(1_000_000) / fs)
    idx = RegularTimeIndex(start=3.25, period=1 / 30000, n=1000)
    np.testing.assert_array_equal(idx.values, np.arange(1000) * (1 / 30000) + 3.25)


@pytest.mark.parametrize("fs", [1250.0, 30000.0])
def test_values_exact_for_67m_samples(fs: float) -> None:
    n = 67_108_864
    idx = RegularTimeIndex(start=0.0, rate=fs, n=n)
    pos = np.r_[0, 1, np.random.default_rng(0).integers(0, n, 1000), n - 1]
    np.testing.assert_array_equal(idx.take(pos), pos.astype(np.float64) / fs)
    tail = idx[n - 5000 :].values
    np.testing.assert_array_equal(tail, np.arange(n - 5000, n) / fs)
    # and O(1) memory
    assert idx.nbytes < 100
    assert idx.searchsorted(tail[1234]) == n - 5000 + 1234


def test_properties_and_repr() -> None:
    idx = RegularTimeIndex(start=1.0, rate=100.0, n=11)
    assert (idx.start_time, idx.end_time) == (1.0, 1.1)
    assert idx.rate == 100.0
    assert idx.period == 0.01
    assert idx.is_regular
    assert repr(idx) == "RegularTimeIndex(start=1.0, rate=100.0, n=11)"
    sub = idx[2::3]
    assert sub.rate == pytest.approx(100 / 3)
    assert sub.period == pytest.approx(0.03)
    assert sub.start_time == idx[2]
    empty = RegularTimeIndex(start=0.0, rate=1.0, n=0)
    assert empty.start_time is None
    assert empty.end_time is None
    assert empty.searchsorted(5.0) == 0
    assert empty.values.shape == (0,)
    assert isinstance(idx, TimeIndex)
    np.testing.assert_array_equal(np.asarray(idx), idx.values)
    assert list(idx)[:2] == [1.0, 1.01]


def test_in_units() -> None:
    idx = RegularTimeIndex(start=0.0, rate=1000.0, n=4)
    np.testing.assert_array_equal(idx.in_units("ms"), [0.0, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(idx.in_units("us"), [0.0, 1000.0, 2000.0, 3000.0])
    with pytest.raises(MemphysValueError, match="time_units"):
        idx.in_units("h")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"start": 0.0, "rate": 0.0, "n": 3}, "rate"),
        ({"start": 0.0, "rate": float("nan"), "n": 3}, "rate"),
        ({"start": 0.0, "rate": -5.0, "n": 3}, "rate"),
        ({"start": float("inf"), "rate": 1.0, "n": 3}, "start"),
        ({"start": 0.0, "rate": 1.0, "n": -1}, "`n`"),
        ({"start": 0.0, "rate": 1.0, "n": 2.5}, "`n`"),
        ({"start": 0.0, "n": 3}, "exactly one"),
        ({"start": 0.0, "rate": 1.0, "period": 1.0, "n": 3}, "exactly one"),
        ({"start": 0.0, "rate": 1.0, "n": 3, "step": 0}, "step"),
        ({"start": 0.0, "rate": 1e-310, "n": 3}, "finite times"),
    ],
)
def test_invalid_parameters(kwargs: dict, match: str) -> None:
    with pytest.raises(MemphysValueError, match=match):
        RegularTimeIndex(**kwargs)


def test_bad_keys() -> None:
    idx = RegularTimeIndex(start=0.0, rate=1.0, n=5)
    with pytest.raises(TimeIndexError, match="negative step"):
        idx[::-1]
    with pytest.raises(IndexError):
        idx[5]
    with pytest.raises(ShapeMismatchError, match="mask of length 5"):
        idx[np.array([True, False])]
    with pytest.raises(TypeError):
        idx[np.array([0.5, 1.5])]
    with pytest.raises(TimeIndexError, match="sorted"):
        idx[np.array([3, 1])]
    with pytest.raises(MemphysValueError, match="side"):
        idx.searchsorted(1.0, side="middle")


def test_get_slice() -> None:
    idx = RegularTimeIndex(start=0.0, rate=1.0, n=10)
    assert idx.get_slice(2.0, 4.0) == slice(2, 5)
    assert idx.get_slice(2.5, 2.7) == slice(3, 3)
    assert idx.get_slice(-5.0, 100.0) == slice(0, 10)
    assert idx.get_slice(2.4) == slice(2, 3)
    assert idx.get_slice(2.5) == slice(3, 4)  # tie goes to the later sample
    assert idx.get_slice(100.0) == slice(9, 10)
    assert idx.get_slice(2000.0, 4000.0, time_units="ms") == slice(2, 5)
    with pytest.raises(ValueError, match="end"):
        idx.get_slice(5.0, 1.0)
    assert RegularTimeIndex(start=0.0, rate=1.0, n=0).get_slice(1.0) == slice(0, 0)


def test_restrict_positions() -> None:
    idx = RegularTimeIndex(start=0.0, rate=10.0, n=100)
    pos = idx.restrict_positions([0.25, 5.0, 20.0], [0.5, 5.2, 30.0])
    np.testing.assert_array_equal(pos, [3, 4, 5, 50, 51, 52])
    v = idx.values
    np.testing.assert_array_equal(
        pos, np.flatnonzero(((v >= 0.25) & (v <= 0.5)) | ((v >= 5.0) & (v <= 5.2)))
    )
    with pytest.raises(ShapeMismatchError):
        idx.epoch_positions([0.0, 1.0], [2.0])


def test_pickle_and_recipe() -> None:
    idx = RegularTimeIndex(start=0.5, rate=30000.0, n=10**9)[10:1000:3]
    blob = pickle.dumps(idx)
    assert len(blob) < 500
    back = pickle.loads(blob)
    assert isinstance(back, RegularTimeIndex)
    assert back.equals(idx)
    assert time_index_from_recipe(idx.recipe()).recipe() == idx.recipe()
    with pytest.raises(MemphysValueError, match="recipe"):
        time_index_from_recipe({"kind": "bogus"})


def test_equals() -> None:
    a = RegularTimeIndex(start=0.0, rate=4.0, n=8)
    assert a.equals(np.arange(8) / 4.0)
    assert a.equals(ExplicitTimeIndex(np.arange(8) / 4.0))
    assert not a.equals(np.arange(7) / 4.0)
    assert not a.equals(RegularTimeIndex(start=0.0, rate=4.0, n=8)[1:].values)
    assert a[2:].equals(RegularTimeIndex(start=0.5, rate=4.0, n=6))


def test_searchsorted_with_many_float_ties() -> None:
    # 1 GHz grid at t = 1e9 s: consecutive times collide in float64 (ulp ~ 1.2e-7 s)
    idx = RegularTimeIndex(start=1e9, rate=1e9, n=5000)
    v = idx.values
    assert np.unique(v).size < v.size / 10
    q = np.r_[v[::37], np.nextafter(v[::41], np.inf), 1e9 - 1, 1e9 + 1]
    for side in ("left", "right"):
        np.testing.assert_array_equal(idx.searchsorted(q, side=side), np.searchsorted(v, q, side))
