"""threshold, to_tsgroup, find_peaks."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.signal import find_peaks
from tests.core._tsd_helpers import SpyArray

import memphys as nap


def _ref_threshold(t, d, thr):
    """Runs above thr in one epoch: start/end at the midpoint of crossings, at the edges
    on the first/last sample."""
    m = d > thr
    starts, ends = [], []
    for i in range(len(t)):
        if m[i] and (i == 0 or not m[i - 1]):
            starts.append(t[i] if i == 0 else t[i] - (t[i] - t[i - 1]) / 2)
        if i > 0 and m[i - 1] and not m[i]:
            ends.append(t[i] - (t[i] - t[i - 1]) / 2)
    if len(t) and m[-1]:
        ends.append(t[-1])
    return t[m], d[m], np.array(starts), np.array(ends)


class TestThreshold:
    @settings(max_examples=30, deadline=None)
    @given(seed=st.integers(0, 2**16), chunk=st.integers(1, 60))
    def test_chunked_equals_reference(self, seed, chunk):
        rng = np.random.default_rng(seed)
        d = rng.normal(size=300)
        t = np.cumsum(rng.uniform(0.5, 1.5, 300))
        x = nap.Tsd(t=t, d=SpyArray(d))
        got = x.threshold(0.3, chunk_size=chunk)
        _tt, _dd, s, e = _ref_threshold(t, d, 0.3)
        keep = s < e  # single-sample runs at the edges have no duration (dropped)
        np.testing.assert_array_equal(got.time_support.start, s[keep])
        np.testing.assert_array_equal(got.time_support.end, e[keep])
        mem = nap.Tsd(t=t, d=d).threshold(0.3)
        np.testing.assert_array_equal(got.t, mem.t)
        np.testing.assert_array_equal(got.values, mem.values)

    def test_methods_and_epochs(self):
        tsd = nap.Tsd(t=np.arange(100.0), d=np.arange(100.0))
        assert tsd.threshold(50).time_support.values.tolist() == [[50.5, 99.0]]
        assert tsd.threshold(50, "below").time_support.values.tolist() == [[0.0, 49.5]]
        assert tsd.threshold(50, "aboveequal").t[0] == 50
        assert tsd.threshold(50, "belowequal").t[-1] == 50
        two = nap.Tsd(
            t=np.arange(100.0),
            d=np.arange(100.0) % 50,
            time_support=nap.IntervalSet([0, 50], [45, 99]),
        )
        ts = two.threshold(40, chunk_size=7, n_jobs=2, pool_engine="thread").time_support
        assert ts.values.tolist() == [[40.5, 45.0], [90.5, 99.0]]
        with pytest.raises(ValueError, match="thresholding"):
            tsd.threshold(1, method="sideways")


def test_to_tsgroup():
    t = np.arange(6.0)
    g = nap.Tsd(t=t, d=np.array([0, 2, 0, 1, 2, 2])).to_tsgroup()
    assert g.keys() == [0, 1, 2]
    np.testing.assert_array_equal(g[2].t, [1, 4, 5])
    back = g.to_tsd()
    np.testing.assert_array_equal(back.values, [0, 2, 0, 1, 2, 2])


def test_find_peaks_tsd_and_frame():
    times = np.arange(0, 20, 0.05)
    d = np.stack([np.sin(times), np.cos(times)], 1)
    frame = nap.TsdFrame(t=times, d=SpyArray(d))
    ep = nap.IntervalSet(0, 15)
    g = frame.find_peaks(ep, width=3)
    for i in range(2):
        sel = times <= 15
        p, _ = find_peaks(d[sel, i], width=3)
        np.testing.assert_array_equal(g[i].t, times[sel][p])
    tsd = nap.Tsd(t=times, d=d[:, 0])
    props = tsd.find_peaks(return_prop=True, height=0.5)
    assert list(props.columns[:2]) == ["peak_value", "peak_heights"]
    with pytest.raises(TypeError, match="epochs"):
        tsd.find_peaks(epochs=[0, 1])
    with pytest.raises(TypeError, match="return_prop"):
        tsd.find_peaks(return_prop="yes")
