"""Bayesian and template-matching decoding of n-dimensional features (pynapple's API).

The Poisson log-likelihood of every time bin for every feature bin is a matrix product
(``counts @ log(rates).T - bin_size * rates.sum()``), computed and normalised in
row blocks of 32 MiB, in place, instead of
pynapple's ``(time, feature bins, units)`` tiled array: the same numbers (to float
rounding) in ``O(time x feature bins)`` memory. NaN rates (unvisited feature bins) and NaN
counts drop out of the sum as in pynapple's ``nansum``.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> t = np.arange(100.0)
>>> feature = nap.Tsd(t=t, d=(t >= 50).astype(float))
>>> group = nap.TsGroup({0: nap.Ts(t[:50] + 0.2), 1: nap.Ts(t[50:] + 0.2)})
>>> tcs = nap.compute_tuning_curves(group, feature, bins=2, range=(-0.5, 1.5))
>>> decoded, proba = nap.decode_bayes(tcs, group, nap.IntervalSet(0, 100), bin_size=1.0)
>>> decoded.values[[0, 49, 50, 99]].tolist()
[0.0, 0.0, 1.0, 1.0]
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

from memphys.core.interval_set import IntervalSet
from memphys.core.time_index import TsIndex
from memphys.core.ts_group import TsGroup
from memphys.core.tsd import Tsd
from memphys.core.tsd_frame import TsdFrame
from memphys.core.tsd_tensor import TsdTensor
from memphys.errors import (
    MemphysFutureWarning,
    MemphysRuntimeError,
    MemphysTypeError,
    MemphysUserWarning,
    MemphysValueError,
)

__all__ = ["decode_1d", "decode_2d", "decode_bayes", "decode_template"]

F = TypeVar("F", bound=Callable[..., Any])

#: Values of the posterior computed at once (32 MiB: small blocks make BLAS calls slow).
_BLOCK_VALUES = 1 << 22
_EPS = 1e-12


def _seconds(value: float, time_units: str) -> float:
    return float(TsIndex.format_timestamps(np.array([value], dtype=np.float64), time_units)[0])


def _prepare(func: F) -> F:
    """Validate the tuning curves and the data, bin spikes, and smooth as pynapple does."""
    sig = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import xarray as xr

        bound = sig.bind(*args, **kwargs)
        bound.apply_defaults()
        kw = dict(bound.arguments)
        tcs = kw["tuning_curves"]
        if not isinstance(tcs, xr.DataArray):
            raise MemphysTypeError(
                "tuning_curves should be an xarray.DataArray as computed by compute_tuning_curves."
            )
        data = kw["data"]
        continuous = True
        if isinstance(data, TsdFrame):
            if not isinstance(kw["bin_size"], (int, float)):
                raise MemphysValueError("bin_size should be a number.")
            actual = np.mean(data.time_diff().values)
            if not np.isclose(actual, _seconds(kw["bin_size"], kw["time_units"])):
                warnings.warn(
                    "passed bin_size is different from actual data bin size.",
                    MemphysUserWarning,
                    stacklevel=2,
                )
        elif isinstance(data, TsGroup):
            data = data.count(kw["bin_size"], kw["epochs"], time_units=kw["time_units"])
            continuous = False
        else:
            raise MemphysTypeError("Unknown format for data.")
        if tcs.sizes["unit"] != data.shape[1]:
            raise MemphysValueError("Different shapes for tuning_curves and data.")
        if not np.all(np.asarray(tcs.coords["unit"]) == np.asarray(data.columns)):
            raise MemphysValueError("Different indices for tuning curves and data keys.")
        if "uniform_prior" in kw and not kw["uniform_prior"] and "occupancy" not in tcs.attrs:
            raise MemphysValueError(
                "uniform_prior set to False but no occupancy found in tuning curves."
            )
        window = kw["sliding_window_size"]
        if window is not None:
            if not isinstance(window, int):
                raise MemphysValueError("sliding_window_size should be a integer.")
            if window < 1:
                raise MemphysValueError("sliding_window_size should be >= 1.")
            data = data.convolve(np.ones(window), ep=kw["epochs"])
            if continuous:
                data = data / window
            else:
                kw["bin_size"] = window * kw["bin_size"]
        kw["data"] = data
        return func(**kw)

    return wrapper  # type: ignore[return-value]


def _outputs(
    dist: np.ndarray, tcs: Any, data: Any, epochs: IntervalSet, greater_is_better: bool
) -> tuple[Any, Any]:
    """The decoded feature (best bin's centre, NaN where every bin is NaN) and ``dist``."""
    nan = np.isnan(dist)
    filled = np.where(nan, -np.inf if greater_is_better else np.inf, dist)
    idx = filled.argmax(axis=1) if greater_is_better else filled.argmin(axis=1)
    valid = ~nan.all(axis=1)
    shape = tuple(tcs.shape[1:])
    t = data.index
    dist = dist.reshape(dist.shape[0], *shape)
    if dist.ndim > 2:
        dist_obj: Any = TsdTensor(t=t, d=dist, time_support=epochs)
    else:
        dist_obj = TsdFrame(
            t=t, d=dist, time_support=epochs, columns=tcs.coords[tcs.dims[1]].values
        )
    where = np.unravel_index(idx[valid], shape)
    columns = []
    for i in range(len(shape)):
        col = np.full(idx.size, np.nan)
        col[valid] = np.asarray(tcs.coords[tcs.dims[1 + i]].values)[where[i]]
        columns.append(col)
    if tcs.ndim == 2:
        decoded: Any = Tsd(t=t, d=columns[0], time_support=epochs)
    else:
        decoded = TsdFrame(
            t=t, d=np.stack(columns, axis=1), time_support=epochs, columns=list(tcs.dims[1:])
        )
    return decoded, dist_obj


def _posterior(
    counts: np.ndarray, rates: np.ndarray, bin_size: float, prior: np.ndarray
) -> np.ndarray:
    """Posterior over the feature bins for every row of ``counts`` (Poisson, log space).

    ``rates`` is (bins, units). A (row, unit) term with a NaN count or a (bin, unit) term
    with a non-finite rate is left out of the log-likelihood, as pynapple's ``nansum``
    does. Rows are processed in blocks, in place.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        log_rates = np.log(rates + _EPS)
        log_prior = np.log(prior)
    ok_rate = np.isfinite(log_rates) & np.isfinite(rates)
    log_rates_t = np.ascontiguousarray(np.where(ok_rate, log_rates, 0.0).T)
    rates0_t = np.ascontiguousarray(np.where(ok_rate, rates, 0.0).T)
    constant = log_prior - bin_size * rates0_t.sum(axis=0)
    out = np.empty((counts.shape[0], rates.shape[0]))
    any_nan = bool(np.isnan(counts).any())
    step = max(1, _BLOCK_VALUES // max(rates.shape[0], 1))
    for r0 in range(0, counts.shape[0], step):
        c = counts[r0 : r0 + step]
        block = out[r0 : r0 + step]
        if any_nan:
            ok = ~np.isnan(c)
            np.matmul(np.where(ok, c, 0.0), log_rates_t, out=block)
            block -= bin_size * (ok @ rates0_t)
            block += log_prior
        else:
            np.matmul(c, log_rates_t, out=block)
            block += constant
        with np.errstate(invalid="ignore"):
            block -= block.max(axis=1, keepdims=True)
            np.exp(block, out=block)
            block /= block.sum(axis=1, keepdims=True)
    return out


@_prepare
def decode_bayes(
    tuning_curves: Any,
    data: Any,
    epochs: IntervalSet,
    bin_size: float,
    sliding_window_size: int | None = None,
    time_units: str = "s",
    uniform_prior: bool = True,
) -> tuple[Any, Any]:
    """Bayesian decoding (Zhang et al., 1998) of n-dimensional features from spike counts.

    ``P(x | n) ∝ P(x) ∏_i Poisson(n_i; λ_i(x) τ)`` with ``λ_i`` the tuning curves, ``τ``
    the bin size and ``P(x)`` uniform or the occupancy (``uniform_prior=False``); computed
    in log space and normalised per time bin.

    Parameters
    ----------
    tuning_curves : xarray.DataArray
        As returned by :func:`compute_tuning_curves` (unit first).
    data : TsGroup or TsdFrame
        Spikes (counted in bins of ``bin_size`` over ``epochs``) or counts per bin.
    epochs : IntervalSet
        Epochs to decode.
    bin_size : float
        Bin size in ``time_units``.
    sliding_window_size : int, optional
        Sum the counts over this many bins (a boxcar) first.
    time_units : str
        ``"s"``, ``"ms"`` or ``"us"``.
    uniform_prior : bool
        Uniform prior (default) or the tuning curves' occupancy.

    Returns
    -------
    decoded : Tsd or TsdFrame
        The most probable feature value per time bin (one column per feature).
    proba : TsdFrame or TsdTensor
        The posterior over the feature bins per time bin.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> t = np.arange(10.0)
    >>> group = nap.TsGroup({0: nap.Ts(t[:5] + 0.2), 1: nap.Ts(t[5:] + 0.2)})
    >>> feature = nap.Tsd(t=t, d=(t >= 5).astype(float))
    >>> tcs = nap.compute_tuning_curves(group, feature, bins=2, range=(-0.5, 1.5))
    >>> _, proba = nap.decode_bayes(tcs, group, nap.IntervalSet(0, 10), 1.0)
    >>> proba.values[0].round(3).tolist()
    [1.0, 0.0]
    """
    prior = (
        np.ones(int(np.prod(tuning_curves.shape[1:])))
        if uniform_prior
        else np.asarray(tuning_curves.attrs["occupancy"], dtype=np.float64).ravel()
    )
    prior = prior / prior.sum()
    rates = (
        np.asarray(tuning_curves.values, dtype=np.float64)
        .reshape(tuning_curves.sizes["unit"], -1)
        .T
    )
    counts = np.asarray(data.values, dtype=np.float64)
    post = _posterior(counts, rates, _seconds(bin_size, time_units), prior)
    return _outputs(post, tuning_curves, data, epochs, greater_is_better=True)


@_prepare
def decode_template(
    tuning_curves: Any,
    data: Any,
    epochs: IntervalSet,
    bin_size: float,
    metric: Any = "correlation",
    sliding_window_size: int | None = None,
    time_units: str = "s",
) -> tuple[Any, Any]:
    """Template-matching decoding: the feature bin whose tuning is closest to the activity.

    Distances come from :func:`scipy.spatial.distance.cdist` (any of its metric names, or a
    callable ``metric(u, v) -> float``).

    Parameters
    ----------
    tuning_curves : xarray.DataArray
        As returned by :func:`compute_tuning_curves`.
    data : TsGroup or TsdFrame
        Spikes (counted in bins) or activity per bin.
    epochs : IntervalSet
    bin_size : float
    metric : str or callable
        Default ``"correlation"``.
    sliding_window_size : int, optional
    time_units : str

    Returns
    -------
    decoded : Tsd or TsdFrame
    dist : TsdFrame or TsdTensor
        Distance of each time bin to each feature bin.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> t = np.arange(10.0)
    >>> group = nap.TsGroup({0: nap.Ts(t[:5] + 0.2), 1: nap.Ts(t[5:] + 0.2)})
    >>> feature = nap.Tsd(t=t, d=(t >= 5).astype(float))
    >>> tcs = nap.compute_tuning_curves(group, feature, bins=2, range=(-0.5, 1.5))
    >>> decoded, _ = nap.decode_template(tcs, group, nap.IntervalSet(0, 10), 1.0, "euclidean")
    >>> decoded.values.tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """
    from scipy.spatial.distance import cdist

    tc = np.asarray(tuning_curves.values).reshape(tuning_curves.sizes["unit"], -1)
    dist = cdist(np.asarray(data.values), tc.T, metric=metric)
    return _outputs(dist, tuning_curves, data, epochs, greater_is_better=False)


def _centres_to_edges(centres: np.ndarray) -> np.ndarray:
    # assumes the last two bins have equal widths (as pynapple)
    diff = np.diff(centres)
    edges = centres[:-1] - diff / 2
    return np.hstack((edges, [edges[-1] + diff[-1], edges[-1] + 2 * diff[-1]]))


def decode_1d(
    tuning_curves: Any,
    group: Any,
    ep: IntervalSet,
    bin_size: float,
    time_units: str = "s",
    feature: Any = None,
) -> tuple[Any, Any]:
    """Deprecated (pynapple 0.9.2): use :func:`decode_bayes`.

    ``tuning_curves`` is a DataFrame (bin centres x units); ``feature`` (a Tsd), when
    given, gives the occupancy prior.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> import pandas as pd
    >>> import memphys as nap
    >>> tc = pd.DataFrame({0: [1.0, 0.0], 1: [0.0, 1.0]}, index=[0.0, 1.0])
    >>> group = nap.TsGroup({0: nap.Ts(np.arange(0.5, 5)), 1: nap.Ts(np.arange(5.5, 10))})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     decoded, _ = nap.decode_1d(tc, group, nap.IntervalSet(0, 10), 1.0)
    >>> decoded.values.tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0]
    """
    import xarray as xr

    warnings.warn(
        "decode_1d is deprecated and will be removed in a future version; use decode_bayes "
        "instead.",
        MemphysFutureWarning,
        stacklevel=2,
    )
    if feature is None:
        occupancy = np.ones(tuning_curves.shape[0])
    elif isinstance(feature, Tsd):
        edges = _centres_to_edges(np.asarray(tuning_curves.index.values, dtype=np.float64))
        occupancy = _occupancy(feature, [edges])
    else:
        raise MemphysRuntimeError("Unknown format for feature in decode_1d")
    tcs = xr.DataArray(
        data=tuning_curves.values.T,
        coords={"unit": tuning_curves.columns.values, "0": tuning_curves.index.values},
        attrs={"occupancy": occupancy},
    )
    data = TsGroup(group) if isinstance(group, dict) else group
    return decode_bayes(
        tcs, data, ep, bin_size, time_units=time_units, uniform_prior=feature is None
    )


def _occupancy(feature: Any, edges: list[np.ndarray]) -> np.ndarray:
    from memphys.process._tuning_bins import feature_blocks, flat_bin_index, n_cells

    occ = np.zeros(int(np.prod(n_cells(edges))))
    for values in feature_blocks(feature, feature.time_support):
        flat = flat_bin_index(values, edges)
        occ += np.bincount(flat[flat >= 0], minlength=occ.size)
    return occ.reshape(n_cells(edges))


def decode_2d(
    tuning_curves: dict[Any, np.ndarray],
    group: Any,
    ep: IntervalSet,
    bin_size: float,
    xy: Any,
    time_units: str = "s",
    features: Any = None,
) -> tuple[Any, Any]:
    """Deprecated (pynapple 0.9.2): use :func:`decode_bayes`.

    ``tuning_curves`` is ``{unit: 2-D array}`` and ``xy`` the bin centres of both features;
    ``features`` (a 2-column TsdFrame), when given, gives the occupancy prior.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> import memphys as nap
    >>> tc = {0: np.array([[1.0, 0.0], [0.0, 0.0]]), 1: np.array([[0.0, 0.0], [0.0, 1.0]])}
    >>> group = nap.TsGroup({0: nap.Ts(np.arange(0.5, 5)), 1: nap.Ts(np.arange(5.5, 10))})
    >>> xy = [np.array([0.0, 1.0]), np.array([0.0, 1.0])]
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     decoded, _ = nap.decode_2d(tc, group, nap.IntervalSet(0, 10), 1.0, xy)
    >>> decoded.values[[0, 9]].tolist()
    [[0.0, 0.0], [1.0, 1.0]]
    """
    import xarray as xr

    warnings.warn(
        "decode_2d is deprecated and will be removed in a future version; use decode_bayes "
        "instead.",
        MemphysFutureWarning,
        stacklevel=2,
    )
    keys = list(tuning_curves.keys())
    if features is None:
        occupancy = np.ones_like(tuning_curves[keys[0]]).flatten()
    else:
        edges = [_centres_to_edges(np.asarray(c, dtype=np.float64)) for c in xy]
        occupancy = _occupancy(features, edges).flatten()
    tcs = xr.DataArray(
        data=[tuning_curves[k] for k in keys],
        coords={"unit": keys, "0": xy[0], "1": xy[1]},
        attrs={"occupancy": occupancy},
    )
    data = TsGroup(group) if isinstance(group, dict) else group
    return decode_bayes(
        tcs, data, ep, bin_size, time_units=time_units, uniform_prior=features is None
    )
