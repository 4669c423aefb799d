"""Trial-based tensors and linear time warping (pynapple's ``build_tensor``, ``warp_tensor``).

Both return in-memory numpy arrays. ``build_tensor`` is ``to_trial_tensor`` (time series)
or ``trial_count`` (Ts, TsGroup). ``warp_tensor`` gives every trial ``num_bins`` bins with
the edges pynapple's ``count((end - start) / num_bins, trial)`` makes: spike trains are
counted with one search of all trials' edges per unit; a continuous trial longer than
``num_bins`` samples is bin-averaged (float64 sums of its rows, all trials at once), a
shorter one linearly interpolated, one of exactly ``num_bins`` samples copied. Only the
trials' rows of a lazy source are read (one contiguous read per trial, nearby trials
merged).

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> tsd = nap.Tsd(t=np.arange(100.0), d=np.arange(100.0))
>>> ep = nap.IntervalSet(start=[20, 40], end=[22, 44])
>>> nap.warp_tensor(tsd, ep, num_bins=3)
array([[20. , 21. , 22. ],
       [40.5, 42. , 43. ]])
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from functools import wraps
from numbers import Number
from typing import Any, TypeVar

import numpy as np

from memphys.core.blocks import count_bin_edges, memory_budget
from memphys.core.interval_set import IntervalSet
from memphys.core.ts import Ts
from memphys.core.ts_group import TsGroup
from memphys.core.tsd import Tsd
from memphys.core.tsd_frame import TsdFrame
from memphys.core.tsd_tensor import TsdTensor
from memphys.engine import empty_result
from memphys.errors import (
    MemphysRuntimeError,
    MemphysTypeError,
    MemphysValueError,
)
from memphys.process._perievent_reads import read_ranges

__all__ = ["build_tensor", "warp_tensor"]

F = TypeVar("F", bound=Callable[..., Any])

_TYPES: dict[str, tuple[type, ...]] = {
    "input": (Ts, Tsd, TsdFrame, TsdTensor, TsGroup),
    "epochs": (IntervalSet,),
    "bin_size": (Number,),
    "time_unit": (str,),
    "align": (str,),
    "padding_value": (Number,),
    "num_bins": (int,),
}


def _validated(func: F) -> F:
    """Check the types of the arguments given (pynapple's messages)."""
    sig = inspect.signature(func)

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        given = sig.bind_partial(*args, **kwargs).arguments
        for name, types in _TYPES.items():
            if name in given and not isinstance(given[name], types):
                names = [t.__name__ for t in types]
                raise MemphysTypeError(f"Invalid type. Parameter {name} must be of type {names}.")
        return func(**given)

    return wrapper  # type: ignore[return-value]


@_validated
def build_tensor(
    input: Any,
    epochs: IntervalSet,
    bin_size: Any = None,
    align: str = "start",
    padding_value: Any = np.nan,
    time_unit: str = "s",
) -> np.ndarray:
    """A trial-based tensor, one trial per epoch, padded to the longest trial.

    * ``TsGroup`` / ``Ts``: event counts in bins of ``bin_size``,
      ``(n_units, n_trials, n_bins)`` (``(n_trials, n_bins)`` for a Ts).
    * ``Tsd`` / ``TsdFrame`` / ``TsdTensor``: the samples of each trial,
      ``(*shape[1:], n_trials, n_samples)``.

    Parameters
    ----------
    input : Ts, Tsd, TsdFrame, TsdTensor or TsGroup
    epochs : IntervalSet
        The trials (of any lengths).
    bin_size : float, optional
        Bin size for Ts and TsGroup (required for them).
    align : {"start", "end"}
        Align trials on their start (padding after) or end (padding before).
    padding_value : float
        Value of the padding (default NaN).
    time_unit : {"s", "ms", "us"}
        Units of ``bin_size``.

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> group = nap.TsGroup({0: nap.Ts(t=np.arange(0, 100))})
    >>> ep = nap.IntervalSet(start=[20, 40], end=[22, 44])
    >>> nap.build_tensor(group, ep, bin_size=1)
    array([[[ 1.,  1., nan, nan],
            [ 1.,  1.,  1.,  1.]]])
    """
    if time_unit not in ("s", "ms", "us"):
        raise MemphysRuntimeError("time_unit should be 's', 'ms' or 'us'")
    if align not in ("start", "end"):
        raise MemphysRuntimeError("align should be 'start' or 'end'")
    if isinstance(input, TsGroup | Ts):
        if not isinstance(bin_size, Number):
            raise MemphysRuntimeError(
                "When input is a TsGroup or Ts object, bin_size should be specified"
            )
        return np.asarray(
            input.trial_count(epochs, float(bin_size), align, padding_value, time_unit)  # type: ignore[arg-type]
        )
    return np.asarray(input.to_trial_tensor(epochs, align, padding_value))


@_validated
def warp_tensor(input: Any, epochs: IntervalSet, num_bins: int) -> np.ndarray:
    """A linearly time-warped trial tensor: every trial is cut into ``num_bins`` bins.

    * ``TsGroup`` / ``Ts``: counts in ``num_bins`` equal bins of each trial,
      ``(n_units, n_trials, num_bins)`` (``(n_trials, num_bins)`` for a Ts).
    * ``Tsd`` / ``TsdFrame`` / ``TsdTensor``: ``(*shape[1:], n_trials, num_bins)``; a trial
      with more samples than ``num_bins`` is bin-averaged, one with fewer is linearly
      interpolated at ``num_bins`` evenly spaced times, an empty one is NaN.

    Parameters
    ----------
    input : Ts, Tsd, TsdFrame, TsdTensor or TsGroup
    epochs : IntervalSet
        The trials.
    num_bins : int
        Bins per trial (positive).

    Returns
    -------
    numpy.ndarray

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> group = nap.TsGroup({0: nap.Ts(t=np.arange(0, 100))})
    >>> ep = nap.IntervalSet(start=[20, 40], end=[22, 44])
    >>> nap.warp_tensor(group, ep, num_bins=4)
    array([[[1., 0., 1., 0.],
            [1., 1., 1., 1.]]])
    """
    if num_bins <= 0:
        raise MemphysRuntimeError("num_bins should be positive integer.")
    if isinstance(input, TsGroup | Ts):
        return _warp_counts(input, epochs, num_bins)
    return _warp_series(input, epochs, num_bins)


def _trial_edges(epochs: IntervalSet, num_bins: int) -> tuple[np.ndarray, np.ndarray]:
    """The bin edges of every trial, as ``count((end - start) / num_bins, trial)`` makes
    them (one sorted array; ``opens`` marks the edges that open a bin)."""

    starts = np.asarray(epochs.start, dtype=np.float64)
    ends = np.asarray(epochs.end, dtype=np.float64)
    sizes = (ends - starts) / num_bins
    edges, opens = [], []
    for i in range(starts.size):
        _, e, o, n = count_bin_edges(starts[i : i + 1], ends[i : i + 1], float(sizes[i]))
        if int(n[0]) != num_bins:  # pynapple would fail to broadcast the counts
            raise MemphysValueError(
                f"Trial {i} ([{starts[i]}, {ends[i]}]) gives {int(n[0])} bins of "
                f"{sizes[i]} s instead of {num_bins}: the trial is too short for num_bins."
            )
        edges.append(e)
        opens.append(o)
    if not edges:
        return np.zeros(0), np.zeros(0, dtype=bool)
    return np.concatenate(edges), np.concatenate(opens)


def _warp_counts(input: Any, epochs: IntervalSet, num_bins: int) -> np.ndarray:
    units = [input] if isinstance(input, Ts) else [input[k] for k in list(input.keys())]
    out = empty_result(
        (len(units), len(epochs), num_bins), np.float64, fill=0.0, what="the result of warp_tensor"
    )
    edges, opens = _trial_edges(epochs, num_bins)
    if edges.size:
        which = np.flatnonzero(opens)
        for u, unit in enumerate(units):
            pos = np.asarray(unit.time_index.searchsorted(edges, side="left"), dtype=np.int64)
            counts = pos[which + 1] - pos[which]
            out[u] = counts.reshape(len(epochs), num_bins)
    return out[0] if isinstance(input, Ts) else out


def _warp_series(input: Any, epochs: IntervalSet, num_bins: int) -> np.ndarray:
    trailing = tuple(input.shape[1:])
    n_feat = int(np.prod(trailing, dtype=np.int64))
    n_tr = len(epochs)
    out = empty_result((n_tr, num_bins, n_feat), np.float64, what="the result of warp_tensor")
    starts = np.asarray(epochs.start, dtype=np.float64)
    ends = np.asarray(epochs.end, dtype=np.float64)
    ti = input.time_index
    p0, p1 = ti.epoch_positions(starts, ends)
    p0, p1 = np.asarray(p0, dtype=np.int64), np.asarray(p1, dtype=np.int64)
    # trials in batches whose samples fit a quarter of the budget (one trial at least)
    row = max(1, n_feat) * max(1, np.dtype(input.dtype).itemsize) * 3
    cap = max(1, memory_budget() // (4 * row))
    cum = np.cumsum(np.maximum(p1 - p0, 0))
    first = 0
    while first < n_tr:
        done = int(cum[first - 1]) if first else 0
        last = max(first + 1, int(np.searchsorted(cum, done + cap, side="right")))
        sel = np.arange(first, last)
        out[first:last] = _warp_batch(
            input, starts[sel], ends[sel], p0[sel], p1[sel], num_bins, n_feat
        )
        first = last
    res = out.reshape(n_tr, num_bins, *trailing)
    if res.ndim > 2:
        res = np.moveaxis(res, source=[0, 1], destination=[-2, -1])
    return res


def _warp_batch(
    input: Any,
    starts: np.ndarray,
    ends: np.ndarray,
    p0: np.ndarray,
    p1: np.ndarray,
    num_bins: int,
    n_feat: int,
) -> np.ndarray:
    """The warped rows of the trials ``[starts, ends)`` (samples ``[p0, p1)``), in memory."""
    ti = input.time_index
    out = np.full((starts.size, num_bins, n_feat), np.nan)
    n = p1 - p0
    # one contiguous read per trial (nearby trials merged)
    buf, off = read_ranges(input.values, p0, p1, what="warp_tensor")
    flat = buf.reshape(buf.shape[0], n_feat)
    same = np.flatnonzero(n == num_bins)
    if same.size:
        rows = off[same, None] + np.arange(num_bins)[None, :]
        out[same] = flat[rows]
    longer = np.flatnonzero(n > num_bins)
    if longer.size:  # bin averages: the rows of each bin, summed in float64
        sub = IntervalSet(start=starts[longer], end=ends[longer])
        edges, opens = _trial_edges(sub, num_bins)
        pos = np.asarray(ti.searchsorted(edges, side="left"), dtype=np.int64)
        which = np.flatnonzero(opens)
        lo = pos[which].reshape(longer.size, num_bins)
        hi = pos[which + 1].reshape(longer.size, num_bins)
        lo = np.clip(lo, p0[longer, None], p1[longer, None])
        hi = np.clip(hi, p0[longer, None], p1[longer, None])
        b_lo = (lo - p0[longer, None] + off[longer, None]).reshape(-1)
        b_hi = (hi - p0[longer, None] + off[longer, None]).reshape(-1)
        pad = np.concatenate([flat, np.zeros((1, n_feat), dtype=flat.dtype)], axis=0)
        idx = np.empty(2 * b_lo.size, dtype=np.int64)
        idx[0::2], idx[1::2] = b_lo, b_hi
        sums = np.add.reduceat(pad, idx, axis=0, dtype=np.float64)[0::2]
        cnt = (b_hi - b_lo).astype(np.float64)
        with np.errstate(invalid="ignore", divide="ignore"):
            means = np.where(cnt[:, None] > 0, sums / cnt[:, None], np.nan)
        out[longer] = means.reshape(longer.size, num_bins, n_feat)
    for i in np.flatnonzero((n > 0) & (n < num_bins)).tolist():  # linear interpolation
        xp = ti._read(int(p0[i]), int(p1[i]))
        fp = flat[off[i] : off[i] + n[i]].astype(np.float64)
        at = np.linspace(starts[i], ends[i], num_bins)
        for f in range(n_feat):
            out[i, :, f] = np.interp(at, xp, fp[:, f])
    return out
