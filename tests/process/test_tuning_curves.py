"""Tuning curves, mutual information and responses per epoch against per-bin references."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

import memphys as nap
from memphys.arrays import LazyArray, NumpyArray
from memphys.errors import MemphysTypeError, MemphysValueError

# A Ts of one timestamp spans no time: its support is dropped with pynapple's warning
# "Some epochs have no duration" (tested in tests/core/test_ts.py); here such a Ts (an
# event, a unit with one spike) is incidental.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Some epochs have no duration:memphys.errors.IntervalSetWarning"
)


class RangeSpy(LazyArray):
    """A lazy source recording every contiguous read (start, stop)."""

    kind = "test.tuning_spy"

    def __init__(self, data: np.ndarray) -> None:
        self._inner = NumpyArray(data)
        self.shape = self._inner.shape
        self.dtype = self._inner.dtype
        self.reads: list[tuple[int, int]] = []

    def _read(self, start: int, stop: int, channels: Any) -> np.ndarray:
        self.reads.append((start, stop))
        return np.array(self._inner._read(start, stop, channels))

    def recipe(self) -> dict[str, Any]:
        raise NotImplementedError

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> RangeSpy:
        raise NotImplementedError


def reference_spike_tc(group, feature_values, t, edges, epochs, fs):
    """Per-unit, per-bin loop: spikes in epochs, feature at the closest sample in the epoch."""
    shape = tuple(len(e) - 1 for e in edges)
    occ = np.zeros(shape)
    counts = np.zeros((len(group), *shape))

    def cell(v):
        idx = []
        for d, e in enumerate(edges):
            x = v[d]
            if not (e[0] <= x <= e[-1]):
                return None
            i = np.searchsorted(e, x, side="right") - 1
            idx.append(min(i, len(e) - 2))
        return tuple(idx)

    for s, e in epochs.values:
        inside = np.flatnonzero((t >= s) & (t <= e))
        for r in inside:
            c = cell(feature_values[r])
            if c is not None:
                occ[c] += 1
        for u, k in enumerate(group.keys()):
            for spike in group[k].t:
                if s <= spike <= e and inside.size:
                    r = inside[np.argmin(np.abs(t[inside] - spike))]
                    c = cell(feature_values[r])
                    if c is not None:
                        counts[(u, *c)] += 1
    with np.errstate(divide="ignore", invalid="ignore"):
        return counts / occ * fs, occ


@settings(max_examples=25, deadline=None)
@given(
    n_features=st.sampled_from([1, 2]),
    bins=st.integers(1, 6),
    seed=st.integers(0, 10_000),
    use_epochs=st.booleans(),
)
def test_spike_tuning_curves_match_a_loop(n_features, bins, seed, use_epochs):
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 20.0, 0.25)
    values = rng.uniform(0, 4, (t.size, n_features)).round(1)
    features = nap.TsdFrame(t=t, d=values)
    group = nap.TsGroup(
        {k: nap.Ts(np.sort(rng.uniform(0, 20, rng.integers(0, 30)))) for k in (1, 4)},
        time_support=nap.IntervalSet(0, 20),
    )
    epochs = nap.IntervalSet([1.0, 9.3], [6.2, 15.0]) if use_epochs else None
    tcs = nap.compute_tuning_curves(group, features, bins=bins, epochs=epochs)
    ep = features.time_support if epochs is None else epochs
    edges = tcs.attrs["bin_edges"]
    kept = np.concatenate([values[(t >= s) & (t <= e)] for s, e in ep.values])
    for d in range(n_features):
        np.testing.assert_array_equal(edges[d], np.histogramdd(kept, bins=bins)[1][d])
    expected, occ = reference_spike_tc(group, values, t, edges, ep, tcs.attrs["fs"])
    np.testing.assert_array_equal(tcs.attrs["occupancy"], occ)
    np.testing.assert_allclose(tcs.values, expected, equal_nan=True)
    assert tcs.attrs["fs"] == pytest.approx(4.0)
    np.testing.assert_allclose(tcs.attrs["rates"], group.restrict(ep).rates)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), bins=st.integers(1, 5))
def test_continuous_tuning_curves_are_bin_means(seed, bins):
    rng = np.random.default_rng(seed)
    t = np.arange(0.0, 10.0, 0.1)
    feature = nap.Tsd(t=t, d=rng.uniform(0, 1, t.size))
    frame = nap.TsdFrame(t=t, d=rng.normal(size=(t.size, 3)), columns=["a", "b", "c"])
    tcs = nap.compute_tuning_curves(frame, feature, bins=bins)
    edges = tcs.attrs["bin_edges"][0]
    cell = np.clip(np.searchsorted(edges, feature.values, side="right") - 1, 0, bins - 1)
    for b in range(bins):
        sel = cell == b
        if sel.any():
            np.testing.assert_allclose(tcs.values[:, b], frame.values[sel].mean(axis=0))
        else:
            assert np.isnan(tcs.values[:, b]).all()
    assert list(tcs.coords["unit"].values) == ["a", "b", "c"]
    assert "rates" not in tcs.attrs


def lazy_setup():
    rng = np.random.default_rng(0)
    t = np.arange(0.0, 200.0, 0.01)
    xy = np.stack([t % 10, (t * 0.37) % 7], axis=1)
    spy = RangeSpy(xy)
    lazy = nap.TsdFrame(t=t, d=spy, load_array=False, columns=["x", "y"])
    eager = nap.TsdFrame(t=t, d=xy, columns=["x", "y"])
    group = nap.TsGroup(
        {k: nap.Ts(np.sort(rng.uniform(0, 200, 2000))) for k in range(3)},
        time_support=nap.IntervalSet(0, 200),
    )
    return t, spy, lazy, eager, group


@pytest.mark.parametrize("explicit_range", [False, True])
def test_lazy_feature_reads_only_the_epochs_rows(explicit_range):
    t, spy, lazy, eager, group = lazy_setup()
    epochs = nap.IntervalSet([20.0, 120.0], [30.0, 135.0])
    kwargs: dict[str, Any] = {"bins": [5, 4], "epochs": epochs}
    if explicit_range:
        kwargs["range"] = [(0, 10), (0, 7)]
    got = nap.compute_tuning_curves(group, lazy, **kwargs)
    ref = nap.compute_tuning_curves(group, eager, **kwargs)
    xr.testing.assert_identical(got.drop_attrs(), ref.drop_attrs())
    np.testing.assert_array_equal(got.attrs["occupancy"], ref.attrs["occupancy"])
    rows = [
        (int(np.searchsorted(t, s, "left")), int(np.searchsorted(t, e, "right")))
        for s, e in epochs.values
    ]
    assert spy.reads
    for a, b in spy.reads:
        assert any(r0 <= a and b <= r1 for r0, r1 in rows), (a, b)
    n_rows = sum(r1 - r0 for r0, r1 in rows)
    passes = 2 if explicit_range else 3  # min/max, occupancy, values at spikes
    assert sum(b - a for a, b in spy.reads) <= passes * n_rows
    assert n_rows < t.size / 5


def test_lazy_feature_with_continuous_data_and_no_array_conversion(monkeypatch):
    t, _spy, lazy, eager, _ = lazy_setup()
    frame = nap.TsdFrame(t=t[::10], d=np.arange(t[::10].size * 2.0).reshape(-1, 2))
    epochs = nap.IntervalSet([50.0], [60.0])

    def no_asarray(*args, **kwargs):
        raise AssertionError("the whole lazy feature was converted")

    monkeypatch.setattr(RangeSpy, "__array__", no_asarray, raising=False)
    got = nap.compute_tuning_curves(frame, lazy, bins=3, epochs=epochs)
    ref = nap.compute_tuning_curves(frame, eager, bins=3, epochs=epochs)
    np.testing.assert_allclose(got.values, ref.values, equal_nan=True)


def test_ts_input_matches_a_group_and_counts():
    _t, _, _, eager, group = lazy_setup()
    one = nap.compute_tuning_curves(group[0], eager, bins=4)
    grp = nap.compute_tuning_curves(group[[0]], eager, bins=4)
    np.testing.assert_array_equal(one.values, grp.values)
    assert list(one.coords["unit"].values) == [0]
    counts = nap.compute_tuning_curves(group, eager, bins=4, return_counts=True)
    assert counts.values.sum() == sum(len(group[k]) for k in group)
    rates = nap.compute_tuning_curves(group, eager, bins=4)
    np.testing.assert_allclose(rates.values, counts.values / counts.attrs["occupancy"] * 100.0)


def test_tsd_entries_warn_and_pandas_output():
    t = np.arange(0.0, 10.0, 0.1)
    feature = nap.Tsd(t=t, d=t % 1)
    group = nap.TsGroup({0: nap.Ts(t[::3]), 7: nap.Tsd(t=t[::2], d=t[::2])})
    with pytest.warns(UserWarning, match="TsGroup entry 7 was not a Ts"):
        df = nap.compute_tuning_curves(group, feature, bins=5, return_pandas=True)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == [0, 7]


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"data": [1]}, MemphysTypeError, "data should be a TsdFrame, TsGroup, Ts, or Tsd."),
        ({"features": [1]}, MemphysTypeError, "features should be a Tsd or TsdFrame."),
        ({"epochs": [0, 1]}, MemphysTypeError, "epochs should be an IntervalSet."),
        ({"fs": "a"}, MemphysTypeError, "fs should be a number"),
        ({"feature_names": "x"}, MemphysTypeError, "feature_names should be a list of strings."),
        ({"feature_names": ["x"]}, MemphysValueError, "feature_names should match"),
        ({"bins": [3]}, MemphysValueError, r"one specification per feature \(expected 2"),
        ({"range": (0, 1)}, MemphysValueError, "range should be a sequence of tuples"),
        ({"return_pandas": "a"}, MemphysTypeError, "return_pandas should be a boolean."),
        ({"return_counts": 2}, MemphysTypeError, "return_counts should be a boolean."),
        ({"bins": [0, 3]}, MemphysValueError, r"`bins\[0\]` must be positive"),
        ({"bins": [[2, 1], 3]}, MemphysValueError, "monotonically increasing"),
        ({"range": [(1, 0), None]}, MemphysValueError, "max must be larger than min"),
    ],
)
def test_errors(kwargs, exc, match):
    _, _, _, eager, group = lazy_setup()
    args: dict[str, Any] = {"data": group, "features": eager, **kwargs}
    with pytest.raises(exc, match=match):
        nap.compute_tuning_curves(**args)


def test_nan_feature_without_range_is_an_error():
    t = np.arange(10.0)
    feature = nap.Tsd(t=t, d=np.where(t == 3, np.nan, t))
    with pytest.raises(MemphysValueError, match="autodetected range of \\[nan, nan\\]"):
        nap.compute_tuning_curves(nap.Ts(t), feature, bins=2)
    tcs = nap.compute_tuning_curves(nap.Ts(t), feature, bins=2, range=(0, 10))
    assert tcs.attrs["occupancy"].sum() == 9


def test_response_per_epoch():
    rng = np.random.default_rng(5)
    group = nap.TsGroup({k: nap.Ts(np.sort(rng.uniform(0, 100, 500))) for k in (3, 8)})
    eps = {"a": nap.IntervalSet([0, 50], [10, 70]), "b": nap.IntervalSet(20, 40)}
    out = nap.compute_response_per_epoch(group, eps)
    assert out.dims == ("unit", "epochs")
    for j, ep in enumerate(eps.values()):
        for i, k in enumerate((3, 8)):
            n = sum(((group[k].t >= s) & (group[k].t <= e)).sum() for s, e in ep.values)
            assert out.values[i, j] == pytest.approx(n / ep.tot_length())
    frame = nap.TsdFrame(t=np.arange(100.0), d=rng.normal(size=(100, 2)))
    means = nap.compute_response_per_epoch(frame, eps, return_pandas=True)
    np.testing.assert_allclose(means.loc["b"].values, frame.values[20:41].mean(axis=0))
    tsd = nap.compute_response_per_epoch(frame[:, 0], eps)
    np.testing.assert_allclose(tsd.values[0], means.values[:, 0])
    with pytest.raises(MemphysTypeError, match="epochs_dict should be a dictionary"):
        nap.compute_response_per_epoch(group, {})
    with pytest.raises(MemphysTypeError, match="data should be"):
        nap.compute_response_per_epoch("x", eps)


def test_response_per_epoch_lazy_frame_in_blocks():
    rng = np.random.default_rng(6)
    d = rng.normal(size=(1000, 2))
    lazy = nap.TsdFrame(t=np.arange(1000.0), d=RangeSpy(d), load_array=False)
    eps = {"a": nap.IntervalSet([100, 500], [200, 700])}
    with nap.config_context(memory_budget=1000):
        out = nap.compute_response_per_epoch(lazy, eps)
    expected = np.concatenate([d[100:201], d[500:701]]).mean(axis=0)
    np.testing.assert_allclose(out.values[:, 0], expected)


def test_mutual_information_matches_the_formula():
    rng = np.random.default_rng(2)
    tc = rng.uniform(0, 5, (3, 4, 2))
    tc[0, 1, 1] = 0.0
    occ = rng.uniform(1, 10, (4, 2))
    rates = np.array([1.0, 2.0, 3.0])
    da = xr.DataArray(
        tc,
        dims=["unit", "x", "y"],
        coords={"unit": [1, 2, 3]},
        attrs={"occupancy": occ, "rates": rates},
    )
    mi = nap.compute_mutual_information(da)
    p = occ / occ.sum()
    for i in range(3):
        f = tc[i]
        with np.errstate(divide="ignore"):
            lg = np.where(f > 0, np.log2(f / rates[i]), 0.0)
        bits = (p * f * lg).sum()
        assert mi.iloc[i]["bits/sec"] == pytest.approx(bits)
        assert mi.iloc[i]["bits/spike"] == pytest.approx(bits / rates[i])
    del da.attrs["rates"]
    with pytest.warns(UserWarning, match="Estimating mean firing rates"):
        est = nap.compute_mutual_information(da)
    assert np.isfinite(est.values).all()
    with pytest.raises(MemphysValueError, match="dimension of rates"):
        nap.compute_mutual_information(da, rates=[1.0])
    with pytest.raises(MemphysTypeError, match="rates should be a list or array"):
        nap.compute_mutual_information(da, rates=(1, 2, 3))
    with pytest.raises(MemphysValueError, match="No occupancy"):
        nap.compute_mutual_information(xr.DataArray(tc, dims=["unit", "x", "y"]))


def test_legacy_wrappers_warn_and_agree():
    t = np.arange(0.0, 100.0, 0.5)
    feature = nap.Tsd(t=t, d=t % 10)
    xy = nap.TsdFrame(t=t, d=np.stack([t % 10, t % 4], axis=1))
    group = nap.TsGroup({0: nap.Ts(np.arange(0.0, 100.0, 1.3)), 2: nap.Ts(np.arange(0.0, 100.0))})
    with pytest.warns(FutureWarning, match="compute_1d_tuning_curves is deprecated"):
        df = nap.compute_1d_tuning_curves(group, feature, 5, minmax=(0, 10))
    new = nap.compute_tuning_curves(group, feature, 5, range=[(0, 10)])
    np.testing.assert_allclose(df.values, new.values.T)
    with pytest.warns(FutureWarning, match="compute_2d_tuning_curves is deprecated"):
        tcs, centres = nap.compute_2d_tuning_curves(group, xy, 3)
    np.testing.assert_allclose(tcs[2], nap.compute_tuning_curves(group, xy, 3).sel(unit=2))
    assert len(centres) == 2
    with pytest.raises(MemphysTypeError, match="group should be a TsGroup"):
        nap.compute_1d_tuning_curves([1], feature, 5)
    with pytest.raises(MemphysTypeError, match="ep should be an IntervalSet"):
        nap.compute_1d_tuning_curves(group, feature, 5, ep=None)
    with pytest.raises(MemphysValueError, match="features should have 2 columns only"):
        nap.compute_2d_tuning_curves(group, nap.TsdFrame(t=t, d=np.zeros((t.size, 3))), 2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with pytest.warns(UserWarning, match="Estimating mean firing rates"):  # as pynapple
            si = nap.compute_1d_mutual_info(df, feature, minmax=(0, 10), bitssec=True)
        disc = nap.compute_discrete_tuning_curves(group, {"a": nap.IntervalSet(0, 10)})
    expected = nap.compute_mutual_information(
        new.assign_attrs(rates=None), rates=list(np.nansum(new.values * 0.2, axis=1))
    )
    np.testing.assert_allclose(si["SI"].values, expected["bits/sec"].values)
    assert disc.loc["a", 2] == pytest.approx(11 / 10)
