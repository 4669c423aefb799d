"""Time indexes: regular ``(start, rate, n)`` or explicit timestamps, behind one interface.

A time series' times are a :class:`TimeIndex`:

- :class:`RegularTimeIndex` for regularly sampled data: O(1) memory, O(1) ``searchsorted``
  and slicing, values computed when asked (``np.arange(n) / rate + start``, bit for bit).
- :class:`ExplicitTimeIndex` for explicit float64 timestamps, in memory or read lazily
  from a memmap, ``.npy``, zarr or HDF5 source. They are validated once, in blocks
  (finite, non-decreasing), and never sorted behind the user's back: unsorted timestamps
  raise :class:`~memphys.errors.TimeIndexError` naming the first offending position, and
  :func:`sort_by_time` reorders times *and data* together.

:func:`as_time_index` builds the right kind from timestamps, storing them as a regular
index when ``(start, rate, n)`` reproduces them exactly. :class:`TsIndex` is pynapple's
public ndarray-based index, kept for compatibility.

Examples
--------
>>> import numpy as np
>>> from memphys.core.time_index import as_time_index
>>> fs = 1250.0
>>> idx = as_time_index(np.arange(10_000) / fs)
>>> idx
RegularTimeIndex(start=0.0, rate=1250.0, n=10000)
>>> bool(np.array_equal(idx.values, np.arange(10_000) / fs)), idx.nbytes
(True, 48)
>>> as_time_index(np.array([0.0, 0.1, 0.25]))
ExplicitTimeIndex(n=3, start=0.0, end=0.25)
"""

from __future__ import annotations

import contextlib
from typing import Any

import numpy as np

from memphys._validation import value_error
from memphys.arrays.base import LazyArray
from memphys.config import get_config
from memphys.core import _time_index_base as _tb
from memphys.core._time_index_base import (
    TimeIndex,
    TsIndex,
    check_same_length,
    scan_timestamps,
    time_index_from_recipe,
)
from memphys.core._time_index_explicit import ExplicitTimeIndex, _FenceBuilder
from memphys.core._time_index_regular import RegularTimeIndex
from memphys.core.time_units import check_time_units, to_seconds
from memphys.errors import MemphysTypeError, MemphysValueError, TimeIndexError

__all__ = [
    "TimeIndex",
    "RegularTimeIndex",
    "ExplicitTimeIndex",
    "TsIndex",
    "as_time_index",
    "check_same_length",
    "is_regular",
    "sort_by_time",
    "time_index_from_recipe",
    "validate_timestamps",
]


# --- regularity ---------------------------------------------------------------------------
def _near(x: float, k: int = 2) -> list[float]:
    """``x`` and its ``k`` float64 neighbours on each side."""
    out = [x]
    lo = hi = x
    for _ in range(k):
        lo, hi = float(np.nextafter(lo, -np.inf)), float(np.nextafter(hi, np.inf))
        out += [lo, hi]
    return out


def _candidates(t0: float, t1: float, tl: float, n: int) -> list[RegularTimeIndex]:
    """Regular indexes that may reproduce timestamps with these first/second/last times."""
    span = tl - t0
    if n < 3 or not (span > 0 and t1 > t0 and np.isfinite(span)):
        return []
    with np.errstate(over="ignore", divide="ignore"):
        r_est = (n - 1) / span
        r_first = 1.0 / (t1 - t0)
    if not (np.isfinite(r_est) and np.isfinite(r_first)):
        return []  # subnormal spacings: no sampling rate can describe them
    rates = [*_near(r_est), r_first]
    for k in range(7):  # a nominal rate with few decimals (1250, 30000, 29999.87 ...)
        r = round(r_est, k)
        if r > 0 and abs(r - r_est) <= 1e-6 * r_est:
            rates += _near(r, 1)
    periods = _near(span / (n - 1)) + [t1 - t0] + [1.0 / r for r in rates]
    out: list[RegularTimeIndex] = []
    seen: set[tuple[Any, ...]] = set()

    def add(**kw: Any) -> None:
        key = tuple(sorted(kw.items()))
        if key in seen:
            return
        seen.add(key)
        with contextlib.suppress(MemphysValueError):
            out.append(RegularTimeIndex(n=n, declared=False, **kw))

    for r in rates:
        add(start=t0, rate=r)
    for p in periods:
        add(start=t0, period=p)
    for r in rates:  # a slice of a grid starting at 0: t = (k0 + i) / rate
        if not np.isfinite(t0 * r):
            continue
        k0 = round(t0 * r)
        if k0 >= 1 and abs(t0 * r - k0) <= 1e-6:
            add(start=0.0, rate=r, offset=k0)
    for p in periods:
        if not (p > 0 and np.isfinite(t0 / p)):
            continue
        k0 = round(t0 / p)
        if k0 >= 1 and abs(t0 / p - k0) <= 1e-6:
            add(start=0.0, period=p, offset=k0)
    return out


_VERIFY_BLOCK = 32_768  # 256 KiB of float64: stays in cache with its twin buffer


def _reproduces(c: RegularTimeIndex, ex: ExplicitTimeIndex) -> bool:
    """True if ``c`` gives exactly the times of ``ex`` (compared block by block)."""
    n = len(ex)
    view = ex._view_reader()
    buf = np.empty(_VERIFY_BLOCK, dtype=np.float64)
    ramp = np.arange(_VERIFY_BLOCK, dtype=np.float64)
    for a in range(0, n, _VERIFY_BLOCK):
        b = min(a + _VERIFY_BLOCK, n)
        if not np.array_equal(c._read_into(a, b, buf, ramp), view(a, b)):
            return False
    return True


def _detect(ex: ExplicitTimeIndex, exact: bool, tolerance: float) -> TimeIndex:
    """Validate ``ex`` in one blocked pass and return a regular index reproducing it, if any."""
    n = len(ex)
    cands: list[tuple[RegularTimeIndex, float]] = []
    if n >= 3:
        head = ex._read(0, 2)
        tl = float(ex._read(n - 1, n)[0])
        spots = np.unique(np.linspace(0, n - 1, 17).astype(np.int64))
        spot_t = ex.take(spots)
        for c in _candidates(float(head[0]), float(head[1]), tl, n):
            if np.array_equal(c.take(spots), spot_t):
                cands.append((c, 0.0))
            if len(cands) >= 4:
                break
        if not exact and tolerance > 0 and tl > head[0]:
            lossy = RegularTimeIndex(
                float(head[0]), period=(tl - float(head[0])) / (n - 1), n=n, declared=False
            )
            cands.append((lossy, tolerance * lossy.period))
    # Fast path: a candidate that reproduces every timestamp is finite and sorted by
    # construction, so one comparison pass in cache-sized reused buffers validates t.
    for c, atol in cands:
        if atol == 0 and _reproduces(c, ex):
            return c
    cands = [(c, atol) for c, atol in cands if atol != 0]
    alive = [True] * len(cands)
    fences = _FenceBuilder()

    def on_block(a: int, x: np.ndarray) -> None:
        for k, (c, atol) in enumerate(cands):
            if alive[k]:
                v = c._read(a, a + x.size)
                ok = np.array_equal(v, x) if atol == 0 else bool(np.max(np.abs(v - x)) <= atol)
                alive[k] = ok
        if ex.is_lazy:
            fences.add(a, x)

    scan_timestamps(ex._read, n, on_block)
    for k, (c, _) in enumerate(cands):
        if alive[k]:
            return c
    ex._validated = True
    if ex.is_lazy:
        ex._fences = fences.result()
    return ex


def as_time_index(
    t: Any = None,
    *,
    rate: float | None = None,
    start: float | None = None,
    n: int | None = None,
    time_units: str = "s",
    check: bool = True,
    exact: bool = True,
    regular_tolerance: float | None = None,
) -> TimeIndex:
    """Build the time index of a time series, regular whenever that loses nothing.

    Parameters
    ----------
    t : array_like, np.memmap, LazyArray or TimeIndex, optional
        Timestamps. A :class:`TimeIndex` is returned as is.
    rate, start, n : optional
        Without ``t``: a :class:`RegularTimeIndex` of ``n`` samples at ``rate`` Hz from
        ``start`` (in ``time_units``, default 0).
    time_units : {"s", "ms", "us"}
        Units of ``t`` and ``start``.
    check : bool
        Validate the timestamps (finite, sorted; one blocked pass) and detect regularity in
        the same pass. With ``check=False`` the timestamps are trusted and kept explicit.
    exact : bool
        With ``True`` (default) a regular index is returned only when it reproduces every
        timestamp *bit for bit*, so values and every search are identical to the explicit
        index. Forms recognised: ``i / rate + start`` (``np.arange(n) / fs + t0``),
        ``i * period + start`` (``np.arange(0, T, 1 / fs)``) and ``(k0 + i) / rate`` (a
        slice of either).
    regular_tolerance : float, optional
        Only with ``exact=False``: also accept timestamps whose every value lies within
        ``regular_tolerance * period`` of ``start + i * period`` (``period`` fitted from the
        first and last times), e.g. ``np.linspace``; their values then change by at most
        that much, and searches at exactly the original times may move by one sample.
        Defaults to the ``regular_tolerance`` setting (1e-6 of a period).

    Returns
    -------
    TimeIndex
        A :class:`RegularTimeIndex` or a validated :class:`ExplicitTimeIndex`.

    The pass reads ``t`` in blocks of 512 Ki samples; temporaries are a few blocks (a few
    tens of MB at most), never O(n) float64.

    Examples
    --------
    >>> as_time_index(rate=30000.0, n=4, start=1.0)
    RegularTimeIndex(start=1.0, rate=30000.0, n=4)
    >>> as_time_index(np.arange(3, 9) / 30000.0)
    RegularTimeIndex(start=0.0, rate=30000.0, n=6, offset=3, step=1)
    >>> as_time_index(np.linspace(0, 1, 11))
    RegularTimeIndex(start=0.0, period=0.1, n=11)
    >>> jittered = np.arange(5) / 10 + np.array([0, 1e-9, 0, -1e-9, 0])
    >>> as_time_index(jittered)
    ExplicitTimeIndex(n=5, start=0.0, end=0.4)
    >>> as_time_index(jittered, exact=False)  # within 1e-6 of a period: snapped
    RegularTimeIndex(start=0.0, period=0.1, n=5)
    """
    if isinstance(t, TimeIndex):
        return t
    units = check_time_units(time_units)
    if t is None:
        if rate is None or n is None:
            raise value_error(
                "t", "timestamps, or `rate` and `n` for a regular index", "none of them"
            )
        s0 = 0.0 if start is None else float(to_seconds(start, units))
        return RegularTimeIndex(start=s0, rate=rate, n=n)
    ex = ExplicitTimeIndex(t, time_units=units, check=False)
    if not check:
        return ex
    tol = float(get_config("regular_tolerance") if regular_tolerance is None else regular_tolerance)
    return _detect(ex, exact, tol)


def is_regular(t: Any, tolerance: float | None = None) -> bool:
    """True if every time is within ``tolerance * period`` of ``t[0] + i * period``.

    ``period`` is ``(t[-1] - t[0]) / (n - 1)``; ``tolerance`` defaults to the
    ``regular_tolerance`` setting. Runs in blocks (O(block) temporaries). A
    :class:`TimeIndex` answers from its kind for a regular index.

    Examples
    --------
    >>> is_regular(np.arange(100) / 20.0), is_regular(np.array([0.0, 1.0, 1.5]))
    (True, False)
    """
    if isinstance(t, RegularTimeIndex):
        return True
    ex = t if isinstance(t, TimeIndex) else ExplicitTimeIndex(t, check=False)
    tol = float(get_config("regular_tolerance") if tolerance is None else tolerance)
    n = len(ex)
    if n < 2:
        return False
    t0, tl = float(ex._read(0, 1)[0]), float(ex._read(n - 1, n)[0])
    if not (np.isfinite(t0) and np.isfinite(tl) and tl > t0):
        return False
    period = (tl - t0) / (n - 1)
    for a in range(0, n, _tb.BLOCK):
        x = ex._read(a, min(a + _tb.BLOCK, n))
        line = np.arange(a, a + x.size, dtype=np.float64)
        line *= period
        line += t0
        line -= x
        np.abs(line, out=line)
        if not bool(np.all(line <= tol * period)):  # NaN fails too
            return False
    return True


def validate_timestamps(t: Any, time_units: str = "s") -> None:
    """Raise :class:`~memphys.errors.TimeIndexError` unless ``t`` is finite and sorted.

    Blocked (bounded memory); the error names the first offending position.

    Examples
    --------
    >>> validate_timestamps(np.array([0.0, 1.0, np.nan]))
    Traceback (most recent call last):
    ...
    memphys.errors.TimeIndexError: Timestamps must be finite: t[2] = nan. Drop the samples...
    """
    ExplicitTimeIndex(t, time_units=time_units, check=True)


# --- sorting ------------------------------------------------------------------------------
def sort_by_time(t: Any, d: Any = None) -> tuple[np.ndarray, Any]:
    """Reorder timestamps *and their data* together (stable sort), in memory.

    memphys never sorts timestamps on its own (pynapple sorts the times and leaves the
    data in place, pairing values with the wrong times). Call this explicitly.

    Parameters
    ----------
    t : array_like
        1-D timestamps. NaN times end up last (and are still refused by the index).
    d : array_like, optional
        Data with ``len(d) == len(t)``, reordered along axis 0 (any number of dimensions).
        Lazy sources (memmap, zarr, HDF5) are refused: sorting would load them whole.

    Returns
    -------
    t_sorted : numpy.ndarray
    d_sorted : numpy.ndarray or None

    Examples
    --------
    >>> t, d = sort_by_time([3.0, 1.0, 2.0, 1.0], ["c", "a", "b", "a2"])
    >>> t, d
    (array([1., 1., 2., 3.]), array(['a', 'a2', 'b', 'c'], dtype='<U2'))
    """
    for name, x in (("t", t), ("d", d)):
        if isinstance(x, LazyArray | np.memmap) or (
            x is not None and not isinstance(x, np.ndarray) and hasattr(x, "chunks")
        ):
            raise MemphysTypeError(
                f"Invalid type for `{name}`: expected an in-memory array, but got a lazy "
                f"source ({type(x).__name__}); sorting it would load it whole. Load it with "
                "np.asarray(...) if it fits in memory, or rewrite the file sorted by time."
            )
    tt = np.asarray(t)
    if tt.ndim != 1:
        raise TimeIndexError(
            f"Invalid value for `t`: expected 1-D timestamps, but got shape {tt.shape}."
        )
    order = np.argsort(tt, kind="stable")
    if d is None:
        return tt[order], None
    dd = np.asarray(d)
    check_same_length(tt, dd)
    return tt[order], dd[order]
