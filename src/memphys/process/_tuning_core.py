"""The N-dimensional tuning curves, mutual information and responses per epoch.

pynapple 0.11's current functions; the module :mod:`memphys.process.tuning_curves`
gathers them with the legacy ones (:mod:`memphys.process._tuning_legacy`, which build on
these), so that the imports run one way: ``tuning_curves`` -> ``_tuning_legacy`` ->
``_tuning_core``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from memphys.core.interval_set import IntervalSet
from memphys.core.ts import Ts
from memphys.core.ts_group import TsGroup
from memphys.core.tsd import Tsd
from memphys.core.tsd_frame import TsdFrame
from memphys.errors import (
    ConversionWarning,
    MemphysTypeError,
    MemphysUserWarning,
    MemphysValueError,
)
from memphys.process._correlogram_kernel import merge_units
from memphys.process._tuning_bins import bin_edges, feature_blocks, flat_bin_index, n_cells

__all__ = [
    "compute_mutual_information",
    "compute_response_per_epoch",
    "compute_tuning_curves",
]

_DATA_ERROR = "data should be a TsdFrame, TsGroup, Ts, or Tsd."


def _check_bool(name: str, value: Any) -> None:
    if value != 1 and value != 0 and not isinstance(value, bool):
        raise MemphysTypeError(f"{name} should be a boolean.")


def _unit_keys(data: Any) -> np.ndarray:
    # np.asarray drops a pandas Index name, which xarray would take as the dimension
    if isinstance(data, TsGroup):
        return np.asarray(data.keys())
    if isinstance(data, TsdFrame):
        return np.asarray(data.columns)
    return np.asarray([0])


def _feature_names(features: Any, feature_names: Any) -> list[Any]:
    if feature_names is None:
        return list(features.columns) if isinstance(features, TsdFrame) else ["0"]
    if (
        not hasattr(feature_names, "__len__")
        or isinstance(feature_names, str)
        or not all(isinstance(n, str) for n in feature_names)
    ):
        raise MemphysTypeError("feature_names should be a list of strings.")
    expected = 1 if isinstance(features, Tsd) else features.shape[-1]
    if len(feature_names) != expected:
        raise MemphysValueError("feature_names should match the number of features.")
    return list(feature_names)


def _spike_counts(
    data: TsGroup, features: Any, epochs: IntervalSet, edges: list[np.ndarray]
) -> np.ndarray:
    """Spikes of every unit per feature bin: one ``value_from`` over all units' spikes."""
    keys = list(data.keys())
    cells = int(np.prod(n_cells(edges)))
    for k in keys:
        if not isinstance(data[k], Ts):
            warnings.warn(
                f"TsGroup entry {k} was not a Ts, but treating it as one!",
                ConversionWarning,
                stacklevel=3,
            )
    times, labels = merge_units([np.asarray(data[k].index, dtype=np.float64) for k in keys])
    counts = np.zeros(len(keys) * cells)
    if times.size:
        values = np.asarray(Ts(t=times, time_support=epochs).value_from(features, ep=epochs).values)
        flat = flat_bin_index(values.reshape(values.shape[0], -1), edges)
        keep = flat >= 0
        counts = np.bincount(labels[keep] * cells + flat[keep], minlength=len(keys) * cells).astype(
            np.float64
        )
    return counts.reshape(len(keys), *n_cells(edges))


def _mean_values(
    data: Any, features: Any, epochs: IntervalSet, edges: list[np.ndarray]
) -> np.ndarray:
    """Mean of each column of ``data`` per feature bin (pynapple's zeros and NaNs)."""
    shape = n_cells(edges)
    cells = int(np.prod(shape))
    n_cols = 1 if data.ndim == 1 else int(np.prod(data.shape[1:]))
    counts = np.zeros(cells)
    sums = np.zeros((n_cols, cells))
    for _block, chunk in data.iter_chunks(ep=epochs):
        if len(chunk) == 0:
            continue
        fv = np.asarray(chunk.value_from(features, ep=epochs).values)
        flat = flat_bin_index(fv.reshape(fv.shape[0], -1), edges)
        keep = flat >= 0
        idx = flat[keep]
        counts += np.bincount(idx, minlength=cells)
        vals = np.asarray(chunk.values).reshape(len(chunk), n_cols)[keep]
        for c in range(n_cols):
            sums[c] += np.bincount(idx, weights=vals[:, c], minlength=cells)
    counts[counts == 0] = np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        tcs = sums / counts
    tcs[np.isnan(tcs)] = 0.0
    return tcs.reshape(n_cols, *shape)


def compute_tuning_curves(
    data: Any,
    features: Any,
    bins: Any = 10,
    range: Any = None,  # pynapple's name (shadows the builtin)
    epochs: IntervalSet | None = None,
    fs: float | None = None,
    feature_names: list[str] | None = None,
    return_pandas: bool = False,
    return_counts: bool = False,
) -> Any:
    """Tuning curves of spikes or continuous values over one or more features.

    The feature space is cut into bins (numpy's ``histogramdd`` rules); spikes are counted
    per bin and divided by the occupancy (time spent in the bin) unless
    ``return_counts``; continuous data (TsdFrame, Tsd) gives the mean value per bin.
    Features may be lazy: only the rows inside ``epochs`` are read, epoch by epoch.

    Parameters
    ----------
    data : TsGroup, Ts, TsdFrame or Tsd
        Spikes (counted) or continuous values (averaged).
    features : Tsd or TsdFrame
        One column per feature.
    bins : int, sequence of int, or sequence of edge arrays
        Bins for all features, per feature, or explicit edges (as ``np.histogramdd``).
    range : sequence of (lower, upper), optional
        Outer edges per feature when ``bins`` gives counts (default: the data's min, max).
    epochs : IntervalSet, optional
        Epochs to use (default: the time support of ``features``).
    fs : float, optional
        Sampling rate of the features (default: ``1 / mean(time_diff)`` over ``epochs``).
    feature_names : list of str, optional
        Names of the feature dimensions (default: the columns of ``features``).
    return_pandas : bool
        Return ``tcs.to_pandas().T`` (1 feature only).
    return_counts : bool
        Spike counts, not rates (the occupancy stays in the attributes).

    Returns
    -------
    xarray.DataArray
        Dimensions ``unit`` and one per feature (bin centres as coordinates); attributes
        ``occupancy``, ``bin_edges``, ``fs`` and, for spikes, ``rates``.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> t = np.arange(0.0, 10.0, 0.5)
    >>> xy = nap.TsdFrame(t=t, d=np.stack([t % 2, t % 4], axis=1), columns=["x", "y"])
    >>> tcs = nap.compute_tuning_curves(nap.Ts(t[::2]), xy, bins=2, return_counts=True)
    >>> tcs.dims, tcs.values[0].tolist()
    (('unit', 'x', 'y'), [[3.0, 2.0], [3.0, 2.0]])
    """
    import xarray as xr

    if not isinstance(data, (TsdFrame, TsGroup, Ts, Tsd)):
        raise MemphysTypeError(_DATA_ERROR)
    if not isinstance(features, (TsdFrame, Tsd)):
        raise MemphysTypeError("features should be a Tsd or TsdFrame.")
    names = _feature_names(features, feature_names)
    n_features = 1 if features.ndim == 1 else int(features.shape[1])
    if n_features == 1 and np.ndim(bins) == 1 and len(bins) > 1:
        bins = [bins]
    try:
        n_bin_specs: int | None = len(bins)
    except TypeError:
        n_bin_specs = None
    if n_bin_specs is not None and n_bin_specs != n_features:
        raise MemphysValueError(
            "bins should contain one specification per feature "
            f"(expected {n_features}, got {n_bin_specs}). To use explicit bin "
            "edges with multiple features, pass one array per feature."
        )
    if epochs is None:
        epochs = features.time_support
    elif not isinstance(epochs, IntervalSet):
        raise MemphysTypeError("epochs should be an IntervalSet.")
    if fs is None:
        fs = 1 / np.mean(features.time_diff(epochs=epochs).values)
    if not isinstance(fs, (int, float)):
        raise MemphysTypeError("fs should be a number (int or float)")
    if range is not None and isinstance(range, tuple):
        if n_features == 1:
            range = [range]
        else:
            raise MemphysValueError("range should be a sequence of tuples, one for each feature.")
    _check_bool("return_pandas", return_pandas)
    _check_bool("return_counts", return_counts)

    if isinstance(data, (TsGroup, Ts)):
        data = data.restrict(epochs)
    edges = bin_edges(bins, range, n_features, features, epochs)
    occupancy = np.zeros(int(np.prod(n_cells(edges))))
    for values in feature_blocks(features, epochs):
        flat = flat_bin_index(values, edges)
        occupancy += np.bincount(flat[flat >= 0], minlength=occupancy.size)
    occupancy = occupancy.reshape(n_cells(edges))

    keys = _unit_keys(data)
    if isinstance(data, (TsGroup, Ts)):
        if isinstance(data, Ts):
            data = TsGroup({0: data}, time_support=epochs)
        tcs = _spike_counts(data, features, epochs, edges)
        if not return_counts:
            with np.errstate(divide="ignore", invalid="ignore"):
                tcs = (tcs / occupancy) * fs
    else:
        tcs = _mean_values(data, features, epochs, edges)
        tcs[:, occupancy == 0.0] = np.nan

    attrs: dict[str, Any] = {"occupancy": occupancy, "bin_edges": edges, "fs": fs}
    if isinstance(data, TsGroup):
        attrs["rates"] = data.rates
    coords = {
        "unit": keys,
        **{str(n): e[:-1] + np.diff(e) / 2 for n, e in zip(names, edges, strict=True)},
    }
    out = xr.DataArray(tcs, coords=coords, dims=list(coords), attrs=attrs)
    if return_pandas:
        return out.to_pandas().T
    return out


def _epoch_mean(data: Any, epoch: IntervalSet) -> np.ndarray:
    """Column means of ``data`` inside ``epoch``: in one go when in memory, else in blocks."""
    restricted = data.restrict(epoch)
    values = restricted.values
    if isinstance(values, np.ndarray):
        return np.asarray(values.mean(axis=0))
    total: np.ndarray | None = None
    n = 0
    for _block, chunk in data.iter_chunks(ep=epoch):
        v = np.asarray(chunk.values, dtype=np.float64)
        s = v.sum(axis=0)
        total = s if total is None else total + s
        n += v.shape[0]
    if total is None:
        return np.full(data.shape[1:], np.nan)
    return total / n


def compute_response_per_epoch(
    data: Any, epochs_dict: dict[Any, IntervalSet], return_pandas: bool = False
) -> Any:
    """Mean rate (spikes) or mean value (continuous data) in each set of epochs.

    Parameters
    ----------
    data : TsGroup, Ts, TsdFrame or Tsd
    epochs_dict : dict of IntervalSet
        One entry per condition (e.g. stimulus); the sets may overlap each other.
    return_pandas : bool
        Return a DataFrame (epochs as index, units as columns).

    Returns
    -------
    xarray.DataArray
        Dimensions ``unit`` and ``epochs``.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> group = nap.TsGroup({1: nap.Ts(np.arange(0.0, 100.0, 0.5))})
    >>> eps = {"a": nap.IntervalSet(0, 10), "b": nap.IntervalSet(50, 60)}
    >>> nap.compute_response_per_epoch(group, eps).values.tolist()
    [[2.1, 2.1]]
    """
    import xarray as xr

    if not isinstance(data, (TsdFrame, TsGroup, Ts, Tsd)):
        raise MemphysTypeError(_DATA_ERROR)
    if (
        not isinstance(epochs_dict, dict)
        or len(epochs_dict) == 0
        or not all(isinstance(e, IntervalSet) for e in epochs_dict.values())
    ):
        raise MemphysTypeError("epochs_dict should be a dictionary of IntervalSets.")
    _check_bool("return_pandas", return_pandas)
    keys = _unit_keys(data)
    if isinstance(data, (TsGroup, Ts)):
        if isinstance(data, Ts):
            data = TsGroup({0: data}, time_support=data.time_support)
        tcs = np.stack(
            [
                np.asarray(data.restrict(ep).count().values).sum(axis=0) / ep.tot_length("s")
                for ep in epochs_dict.values()
            ],
            axis=1,
        )
    else:
        # a Tsd stays lazy: its per-epoch mean is one value, i.e. one "column"
        tcs = np.stack(
            [np.atleast_1d(_epoch_mean(data, ep)) for ep in epochs_dict.values()], axis=1
        )
    out = xr.DataArray(
        tcs,
        coords={"unit": keys, "epochs": list(epochs_dict.keys())},
        dims=["unit", "epochs"],
    )
    if return_pandas:
        return out.to_pandas().T
    return out


def compute_mutual_information(tuning_curves: Any, rates: Any = None) -> pd.DataFrame:
    """Skaggs et al. (1993) information of each unit's tuning curve, in bits/s and bits/spike.

    ``I = sum_x P(x) f(x) log2(f(x) / r)`` with ``P`` the normalised occupancy, ``f`` the
    tuning curve and ``r`` the unit's mean rate (from ``tuning_curves.attrs["rates"]``,
    ``rates``, or estimated from the curves with a warning); bits/spike is ``I / r``.

    Parameters
    ----------
    tuning_curves : xarray.DataArray
        As returned by :func:`compute_tuning_curves` (needs ``attrs["occupancy"]``).
    rates : list or numpy.ndarray, optional
        Mean rates of the units.

    Returns
    -------
    pandas.DataFrame
        Columns ``bits/sec`` and ``bits/spike``, one row per unit.

    Examples
    --------
    >>> import numpy as np
    >>> import xarray as xr
    >>> import memphys as nap
    >>> tc = xr.DataArray([[2.0, 0.0]], coords={"unit": [7], "0": [0.25, 0.75]},
    ...                   attrs={"occupancy": np.array([50.0, 50.0])})
    >>> nap.compute_mutual_information(tc, rates=[1.0]).values.tolist()
    [[1.0, 1.0]]
    """
    import xarray as xr

    if not isinstance(tuning_curves, xr.DataArray):
        raise MemphysTypeError(
            "tuning_curves should be an xr.DataArray as computed by compute_tuning_curves."
        )
    if rates is not None:
        if not isinstance(rates, (list, np.ndarray)):
            raise MemphysTypeError("rates should be a list or array.")
        if tuning_curves.shape[0] != len(rates):
            raise MemphysValueError("dimension of rates should match that of the tuning curves.")
    if "occupancy" not in tuning_curves.attrs:
        raise MemphysValueError("No occupancy found in tuning curves.")
    occupancy = np.asarray(tuning_curves.attrs["occupancy"], dtype=np.float64)
    occupancy = occupancy / np.nansum(occupancy)
    fx = np.asarray(tuning_curves.values, dtype=np.float64)
    axes = tuple(np.arange(1, fx.ndim).tolist())
    fr = tuning_curves.attrs.get("rates") if rates is None else rates
    if fr is None:
        warnings.warn(
            "Estimating mean firing rates from tuning curves, "
            "they were not in the tuning curves nor passed.",
            MemphysUserWarning,
            stacklevel=2,
        )
        fr = np.nansum(fx * occupancy, axis=axes)
    fr = np.asarray(fr, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        logfx = np.log2(fx / np.expand_dims(fr, axis=axes))
        logfx[~np.isfinite(logfx)] = 0.0
        bits_sec = np.nansum(occupancy * fx * logfx, axis=axes)
        bits_spike = bits_sec / fr
    return pd.DataFrame(
        data=np.stack([bits_sec, bits_spike], axis=1),
        index=tuning_curves.coords["unit"],
        columns=["bits/sec", "bits/spike"],
    )
