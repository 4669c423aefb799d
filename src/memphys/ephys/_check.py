"""Argument checks shared by the SpikeInterface face, with memphys's message shape.

Every message names the argument, what was expected and what was found::

    Invalid value for `sampling_frequency`: expected a finite number > 0, but got nan.

The errors are :class:`~memphys.errors.ExtractorValueError` (a ``ValueError`` and an
``AssertionError``, since SpikeInterface raises one or the other for bad arguments).

Examples
--------
>>> check_sampling_frequency(30000)
30000.0
>>> check_sampling_frequency(float("nan"))
Traceback (most recent call last):
...
memphys.errors.ExtractorValueError: Invalid value for `sampling_frequency`: expected a finite
number > 0, but got nan.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from memphys._validation import describe
from memphys.errors import ExtractorValueError

__all__ = [
    "ext_error",
    "check_sampling_frequency",
    "check_int",
    "check_in",
    "as_id_array",
]


def ext_error(name: str, expected: str, found: Any, hint: str = "") -> ExtractorValueError:
    """The standard :class:`~memphys.errors.ExtractorValueError` for argument ``name``.

    >>> str(ext_error("n", "a positive integer", 0))
    'Invalid value for `n`: expected a positive integer, but got 0.'
    """
    msg = f"Invalid value for `{name}`: expected {expected}, but got {describe(found)}."
    if hint:
        msg += f" {hint}"
    return ExtractorValueError(msg)


def check_sampling_frequency(value: Any, name: str = "sampling_frequency") -> float:
    """Return ``value`` as a float if it is a finite number > 0 (NaN, 0, inf refused)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ext_error(name, "a finite number > 0", value)
    v = float(value)
    if not np.isfinite(v) or v <= 0:
        raise ext_error(name, "a finite number > 0", value)
    return v


def check_int(name: str, value: Any, minimum: int | None = None) -> int:
    """Return ``value`` as an int (numpy integers accepted; bools and floats refused).

    >>> check_int("num_channels", np.int64(4), minimum=1)
    4
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        what = "an integer" if minimum is None else f"an integer >= {minimum}"
        raise ext_error(name, what, value)
    v = int(value)
    if minimum is not None and v < minimum:
        raise ext_error(name, f"an integer >= {minimum}", value)
    return v


def check_in(name: str, value: Any, allowed: tuple[Any, ...]) -> Any:
    """Return ``value`` if it is one of ``allowed``.

    >>> check_in("outputs", "list", ("dict", "list"))
    'list'
    """
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ExtractorValueError(
            f"Invalid value for `{name}`: allowed values are {options}, but got {value!r}."
        )
    return value


def as_id_array(ids: Any, name: str = "channel_ids") -> np.ndarray:
    """Channel or unit ids as a 1-D array of integers or strings, each id unique.

    numpy's variable-width ``StringDType`` (what zarr v3 hands back) becomes fixed-width
    unicode, as in SpikeInterface.

    >>> as_id_array(["a", "b"])
    array(['a', 'b'], dtype='<U1')
    >>> as_id_array([1, 1])
    Traceback (most recent call last):
    ...
    memphys.errors.ExtractorValueError: Invalid value for `channel_ids`: expected unique ids, ...
    """
    arr = np.asarray(ids)
    if arr.dtype.kind == "T" or arr.dtype.kind == "O":
        arr = np.array([str(v) if not isinstance(v, numbers.Integral) else v for v in arr.tolist()])
    if arr.ndim != 1:
        raise ext_error(name, "a 1-D sequence of ids", ids)
    if arr.size and arr.dtype.kind not in "uiSU":
        raise ext_error(name, "integer or string ids", ids, f"(dtype {arr.dtype}).")
    if arr.size and np.unique(arr).size != arr.size:
        values, counts = np.unique(arr, return_counts=True)
        dup = values[counts > 1].tolist()[:10]
        raise ext_error(name, "unique ids", ids, f"Repeated: {dup}.")
    return arr
