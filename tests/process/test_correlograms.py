"""Correlograms and ISI distributions against brute-force references."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memphys as nap
from memphys.errors import MemphysTypeError, MemphysValueError
from memphys.process import _correlogram_kernel as kernel
from memphys.process.correlograms import _cross_correlogram


def loop_counts(t1: np.ndarray, t2: np.ndarray, binsize: float, windowsize: float) -> np.ndarray:
    """Pure-Python counts with pynapple's rules: edges by repeated addition, [e_j, e_j+1)."""
    nbins = int((windowsize * 2) // binsize)
    if nbins % 2 == 0:
        nbins += 1
    w = (nbins / 2) * binsize
    counts = np.zeros(nbins)
    for a in t1:
        edges = [a - w]
        for _ in range(nbins):
            edges.append(edges[-1] + binsize)
        for b in t2:
            for j in range(nbins):
                if edges[j] <= b < edges[j + 1]:
                    counts[j] += 1
                    break
    return counts


# times on a quarter grid with bin sizes of 0.25/0.5: many lags fall exactly on edges
grid_times = st.lists(st.integers(0, 80), min_size=0, max_size=25).map(
    lambda v: np.unique(np.array(v, dtype=np.float64)) * 0.25
)
float_times = st.lists(
    st.floats(0, 20, allow_nan=False, allow_infinity=False), min_size=0, max_size=25
).map(lambda v: np.sort(np.array(v, dtype=np.float64)))


half_steps = st.lists(st.integers(0, 400), min_size=0, max_size=25).map(
    lambda v: np.unique(np.array(v, dtype=np.float64))
)


@settings(max_examples=200, deadline=None)
@given(
    n1=half_steps,
    n2=half_steps,
    binsize=st.sampled_from([0.25, 0.5, 0.1, 0.3, 0.05, 0.7, 1.0]),
    windowsize=st.sampled_from([0.0, 0.25, 0.5, 1.0, 2.3]),
    offset=st.sampled_from([0.0, 0.1, 1 / 3]),
)
def test_counts_match_a_double_loop(n1, n2, binsize, windowsize, offset):
    # times on a grid of half bins: many lags fall on a bin edge, where the edges
    # accumulated by repeated addition differ from t - w + j * binsize by an ulp
    t1 = n1 * binsize / 2 + offset
    t2 = n2 * binsize / 2 + offset
    nbins = kernel.window_bins(binsize, windowsize)[0]
    got = kernel.correlogram_counts(t1, t2, np.zeros(t2.size, np.intp), 1, binsize, windowsize)
    assert got.shape == (1, nbins)
    np.testing.assert_array_equal(got[0], loop_counts(t1, t2, binsize, windowsize))


@settings(max_examples=60, deadline=None)
@given(t1=st.one_of(grid_times, float_times), t2=st.one_of(grid_times, float_times))
def test_counts_match_a_double_loop_any_times(t1, t2):
    got = kernel.correlogram_counts(t1, t2, np.zeros(t2.size, np.intp), 1, 0.25, 1.0)
    np.testing.assert_array_equal(got[0], loop_counts(t1, t2, 0.25, 1.0))


@settings(max_examples=40, deadline=None)
@given(
    units=st.lists(float_times, min_size=1, max_size=4),
    ref=float_times,
    binsize=st.sampled_from([0.25, 0.5, 0.3]),
)
def test_labelled_counts_equal_one_unit_at_a_time(units, ref, binsize):
    merged, labels = kernel.merge_units(units)
    got = kernel.correlogram_counts(ref, merged, labels, len(units), binsize, 1.0)
    for u, t in enumerate(units):
        np.testing.assert_array_equal(got[u], loop_counts(ref, t, binsize, 1.0))


def test_small_blocks_give_the_same_counts(monkeypatch):
    rng = np.random.default_rng(1)
    t1 = np.sort(rng.uniform(0, 50, 400))
    t2 = np.sort(rng.uniform(0, 50, 700))
    labels = np.zeros(t2.size, np.intp)
    full = kernel.correlogram_counts(t1, t2, labels, 1, 0.05, 1.0)
    monkeypatch.setattr(kernel, "_EDGE_BLOCK", 100)
    monkeypatch.setattr(kernel, "_PAIR_BLOCK", 7)
    np.testing.assert_array_equal(kernel.correlogram_counts(t1, t2, labels, 1, 0.05, 1.0), full)
    assert full.sum() > 0


def test_cross_correlogram_private_function():
    cc, lags = _cross_correlogram(np.array([0.0]), np.array([1.0]), 1, 100)
    assert cc[101] == 1.0
    assert cc.sum() == 1.0
    np.testing.assert_array_almost_equal(lags, np.arange(-100, 101))
    cc, _ = _cross_correlogram(np.array([]), np.array([1.0]), 1, 10)
    assert np.isnan(cc).all()


def group3():
    rng = np.random.default_rng(3)
    return nap.TsGroup(
        {k: nap.Ts(np.sort(rng.uniform(0, 100, n))) for k, n in [(2, 300), (5, 200), (9, 150)]},
        time_support=nap.IntervalSet(0, 100),
    )


@pytest.mark.parametrize("norm", [True, False])
def test_autocorrelogram(norm):
    group = group3()
    ac = nap.compute_autocorrelogram(group, 0.1, 1.0, norm=norm)
    assert list(ac.columns) == [2, 5, 9]
    for k in group:
        t = group[k].t
        expected = loop_counts(t, t, 0.1, 1.0) / (t.size * 0.1)
        if norm:
            expected = expected / group[k].rate
        expected[np.round(ac.index.values, 6) == 0] = 0.0
        np.testing.assert_allclose(ac[k].values, expected)
    np.testing.assert_array_equal(ac.index.values, np.round(ac.index.values, 6))
    assert ac.loc[0.0].eq(0).all()


def test_autocorrelogram_restricted_and_time_units():
    group = group3()
    ep = nap.IntervalSet([0, 50], [20, 80])
    ac = nap.compute_autocorrelogram(group, 100.0, 1000.0, ep=ep, time_units="ms")
    ref = nap.compute_autocorrelogram(group.restrict(ep), 0.1, 1.0)
    pd.testing.assert_frame_equal(ac, ref)


@pytest.mark.parametrize("reverse", [False, True])
def test_crosscorrelogram_one_group(reverse):
    group = group3()
    cc = nap.compute_crosscorrelogram(group, 0.2, 2.0, norm=True, reverse=reverse)
    pairs = list(combinations([2, 5, 9], 2))
    if reverse:
        pairs = [(j, i) for i, j in pairs]
    assert list(cc.columns) == pairs
    for i, j in pairs:
        t1, t2 = group[i].t, group[j].t
        expected = loop_counts(t1, t2, 0.2, 2.0) / (t1.size * 0.2) / group[j].rate
        np.testing.assert_allclose(cc[(i, j)].values, expected)


def test_crosscorrelogram_two_groups():
    group = group3()
    g1, g2 = group[[2]], group[[5, 9]]
    cc = nap.compute_crosscorrelogram((g1, g2), 0.2, 2.0, norm=False)
    assert list(cc.columns) == [(2, 5), (2, 9)]
    for _, j in cc.columns:
        expected = loop_counts(group[2].t, group[j].t, 0.2, 2.0) / (group[2].t.size * 0.2)
        np.testing.assert_allclose(cc[(2, j)].values, expected)


def test_crosscorrelogram_single_unit_is_empty():
    cc = nap.compute_crosscorrelogram(group3()[[2]], 0.1, 1.0)
    assert cc.shape == (0, 0)


def test_eventcorrelogram():
    group = group3()
    event = nap.Ts(np.array([10.0, 20.5, 33.3, 70.0]))
    ec = nap.compute_eventcorrelogram(group, event, 0.2, 1.0, norm=False)
    restricted = group.restrict(event.time_support)
    for k in group:
        expected = loop_counts(event.t, restricted[k].t, 0.2, 1.0) / (event.t.size * 0.2)
        np.testing.assert_allclose(ec[k].values, expected)
    normed = nap.compute_eventcorrelogram(group, event, 0.2, 1.0, ep=nap.IntervalSet(0, 100))
    rates = group.restrict(nap.IntervalSet(0, 100)).rates
    full = nap.compute_eventcorrelogram(
        group, event, 0.2, 1.0, ep=nap.IntervalSet(0, 100), norm=False
    )
    np.testing.assert_allclose(normed.values, full.values / rates)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda g: nap.compute_autocorrelogram([1, 2], 1, 1), "group must be of type TsGroup"),
        (lambda g: nap.compute_autocorrelogram(g, "a", 1), "binsize must be of type"),
        (lambda g: nap.compute_autocorrelogram(g, 1, 1, ep="a"), "ep must be of type"),
        (lambda g: nap.compute_autocorrelogram(g, 1, 1, norm=1), "norm must be of type"),
        (lambda g: nap.compute_crosscorrelogram((g, g, g), 1, 1), r"tuple/list of \(TsGroup"),
        (lambda g: nap.compute_crosscorrelogram(g, 1, 1, reverse=1), "reverse must be"),
        (lambda g: nap.compute_eventcorrelogram(g, [1, 2], 1, 1), "event must be of type"),
        (lambda g: nap.compute_eventcorrelogram(g, binsize="a"), "binsize must be of type"),
    ],
)
def test_type_errors(call, match):
    with pytest.raises(MemphysTypeError, match=match):
        call(group3())


@pytest.mark.parametrize("binsize, windowsize", [(0, 1), (-1, 1), (1, -1), (np.inf, 1)])
def test_bad_window_is_a_value_error(binsize, windowsize):
    with pytest.raises(MemphysValueError, match=r"Invalid value for `(binsize|windowsize)`"):
        nap.compute_autocorrelogram(group3(), binsize, windowsize)


def test_isi_distribution_matches_numpy():
    group = group3()
    ep = nap.IntervalSet([0, 40], [30, 90])
    out = nap.compute_isi_distribution(group, bins=7, epochs=ep)
    diffs = {}
    for k in group:
        parts = [np.diff(group[k].t[(group[k].t >= s) & (group[k].t <= e)]) for s, e in ep.values]
        diffs[k] = np.concatenate(parts)
    every = np.concatenate(list(diffs.values()))
    edges = np.linspace(every.min(), every.max(), 8)
    np.testing.assert_allclose(out.index.values, (edges[:-1] + edges[1:]) / 2)
    for k in group:
        np.testing.assert_array_equal(out[k].values, np.histogram(diffs[k], edges)[0])
    logged = nap.compute_isi_distribution(group[[2]], bins=[-5.0, -2.0, 0.0, 3.0], log_scale=True)
    np.testing.assert_array_equal(
        logged[2].values, np.histogram(np.log(np.diff(group[2].t)), [-5.0, -2.0, 0.0, 3.0])[0]
    )


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"bins": "a"}, MemphysTypeError, "bins should be either int, list or np.ndarray."),
        ({"bins": 0}, MemphysValueError, "`bins` must be positive"),
        ({"bins": [3.0, 1.0]}, MemphysValueError, "`bins` must increase monotonically"),
        ({"bins": np.zeros((2, 2))}, MemphysValueError, "`bins` must be 1d"),
        ({"log_scale": 1}, MemphysTypeError, "log_scale should be of type bool."),
    ],
)
def test_isi_errors(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        nap.compute_isi_distribution(group3(), **kwargs)


def test_isi_data_type_and_no_intervals():
    with pytest.raises(MemphysTypeError, match="data should be a Ts, TsGroup"):
        nap.compute_isi_distribution(np.arange(3))
    with pytest.warns(UserWarning, match="Some epochs have no duration"):
        one = nap.Ts(t=np.array([1.0]))  # its support is dropped, as in pynapple
    with pytest.raises(MemphysValueError, match="No intervals"):
        nap.compute_isi_distribution(one)
