"""Surrogate spike trains: properties, pynapple's draws for a seed, and errors."""

# the functions draw from numpy's global state (pynapple's seeding), so do these tests
# ruff: noqa: NPY002

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memphys as nap
from memphys.errors import MemphysTypeError, MemphysValueError

# A Ts of one timestamp spans no time: its support is dropped with pynapple's warning
# "Some epochs have no duration" (tested in tests/core/test_ts.py); here such a Ts (an
# event, a unit with one spike) is incidental.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Some epochs have no duration:memphys.errors.IntervalSetWarning"
)

times = st.lists(
    st.floats(0, 100, allow_nan=False, allow_infinity=False), min_size=2, max_size=40
).map(lambda v: np.unique(np.array(v)))


def group():
    rng = np.random.default_rng(0)
    return nap.TsGroup(
        {k: nap.Ts(np.sort(rng.uniform(0, 100, n))) for k, n in [(1, 50), (4, 80)]},
        time_support=nap.IntervalSet(0, 100),
    )


@settings(max_examples=50, deadline=None)
@given(t=times, seed=st.integers(0, 2**31 - 1))
def test_shuffle_keeps_first_time_and_intervals(t, seed):
    np.random.seed(seed)
    out = nap.shuffle_ts_intervals(nap.Ts(t))
    assert out.t[0] == t[0]
    np.testing.assert_allclose(np.sort(np.diff(out.t)), np.sort(np.diff(t)), atol=1e-9)
    np.random.seed(seed)
    gaps = np.random.permutation(np.diff(t))
    np.testing.assert_array_equal(out.t, np.hstack([t[0], t[0] + np.cumsum(gaps)]))


def test_seed_gives_the_same_draws_as_the_global_state():
    g = group()
    np.random.seed(42)
    jittered = nap.jitter_timestamps(g, max_jitter=0.5)
    np.random.seed(42)
    for k in g:
        expected = np.sort(g[k].t + np.random.uniform(-0.5, 0.5, len(g[k])))
        np.testing.assert_array_equal(jittered[k].t, expected)
    np.random.seed(1)
    a = nap.resample_timestamps(g)
    np.random.seed(1)
    b = nap.resample_timestamps(g)
    for k in g:
        np.testing.assert_array_equal(a[k].t, b[k].t)
        assert len(a[k]) == len(g[k])
        assert a[k].t.min() >= 0
        assert a[k].t.max() <= 100


@pytest.mark.parametrize("mode", ["drop", "wrap"])
def test_shift(mode):
    ts = nap.Ts(np.array([1.0, 5.0, 9.5]), time_support=nap.IntervalSet(0, 10))
    out = nap.shift_timestamps(ts, min_shift=1.0, max_shift=1.0, mode=mode)
    expected = [2.0, 6.0] if mode == "drop" else [0.5, 2.0, 6.0]
    np.testing.assert_allclose(out.t, expected)
    np.random.seed(3)
    shifted = nap.shift_timestamps(group(), min_shift=5, max_shift=20, mode="wrap")
    np.random.seed(3)
    for k in group():
        s = np.random.uniform(5, 20)
        np.testing.assert_allclose(shifted[k].t, np.sort((group()[k].t + s) % 100))


def test_jitter_keep_support():
    ts = nap.Ts(np.array([0.01, 5.0, 9.99]), time_support=nap.IntervalSet(0, 10))
    np.random.seed(0)
    kept = nap.jitter_timestamps(ts, max_jitter=1.0, keep_tsupport=True)
    assert kept.time_support.values.tolist() == [[0.0, 10.0]]
    assert np.all((kept.t >= 0) & (kept.t <= 10))
    free = nap.jitter_timestamps(ts, max_jitter=1.0)
    assert len(free) == 3


@pytest.mark.parametrize(
    "call, exc, match",
    [
        (lambda: nap.shift_timestamps([1.0]), MemphysTypeError, "Invalid input, data should be"),
        (lambda: nap.shift_timestamps(group(), min_shift="a"), MemphysTypeError, "min_shift"),
        (lambda: nap.shift_timestamps(group(), max_shift="a"), MemphysTypeError, "max_shift"),
        (lambda: nap.shift_timestamps(group(), mode="x"), MemphysValueError, "mode must be"),
        (lambda: nap.jitter_timestamps(group()), MemphysTypeError, "max_jitter"),
        (lambda: nap.jitter_timestamps([1], 1.0), MemphysTypeError, "should be Ts or TsGroup"),
        (lambda: nap.resample_timestamps("a"), MemphysTypeError, "should be Ts or TsGroup"),
        (lambda: nap.shuffle_ts_intervals(1), MemphysTypeError, "should be Ts or TsGroup"),
    ],
)
def test_errors(call, exc, match):
    with pytest.raises(exc, match=match):
        call()


def test_tsd_entries_warn_when_shifted():
    g = nap.TsGroup({0: nap.Tsd(t=np.arange(5.0), d=np.arange(5.0))})
    with pytest.warns(UserWarning, match="TsGroup entry 0 was not a Ts"):
        nap.shift_timestamps(g)
