"""Shared validation helpers so every error message has the same shape.

A message names the argument (or file), what was expected and what was found::

    Invalid value for `n_channels`: expected a positive integer, but got 0.

Examples
--------
>>> from memphys._validation import check_option
>>> check_option("time_units", "ms", ("s", "ms", "us"))
'ms'
>>> check_option("time_units", "h", ("s", "ms", "us"))
Traceback (most recent call last):
...
memphys.errors.MemphysValueError: Invalid value for `time_units`: allowed values are ...
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any, TypeVar

import numpy as np

from memphys.errors import MemphysTypeError, MemphysValueError

__all__ = [
    "check_option",
    "check_type",
    "check_positive_int",
    "check_nonnegative_int",
    "check_positive_float",
    "check_sample_dtype",
    "describe",
    "found_type",
    "pynapple_error",
    "value_error",
]

T = TypeVar("T")
E = TypeVar("E", bound=BaseException)


def describe(value: Any, limit: int = 60) -> str:
    """Return a short description of ``value`` for an error message.

    Examples
    --------
    >>> describe(3)
    '3'
    >>> describe(np.zeros((2, 3)))
    'an array of shape (2, 3) and dtype float64'
    """
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text


def value_error(name: str, expected: str, found: Any, hint: str = "") -> MemphysValueError:
    """Build the standard :class:`~memphys.errors.MemphysValueError` for ``name``.

    ``found`` is described with :func:`describe` (strings are quoted).
    """
    msg = f"Invalid value for `{name}`: expected {expected}, but got {describe(found)}."
    if hint:
        msg += f" {hint}"
    return MemphysValueError(msg)


def check_option(name: str, value: T, allowed: Iterable[T]) -> T:
    """Return ``value`` if it is one of ``allowed``, else raise a clear error."""
    allowed = tuple(allowed)
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise MemphysValueError(
            f"Invalid value for `{name}`: allowed values are {options}, but got {value!r}."
        )
    return value


def check_type(name: str, value: Any, types: type | tuple[type, ...], expected: str = "") -> Any:
    """Return ``value`` if it is an instance of ``types``, else raise a clear TypeError."""
    if not isinstance(value, types):
        if not expected:
            tup = types if isinstance(types, tuple) else (types,)
            expected = " or ".join(t.__name__ for t in tup)
        raise MemphysTypeError(
            f"Invalid type for `{name}`: expected {expected}, but got {type(value).__name__}."
        )
    return value


def _is_integer(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def check_positive_int(name: str, value: Any) -> int:
    """Return ``value`` as an int if it is an integer > 0.

    Examples
    --------
    >>> check_positive_int("n_channels", 16)
    16
    >>> check_positive_int("n_channels", 0)
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysValueError: Invalid value for `n_channels`: expected a ...
    """
    if not _is_integer(value) or int(value) <= 0:
        raise value_error(name, "a positive integer", value)
    return int(value)


def check_nonnegative_int(name: str, value: Any) -> int:
    """Return ``value`` as an int if it is an integer >= 0."""
    if not _is_integer(value) or int(value) < 0:
        raise value_error(name, "a non-negative integer", value)
    return int(value)


def check_positive_float(name: str, value: Any) -> float:
    """Return ``value`` as a float if it is a finite real number > 0.

    NaN and infinite values are rejected (SpikeInterface accepts a NaN sampling rate; we do not).

    >>> check_positive_float("rate", float("nan"))
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysValueError: Invalid value for `rate`: expected a finite ...
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise value_error(name, "a finite number > 0", value)
    v = float(value)
    if not np.isfinite(v) or v <= 0:
        raise value_error(name, "a finite number > 0", value)
    return v


def check_sample_dtype(name: str, value: Any) -> np.dtype[Any]:
    """``value`` as the dtype of raw samples: a signed or unsigned integer or a float.

    Strings, bytes, booleans, dates, durations, complex numbers, objects and records are
    refused: a raw recording read with them is garbage.

    >>> check_sample_dtype("dtype", "<i2")
    dtype('int16')
    >>> check_sample_dtype("precision", "U4")
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysValueError: Invalid value for `precision`: expected the dtype of ...
    """
    try:
        dtype: np.dtype[Any] = np.dtype(value)
    except (TypeError, ValueError):
        raise MemphysTypeError(
            f"Invalid type for `{name}`: expected a numpy dtype such as 'int16', but got "
            f"{describe(value)}."
        ) from None
    if dtype.kind not in "iuf" or dtype.fields is not None or dtype.subdtype is not None:
        raise MemphysValueError(
            f"Invalid value for `{name}`: expected the dtype of raw samples (a signed or "
            f"unsigned integer or a float, e.g. 'int16', 'uint16', 'float32'), but got "
            f"{describe(value)} ({dtype})."
        )
    return dtype


def found_type(value: Any) -> str:
    """What a value is, for a message about a wrong type: ``"a list"``, ``"None"``.

    >>> found_type([1, 2]), found_type(None), found_type(np.zeros(2))
    ('a list', 'None', 'a numpy.ndarray')
    """
    if value is None:
        return "None"
    cls = type(value)
    name = (
        cls.__name__
        if cls.__module__ == "builtins"
        else f"{cls.__module__.split('.')[0]}.{cls.__name__}"
    )
    return f"an {name}" if name[:1].lower() in "aeiou" else f"a {name}"


def pynapple_error(cls: type[E], message: str, found: str, *, exact: bool = False) -> E:
    """An error with pynapple's ``message`` that also says what was ``found``.

    pynapple's messages often name no value ("Argument should be IntervalSet"). The value
    found is appended (``"... (got a list)"``), so that scripts and pynapple's tests that
    match the wording with a pattern keep working; where pynapple's tests compare the whole
    message (``exact``), it is added as a note instead (printed under the message in
    tracebacks and by the command line; ``str(exc)`` stays pynapple's).

    >>> pynapple_error(MemphysTypeError, "Argument should be IntervalSet", "a list")
    MemphysTypeError('Argument should be IntervalSet (got a list)')
    >>> e = pynapple_error(MemphysTypeError, "ep should be IntervalSet", "a list", exact=True)
    >>> str(e), e.__notes__
    ('ep should be IntervalSet', ['Got a list.'])
    """
    if exact:
        exc = cls(message)
        exc.add_note(f"Got {found}.")
        return exc
    return cls(f"{message} (got {found})")
