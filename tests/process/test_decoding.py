"""Bayesian and template decoding against direct (tiled, nansum) computations."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.spatial.distance import cdist

import memphys as nap
from memphys.errors import MemphysRuntimeError, MemphysTypeError, MemphysValueError
from memphys.process import decoding


def tiled_posterior(counts, rates, bin_size, prior):
    """The posterior written out term by term: a (time, bins, units) array and nansum."""
    terms = counts[:, None, :] * np.log(rates[None, :, :] + 1e-12) - bin_size * rates[None]
    ll = np.nansum(terms, axis=-1) + np.log(prior)
    post = np.exp(ll - ll.max(axis=1, keepdims=True))
    return post / post.sum(axis=1, keepdims=True)


def make_tcs(rng, n_units, shape, nan_frac=0.0):
    values = rng.uniform(0, 8, (n_units, *shape))
    values[rng.random(values.shape) < nan_frac] = np.nan
    coords = {"unit": np.arange(n_units) * 2}
    dims = ["unit"]
    for d, n in enumerate(shape):
        coords[f"f{d}"] = np.arange(n) + 0.5
        dims.append(f"f{d}")
    occupancy = rng.uniform(1, 5, shape)
    return xr.DataArray(values, coords=coords, dims=dims, attrs={"occupancy": occupancy})


@settings(max_examples=30, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    shape=st.sampled_from([(3,), (2, 3), (2, 2, 2)]),
    nan_frac=st.sampled_from([0.0, 0.2]),
    nan_counts=st.booleans(),
    uniform_prior=st.booleans(),
    block=st.sampled_from([1, 7, 1 << 22]),
)
def test_posterior_matches_the_tiled_formula(
    seed, shape, nan_frac, nan_counts, uniform_prior, block
):
    rng = np.random.default_rng(seed)
    tcs = make_tcs(rng, 4, shape, nan_frac)
    t = np.arange(30) + 0.5
    counts = rng.poisson(1.5, (30, 4)).astype(float)
    if nan_counts:
        counts[rng.random(counts.shape) < 0.1] = np.nan
    data = nap.TsdFrame(t=t, d=counts, columns=tcs.coords["unit"].values)
    epochs = nap.IntervalSet(0, 30)
    old = decoding._BLOCK_VALUES
    decoding._BLOCK_VALUES = block
    try:
        decoded, proba = nap.decode_bayes(tcs, data, epochs, 1.0, uniform_prior=uniform_prior)
    finally:
        decoding._BLOCK_VALUES = old
    rates = tcs.values.reshape(4, -1).T
    prior = np.ones(rates.shape[0]) if uniform_prior else tcs.attrs["occupancy"].ravel()
    expected = tiled_posterior(counts, rates, 1.0, prior / prior.sum())
    np.testing.assert_allclose(proba.values.reshape(30, -1), expected, rtol=1e-9, atol=1e-300)
    best = np.unravel_index(expected.argmax(axis=1), shape)
    if len(shape) == 1:
        np.testing.assert_array_equal(decoded.values, tcs.coords["f0"].values[best[0]])
        assert isinstance(proba, nap.TsdFrame)
    else:
        for d in range(len(shape)):
            np.testing.assert_array_equal(decoded.values[:, d], tcs.coords[f"f{d}"].values[best[d]])
        assert list(decoded.columns) == [f"f{d}" for d in range(len(shape))]
        assert isinstance(proba, nap.TsdTensor)


def spikes_and_tcs():
    t = np.arange(0.0, 40.0)
    feature = nap.Tsd(t=t, d=(t // 10) % 2)
    group = nap.TsGroup(
        {0: nap.Ts(t[feature.values == 0] + 0.5), 1: nap.Ts(t[feature.values == 1] + 0.5)}
    )
    tcs = nap.compute_tuning_curves(group, feature, bins=2, range=(-0.5, 1.5))
    return feature, group, tcs, nap.IntervalSet(0, 40)


def test_decode_spikes_and_sliding_window():
    feature, group, tcs, ep = spikes_and_tcs()
    decoded, _proba = nap.decode_bayes(tcs, group, ep, 1.0)
    np.testing.assert_array_equal(decoded.values, feature.values)
    counts = group.count(1.0, ep)
    smooth, _ = nap.decode_bayes(tcs, group, ep, 1.0, sliding_window_size=3)
    summed = counts.convolve(np.ones(3), ep=ep)
    expected = tiled_posterior(summed.values, tcs.values.T, 3.0, np.ones(2) / 2)
    np.testing.assert_allclose(
        nap.decode_bayes(tcs, group, ep, 1.0, sliding_window_size=3)[1].values, expected
    )
    assert len(smooth) == len(counts)


def test_template_matches_cdist_argmin():
    rng = np.random.default_rng(4)
    tcs = make_tcs(rng, 3, (2, 3))
    counts = rng.poisson(3, (20, 3)).astype(float)
    data = nap.TsdFrame(t=np.arange(20.0), d=counts, columns=tcs.coords["unit"].values)
    for metric in ("euclidean", "correlation", lambda u, v: float(np.abs(u - v).sum())):
        decoded, dist = nap.decode_template(tcs, data, nap.IntervalSet(0, 20), 1.0, metric)
        expected = cdist(counts, tcs.values.reshape(3, -1).T, metric=metric)
        np.testing.assert_allclose(dist.values.reshape(20, -1), expected)
        best = np.unravel_index(expected.argmin(axis=1), (2, 3))
        np.testing.assert_array_equal(decoded.values[:, 1], tcs.coords["f1"].values[best[1]])


def test_all_nan_rows_decode_to_nan():
    tcs = make_tcs(np.random.default_rng(0), 2, (3,))
    data = nap.TsdFrame(
        t=np.arange(3.0),
        d=np.array([[1, 0], [np.nan, np.nan], [0, 2.0]]),
        columns=tcs.coords["unit"].values,
    )
    decoded, _dist = nap.decode_template(tcs, data, nap.IntervalSet(0, 3), 1.0, "euclidean")
    assert np.isnan(decoded.values[1])
    assert not np.isnan(decoded.values[[0, 2]]).any()


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"tuning_curves": np.zeros((2, 2))}, MemphysTypeError, "tuning_curves should be an"),
        ({"data": [1]}, MemphysTypeError, "Unknown format for data."),
        ({"bin_size": "a", "frame": True}, MemphysValueError, "bin_size should be a number."),
        ({"sliding_window_size": 1.5}, MemphysValueError, "should be a integer."),
        ({"sliding_window_size": 0}, MemphysValueError, "should be >= 1."),
        ({"drop_unit": True}, MemphysValueError, "Different shapes"),
        ({"rename": True}, MemphysValueError, "Different indices"),
        ({"uniform_prior": False, "no_occ": True}, MemphysValueError, "no occupancy found"),
    ],
)
def test_errors(kwargs, exc, match):
    _, group, tcs, ep = spikes_and_tcs()
    data = group.count(1.0, ep) if kwargs.pop("frame", False) else group
    if kwargs.pop("drop_unit", False):
        data = group[[0]]
    if kwargs.pop("rename", False):
        tcs = tcs.assign_coords(unit=[5, 6])
    if kwargs.pop("no_occ", False):
        tcs.attrs.pop("occupancy")
    args = {"tuning_curves": tcs, "data": data, "epochs": ep, "bin_size": 1.0, **kwargs}
    with pytest.raises(exc, match=match):
        nap.decode_bayes(**args)


def test_bin_size_mismatch_warns():
    _, group, tcs, ep = spikes_and_tcs()
    with pytest.warns(UserWarning, match="passed bin_size is different"):
        nap.decode_bayes(tcs, group.count(1.0, ep), ep, 2.0)


def test_legacy_decoders():
    feature, group, tcs, ep = spikes_and_tcs()
    df = tcs.to_pandas().T
    with pytest.warns(FutureWarning, match="decode_1d is deprecated"):
        decoded, _proba = nap.decode_1d(df, group, ep, 1.0)
    np.testing.assert_array_equal(decoded.values, feature.values)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        with_prior, _ = nap.decode_1d(df, dict(group), ep, 1000.0, "ms", feature=feature)
        np.testing.assert_array_equal(with_prior.values, feature.values)
        with pytest.raises(MemphysRuntimeError, match="Unknown format for feature in decode_1d"):
            nap.decode_1d(df, group, ep, 1.0, feature=[1, 2])
        xy = nap.TsdFrame(t=feature.t, d=np.stack([feature.values, feature.values], axis=1))
        tc2, centres = nap.compute_2d_tuning_curves(group, xy, 2, minmax=(-0.5, 1.5, -0.5, 1.5))
        dec2, p2 = nap.decode_2d(tc2, group, ep, 1.0, centres, features=xy)
    np.testing.assert_array_equal(dec2.values[:, 0], feature.values)
    assert isinstance(p2, nap.TsdTensor)
    assert isinstance(df, pd.DataFrame)
