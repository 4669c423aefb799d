"""Job kwargs: how a chunked run is parallelised and how large its blocks are.

The names and meanings follow SpikeInterface's job kwargs:

============================ ==============================================================
``n_jobs``                   workers: an int, ``-1`` for all cores (``-2`` all but one ...),
                             or a float in ``(0, 1]`` for a fraction of the cores
``chunk_size``               block length in samples
``chunk_duration``           block length as a duration: ``"1s"``, ``"500ms"``, or seconds
``chunk_memory``             memory one worker may use for a block, its halos and the
                             operation's temporaries: ``"100M"``, ``"1G"`` or bytes
``total_memory``             as ``chunk_memory`` but for all workers together
``progress_bar``             ``True``, ``False``, or ``None`` (auto: shown for long runs)
``mp_context``               ``"fork"``, ``"spawn"``, ``"forkserver"`` or ``None``
``pool_engine``              ``"serial"``, ``"thread"``, ``"process"`` or ``"dask"``
``max_threads_per_worker``   BLAS/OpenMP threads in each worker (``None``: unchanged)
``dask_client``              a ``distributed.Client`` for ``pool_engine="dask"``
============================ ==============================================================

At most one of ``chunk_size``, ``chunk_duration``, ``chunk_memory`` and ``total_memory`` may
be given at a time. When none is given, blocks are sized from the global ``memory_budget``
(see :func:`memphys.engine.plan.chunk_size_from_job_kwargs`). A call's chunk setting replaces
the global one as a whole, as in SpikeInterface.

Global defaults live in one small holder object, changed with :func:`set_global_job_kwargs`.

Examples
--------
>>> from memphys.engine import set_global_job_kwargs, get_global_job_kwargs
>>> from memphys.engine import reset_global_job_kwargs, resolve_job_kwargs
>>> set_global_job_kwargs(n_jobs=2, chunk_duration="500ms")
>>> get_global_job_kwargs()["chunk_duration"]
0.5
>>> job = resolve_job_kwargs(chunk_size=1000)  # replaces the global chunk_duration
>>> job.n_jobs, job.chunk_size, job.chunk_duration
(2, 1000, None)
>>> reset_global_job_kwargs()
"""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
import numbers
import os
import re
import sys
from collections.abc import Mapping
from typing import Any

from memphys._validation import check_option, value_error
from memphys.config import parse_memory
from memphys.errors import MemphysTypeError, MemphysValueError

__all__ = [
    "active_dask_client",
    "JOB_KWARGS",
    "CHUNK_KWARGS",
    "POOL_ENGINES",
    "JobKwargs",
    "cpu_count",
    "resolve_n_jobs",
    "parse_duration",
    "resolve_job_kwargs",
    "split_job_kwargs",
    "set_global_job_kwargs",
    "get_global_job_kwargs",
    "reset_global_job_kwargs",
]

#: Names of the mutually exclusive block-size settings.
CHUNK_KWARGS = ("chunk_size", "chunk_duration", "chunk_memory", "total_memory")

#: Every job kwarg accepted by engine-backed functions.
JOB_KWARGS = (
    "n_jobs",
    *CHUNK_KWARGS,
    "progress_bar",
    "mp_context",
    "pool_engine",
    "max_threads_per_worker",
    "dask_client",
)

#: Allowed values of ``pool_engine``.
POOL_ENGINES = ("serial", "thread", "process", "dask")

_DURATION_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(s|ms|us)?\s*$")
_DURATION_FACTORS = {None: 1.0, "s": 1.0, "ms": 1e-3, "us": 1e-6}


def cpu_count() -> int:
    """Number of CPU cores this process may run on (affinity-aware).

    >>> cpu_count() >= 1
    True
    """
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def resolve_n_jobs(n_jobs: Any, n_cpus: int | None = None) -> int:
    """Turn an ``n_jobs`` value into a number of workers >= 1.

    Parameters
    ----------
    n_jobs : int, float or None
        A positive int is taken as is; ``-1`` means all cores, ``-2`` all but one, and so on
        (never fewer than 1); a float in ``(0, 1]`` is a fraction of the cores (at least 1);
        ``None`` means 1.
    n_cpus : int, optional
        Number of cores (default: :func:`cpu_count`).

    Examples
    --------
    >>> resolve_n_jobs(-1, n_cpus=8), resolve_n_jobs(-2, n_cpus=8), resolve_n_jobs(0.5, n_cpus=8)
    (8, 7, 4)
    >>> resolve_n_jobs(0)
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysValueError: Invalid value for `n_jobs`: expected a positive integer,
    ... but got 0.
    """
    expected = "a positive integer, a negative integer (-1 for all cores) or a float in (0, 1]"
    cpus = cpu_count() if n_cpus is None else n_cpus
    if n_jobs is None:
        return 1
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Real):
        raise value_error("n_jobs", expected, n_jobs)
    if isinstance(n_jobs, numbers.Integral):
        n = int(n_jobs)
        if n > 0:
            return n
        if n < 0:
            return max(1, cpus + 1 + n)
        raise value_error("n_jobs", expected, n_jobs)
    f = float(n_jobs)
    if not (0.0 < f <= 1.0):
        raise value_error("n_jobs", expected, n_jobs)
    return max(1, int(f * cpus))


def parse_duration(value: Any, name: str = "chunk_duration") -> float:
    """Parse a duration in seconds: ``"1s"``, ``"500ms"``, ``"250us"``, ``"2"`` or a number.

    Examples
    --------
    >>> parse_duration("500ms"), parse_duration("1s"), parse_duration(0.25)
    (0.5, 1.0, 0.25)
    >>> parse_duration("1h")
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysValueError: Invalid value for `chunk_duration`: expected a positive
    duration such as 0.5, '1s', '500ms' or '250us', but got '1h'.
    """
    expected = "a positive duration such as 0.5, '1s', '500ms' or '250us'"
    if isinstance(value, bool):
        raise value_error(name, expected, value)
    if isinstance(value, numbers.Real):
        seconds = float(value)
    elif isinstance(value, str):
        m = _DURATION_RE.match(value)
        if m is None:
            raise value_error(name, expected, value)
        seconds = float(m.group(1)) * _DURATION_FACTORS[m.group(2)]
    else:
        raise value_error(name, expected, value)
    if not math.isfinite(seconds) or seconds <= 0:
        raise value_error(name, expected, value)
    return seconds


@dataclasses.dataclass(frozen=True)
class JobKwargs:
    """Validated job kwargs of one run (see the module docstring for their meaning).

    ``n_jobs`` is already resolved to a number of workers; ``chunk_duration`` is in seconds
    and ``chunk_memory``/``total_memory`` in bytes. At most one chunk setting is not None.
    """

    n_jobs: int = 1
    chunk_size: int | None = None
    chunk_duration: float | None = None
    chunk_memory: int | None = None
    total_memory: int | None = None
    progress_bar: bool | None = None
    mp_context: str | None = None
    pool_engine: str = "process"
    max_threads_per_worker: int | None = None
    dask_client: Any = None

    @property
    def executor_name(self) -> str:
        """The executor that runs the job: ``"serial"`` when one worker suffices.

        ``"process"`` and ``"thread"`` with ``n_jobs=1`` run serially in this process;
        ``"dask"`` always runs on dask (``n_jobs`` is then its number of local workers).

        >>> JobKwargs(n_jobs=1, pool_engine="process").executor_name
        'serial'
        >>> JobKwargs(n_jobs=2, pool_engine="thread").executor_name
        'thread'
        """
        if self.pool_engine in ("process", "thread") and self.n_jobs == 1:
            return "serial"
        return self.pool_engine

    def as_dict(self) -> dict[str, Any]:
        """The settings as a plain dict (shallow copy)."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}


def _validate_one(name: str, value: Any) -> Any:
    """Return ``value`` checked and normalised for the job kwarg ``name``."""
    if name == "n_jobs":
        resolve_n_jobs(value)  # validate only; resolved at run time (cores may change)
        return value
    if name == "chunk_size":
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
            raise value_error("chunk_size", "a positive integer number of samples", value)
        return int(value)
    if name == "chunk_duration":
        return parse_duration(value, "chunk_duration")
    if name in ("chunk_memory", "total_memory"):
        return parse_memory(value, name)
    if name == "progress_bar":
        if value is not None and not isinstance(value, bool):
            raise value_error("progress_bar", "True, False or None", value)
        return value
    if name == "mp_context":
        if value is None:
            return None
        return check_option("mp_context", value, tuple(multiprocessing.get_all_start_methods()))
    if name == "pool_engine":
        return check_option("pool_engine", value, POOL_ENGINES)
    if name == "max_threads_per_worker":
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
            raise value_error("max_threads_per_worker", "a positive integer or None", value)
        return int(value)
    if name == "dask_client":
        if value is not None and not (
            hasattr(value, "submit") and hasattr(value, "scheduler_info")
        ):
            raise MemphysTypeError(
                "Invalid type for `dask_client`: expected a distributed.Client or None, but "
                f"got {type(value).__name__}."
            )
        return value
    raise MemphysValueError(f"Unknown job kwarg {name!r}.")  # pragma: no cover


def _validate(kwargs: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a mapping of job kwargs; None values mean 'not given' and are dropped."""
    out: dict[str, Any] = {}
    for name, value in kwargs.items():
        if name not in JOB_KWARGS:
            allowed = ", ".join(JOB_KWARGS)
            raise MemphysValueError(
                f"Unknown job kwarg {name!r}: allowed job kwargs are {allowed}."
            )
        if value is not None:
            out[name] = _validate_one(name, value)
    chunk = [k for k in CHUNK_KWARGS if k in out]
    if len(chunk) > 1:
        raise MemphysValueError(
            "Invalid job kwargs: expected at most one of `chunk_size`, `chunk_duration`, "
            f"`chunk_memory` and `total_memory`, but got {', '.join(f'`{k}`' for k in chunk)}."
        )
    return out


class _GlobalJobKwargs:
    """The one holder of global job kwargs (an object, not loose module globals)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def set(self, **kwargs: Any) -> None:
        new = _validate(kwargs)
        merged = dict(self.values)
        if any(k in new for k in CHUNK_KWARGS):
            for k in CHUNK_KWARGS:
                merged.pop(k, None)
        merged.update(new)
        for name, value in kwargs.items():  # an explicit None restores the default
            if value is None:
                merged.pop(name, None)
        self.values = merged

    def reset(self) -> None:
        self.values = {}


_GLOBAL_JOB_KWARGS = _GlobalJobKwargs()


def set_global_job_kwargs(**job_kwargs: Any) -> None:
    """Set job kwargs used by every engine-backed function unless a call overrides them.

    Settings not named are kept, except that a new chunk setting replaces the previous one.
    Setting a name to ``None`` restores its default.

    Examples
    --------
    >>> set_global_job_kwargs(n_jobs=-1, progress_bar=False)
    >>> get_global_job_kwargs()["progress_bar"]
    False
    >>> set_global_job_kwargs(n_jobs="all")
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysValueError: Invalid value for `n_jobs`: expected ..., but got 'all'.
    >>> reset_global_job_kwargs()
    """
    _GLOBAL_JOB_KWARGS.set(**job_kwargs)


def get_global_job_kwargs() -> dict[str, Any]:
    """Return the global job kwargs, defaults included, as a new dict.

    >>> get_global_job_kwargs()["pool_engine"]
    'process'
    """
    values = JobKwargs().as_dict()
    values.update(_GLOBAL_JOB_KWARGS.values)
    return values


def reset_global_job_kwargs() -> None:
    """Restore the default global job kwargs.

    >>> reset_global_job_kwargs(); get_global_job_kwargs()["n_jobs"]
    1
    """
    _GLOBAL_JOB_KWARGS.reset()


def resolve_job_kwargs(**job_kwargs: Any) -> JobKwargs:
    """Merge ``job_kwargs`` over the global ones, validate them and resolve ``n_jobs``.

    ``None`` values are treated as not given (so ``n_jobs=None`` keeps the global value,
    and ``progress_bar=None`` the global setting).
    A chunk setting given here replaces the global chunk setting.

    Raises
    ------
    memphys.errors.MemphysValueError
        On unknown names, invalid values or several chunk settings at once.

    Examples
    --------
    >>> resolve_job_kwargs(n_jobs=2, chunk_memory="10M").chunk_memory
    10485760
    >>> resolve_job_kwargs(chunk_size=10, chunk_duration="1s")
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysValueError: Invalid job kwargs: expected at most one of `chunk_size`,
    `chunk_duration`, `chunk_memory` and `total_memory`, but got `chunk_size`, `chunk_duration`.
    """
    call = _validate(job_kwargs)
    merged = dict(_GLOBAL_JOB_KWARGS.values)
    if any(k in call for k in CHUNK_KWARGS):
        for k in CHUNK_KWARGS:
            merged.pop(k, None)
    merged.update(call)
    merged["n_jobs"] = resolve_n_jobs(merged.get("n_jobs", 1))
    return JobKwargs(**merged)


def split_job_kwargs(kwargs: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split ``kwargs`` into ``(job_kwargs, other_kwargs)`` (no validation).

    Examples
    --------
    >>> split_job_kwargs({"n_jobs": 2, "order": 4, "chunk_duration": "1s"})
    ({'n_jobs': 2, 'chunk_duration': '1s'}, {'order': 4})
    """
    job = {k: v for k, v in kwargs.items() if k in JOB_KWARGS}
    other = {k: v for k, v in kwargs.items() if k not in JOB_KWARGS}
    return job, other


def active_dask_client() -> Any:
    """The active ``distributed.Client``, or None (distributed is never imported here).

    >>> active_dask_client() is None or hasattr(active_dask_client(), "submit")
    True
    """
    if "distributed" not in sys.modules:
        return None
    try:
        from distributed import get_client

        return get_client()
    except (ValueError, ImportError):
        return None
