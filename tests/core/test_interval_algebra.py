"""Interval algebra: unit tests and hypothesis tests against a brute-force reference.

Random sets have integer bounds in 0..50. Membership is checked at half-integer points,
which are interior to every interval (so pynapple's conventions at the bounds, closed
intervals and one-microsecond shifts of touching ends, do not matter there), and
``in_interval`` is also checked at the integer bounds themselves (closed intervals).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memphys.core import _interval_algebra as ia
from memphys.core.interval_set import IntervalSet

GRID = np.arange(0, 50.5, 0.5)
HALF = np.arange(0.5, 50, 1.0)


# ----------------------------------------------------------------- strategies
@st.composite
def valid_sets(draw: st.DrawFn, max_size: int = 12) -> tuple[np.ndarray, np.ndarray]:
    """Sorted, non-overlapping, non-touching intervals with integer bounds in 0..50."""
    bounds = draw(st.lists(st.integers(0, 50), unique=True, max_size=2 * max_size))
    if len(bounds) % 2:
        bounds = bounds[:-1]
    b = np.sort(np.array(bounds, dtype=np.float64))
    return b[0::2].copy(), b[1::2].copy()


@st.composite
def raw_intervals(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """Any intervals with end >= start (unsorted, overlapping, touching, empty)."""
    pairs = draw(
        st.lists(st.tuples(st.integers(0, 50), st.integers(0, 20)), min_size=0, max_size=12)
    )
    s = np.array([p[0] for p in pairs], dtype=np.float64)
    e = np.array([p[0] + p[1] for p in pairs], dtype=np.float64)
    return s, e


# ------------------------------------------------------------------ reference
def member(x: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
    """Brute force: is each x inside one of the closed intervals [s, e]?"""
    out = np.zeros(x.shape, dtype=bool)
    for a, b in zip(s, e, strict=True):
        out |= (x >= a) & (x <= b)
    return out


def reference_in_interval(x: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
    out = np.full(x.shape, np.nan)
    for i, (a, b) in enumerate(zip(s, e, strict=True)):
        out[(x >= a) & (x <= b)] = i
    return out


def reference_merge(s: np.ndarray, e: np.ndarray, thr: float) -> tuple[list, list]:
    ns: list[float] = []
    ne: list[float] = []
    for a, b in zip(s, e, strict=True):
        if ns and a - ne[-1] <= thr:
            ne[-1] = b
        else:
            ns.append(a)
            ne.append(b)
    return ns, ne


def is_valid(s: np.ndarray, e: np.ndarray) -> bool:
    flat = np.column_stack([s, e]).ravel()
    return bool(np.all(np.diff(flat) > 0))


def iset(se: tuple[np.ndarray, np.ndarray]) -> IntervalSet:
    return IntervalSet(se[0], se[1])


# -------------------------------------------------------------- hypothesis
@settings(max_examples=300, deadline=None)
@given(valid_sets(), valid_sets())
def test_intersect_matches_brute_force(a, b):
    s, e, i1, i2 = ia.intersect(*a, *b)
    assert is_valid(s, e)
    expected = member(HALF, *a) & member(HALF, *b)
    np.testing.assert_array_equal(member(HALF, s, e), expected)
    # each piece lies inside the intervals it claims to come from
    assert np.all(s >= a[0][i1])
    assert np.all(e <= a[1][i1])
    assert np.all(s >= b[0][i2])
    assert np.all(e <= b[1][i2])


@settings(max_examples=300, deadline=None)
@given(valid_sets(), valid_sets())
def test_union_matches_brute_force(a, b):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # touching results lose one microsecond, with a warning
        u = iset(a).union(iset(b))
    assert is_valid(u.start, u.end)
    expected = member(HALF, *a) | member(HALF, *b)
    np.testing.assert_array_equal(member(HALF, u.start, u.end), expected)
    # raw algebra output: overlapping intervals are joined, bounds come from the inputs
    s, e = ia.union(*a, *b)
    assert np.all(np.isin(s, np.concatenate([a[0], b[0]])))
    assert np.all(np.isin(e, np.concatenate([a[1], b[1]])))


@settings(max_examples=300, deadline=None)
@given(valid_sets(), valid_sets())
def test_set_diff_matches_brute_force(a, b):
    s, e, idx = ia.set_diff(*a, *b)
    assert is_valid(s, e)
    expected = member(HALF, *a) & ~member(HALF, *b)
    np.testing.assert_array_equal(member(HALF, s, e), expected)
    assert np.all(s >= a[0][idx])
    assert np.all(e <= a[1][idx])


@settings(max_examples=300, deadline=None)
@given(valid_sets(), st.lists(st.sampled_from(list(GRID)), max_size=30))
def test_in_interval_matches_brute_force(a, times):
    t = np.array(times, dtype=np.float64)
    np.testing.assert_array_equal(ia.in_interval(t, *a), reference_in_interval(t, *a))
    np.testing.assert_array_equal(iset(a).in_interval(t), reference_in_interval(t, *a))


@settings(max_examples=200, deadline=None)
@given(valid_sets(), st.integers(0, 10))
def test_merge_close_matches_brute_force(a, thr):
    s, e = ia.merge_close(*a, float(thr))
    rs, re = reference_merge(*a, float(thr))
    np.testing.assert_array_equal(s, rs)
    np.testing.assert_array_equal(e, re)
    merged = iset(a).merge_close_intervals(thr)
    np.testing.assert_array_equal(merged.values, np.column_stack([rs, re]).reshape(-1, 2))


@settings(max_examples=300, deadline=None)
@given(raw_intervals())
def test_construction_covers_union_of_raw_intervals(raw):
    s, e = raw
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ep = IntervalSet(s, e)
    assert is_valid(ep.start, ep.end)
    np.testing.assert_array_equal(member(HALF, ep.start, ep.end), member(HALF, s, e))
    # every bound is an input bound (ends possibly moved back by one microsecond)
    assert np.all(np.isin(ep.start, s))
    assert np.all(np.isin(ep.end, e) | np.isin(np.round(ep.end + 1e-6, 6), e))


@settings(max_examples=200, deadline=None)
@given(valid_sets(), valid_sets())
def test_algebraic_identities(a, b):
    A, B = iset(a), iset(b)
    np.testing.assert_array_equal(A.intersect(B).values, B.intersect(A).values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        np.testing.assert_array_equal(A.union(B).values, B.union(A).values)
        union_len = A.union(B).tot_length()
    inter_len = A.intersect(B).tot_length()
    # |A u B| = |A| + |B| - |A n B| (up to the microsecond removed at touching ends)
    n_touch = len(a[0]) + len(b[0])
    assert abs(union_len - (A.tot_length() + B.tot_length() - inter_len)) <= 1e-6 * n_touch + 1e-9
    # A - (A - B) and A n B cover the same points; (A - B) n B is empty
    diff = A.set_diff(B)
    np.testing.assert_array_equal(
        member(HALF, *ia.set_diff(*a, diff.start, diff.end)[:2]),
        member(HALF, *a) & member(HALF, *b),
    )
    assert len(diff.intersect(B)) == 0
    # A n A == A, A - A is empty
    np.testing.assert_array_equal(A.intersect(A).values, A.values)
    assert len(A.set_diff(A)) == 0


# ------------------------------------------------------------------ unit tests
def test_fix_intervals_flags_and_results():
    s, e, f = ia.fix_intervals(np.array([0.0, 10.0, 15.0]), np.array([10.0, 15.0, 20.0]))
    np.testing.assert_allclose(e, [10 - 1e-6, 15 - 1e-6, 20])
    np.testing.assert_array_equal(f, [True, False, False, False])

    s, e, f = ia.fix_intervals(np.array([0.0, 10.0, 16.0]), np.array([11.0, 15.0, 20.0]))
    np.testing.assert_array_equal(np.column_stack([s, e]), [[0, 15], [16, 20]])
    np.testing.assert_array_equal(f, [False, False, True, False])

    s, e, f = ia.fix_intervals(np.array([0.0, 15.0, 16.0]), np.array([5.0, 15.0, 20.0]))
    np.testing.assert_array_equal(np.column_stack([s, e]), [[0, 5], [16, 20]])
    np.testing.assert_array_equal(f, [False, False, False, True])

    s, e, f = ia.fix_intervals(np.array([]), np.array([]))
    assert s.size == 0
    assert e.size == 0
    assert not f.any()


def test_fix_intervals_zero_length_inside_a_group_is_absorbed():
    s, e, f = ia.fix_intervals(np.array([0.0, 3.0]), np.array([3.0, 10.0]))
    # touching, not overlapping: first end moved back
    np.testing.assert_allclose(e, [3 - 1e-6, 10])
    s, e, f = ia.fix_intervals(np.array([0.0, 3.0]), np.array([3.0, 5.0]))
    assert f[0]
    assert not f[2]
    s, e, f = ia.fix_intervals(np.array([0.0, 2.0, 2.0]), np.array([2.0, 5.0, 9.0]))
    np.testing.assert_allclose(np.column_stack([s, e]), [[0, 2 - 1e-6], [2, 9]])


def test_intersect_touching_gives_nothing():
    s, _e, i1, i2 = ia.intersect(np.array([0.0]), np.array([5.0]), np.array([5.0]), np.array([9.0]))
    assert s.size == 0
    assert i1.size == 0
    assert i2.size == 0


def test_set_diff_with_empty_sets():
    s, e, idx = ia.set_diff(
        np.array([0.0, 20.0]), np.array([10.0, 30.0]), np.array([]), np.array([])
    )
    np.testing.assert_array_equal(np.column_stack([s, e]), [[0, 10], [20, 30]])
    np.testing.assert_array_equal(idx, [0, 1])
    s, e, idx = ia.set_diff(np.array([]), np.array([]), np.array([0.0]), np.array([1.0]))
    assert s.size == 0


def test_set_diff_interval_inside_removed_interval():
    s, e, _ = ia.set_diff(np.array([2.0]), np.array([3.0]), np.array([0.0]), np.array([10.0]))
    assert s.size == 0
    s, e, _idx = ia.set_diff(
        np.array([0.0]), np.array([10.0]), np.array([0.0, 4.0]), np.array([2.0, 10.0])
    )
    np.testing.assert_array_equal(np.column_stack([s, e]), [[2, 4]])


def test_in_interval_unsorted_times_and_empty_set():
    t = np.array([50.0, 5.0, 10.0, -1.0])
    np.testing.assert_array_equal(
        ia.in_interval(t, np.array([0.0, 30.0]), np.array([10.0, 70.0])), [1, 0, 0, np.nan]
    )
    assert np.isnan(ia.in_interval(t, np.array([]), np.array([]))).all()


def test_split_matches_pieces():
    s, e, idx = ia.split(np.array([0.0, 10.0]), np.array([2.5, 11.0]), 1.0)
    np.testing.assert_allclose(np.column_stack([s, e]), [[0, 1 - 1e-6], [1, 2 - 1e-6]])
    np.testing.assert_array_equal(idx, [0, 0])  # [10, 11] is not longer than 1: skipped


@pytest.mark.parametrize("n", [0, 1, 1000])
def test_union_of_set_with_itself_is_itself(n):
    b = np.sort(np.random.default_rng(n).choice(10 * n + 2, 2 * n, replace=False)).astype(float)
    s, e = b[0::2], b[1::2]
    us, ue = ia.union(s, e, s, e)
    np.testing.assert_array_equal(us, s)
    np.testing.assert_array_equal(ue, e)
