"""Shared checks of the spectral functions: argument types with pynapple's messages, the
sampling rate, and the job kwargs.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> sig = nap.Tsd(t=np.arange(100) / 100.0, d=np.zeros(100))
>>> resolve_fs(sig, None)  # pynapple's rate: samples per second of time support
101.01010101010101
>>> resolve_fs(sig, 50.0)
Traceback (most recent call last):
...
memphys.errors.MemphysValueError: Invalid value for `fs`: expected the sampling rate of `sig` ...
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

from memphys.errors import MemphysTypeError, MemphysUserWarning, MemphysValueError

__all__ = [
    "FS_RTOL",
    "check_job_kwargs",
    "check_param_types",
    "resolve_fs",
]

#: Relative difference tolerated between ``fs`` and the spacing of the timestamps.
FS_RTOL = 0.01

#: pynapple's spelling of the types in its "Invalid type" messages (its tests compare it).
_PYNAPPLE_TYPE_NAMES = {
    "sig": (
        "(<class 'pynapple.core.time_series.Tsd'>, <class 'pynapple.core.time_series.TsdFrame'>)"
    ),
    "fs": "<class 'numbers.Number'>",
    "ep": "<class 'pynapple.core.interval_set.IntervalSet'>",
    "full_range": "<class 'bool'>",
    "norm": "<class 'bool'>",
    "n": "<class 'int'>",
    "time_unit": "<class 'str'>",
    "interval_size": "<class 'numbers.Number'>",
    "overlap": "<class 'float'>",
}


def _is_real(x: Any) -> bool:
    return isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_)


def _type_ok(name: str, value: Any) -> bool:
    from memphys.core.interval_set import IntervalSet
    from memphys.core.tsd import Tsd
    from memphys.core.tsd_frame import TsdFrame

    if name == "sig":
        return isinstance(value, Tsd | TsdFrame)
    if name in ("fs", "interval_size", "overlap"):
        return _is_real(value)
    if name == "ep":
        return isinstance(value, IntervalSet)
    if name in ("full_range", "norm"):
        return isinstance(value, bool | np.bool_)
    if name == "n":
        return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)
    if name == "time_unit":
        return isinstance(value, str)
    raise AssertionError(name)  # pragma: no cover - internal


def check_param_types(optional: tuple[str, ...] = ("fs", "ep", "n"), **params: Any) -> None:
    """Raise pynapple's ``TypeError`` text for a parameter of the wrong type.

    Parameters named in ``optional`` may be None (their default).

    >>> check_param_types(full_range="a")
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysTypeError: Invalid type. Parameter full_range must be of type
    <class 'bool'>. Got str.
    """
    for name, value in params.items():
        if value is None and name in optional:
            continue
        if not _type_ok(name, value):
            raise MemphysTypeError(
                f"Invalid type. Parameter {name} must be of type {_PYNAPPLE_TYPE_NAMES[name]}. "
                f"Got {type(value).__name__}."
            )


def _spacing_rate(sig: Any) -> float | None:
    """Sampling rate from the spacing of the timestamps: exact for a regular index, else
    the median spacing within epochs, read from a bounded sample (None if too few)."""
    ti = sig.time_index
    if ti.is_regular:
        rate = ti.rate
        return float(rate) if rate is not None and np.isfinite(rate) and rate > 0 else None
    from memphys.core.blocks import epoch_rows

    i0, i1 = epoch_rows(sig, sig.time_support)
    diffs: list[np.ndarray] = []
    total = 0
    for a, b in zip(i0.tolist()[:64], i1.tolist()[:64], strict=True):
        if b - a >= 2:
            d = np.diff(ti._read(a, min(b, a + 2048)))
            diffs.append(d)
            total += d.size
        if total >= 2048:
            break
    if total < 8:
        return None
    period = float(np.median(np.concatenate(diffs)))
    return 1.0 / period if period > 0 else None


def resolve_fs(sig: Any, fs: Any, name: str = "fs") -> float:
    """The sampling rate to use: ``fs`` checked against the timestamps, or ``sig.rate``.

    ``fs`` must be a finite positive number within :data:`FS_RTOL` of the rate given by the
    spacing of the timestamps (a wrong ``fs`` silently shifts every frequency). Without
    ``fs``, ``sig.rate`` is used as pynapple does (samples per second of time support),
    with a warning when it disagrees with the spacing of the timestamps (a time support
    larger than the span of the samples).
    """
    spacing = _spacing_rate(sig)
    if fs is None:
        rate = float(sig.rate)
        if not (np.isfinite(rate) and rate > 0):
            raise MemphysValueError(
                f"Invalid value for `sig`: its sampling rate ({rate}) is not a positive number "
                "(too few samples?). Pass `fs=`."
            )
        n = len(sig)
        support = sig.time_support
        expected = float(np.sum(support.end - support.start)) * spacing if spacing else n
        # n samples span (n - 1) periods per epoch: allow one sample per epoch besides 1%
        if spacing is not None and abs(n - expected) > FS_RTOL * n + len(support):
            warnings.warn(
                f"sig.rate ({rate:g} Hz, samples per second of time support) differs from the "
                f"spacing of the timestamps ({spacing:g} Hz): the time support is not covered "
                "by samples. Frequencies are computed with sig.rate, as pynapple does; pass "
                "`fs=` to use the sampling rate of the timestamps.",
                MemphysUserWarning,
                stacklevel=3,
            )
        return rate
    value = float(fs)
    if not (np.isfinite(value) and value > 0):
        raise MemphysValueError(
            f"Invalid value for `{name}`: expected a finite positive sampling rate in Hz, but "
            f"got {fs!r}."
        )
    if spacing is not None and abs(value / spacing - 1) > FS_RTOL:
        raise MemphysValueError(
            f"Invalid value for `{name}`: expected the sampling rate of `sig` (its timestamps "
            f"are spaced at {spacing:g} Hz), but got {fs!r}. A wrong `fs` shifts every "
            "frequency; pass fs=None to use the signal's own rate."
        )
    return value


def check_job_kwargs(kwargs: dict[str, Any], func: str) -> dict[str, Any]:
    """The job kwargs in ``kwargs`` (validated); any other name is a ``TypeError``."""
    from memphys.engine import resolve_job_kwargs, split_job_kwargs

    job, other = split_job_kwargs(kwargs)
    if other:
        names = ", ".join(sorted(other))
        raise MemphysTypeError(
            f"{func}() got unexpected keyword argument(s): {names}. Expected job kwargs "
            "(n_jobs, chunk_size, chunk_duration, chunk_memory, total_memory, progress_bar, "
            "mp_context, pool_engine, max_threads_per_worker, dask_client)."
        )
    resolve_job_kwargs(**job)  # validate now, before any work
    return job
