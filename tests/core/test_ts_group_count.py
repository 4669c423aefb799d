"""TsGroup.count / trial_count / restrict against brute-force references (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memphys as nap
from memphys.core._ts_group_ops import bin_edges, count_bins

# a unit with a single spike has a zero-length default support (pynapple warns too)
pytestmark = pytest.mark.filterwarnings("ignore:Some epochs have no duration")


def reference_count(trains, starts, ends, bin_size):
    """pynapple's binning, one bin at a time: edges are a running sum rounded to 9 decimals,
    bins are made while their center is in the epoch (at most ceil((e + b - s) / b))."""
    centers, rows = [], []
    for s, e in zip(starts, ends, strict=True):
        if bin_size is None:
            centers.append(s + (e - s) / 2)
            rows.append([int(np.sum((t >= s) & (t <= e))) for t in trains])
            continue
        cap = int(np.ceil((e + bin_size - s) / bin_size)) if (e - s) > bin_size else 1
        lower = s
        for _ in range(cap):
            if lower + bin_size / 2 > e:
                break
            upper = np.round(lower + bin_size, 9)
            centers.append(lower + bin_size / 2)
            rows.append(
                [int(np.sum((t >= lower) & (t < upper) & (t >= s) & (t <= e))) for t in trains]
            )
            lower = upper
    return np.array(centers), np.array(rows, dtype=np.int64).reshape(len(centers), len(trains))


@st.composite
def trains_and_epochs(draw):
    grid = st.integers(0, 400).map(lambda i: i * 0.05)  # times on bin edges often
    jitter = st.floats(0, 20, allow_nan=False).map(lambda x: round(x, 6))
    n_units = draw(st.integers(1, 4))
    trains = []
    for _ in range(n_units):
        t = draw(st.lists(st.one_of(grid, jitter), min_size=0, max_size=40))
        trains.append(np.sort(np.array(t, dtype=np.float64)))
    bounds = draw(st.lists(st.integers(0, 420), min_size=2, max_size=12, unique=True))
    bounds = np.sort(np.array(bounds, dtype=np.float64)) * 0.05
    if len(bounds) % 2:
        bounds = bounds[:-1]
    starts, ends = bounds[0::2], bounds[1::2]
    return trains, starts, ends


bin_sizes = st.one_of(
    st.none(),
    st.sampled_from([0.05, 0.1, 0.25, 0.3, 1.0, 1 / 3, 2.5, 7.0]),
    st.floats(0.01, 5.0),
)


def make_group(trains):
    units = {i: nap.Ts(t=t) for i, t in enumerate(trains)}
    return nap.TsGroup(units, time_support=nap.IntervalSet(0, 25), bypass_check=True)


@settings(max_examples=300, deadline=None)
@given(trains_and_epochs(), bin_sizes)
def test_count_matches_reference(data, bin_size):
    trains, starts, ends = data
    group = make_group(trains)
    ep = nap.IntervalSet(starts, ends)
    counts = group.count(bin_size, ep=ep)
    ref_t, ref_d = reference_count(trains, starts, ends, bin_size)
    np.testing.assert_allclose(counts.t, ref_t, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(counts.values, ref_d)


@settings(max_examples=200, deadline=None)
@given(trains_and_epochs())
def test_restrict_matches_per_unit_restrict(data):
    trains, starts, ends = data
    group = make_group(trains)
    ep = nap.IntervalSet(starts, ends)
    r = group.restrict(ep)
    for k, t in enumerate(trains):
        inside = np.zeros(t.size, dtype=bool)
        for s, e in zip(starts, ends, strict=True):
            inside |= (t >= s) & (t <= e)
        np.testing.assert_array_equal(r[k].t, t[inside])
        np.testing.assert_array_equal(r[k].t, group[k].restrict(ep).t)
        assert r.rates[k] == pytest.approx(inside.sum() / np.sum(ends - starts))


@settings(max_examples=100, deadline=None)
@given(trains_and_epochs(), st.sampled_from([0.1, 0.3, 1.0]), st.sampled_from(["start", "end"]))
def test_trial_count_matches_count_per_trial(data, bin_size, align):
    trains, starts, ends = data
    group = make_group(trains)
    ep = nap.IntervalSet(starts, ends)
    tensor = group.trial_count(ep, bin_size, align=align, padding_value=-1)
    per_trial = [
        reference_count(trains, [s], [e], bin_size)[1] for s, e in zip(starts, ends, strict=True)
    ]
    width = max(len(c) for c in per_trial)
    assert tensor.shape == (len(trains), len(ep), width)
    for i, c in enumerate(per_trial):
        row = tensor[:, i, :]
        n = len(c)
        got = row[:, :n] if align == "start" else row[:, width - n :]
        pad = row[:, n:] if align == "start" else row[:, : width - n]
        np.testing.assert_array_equal(got, c.T)
        assert np.all(pad == -1)


def test_count_units_dtype_metadata_and_errors():
    group = nap.TsGroup(
        {0: nap.Ts(t=np.arange(0, 100.0)), 3: nap.Ts(t=np.arange(0, 100.0, 0.5))},
        metadata={"label": ["a", "b"]},
        time_support=nap.IntervalSet(0, 10),
    )
    for b, units in ((1, "s"), (1e3, "ms"), (1e6, "us")):
        c = group.count(b, time_units=units)
        np.testing.assert_array_equal(c.values[:-1], np.tile([1, 2], (9, 1)))
    c = group.count(1.0, dtype=np.int16)
    assert c.dtype == np.int16
    assert list(c.columns) == [0, 3]
    assert c.get_info("label").tolist() == ["a", "b"]
    with pytest.raises(TypeError, match="bin_size"):
        group.count(bin_size="1")
    with pytest.raises(ValueError, match="time_units"):
        group.count(1, time_units="h")
    with pytest.raises(TypeError, match="ep argument"):
        group.count(1, ep=[0, 1])
    with pytest.raises(ValueError, match="not a valid numpy dtype"):
        group.count(1, dtype=1)
    for bad in (0, -1.0, float("nan"), 1e-12):
        with pytest.raises(ValueError, match="bin_size"):
            group.count(bad)


def test_trial_count_errors():
    group = nap.TsGroup({0: nap.Ts(t=np.arange(10.0))})
    ep = nap.IntervalSet(0, 5)
    with pytest.raises(RuntimeError, match="Argument ep should be of type IntervalSet"):
        group.trial_count([], 1)
    with pytest.raises(RuntimeError, match="bin_size should be of type int or float"):
        group.trial_count(ep, "a")
    with pytest.raises(RuntimeError, match="align should be 'start' or 'end'"):
        group.trial_count(ep, 1, align="middle")
    with pytest.raises(RuntimeError, match="time_unit should be"):
        group.trial_count(ep, 1, time_unit=1)


def test_bins_never_cross_into_the_next_epoch():
    # the last bin of [0, 1.6] is [1, 2), past the start of [1.8, 3]; 1.7 is in no epoch,
    # 2.9 is after the last bin of [1.8, 3] (centers must be inside the epoch)
    t = np.array([1.0, 1.2, 1.6, 1.7, 1.8, 1.9, 2.6, 2.9])
    centers, counts, n_bins = count_bins([t], np.array([0.0, 1.8]), np.array([1.6, 3.0]), 1.0)
    np.testing.assert_allclose(centers, [0.5, 1.5, 2.3])
    np.testing.assert_array_equal(counts[:, 0], [0, 3, 3])
    np.testing.assert_array_equal(n_bins, [2, 1])
    np.testing.assert_array_equal(
        reference_count([t], [0.0, 1.8], [1.6, 3.0], 1.0)[1][:, 0], [0, 3, 3]
    )


def test_epoch_shorter_than_half_a_bin_has_no_bin():
    centers, _lower, n_bins, _first = bin_edges(np.array([0.0, 5.0]), np.array([0.4, 9.0]), 1.0)
    np.testing.assert_array_equal(n_bins, [0, 4])
    np.testing.assert_allclose(centers, [5.5, 6.5, 7.5, 8.5])


def test_count_many_units_and_epochs_is_fast():
    rng = np.random.default_rng(0)
    units = {i: nap.Ts(t=np.sort(rng.uniform(0, 1000, 5000))) for i in range(200)}
    group = nap.TsGroup(units, time_support=nap.IntervalSet(0, 1000))
    ep = nap.IntervalSet(np.arange(0, 1000, 1.0), np.arange(0, 1000, 1.0) + 0.5)
    import time

    t0 = time.perf_counter()
    counts = group.count(0.01, ep=ep)
    sub = group.restrict(ep)
    elapsed = time.perf_counter() - t0
    assert counts.shape == (50 * 1000, 200)
    assert counts.values.sum() == sum(len(u) for u in sub.values())
    assert elapsed < 5.0
