"""Input parsing and validation for :class:`~memphys.core.interval_set.IntervalSet`.

Converts the many accepted forms of ``start``/``end`` to float64 seconds, checks them (NaN
bounds and ``end < start`` are errors), and holds the small helpers behind ``loc`` and
``save``.

Examples
--------
>>> import numpy as np
>>> check_bounds(np.array([0.0, 2.0]), np.array([1.0, np.nan]))
Traceback (most recent call last):
...
memphys.errors.IntervalError: Invalid value for `end`: expected finite interval bounds, ...
"""

from __future__ import annotations

import os
import warnings
from numbers import Number
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.typing import NDArray

from memphys.config import get_config
from memphys.core.time_units import check_time_units
from memphys.core.utils import is_array_like
from memphys.errors import (
    ConversionWarning,
    IntervalError,
    MemphysRuntimeError,
    MemphysTypeError,
    MemphysValueError,
)

__all__ = [
    "PRECISION",
    "as_bounds",
    "as_float",
    "check_bounds",
    "format_times",
    "is_array_like",
    "npz_path",
    "IntervalSetLoc",
    "return_times",
]

PRECISION = 9  # decimals kept when converting ms/us to seconds, as pynapple


def format_times(t: npt.ArrayLike, time_units: str) -> NDArray[np.float64]:
    """Times in ``time_units`` -> float64 seconds (rounded to 9 decimals unless seconds).

    Every time given in units reaches seconds here or in ``TsIndex.format_timestamps``,
    and both refuse a unit other than ``"s"``, ``"ms"``, ``"us"`` (``"hours"`` or ``5``
    were once taken as seconds).
    """
    time_units = check_time_units(time_units)
    t = np.asarray(t, dtype=np.float64)
    if time_units == "ms":
        return np.around(t / 1e3, PRECISION)
    if time_units == "us":
        return np.around(t / 1e6, PRECISION)
    return t


def return_times(t: Any, time_units: str) -> Any:
    """Seconds -> ``time_units`` (rounded to 9 decimals unless seconds)."""
    time_units = check_time_units(time_units)
    if time_units == "ms":
        return np.around(t * 1e3, PRECISION)
    if time_units == "us":
        return np.around(t * 1e6, PRECISION)
    return t


def as_bounds(data: Any, name: str) -> NDArray[Any]:
    """One of ``start``/``end`` as a 1-D numpy array (not yet converted to float)."""
    if isinstance(data, Number):
        return np.array([data])
    if isinstance(data, list | tuple):
        try:
            return np.ravel(np.array(data))
        except ValueError as exc:
            raise MemphysValueError(
                f"Invalid value for `{name}`: expected a flat sequence of numbers, but got a "
                f"ragged sequence ({exc})."
            ) from None
    if isinstance(data, pd.Series | pd.Index):
        return np.ravel(data.to_numpy())
    if isinstance(data, np.ndarray):
        return np.ravel(data)
    if is_array_like(data):
        if not get_config("suppress_conversion_warnings"):
            warnings.warn(
                f"Converting '{name}' to numpy.array. The provided array was of type "
                f"'{type(data).__name__}'.",
                ConversionWarning,
                stacklevel=4,
            )
        return np.ravel(np.asarray(data))
    raise MemphysRuntimeError(
        f"Unknown format for {name}. Accepted formats are numpy.ndarray, list, tuple or any "
        "array-like objects."
    )


def as_float(arr: NDArray[Any], name: str) -> NDArray[np.float64]:
    if arr.dtype.kind in "biuf":
        return arr.astype(np.float64, copy=False)
    if arr.dtype.kind == "O":
        try:
            return arr.astype(np.float64)
        except (TypeError, ValueError):
            pass
    raise MemphysTypeError(
        f"Invalid type for `{name}`: expected numbers (times), but got an array of dtype "
        f"{arr.dtype} (first values {arr[:3].tolist()})."
    )


def _positions(mask: NDArray[np.bool_], limit: int = 10) -> str:
    pos = np.flatnonzero(mask)
    text = str(pos[:limit].tolist())
    return text[:-1] + ", ...]" if pos.size > limit else text


def check_bounds(start: NDArray[np.float64], end: NDArray[np.float64]) -> None:
    """Raise IntervalError for NaN or infinite bounds, or an end before its start.

    An infinite bound (``IntervalSet(0, np.inf)``) is an error: every bin, count or
    length over it would be infinite (pynapple accepts it and fails later, e.g. ``count``
    with "negative dimensions are not allowed").
    """
    nan_start = np.isnan(start)
    nan_end = np.isnan(end)
    if nan_start.any() or nan_end.any():
        name = "start" if not nan_end.any() else "end" if not nan_start.any() else "start`/`end"
        raise IntervalError(
            f"Invalid value for `{name}`: expected finite interval bounds, but got NaN at "
            f"position(s) {_positions(nan_start | nan_end)}. Drop or fill these rows (e.g. "
            "`df.dropna()`) before building the IntervalSet."
        )
    inf = np.isinf(start) | np.isinf(end)
    if inf.any():
        i = int(np.flatnonzero(inf)[0])
        raise IntervalError(
            f"Invalid value for `{'start' if np.isinf(start[i]) else 'end'}`: expected finite "
            f"interval bounds, but got an infinite bound at position(s) {_positions(inf)} "
            f"(start={float(start[i])!r}, end={float(end[i])!r}). For 'until the end of the "
            "data', use the data's end time (e.g. `tsd.end_time()`)."
        )
    bad = end < start
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise IntervalError(
            f"Invalid value for `end`: expected end >= start for every interval, but got "
            f"end < start at position(s) {_positions(bad)} (start={float(start[i])!r}, "
            f"end={float(end[i])!r}). Swap or drop these bounds."
        )


class IntervalSetLoc:
    """``IntervalSet.loc``: pandas-like access to rows and columns."""

    def __init__(self, iset: Any) -> None:
        self.iset = iset

    def __getitem__(self, key: Any) -> Any:
        names = ["start", "end", *self.iset.metadata_columns]
        if isinstance(key, str) and key in names:
            return self.iset[key]
        if isinstance(key, list):
            return self.iset[key]
        if isinstance(key, int | np.integer) and not isinstance(key, bool):
            return self.iset.values[key]
        if isinstance(key, tuple) and len(key) == 2 and isinstance(key[1], str) and key[1] in names:
            out = self.iset[key[0]][key[1]]
            return out[0] if len(out) == 1 else out
        raise IndexError(
            "Invalid key for `IntervalSet.loc`: expected a row position, a list of positions, "
            f"a column name in {names} or (rows, column name), but got {key!r}."
        )


def npz_path(filename: Any) -> Path:
    """``filename`` as an absolute ``.npz`` path in an existing folder."""
    if not isinstance(filename, str | os.PathLike):
        raise MemphysTypeError(
            "Invalid type for `filename`: expected str or pathlib.Path, but got "
            f"{type(filename).__name__}."
        )
    path = Path(filename).resolve()
    if path.is_dir():
        raise MemphysRuntimeError(f"Invalid filename input. {path} is directory.")
    path = path.with_suffix(".npz")
    if not path.parent.exists():
        raise MemphysRuntimeError(f"Path {path.parent} does not exist.")
    return path
