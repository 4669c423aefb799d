"""Auto-, cross- and event-correlograms of spike trains, and inter-spike-interval histograms.

Correlograms follow pynapple 0.11.4's numbers exactly: for every reference time ``t1`` the
bins are ``[t1 - w + j * binsize, t1 - w + (j + 1) * binsize)`` with the edges accumulated
by repeated addition, as pynapple's kernel walks them. They are computed without a loop
over spikes or bins: the targets within the window of each reference spike are found with
two ``searchsorted`` calls, their bin follows from the lag, and one ``bincount`` sums the
pairs (:mod:`memphys.process._correlogram_kernel`). Cross-correlograms of a group search
all target units at once in one merged, labelled spike array.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> group = nap.TsGroup({0: nap.Ts(t=np.arange(0.0, 100.0)), 1: nap.Ts(t=np.arange(0.5, 100.0))})
>>> cc = nap.compute_crosscorrelogram(group, binsize=1.0, windowsize=2.0, norm=False)
>>> cc.columns.tolist()
[(0, 1)]
>>> cc[(0, 1)].round(2).tolist()
[0.97, 0.98, 0.99, 1.0, 0.99]
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from itertools import combinations, product
from numbers import Number
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from memphys.core.interval_set import IntervalSet
from memphys.core.time_index import TsIndex
from memphys.core.ts import Ts
from memphys.core.ts_group import TsGroup
from memphys.core.tsd import Tsd
from memphys.core.tsd_frame import TsdFrame
from memphys.core.tsd_tensor import TsdTensor
from memphys.errors import MemphysTypeError, MemphysValueError
from memphys.process._correlogram_kernel import (
    correlogram_counts,
    merge_units,
    window_bins,
)

__all__ = [
    "compute_autocorrelogram",
    "compute_crosscorrelogram",
    "compute_eventcorrelogram",
    "compute_isi_distribution",
]

F = TypeVar("F", bound=Callable[..., Any])

_PARAM_TYPES: dict[str, Any] = {
    "binsize": Number,
    "windowsize": Number,
    "ep": IntervalSet,
    "norm": bool,
    "time_units": str,
    "reverse": bool,
    "event": (Ts, Tsd),
}


def _check_params(func: str, group: Any, **params: Any) -> None:
    """Raise pynapple's TypeErrors for the arguments of the correlogram functions."""
    if func == "compute_crosscorrelogram" and isinstance(group, (tuple, list)):
        if len(group) != 2 or not all(isinstance(g, TsGroup) for g in group):
            raise MemphysTypeError(
                "Invalid type. Parameter group must be of type TsGroup or a tuple/list of "
                "(TsGroup, TsGroup)."
            )
    elif not isinstance(group, TsGroup):
        msg = "Invalid type. Parameter group must be of type TsGroup"
        if func == "compute_crosscorrelogram":
            msg += " or a tuple/list of (TsGroup, TsGroup)."
        raise MemphysTypeError(msg)
    for name, value in params.items():
        expected = _PARAM_TYPES[name]
        if name == "ep" and value is None:
            continue
        if not isinstance(value, expected):
            raise MemphysTypeError(f"Invalid type. Parameter {name} must be of type {expected}.")


def _validated(func: F) -> F:
    """Check the passed arguments' types before binding them (as pynapple: a wrong type is
    reported even when another argument is missing)."""
    sig = inspect.signature(func)

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        passed = dict(sig.bind_partial(*args, **kwargs).arguments)
        group = passed.get("group")
        params = {k: v for k, v in passed.items() if k in _PARAM_TYPES}
        _check_params(func.__name__, group, **params)
        return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]


def _seconds(value: float, time_units: str) -> float:
    return float(TsIndex.format_timestamps(np.array([value], dtype=np.float64), time_units)[0])


def _check_window(binsize: float, windowsize: float) -> None:
    if not binsize > 0 or not np.isfinite(binsize):
        raise MemphysValueError(
            f"Invalid value for `binsize`: expected a positive finite number, but got {binsize}."
        )
    if not windowsize >= 0 or not np.isfinite(windowsize):
        raise MemphysValueError(
            "Invalid value for `windowsize`: expected a non-negative finite number, but got "
            f"{windowsize}."
        )


def _cross_correlogram(
    t1: np.ndarray, t2: np.ndarray, binsize: float, windowsize: float
) -> tuple[np.ndarray, np.ndarray]:
    """Rate of ``t2`` around the times of ``t1`` (both sorted, in seconds), and bin centres.

    The same numbers as pynapple's ``_cross_correlogram``: ``2 * windowsize // binsize``
    bins (made odd), counts divided by ``len(t1) * binsize``.

    Examples
    --------
    >>> import numpy as np
    >>> cc, lags = _cross_correlogram(np.array([0.0, 10.0]), np.array([0.0, 10.0]), 1.0, 10.0)
    >>> cc[[0, 10, 20]].tolist(), lags[[0, 10, 20]].tolist()
    ([0.5, 1.0, 0.5], [-10.0, 0.0, 10.0])
    """
    t1 = np.ascontiguousarray(t1, dtype=np.float64)
    t2 = np.ascontiguousarray(t2, dtype=np.float64)
    counts = correlogram_counts(t1, t2, np.zeros(t2.size, np.intp), 1, binsize, windowsize)[0]
    return _normalise(counts, t1.size, binsize), _centres(binsize, windowsize)


def _normalise(counts: np.ndarray, n_ref: int, binsize: float) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return counts / (n_ref * binsize)


def _centres(binsize: float, windowsize: float) -> np.ndarray:
    nbins, w = window_bins(binsize, windowsize)
    return (-w + binsize / 2) + np.arange(nbins) * binsize


def counts_len(binsize: float, windowsize: float) -> int:
    return window_bins(binsize, windowsize)[0]


def _unit_times(group: TsGroup) -> dict[Any, np.ndarray]:
    return {k: np.asarray(group[k].index, dtype=np.float64) for k in group}


@_validated
def compute_autocorrelogram(
    group: TsGroup,
    binsize: float,
    windowsize: float,
    ep: IntervalSet | None = None,
    norm: bool = True,
    time_units: str = "s",
) -> pd.DataFrame:
    """Autocorrelogram of every unit of a group (pynapple's signature and numbers).

    Parameters
    ----------
    group : TsGroup
        Units to auto-correlate.
    binsize, windowsize : float
        Bin size and half window, in ``time_units``.
    ep : IntervalSet, optional
        Restrict the units to these epochs first (default: the group's time support).
    norm : bool
        Divide by each unit's mean rate (default True); otherwise rates in Hz.
    time_units : str
        ``"s"``, ``"ms"`` or ``"us"``.

    Returns
    -------
    pandas.DataFrame
        Lags (rounded to 6 decimals) as index, units as columns; the zero-lag bin is 0.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> group = nap.TsGroup({0: nap.Ts(t=np.arange(0.0, 10.0))})
    >>> ac = nap.compute_autocorrelogram(group, binsize=1.0, windowsize=2.0, norm=False)
    >>> ac[0].round(2).tolist()
    [0.8, 0.9, 0.0, 0.9, 0.8]
    """
    newgroup = group.restrict(ep) if isinstance(ep, IntervalSet) else group
    b = _seconds(binsize, time_units)
    w = _seconds(windowsize, time_units)
    _check_window(b, w)
    keys = list(newgroup.keys())
    centres = np.round(_centres(b, w), 6)
    out = np.zeros((centres.size, len(keys)))
    for c, (_k, t) in enumerate(_unit_times(newgroup).items()):
        counts = correlogram_counts(t, t, np.zeros(t.size, np.intp), 1, b, w)[0]
        out[:, c] = _normalise(counts, t.size, b)
    df = pd.DataFrame(out, index=centres, columns=keys)
    if norm:
        df = df / newgroup.get_info("rate")
    if 0 in df.index:
        df.loc[0] = 0.0
    return df.astype("float")


@_validated
def compute_crosscorrelogram(
    group: TsGroup | tuple[TsGroup, TsGroup] | list[TsGroup],
    binsize: float,
    windowsize: float,
    ep: IntervalSet | None = None,
    norm: bool = True,
    time_units: str = "s",
    reverse: bool = False,
) -> pd.DataFrame:
    """Cross-correlograms of every pair of units (pynapple's signature and numbers).

    With one TsGroup the pairs are ``itertools.combinations`` of its keys (the left unit
    is the reference; ``reverse=True`` swaps them). With ``(group1, group2)`` every unit of
    ``group1`` is a reference for every unit of ``group2``.

    Parameters
    ----------
    group : TsGroup or (TsGroup, TsGroup)
    binsize, windowsize : float
        Bin size and half window, in ``time_units``.
    ep : IntervalSet, optional
        Restrict the units to these epochs first.
    norm : bool
        Divide by the target's mean rate (default True).
    time_units : str
        ``"s"``, ``"ms"`` or ``"us"``.
    reverse : bool
        Reverse the pairs of a single group.

    Returns
    -------
    pandas.DataFrame
        Lags as index, ``(reference, target)`` pairs as columns.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> g1 = nap.TsGroup({0: nap.Ts(t=np.arange(0.0, 50.0))})
    >>> g2 = nap.TsGroup({5: nap.Ts(t=np.arange(1.0, 50.0))})
    >>> cc = nap.compute_crosscorrelogram((g1, g2), 1.0, 1.0, norm=False)
    >>> cc.columns.tolist(), cc[(0, 5)].tolist()
    ([(0, 5)], [0.96, 0.98, 0.98])
    """
    b = _seconds(binsize, time_units)
    w = _seconds(windowsize, time_units)
    _check_window(b, w)
    centres = _centres(b, w)
    if isinstance(group, (tuple, list)):
        if isinstance(ep, IntervalSet):
            refs, targets = group[0].restrict(ep), group[1].restrict(ep)
        else:
            refs, targets = group[0], group[1]
        pairs = list(product(list(refs.keys()), list(targets.keys())))
        out = _pairs_matrix(refs, targets, pairs, b, w)
        if norm and pairs:
            out = out / np.array([targets[j].rate for _, j in pairs], dtype=np.float64)
    else:
        newgroup = group.restrict(ep) if isinstance(ep, IntervalSet) else group
        pairs = list(combinations(list(newgroup.keys()), 2))
        if reverse:
            pairs = [(j, i) for i, j in pairs]
        out = _pairs_matrix(newgroup, newgroup, pairs, b, w)
        if norm and pairs:
            rate = dict(zip(newgroup.keys(), np.asarray(newgroup.get_info("rate")), strict=True))
            out = out / np.array([rate[j] for _, j in pairs], dtype=np.float64)
    if not pairs:
        return pd.DataFrame().astype("float")
    columns = pd.MultiIndex.from_tuples(pairs)
    return pd.DataFrame(out, index=centres, columns=columns).astype("float")


def _pairs_matrix(
    refs: TsGroup, targets: TsGroup, pairs: list[tuple[Any, Any]], b: float, w: float
) -> np.ndarray:
    """Normalised correlograms of ``pairs`` as a (bins, pairs) array.

    Each reference unit is searched against all its targets at once (merged and labelled).
    """
    nbins, _ = window_bins(b, w)
    out = np.zeros((nbins, len(pairs)))
    if not pairs:
        return out
    ref_times = _unit_times(refs)
    tgt_times = _unit_times(targets)
    wanted = list(dict.fromkeys(j for _, j in pairs))
    pos = {j: p for p, j in enumerate(wanted)}
    merged, labels = merge_units([tgt_times[j] for j in wanted])
    by_ref: dict[Any, list[tuple[int, Any]]] = {}
    for c, (i, j) in enumerate(pairs):
        by_ref.setdefault(i, []).append((c, j))
    for i, cols in by_ref.items():
        t1 = ref_times[i]
        mine = np.zeros(len(wanted), dtype=bool)
        mine[[pos[j] for _, j in cols]] = True
        if mine.all():
            counts = correlogram_counts(t1, merged, labels, len(wanted), b, w)
        else:
            # only this reference's targets: filter the merged array (still sorted)
            keep = mine[labels]
            counts = np.zeros((len(wanted), counts_len(b, w)))
            counts[mine] = correlogram_counts(
                t1, merged[keep], np.cumsum(mine)[labels[keep]] - 1, int(mine.sum()), b, w
            )
        rates = _normalise(counts, t1.size, b)
        for c, j in cols:
            out[:, c] = rates[pos[j]]
    return out


@_validated
def compute_eventcorrelogram(
    group: TsGroup,
    event: Ts | Tsd,
    binsize: float,
    windowsize: float,
    ep: IntervalSet | None = None,
    norm: bool = True,
    time_units: str = "s",
) -> pd.DataFrame:
    """Correlograms of every unit of a group around the times of ``event``.

    Parameters
    ----------
    group : TsGroup
    event : Ts or Tsd
        Reference times.
    binsize, windowsize : float
        Bin size and half window, in ``time_units``.
    ep : IntervalSet, optional
        Epochs (default: the time support of ``event``).
    norm : bool
        Divide by each unit's mean rate (default True).
    time_units : str
        ``"s"``, ``"ms"`` or ``"us"``.

    Returns
    -------
    pandas.DataFrame
        Lags as index, units as columns.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> group = nap.TsGroup({0: nap.Ts(t=np.arange(0.0, 100.0) + 0.2)})
    >>> event = nap.Ts(t=np.array([10.0, 20.0, 30.0]))
    >>> ec = nap.compute_eventcorrelogram(group, event, 0.5, 0.5, norm=False)
    >>> ec[0].tolist()  # the spike at 30.2 is outside the event's time support [10, 30]
    [0.0, 1.3333333333333333, 0.0]
    """
    if ep is None:
        ep = event.time_support
        t1 = np.asarray(event.index, dtype=np.float64)
    else:
        t1 = np.asarray(event.restrict(ep).index, dtype=np.float64)
    newgroup = group.restrict(ep)
    b = _seconds(binsize, time_units)
    w = _seconds(windowsize, time_units)
    _check_window(b, w)
    keys = list(newgroup.keys())
    times = _unit_times(newgroup)
    merged, labels = merge_units([times[k] for k in keys])
    counts = correlogram_counts(t1, merged, labels, len(keys), b, w)
    df = pd.DataFrame(_normalise(counts, t1.size, b).T, index=_centres(b, w), columns=keys)
    if norm:
        df = df / newgroup.get_info("rate")
    return df.astype("float")


def compute_isi_distribution(
    data: Any,
    bins: int | list[float] | np.ndarray = 10,
    log_scale: bool = False,
    epochs: IntervalSet | None = None,
) -> pd.DataFrame:
    """Histogram of the inter-spike (inter-sample) intervals of each unit.

    Parameters
    ----------
    data : Ts, Tsd, TsdFrame, TsdTensor or TsGroup
    bins : int or sequence of float
        Number of equal bins between the smallest and largest interval, or the edges.
    log_scale : bool
        Histogram the natural log of the intervals.
    epochs : IntervalSet, optional
        Intervals are taken within each epoch (default: the time support).

    Returns
    -------
    pandas.DataFrame
        Bin centres as index, one column per unit (``0`` for a single series).

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> ts = nap.Ts(t=np.array([0.0, 1.0, 3.0, 4.0, 8.0]))
    >>> nap.compute_isi_distribution(ts, bins=[0.0, 2.0, 5.0])[0].tolist()
    [2, 2]
    """

    if not isinstance(data, (Ts, Tsd, TsdFrame, TsdTensor, TsGroup)):
        raise MemphysTypeError("data should be a Ts, TsGroup, Tsd, TsdFrame, TsdTensor.")
    if isinstance(bins, bool) or not isinstance(bins, (int, list, np.ndarray)):
        raise MemphysTypeError("bins should be either int, list or np.ndarray.")
    if not isinstance(log_scale, bool):
        raise MemphysTypeError("log_scale should be of type bool.")
    if epochs is None:
        epochs = data.time_support
    diffs = data.time_diff(epochs=epochs)
    values = (
        {k: np.asarray(v.values) for k, v in diffs.items()}
        if isinstance(diffs, dict)
        else {0: np.asarray(diffs.values)}
    )
    if log_scale:
        with np.errstate(divide="ignore"):
            values = {k: np.log(v) for k, v in values.items()}
    if np.ndim(bins) == 0:
        if int(bins) < 1:  # type: ignore[arg-type]
            raise MemphysValueError("`bins` must be positive, when an integer")
        every = np.concatenate([v.ravel() for v in values.values()]) if values else np.zeros(0)
        if every.size == 0:
            raise MemphysValueError(
                "No intervals to histogram: each unit needs at least two times in an epoch "
                "to compute `bins` edges from the data; pass explicit bin edges instead."
            )
        edges = np.linspace(np.min(every), np.max(every), int(bins) + 1)  # type: ignore[arg-type]
    elif np.ndim(bins) == 1:
        edges = np.asarray(bins)
        if np.any(edges[:-1] > edges[1:]):
            raise MemphysValueError("`bins` must increase monotonically, when an array")
    else:
        raise MemphysValueError("`bins` must be 1d, when an array")
    return pd.DataFrame(
        index=(edges[:-1] + edges[1:]) / 2,
        data={k: np.histogram(v, edges)[0] for k, v in values.items()},
    )
