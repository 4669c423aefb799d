"""Peri-event alignment and event-triggered averages, reading only the windows around events.

pynapple 0.11.4's ``compute_perievent``, ``compute_event_triggered_average`` and
``compute_spike_triggered_average``, with its signatures, outputs and messages. pynapple
reads the whole support of the data for each of them; here the window of each event is
located with the time index, nearby windows are merged into contiguous reads (capped by
the memory budget), each is read once (through the engine, with ``n_jobs`` workers if
asked) and scattered into the result. On a memmap, zarr or HDF5 recording, 1,000 events
read about 1,000 windows of rows, whatever the recording's length.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> x = nap.Tsd(t=np.arange(0.0, 10.0, 0.5), d=np.arange(20.0))
>>> nap.compute_perievent(x, nap.Ts(t=[2.0, 5.0]), window=1.0).values
array([[ 2.,  8.],
       [ 3.,  9.],
       [ 4., 10.],
       [ 5., 11.],
       [ 6., 12.]])
"""

from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as np

from memphys.core.blocks import check_job_kwargs, memory_budget
from memphys.core.interval_set import IntervalSet
from memphys.core.time_index import TsIndex
from memphys.core.ts import Ts
from memphys.core.ts_group import TsGroup
from memphys.core.tsd import Tsd
from memphys.core.tsd_frame import TsdFrame
from memphys.core.tsd_tensor import TsdTensor
from memphys.engine import empty_result
from memphys.errors import (
    MemoryBudgetError,
    MemphysRuntimeError,
    MemphysTypeError,
    MemphysValueError,
)
from memphys.process._perievent_eta import event_triggered_average
from memphys.process._perievent_reads import read_ranges

__all__ = [
    "compute_event_triggered_average",
    "compute_perievent",
    "compute_spike_triggered_average",
]

_CONTINUOUS = (Tsd, TsdFrame, TsdTensor)
_SERIES = (Ts, Tsd, TsdFrame, TsdTensor)


# --- validation ---------------------------------------------------------------------------
def _check_time_unit(time_unit: Any) -> None:
    if not isinstance(time_unit, str) or time_unit not in ("s", "ms", "us"):
        raise MemphysRuntimeError("time_unit should be 's', 'ms' or 'us'")


def _check_window(window: Any) -> np.ndarray:
    if isinstance(window, Number):
        window = (window, window)
    try:
        ok = len(window) == 2 and all(isinstance(x, Number) for x in window)
    except TypeError:
        ok = False
    if not ok or not np.all(np.isfinite(np.asarray(window, dtype=np.float64))):
        raise MemphysRuntimeError("window should be a tuple of 2 numbers or a single number.")
    return np.asarray(window, dtype=np.float64)


def _check_epochs(epochs: Any, data: Any) -> IntervalSet:
    if epochs is None:
        return data.time_support
    if not isinstance(epochs, IntervalSet):
        raise MemphysTypeError(
            f"Invalid type for `epochs`: expected an IntervalSet or None, but got "
            f"{type(epochs).__name__}."
        )
    return epochs


def _irregular(name: str) -> MemphysRuntimeError:
    return MemphysRuntimeError(
        "Continuous data must be regularly sampled. Please interpolate or NaN-pad your data "
        f"to a uniform time grid before calling {name}."
    )


def is_regularly_sampled(data: Any, tolerance: float = 1e-6) -> bool:
    """pynapple's regularity test: every step within each epoch of the time support is
    within ``tolerance`` (relative) of the first step.

    O(1) for a regular time index; explicit timestamps are read in blocks.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> is_regularly_sampled(nap.Tsd(t=np.arange(5.0), d=np.zeros(5)))
    True
    >>> is_regularly_sampled(nap.Tsd(t=[0.0, 1.0, 3.0], d=np.zeros(3)))
    False
    """
    ti = data.time_index
    if len(ti) < 2 or ti.is_regular:
        return True
    sup = data.time_support
    p0, p1 = ti.epoch_positions(sup.start, sup.end)
    first: float | None = None
    block = 1 << 20
    for a, b in zip(np.asarray(p0).tolist(), np.asarray(p1).tolist(), strict=True):
        i = a
        while i + 1 < b:
            j = min(b, i + block + 1)
            d = np.diff(ti._read(i, j))
            if first is None:
                first = float(d[0])
            if not np.all(np.abs(d - first) / first < tolerance):
                return False
            i = j - 1
    return True


def _event_times(events: Any, epochs: IntervalSet) -> np.ndarray:
    return np.asarray(events.restrict(epochs).times(), dtype=np.float64)


def _output_budget(n_bytes: int, what: str) -> None:
    if n_bytes > memory_budget():
        raise MemoryBudgetError(
            f"{what} would allocate {n_bytes} bytes, over the memory budget ({memory_budget()} "
            "bytes). Use fewer events, a shorter window or fewer channels (e.g. "
            "`data[:, channels]`), or raise the budget with "
            "memphys.set_config(memory_budget=...)."
        )


def _window_index(before: float, after: float, step: float) -> tuple[np.ndarray, int, int]:
    """pynapple's output times for a window ``[-before, after]`` sampled every ``step``."""
    idx1 = -np.arange(0, before + step, step)[::-1][:-1]
    idx2 = np.arange(0, after + step, step)[1:]
    return np.hstack((idx1, np.zeros(1), idx2)), int(idx1.shape[0]), int(idx2.shape[0])


# --- compute_perievent --------------------------------------------------------------------
def compute_perievent(
    data: Any,
    events: Any,
    window: Any,
    time_unit: str = "s",
    epochs: IntervalSet | None = None,
    **job_kwargs: Any,
) -> Any:
    """Align ``data`` on the times of ``events``.

    * ``Ts`` data: a ``TsGroup`` with one ``Ts`` per event (times relative to the event,
      within ``[-before, after]``) and the event times as metadata ``events``.
    * ``TsGroup`` data: a dict ``{unit: TsGroup}``.
    * Regularly sampled ``Tsd`` / ``TsdFrame`` / ``TsdTensor``: a ``TsdFrame`` /
      ``TsdTensor`` of shape ``(n_window, n_events, ...)`` (float64): for each event, the
      samples around the sample closest to it (a tie goes to the later sample), NaN
      where the window leaves the epoch of the data's time support.

    Only the rows of the windows are read (nearby windows in one contiguous read).

    Parameters
    ----------
    data : Ts, Tsd, TsdFrame, TsdTensor or TsGroup
        The time series to align.
    events : Ts, Tsd, TsdFrame or TsdTensor
        The reference times (the times of the object).
    window : float or (float, float)
        The window, the same on both sides or ``(before, after)``; signs are ignored, so
        ``(-2, 1)`` means 2 before and 1 after.
    time_unit : {"s", "ms", "us"}
        Units of ``window``.
    epochs : IntervalSet, optional
        Only the events inside these epochs are used (default: the data's time support).
    **job_kwargs
        ``n_jobs``, ``pool_engine`` ... for the reads of a lazy source.

    Returns
    -------
    TsGroup, dict, TsdFrame or TsdTensor

    Raises
    ------
    RuntimeError
        Invalid ``time_unit`` or ``window``; continuous data not regularly sampled.
    TypeError
        ``data`` or ``events`` of the wrong type.
    ValueError
        No event inside the data's time support.
    MemoryBudgetError
        The result fits neither the available memory nor the temporary folder (a result
        larger than the available memory is a memmap of a temporary file, with a
        ``ResultOnDiskWarning``).

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> spikes = nap.Ts(t=[0.5, 1.2, 2.1, 3.5, 4.8])
    >>> peth = nap.compute_perievent(spikes, nap.Ts(t=[1.0, 3.0]), window=1.0)
    >>> peth[1].t
    array([-0.9,  0.5])
    >>> x = nap.TsdFrame(t=np.arange(0.0, 10.0, 0.5), d=np.arange(40.0).reshape(20, 2))
    >>> nap.compute_perievent(x, nap.Ts(t=[0.5, 5.0]), window=(-1, 0.5)).shape
    (4, 2, 2)
    """
    job_kwargs = check_job_kwargs(job_kwargs, "compute_perievent")
    _check_time_unit(time_unit)
    win = _check_window(window)
    if isinstance(data, TsGroup):
        return {
            k: compute_perievent(data[k], events, win, time_unit, epochs, **job_kwargs)
            for k in data
        }
    if not isinstance(data, _SERIES):
        raise MemphysTypeError(f"data should be a time series object: {type(data)}")
    if not isinstance(events, _SERIES):
        raise MemphysTypeError(f"events should be a time series object: {type(events)}")
    ep = _check_epochs(epochs, data)
    win = np.abs(TsIndex.format_timestamps(win, time_unit))
    times = _event_times(events, ep)
    support = IntervalSet(start=-win[0], end=win[1])
    if isinstance(data, Ts):
        return _align_discrete(data, times, win, support)
    if not is_regularly_sampled(data):
        raise _irregular("compute_perievent")
    return _align_continuous(data, times, win, support, job_kwargs)


def _align_discrete(data: Ts, times: np.ndarray, win: np.ndarray, support: IntervalSet) -> Any:
    ti = data.time_index
    lo = np.asarray(ti.searchsorted(times - win[0], side="left"), dtype=np.int64)
    hi = np.asarray(ti.searchsorted(times + win[1], side="right"), dtype=np.int64)
    aligned = {}
    for i, (a, b) in enumerate(zip(lo.tolist(), hi.tolist(), strict=True)):
        rel = ti._read(a, max(a, b)) - times[i]
        aligned[i] = Ts(t=rel, time_support=support)
    return TsGroup(aligned, metadata={"events": times}, time_support=support)


def _nearest_rows(ti: Any, times: np.ndarray, p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """The sample in ``[p, q)`` nearest each time (a tie goes to the later sample)."""
    j = np.clip(np.asarray(ti.searchsorted(times, side="left"), dtype=np.int64), p, q - 1)
    prev = np.maximum(j - 1, p)
    d_prev = np.abs(ti.take(prev) - times)
    d_next = np.abs(ti.take(j) - times)
    return np.where((j > p) & (d_next > d_prev), prev, j)


def _align_continuous(
    data: Any, times: np.ndarray, win: np.ndarray, support: IntervalSet, job: dict[str, Any]
) -> Any:
    ti = data.time_index
    trailing = tuple(data.shape[1:])
    step = float(ti.take(np.array([1]))[0] - ti.take(np.array([0]))[0]) if len(ti) > 1 else 0.0
    if len(ti) < 2:
        raise MemphysValueError(
            "No overlap between input and epochs, perievent matrix is empty... (the data "
            f"has {len(ti)} sample(s); at least 2 are needed to know its sampling step)"
        )
    time_idx, w0, w1 = _window_index(float(win[0]), float(win[1]), step)
    width = w0 + w1 + 1
    sup = data.time_support
    # events inside the data's time support, with their epoch
    starts = np.asarray(sup.start, dtype=np.float64)
    ends = np.asarray(sup.end, dtype=np.float64)
    k = np.searchsorted(starts, times, side="right") - 1
    inside = (k >= 0) & (times <= ends[np.maximum(k, 0)])
    times, k = times[inside], k[inside]
    n_ev = times.size
    n_feat = int(np.prod(trailing, dtype=np.int64))
    if n_ev == 0 or n_feat == 0:
        raise MemphysValueError("No overlap between input and epochs, perievent matrix is empty...")
    p0, p1 = ti.epoch_positions(starts, ends)
    p, q = np.asarray(p0)[k], np.asarray(p1)[k]
    has = q > p
    pos = np.zeros(n_ev, dtype=np.int64)
    if has.any():
        pos[has] = _nearest_rows(ti, times[has], p[has], q[has])
    left = np.where(has, np.minimum(w0, pos - p), 0)
    right = np.where(has, np.minimum(w1, q - pos - 1), -1)
    lo = pos - left
    hi = np.where(has, pos + right + 1, lo)
    # The result may be larger than the budget (then it lives in a temporary file); the
    # windows are read and placed batch by batch, each batch's reads and temporaries
    # within a quarter of the budget.
    out = empty_result(
        (width, n_ev, n_feat),
        np.float64,
        fill=np.nan,
        what="the result of compute_perievent",
        stacklevel=4,
    )
    per_event = width * max(n_feat, 1) * 8 * 3
    batch = max(1, memory_budget() // (4 * per_event))
    r = np.arange(width)[:, None]
    for e0 in range(0, n_ev, batch):
        e1 = min(n_ev, e0 + batch)
        blo, bhi = lo[e0:e1], hi[e0:e1]
        buf, off = read_ranges(data.values, blo, bhi, job_kwargs=job, what="compute_perievent")
        first = (w0 - left[e0:e1])[None, :]
        ok = (r >= first) & (r < first + (bhi - blo)[None, :])
        src = (off[None, :] + r - first)[ok]
        part = np.full((width, e1 - e0, n_feat), np.nan)
        part[ok] = buf.reshape(buf.shape[0], n_feat)[src]
        out[:, e0:e1] = part
    values = out.reshape(width, n_ev, *trailing)
    if values.ndim == 2:
        return TsdFrame(t=time_idx, d=values, time_support=support)
    return TsdTensor(t=time_idx, d=values, time_support=support)


# --- event-triggered averages -------------------------------------------------------------
def compute_event_triggered_average(
    data: Any,
    events: Any,
    binsize: Any,
    window: Any = 0,
    time_unit: str = "s",
    epochs: IntervalSet | None = None,
    **job_kwargs: Any,
) -> Any:
    """The average of ``data`` around the events (Event-Triggered Average), in bins.

    The events are counted in bins of ``binsize`` over ``epochs``; each bin takes the mean
    of the data samples inside it; the ETA at offset ``r`` bins is the count-weighted
    mean of the bin values ``r`` bins away from each event's bin (pynapple's definition,
    see :mod:`memphys.process._perievent_eta`). Only the samples of the bins within the
    window of some event are read, in contiguous runs.

    Parameters
    ----------
    data : Tsd, TsdFrame or TsdTensor
        The feature (regularly sampled).
    events : Ts, Tsd, TsdFrame, TsdTensor or TsGroup
        The events; a TsGroup gives one column per unit.
    binsize : float
        Bin size in ``time_unit``.
    window : float or (float, float)
        The window, the same on both sides or ``(before, after)`` (signs are ignored).
    time_unit : {"s", "ms", "us"}
        Units of ``binsize`` and ``window``.
    epochs : IntervalSet, optional
        Epochs to use (default: the data's time support).
    **job_kwargs
        ``n_jobs``, ``pool_engine`` ... for the reads of a lazy source.

    Returns
    -------
    TsdFrame or TsdTensor
        ``(n_window, n_units)`` for a Tsd, ``(n_window, n_units, *data.shape[1:])`` else.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> t = np.arange(0, 10, 0.1)
    >>> feature = nap.Tsd(t=t, d=np.sin(t))
    >>> eta = nap.compute_event_triggered_average(
    ...     feature, nap.Ts(t=[1.0, 3.0, 5.0, 7.0]), binsize=0.1, window=0.5)
    >>> eta.shape, round(float(eta.values[5, 0]), 6)
    ((11, 1), 0.170163)
    """
    job_kwargs = check_job_kwargs(job_kwargs, "compute_event_triggered_average")
    _check_time_unit(time_unit)
    win = _check_window(window)
    if not isinstance(data, _CONTINUOUS):
        raise MemphysTypeError(
            f"data should be a continuous time series (Tsd, TsdFrame, or TsdTensor): {type(data)}"
        )
    if not isinstance(events, (*_SERIES, TsGroup)):
        raise MemphysTypeError(f"events should be a time series object: {type(events)}")
    if isinstance(binsize, bool) or not isinstance(binsize, Number):
        raise MemphysTypeError(
            f"Invalid type for `binsize`: expected a number, but got {type(binsize).__name__}."
        )
    ep = _check_epochs(epochs, data)
    if not is_regularly_sampled(data):
        raise _irregular("compute_event_triggered_average")
    win = np.abs(TsIndex.format_timestamps(win, time_unit))
    bs = float(TsIndex.format_timestamps(np.array([binsize], dtype=np.float64), time_unit)[0])
    if not np.isfinite(bs) or bs <= 0:
        raise MemphysValueError(f"Invalid value for `binsize`: expected > 0, but got {binsize}.")
    time_idx, w0, w1 = _window_index(float(win[0]), float(win[1]), bs)
    count = events.count(bs, ep)
    counts = np.asarray(count.values)  # one row per bin: kept in its own (integer) dtype
    if counts.ndim == 1:
        counts = counts[:, None]
    n_feat = int(np.prod(tuple(data.shape[1:]), dtype=np.int64))
    _output_budget((w0 + w1 + 1) * counts.shape[1] * n_feat * 8, "compute_event_triggered_average")
    lb = np.array(count.t, dtype=np.float64)  # left edges, pynapple's rounding, in place
    del count
    lb -= bs / 2
    np.round(lb, 9, out=lb)
    eta = event_triggered_average(
        data,
        counts,
        lb,
        bs,
        np.asarray(ep.start, dtype=np.float64),
        np.asarray(ep.end, dtype=np.float64),
        w0,
        w1,
        job_kwargs,
    )
    if eta.ndim == 2:
        columns = list(events.keys()) if isinstance(events, TsGroup) else None
        return TsdFrame(t=time_idx, d=eta, columns=columns)
    return TsdTensor(t=time_idx, d=eta)


def compute_spike_triggered_average(
    data: Any,
    spikes: Any,
    binsize: Any,
    window: Any = 0,
    time_unit: str = "s",
    epochs: IntervalSet | None = None,
    **job_kwargs: Any,
) -> Any:
    """:func:`compute_event_triggered_average` with ``spikes`` as the events.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys as nap
    >>> x = nap.Tsd(t=np.arange(0, 10, 0.1), d=np.arange(100.0))
    >>> spikes = nap.TsGroup({0: nap.Ts(t=[2.0, 4.0])})
    >>> sta = nap.compute_spike_triggered_average(x, spikes, 0.1, 0.25)
    >>> sta.t.round(2), sta.values[:, 0]
    (array([-0.3, -0.2, -0.1,  0. ,  0.1,  0.2,  0.3]), array([27., 28., 29., 30., 31., 32., 33.]))
    """
    return compute_event_triggered_average(
        data=data,
        events=spikes,
        binsize=binsize,
        window=window,
        time_unit=time_unit,
        epochs=epochs,
        **job_kwargs,
    )
