"""pynapple's deprecated tuning-curve functions (kept as thin wrappers, with FutureWarning).

``compute_1d_tuning_curves``, ``compute_1d_tuning_curves_continuous``,
``compute_2d_tuning_curves``, ``compute_2d_tuning_curves_continuous``,
``compute_discrete_tuning_curves``, ``compute_1d_mutual_info`` and
``compute_2d_mutual_info`` were replaced in pynapple 0.9.2 by the n-dimensional functions;
pynapple 0.11.4 still exports them with the argument checks and return types below.
"""

from __future__ import annotations

import functools
import inspect
import warnings
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from memphys.core.interval_set import IntervalSet
from memphys.core.ts_group import TsGroup
from memphys.core.tsd import Tsd
from memphys.core.tsd_frame import TsdFrame
from memphys.errors import MemphysFutureWarning, MemphysTypeError, MemphysValueError
from memphys.process._tuning_bins import feature_blocks
from memphys.process._tuning_core import (
    compute_mutual_information,
    compute_response_per_epoch,
    compute_tuning_curves,
)

F = TypeVar("F", bound=Callable[..., Any])


def _check_argument(name: str, value: Any) -> None:
    """pynapple's checks of the legacy arguments, applied to the arguments actually passed."""
    if name == "feature":
        msg = "feature should be a Tsd (or TsdFrame with 1 column only)"
        if not isinstance(value, (Tsd, TsdFrame)):
            raise MemphysTypeError(msg)
        if isinstance(value, TsdFrame) and value.shape[1] != 1:
            raise MemphysValueError(msg)
    elif name == "features":
        if not isinstance(value, TsdFrame):
            raise MemphysTypeError("features should be a TsdFrame with 2 columns")
        if value.shape[1] != 2:
            raise MemphysValueError("features should have 2 columns only.")
    elif name == "nb_bins":
        if not isinstance(value, (int, tuple)):
            raise MemphysTypeError(
                "nb_bins should be of type int (or tuple with (int, int) for 2D tuning curves)."
            )
    elif name == "group":
        if not isinstance(value, TsGroup):
            raise MemphysTypeError("group should be a TsGroup.")
    elif name == "ep":
        if not isinstance(value, IntervalSet):
            raise MemphysTypeError("ep should be an IntervalSet")
    elif name == "minmax":
        if not isinstance(value, Iterable):
            raise MemphysTypeError("minmax should be a tuple/list of 2 numbers")
    elif name == "dict_ep":
        if not isinstance(value, dict):
            raise MemphysTypeError("dict_ep should be a dictionary of IntervalSet")
        if not all(isinstance(v, IntervalSet) for v in value.values()):
            raise MemphysTypeError("dict_ep argument should contain only IntervalSet.")
    elif name == "tc":
        if not isinstance(value, (pd.DataFrame, np.ndarray)):
            raise MemphysTypeError(
                "Argument tc should be of type pandas.DataFrame or numpy.ndarray"
            )
    elif name == "dict_tc":
        if not isinstance(value, (dict, np.ndarray)):
            raise MemphysTypeError(
                "Argument dict_tc should be a dictionary of numpy.ndarray or numpy.ndarray."
            )
    elif name == "bitssec":
        if not isinstance(value, bool):
            raise MemphysTypeError("Argument bitssec should be of type bool")
    elif name == "tsdframe" and not isinstance(value, (Tsd, TsdFrame)):
        raise MemphysTypeError("Argument tsdframe should be of type Tsd or TsdFrame.")


def _legacy(replacement: str) -> Callable[[F], F]:
    """Check the passed arguments as pynapple does, then warn that the function is deprecated."""

    def decorate(func: F) -> F:
        sig = inspect.signature(func)

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            passed = sig.bind_partial(*args, **kwargs).arguments
            for name, value in passed.items():
                _check_argument(name, value)
            warnings.warn(
                f"{func.__name__} is deprecated and will be removed in a future version;"
                f"use {replacement} instead.",
                MemphysFutureWarning,
                stacklevel=2,
            )
            return func(**passed)

        return wrapper  # type: ignore[return-value]

    return decorate


def _tc(*args: Any, **kwargs: Any) -> Any:

    return compute_tuning_curves(*args, **kwargs)


def _range_2d(minmax: Any) -> Any:
    return None if minmax is None else [[minmax[0], minmax[1]], [minmax[2], minmax[3]]]


def _as_dict(xarr: Any) -> tuple[dict[Any, np.ndarray], list[np.ndarray]]:
    tcs = {c: xarr.sel(unit=c).values for c in xarr.coords["unit"].values}
    centres = [xarr.coords[d].values for d in xarr.dims if d != "unit"]
    return tcs, centres


@_legacy("compute_tuning_curves")
def compute_1d_tuning_curves(
    group: TsGroup, feature: Any, nb_bins: int, ep: IntervalSet | None = None, minmax: Any = None
) -> pd.DataFrame:
    """Deprecated (pynapple 0.9.2): use :func:`compute_tuning_curves`.

    Returns a DataFrame (bin centres as index, units as columns).

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> import memphys as nap
    >>> group = nap.TsGroup({0: nap.Ts(np.arange(0.0, 10.0))})
    >>> feature = nap.Tsd(t=np.arange(0.0, 10.0, 0.5), d=np.arange(20) % 2)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     nap.compute_1d_tuning_curves(group, feature, 2)[0].tolist()
    [2.0, 0.0]
    """
    rng = None if minmax is None else [minmax]
    return _tc(group, feature, nb_bins, range=rng, epochs=ep).to_pandas().T


@_legacy("compute_tuning_curves")
def compute_1d_tuning_curves_continuous(
    tsdframe: Any, feature: Any, nb_bins: int, ep: IntervalSet | None = None, minmax: Any = None
) -> pd.DataFrame:
    """Deprecated (pynapple 0.9.2): use :func:`compute_tuning_curves` with continuous data.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> import memphys as nap
    >>> frame = nap.TsdFrame(t=np.arange(10.0), d=np.arange(20.0).reshape(10, 2))
    >>> feature = nap.Tsd(t=np.arange(10.0), d=np.arange(10) % 2)
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     nap.compute_1d_tuning_curves_continuous(frame, feature, 2)[1].tolist()
    [9.0, 11.0]
    """
    rng = None if minmax is None else [minmax]
    return _tc(tsdframe, feature, nb_bins, range=rng, epochs=ep).to_pandas().T


@_legacy("compute_tuning_curves")
def compute_2d_tuning_curves(
    group: TsGroup,
    features: TsdFrame,
    nb_bins: Any,
    ep: IntervalSet | None = None,
    minmax: Any = None,
) -> tuple[dict[Any, np.ndarray], list[np.ndarray]]:
    """Deprecated (pynapple 0.9.2): use :func:`compute_tuning_curves`.

    Returns ``({unit: 2-D array}, [x centres, y centres])``.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> import memphys as nap
    >>> group = nap.TsGroup({0: nap.Ts(np.arange(0.0, 10.0))})
    >>> xy = nap.TsdFrame(t=np.arange(10.0), d=np.stack([np.arange(10) % 2] * 2, axis=1))
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     tcs, centres = nap.compute_2d_tuning_curves(group, xy, 2)
    >>> tcs[0].tolist()
    [[1.0, nan], [nan, 1.0]]
    """
    return _as_dict(_tc(group, features, nb_bins, range=_range_2d(minmax), epochs=ep))


@_legacy("compute_tuning_curves")
def compute_2d_tuning_curves_continuous(
    tsdframe: Any,
    features: TsdFrame,
    nb_bins: Any,
    ep: IntervalSet | None = None,
    minmax: Any = None,
) -> tuple[dict[Any, np.ndarray], list[np.ndarray]]:
    """Deprecated (pynapple 0.9.2): use :func:`compute_tuning_curves` with continuous data.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> import memphys as nap
    >>> frame = nap.TsdFrame(t=np.arange(10.0), d=np.arange(10.0).reshape(10, 1))
    >>> xy = nap.TsdFrame(t=np.arange(10.0), d=np.stack([np.arange(10) % 2] * 2, axis=1))
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     tcs, centres = nap.compute_2d_tuning_curves_continuous(frame, xy, 2)
    >>> tcs[0].tolist()
    [[4.0, nan], [nan, 5.0]]
    """
    return _as_dict(_tc(tsdframe, features, nb_bins, range=_range_2d(minmax), epochs=ep))


@_legacy("compute_response_per_epoch")
def compute_discrete_tuning_curves(group: TsGroup, dict_ep: dict[Any, IntervalSet]) -> pd.DataFrame:
    """Deprecated (pynapple 0.9.2): use :func:`compute_response_per_epoch`.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> import memphys as nap
    >>> group = nap.TsGroup({0: nap.Ts(np.arange(0.0, 10.0))})
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     nap.compute_discrete_tuning_curves(group, {"a": nap.IntervalSet(0, 4)})[0].tolist()
    [1.25]
    """

    return compute_response_per_epoch(group, dict_ep, return_pandas=True)


def _nan_min_max(feature: Any, column: int | None = None) -> tuple[float, float]:
    lo, hi = np.inf, -np.inf
    for values in feature_blocks(feature, feature.time_support):
        v = values if column is None else values[:, column]
        if v.size and not np.all(np.isnan(v)):
            lo, hi = min(lo, float(np.nanmin(v))), max(hi, float(np.nanmax(v)))
    if lo > hi:
        return np.nan, np.nan
    return lo, hi


def _histogram(feature: Any, ep: Any, edges: list[np.ndarray]) -> np.ndarray:
    from memphys.process._tuning_bins import flat_bin_index, n_cells

    epochs = ep if isinstance(ep, IntervalSet) else feature.time_support
    occ = np.zeros(int(np.prod(n_cells(edges))))
    for values in feature_blocks(feature, epochs):
        flat = flat_bin_index(values, edges)
        occ += np.bincount(flat[flat >= 0], minlength=occ.size)
    return occ.reshape(n_cells(edges))


def _si(tcs: Any, bitssec: bool) -> pd.DataFrame:

    mi = compute_mutual_information(tcs)
    column = "bits/sec" if bitssec else "bits/spike"
    return mi[[column]].rename({column: "SI"}, axis=1)


@_legacy("compute_mutual_information")
def compute_1d_mutual_info(
    tc: Any, feature: Any, ep: IntervalSet | None = None, minmax: Any = None, bitssec: bool = False
) -> pd.DataFrame:
    """Deprecated (pynapple 0.9.2): use :func:`compute_mutual_information`.

    Returns a DataFrame with one column ``SI`` (bits/spike, or bits/s with ``bitssec``).

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> import pandas as pd
    >>> import memphys as nap
    >>> tc = pd.DataFrame(index=[0, 1], data=np.array([0.0, 10.0]))
    >>> feature = nap.Tsd(t=np.arange(100.0), d=np.tile(np.arange(2), 50))
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     nap.compute_1d_mutual_info(tc, feature).values.tolist()
    [[1.0]]
    """
    import xarray as xr

    if isinstance(tc, pd.DataFrame):
        tcs = xr.DataArray(tc.values.T, coords={"unit": tc.columns.values, "0": tc.index})
    else:
        tcs = xr.DataArray(tc.T, coords={"unit": np.arange(tc.shape[1])}, dims=["unit", "0"])
    n_edges = tc.shape[0] + 1
    if minmax is None:
        lo, hi = _nan_min_max(feature)
        edges = np.linspace(lo, hi, n_edges)
    else:
        edges = np.linspace(minmax[0], minmax[1], n_edges)
    occupancy = _histogram(feature, ep, [edges])
    tcs.attrs["occupancy"] = occupancy / occupancy.sum()
    return _si(tcs, bitssec)


@_legacy("compute_mutual_information")
def compute_2d_mutual_info(
    dict_tc: Any,
    features: TsdFrame,
    ep: IntervalSet | None = None,
    minmax: Any = None,
    bitssec: bool = False,
) -> pd.DataFrame:
    """Deprecated (pynapple 0.9.2): use :func:`compute_mutual_information`.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> import memphys as nap
    >>> xy = nap.TsdFrame(t=np.arange(100.0), d=np.stack([np.arange(100) % 2] * 2, axis=1))
    >>> tc = {0: np.array([[10.0, 0.0], [0.0, 0.0]])}
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     nap.compute_2d_mutual_info(tc, xy).values.tolist()
    [[1.0]]
    """
    import xarray as xr

    if type(dict_tc) is dict:
        tcs = xr.DataArray(
            np.array([dict_tc[i] for i in dict_tc]),
            coords={"unit": list(dict_tc.keys())},
            dims=["unit", "0", "1"],
        )
    else:
        tcs = xr.DataArray(
            dict_tc, coords={"unit": np.arange(len(dict_tc))}, dims=["unit", "0", "1"]
        )
    n_edges = (tcs.shape[1] + 1, tcs.shape[2] + 1)
    edges = []
    for i in range(2):
        if minmax is None:
            lo, hi = _nan_min_max(features, column=i)
            edges.append(np.linspace(lo, hi, n_edges[i]))
        else:
            edges.append(np.linspace(minmax[2 * i], minmax[2 * i + 1], n_edges[i]))
    occupancy = _histogram(features, ep, edges)
    tcs.attrs["occupancy"] = occupancy / occupancy.sum()
    return _si(tcs, bitssec)
