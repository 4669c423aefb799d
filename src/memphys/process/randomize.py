"""Surrogate spike trains: shifted, jittered, resampled or with shuffled intervals.

The draws come from numpy's global random state in pynapple's order (one draw per unit,
units in key order), so ``np.random.seed(s)`` gives the same surrogates as pynapple.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> ts = nap.Ts(t=np.array([1.0, 2.0, 4.0, 8.0]))
>>> np.random.seed(0)
>>> shuffled = nap.shuffle_ts_intervals(ts)
>>> np.diff(shuffled.t).tolist(), float(shuffled.t[0])
([4.0, 2.0, 1.0], 1.0)
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from memphys.core.interval_set import IntervalSet
from memphys.core.ts import Ts
from memphys.core.ts_group import TsGroup
from memphys.errors import ConversionWarning, MemphysTypeError, MemphysValueError

__all__ = ["jitter_timestamps", "resample_timestamps", "shift_timestamps", "shuffle_ts_intervals"]

_TYPE_ERROR = "Invalid input type, should be Ts or TsGroup"


def _uniform(low: Any, high: Any, size: int | None = None) -> Any:
    # numpy's global state on purpose: np.random.seed gives pynapple's draws
    return np.random.uniform(low, high, size)  # noqa: NPY002


def _permutation(x: np.ndarray) -> np.ndarray:
    return np.random.permutation(x)  # noqa: NPY002


def _times(ts: Any) -> np.ndarray:
    return np.asarray(ts.times(), dtype=np.float64)


def _warn_not_ts(group: TsGroup) -> None:
    for k in group:
        if not isinstance(group[k], Ts):
            warnings.warn(
                f"TsGroup entry {k} was not a Ts, but treating it as one!",
                ConversionWarning,
                stacklevel=3,
            )


def shift_timestamps(
    data: Ts | TsGroup,
    min_shift: float = 0.0,
    max_shift: float | None = None,
    mode: str = "drop",
) -> Ts | TsGroup:
    """Shift all the times of each unit by one random amount in ``[min_shift, max_shift)``.

    ``mode="drop"`` drops the times that leave the time support; ``mode="wrap"`` wraps them
    circularly between the first start and the last end of the support (times that fall
    in gaps between epochs are still dropped).

    Parameters
    ----------
    data : Ts or TsGroup
        With a TsGroup each unit gets its own shift.
    min_shift, max_shift : float
        Shift range (default ``max_shift``: the support's total length).
    mode : {"drop", "wrap"}

    Returns
    -------
    Ts or TsGroup
        On the same time support.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> ts = nap.Ts(t=[1.0, 4.5, 9.0], time_support=nap.IntervalSet(0, 10))
    >>> nap.shift_timestamps(ts, min_shift=2.0, max_shift=2.0, mode="wrap").t.tolist()
    [1.0, 3.0, 6.5]
    """
    if not isinstance(min_shift, (int, float)):
        raise MemphysTypeError("min_shift should be a number.")
    if max_shift is not None and not isinstance(max_shift, (int, float)):
        raise MemphysTypeError("max_shift should be a number.")
    if mode not in ("drop", "wrap"):
        raise MemphysValueError("mode must be either 'drop' or 'wrap'.")
    if not isinstance(data, (Ts, TsGroup)):
        raise MemphysTypeError("Invalid input, data should be a Ts or TsGroup.")
    support = data.time_support
    high = support.tot_length() if max_shift is None else max_shift

    def shift(ts: Any) -> Ts:
        amount = _uniform(min_shift, high)
        shifted = _times(ts) + amount
        if mode == "wrap" and len(support):
            start, end = float(support.start[0]), float(support.end[-1])
            shifted = start + (shifted - start) % (end - start)
        return Ts(t=np.sort(shifted), time_support=support)

    if isinstance(data, TsGroup):
        _warn_not_ts(data)
        return TsGroup({k: shift(data[k]) for k in data}, time_support=support)
    return shift(data)


def _shuffle_one(ts: Any) -> Ts:
    t = _times(ts)
    if t.size == 0:
        return Ts(t=t)
    gaps = _permutation(np.diff(t))
    return Ts(t=np.hstack([t[0], t[0] + np.cumsum(gaps)]))


def shuffle_ts_intervals(ts: Ts | TsGroup) -> Ts | TsGroup:
    """Shuffle the intervals between consecutive times (the first time is kept).

    Parameters
    ----------
    ts : Ts or TsGroup
        With a TsGroup each unit is shuffled independently.

    Returns
    -------
    Ts or TsGroup
        The time support is inferred from the new times (as pynapple).

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> ts = nap.Ts(t=[0.0, 1.0, 3.0])
    >>> out = nap.shuffle_ts_intervals(ts)
    >>> len(out), float(out.t[0]), float(out.t[-1])
    (3, 0.0, 3.0)
    """
    if isinstance(ts, TsGroup):
        return TsGroup({k: _shuffle_one(ts[k]) for k in ts})
    if isinstance(ts, Ts):
        return _shuffle_one(ts)
    raise MemphysTypeError(_TYPE_ERROR)


def jitter_timestamps(
    ts: Ts | TsGroup, max_jitter: float | None = None, keep_tsupport: bool = False
) -> Ts | TsGroup:
    """Move each time by its own uniform amount in ``[-max_jitter, max_jitter)``.

    Parameters
    ----------
    ts : Ts or TsGroup
    max_jitter : float
        Maximum jitter (required).
    keep_tsupport : bool
        Keep the input's time support (times that leave it are dropped); otherwise the
        support is inferred from the jittered times and no time is lost.

    Returns
    -------
    Ts or TsGroup

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> ts = nap.Ts(t=np.arange(0.0, 10.0))
    >>> out = nap.jitter_timestamps(ts, max_jitter=0.1)
    >>> len(out), bool(np.all(np.abs(out.t - ts.t) <= 0.1))
    (10, True)
    """
    if not isinstance(ts, (Ts, TsGroup)):
        raise MemphysTypeError(_TYPE_ERROR)
    if max_jitter is None:
        raise MemphysTypeError("missing required argument: max_jitter ")

    def jitter(unit: Any, support: IntervalSet | None) -> Ts:
        t = _times(unit)
        t = np.sort(t + _uniform(-max_jitter, max_jitter, len(t)))
        return Ts(t=t, time_support=support) if support is not None else Ts(t=t)

    if isinstance(ts, TsGroup):
        units = {k: jitter(ts[k], None) for k in ts}
        if keep_tsupport:
            return TsGroup(units, time_support=ts.time_support)
        return TsGroup(units)
    return jitter(ts, ts.time_support if keep_tsupport else None)


def resample_timestamps(ts: Ts | TsGroup) -> Ts | TsGroup:
    """Draw as many times as each unit has, uniformly between the support's bounds.

    A Ts uses its first and last time; a TsGroup uses the first epoch of its time support
    (as pynapple), and keeps its support.

    Parameters
    ----------
    ts : Ts or TsGroup

    Returns
    -------
    Ts or TsGroup

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> ts = nap.Ts(t=np.arange(0.0, 10.0))
    >>> out = nap.resample_timestamps(ts)
    >>> len(out), bool(out.t.min() >= 0.0 and out.t.max() <= 9.0)
    (10, True)
    """
    if isinstance(ts, TsGroup):
        support = ts.time_support
        start, end = float(support.start[0]), float(support.end[0])
        units = {k: Ts(t=np.sort(_uniform(start, end, len(ts[k])))) for k in ts}
        return TsGroup(units, time_support=support)
    if isinstance(ts, Ts):
        t = np.sort(_uniform(ts.start_time(), ts.end_time(), len(ts)))
        return Ts(t=t, time_support=ts.time_support)
    raise MemphysTypeError(_TYPE_ERROR)
