"""Input checks of :class:`~memphys.core.ts_group.TsGroup` (keys, elements, arguments).

Error messages are pynapple's where its tests compare them.

Examples
--------
>>> as_keys({"1": None, 2.0: None, -3: None})
[1, 2, -3]
>>> as_keys({1.5: None})
Traceback (most recent call last):
...
memphys.errors.MemphysValueError: All keys must have integer value! Got key 1.5.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Mapping, Sequence
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd

from memphys.config import nap_config
from memphys.core._interval_input import is_array_like
from memphys.core.base_class import _Base
from memphys.core.ts import Ts
from memphys.errors import (
    ConversionWarning,
    ElementTypeError,
    MemphysRuntimeError,
    MemphysTypeError,
    MemphysValueError,
)

__all__ = [
    "ElementTypeError",
    "as_keys",
    "as_unit",
    "attribute_names",
    "check_mergeable",
    "sorted_metadata",
    "values_per_unit",
]


_INSTANCE_ATTRS = frozenset(
    {"data", "index", "time_support", "nap_class", "metadata_index", "_metadata"}
    | {"_initialized", "_class_attributes", "rate"}
)


@functools.cache
def attribute_names(cls: type) -> frozenset[str]:
    """Names metadata must not shadow: class and instance attributes, and ``rate``."""
    return frozenset(dir(cls)) | _INSTANCE_ATTRS


def _is_integer_valued(k: Any, key: int) -> bool:
    if isinstance(k, Integral | str):
        return True  # int(k) succeeded: exact
    try:
        return bool(float(k) == key) if abs(key) < 2**53 else bool(k == key)
    except (TypeError, ValueError, OverflowError):
        return False


def as_keys(data: Mapping[Any, Any]) -> list[int]:
    """The keys of ``data`` as distinct integers, with pynapple's errors."""
    try:
        keys = [int(k) for k in data]
    except Exception:
        raise MemphysValueError("All keys must be convertible to integer.") from None
    for key, k in zip(keys, data, strict=True):
        if not _is_integer_valued(k, key):
            raise MemphysValueError(f"All keys must have integer value! Got key {k!r}.")
    if len(set(keys)) != len(keys):
        raise MemphysValueError("Two dictionary keys contain the same integer value!")
    return keys


def as_unit(value: Any, key: int, time_support: Any, time_units: str) -> Any:
    """One element as a time series: Ts/Tsd as given, timestamps become a Ts (warned)."""
    if isinstance(value, _Base):
        return value
    if isinstance(value, list) or is_array_like(value):
        warnings.warn(
            f"Elements should not be passed as {type(value)}. Default time units is seconds "
            "when creating the Ts object.",
            ConversionWarning,
            stacklevel=4,
        )
        return Ts(t=np.asarray(value), time_support=time_support, time_units=time_units)
    raise ElementTypeError(
        f"Invalid value for `data[{key}]`: expected a Ts, Tsd (or TsdFrame, TsdTensor) or an "
        f"array of timestamps, but got {type(value).__name__}."
    )


def _rows_for(index: Any, keys: list[int], order: np.ndarray) -> np.ndarray:
    """Positions of the rows of a labelled column for the sorted keys.

    Labels equal to the keys in the given order are read by position (as pynapple); labels
    that are the keys in another order are aligned by label (pynapple would read them by
    position and silently mismatch units and values); any other labels are an error.
    """
    labels = np.asarray(index)
    keys_arr = np.asarray(keys)
    if labels.shape == keys_arr.shape and np.array_equal(labels, keys_arr):
        return order
    if labels.shape == keys_arr.shape and len(set(labels.tolist())) == labels.size:
        where = {label: i for i, label in enumerate(labels.tolist())}
        if set(where) == set(keys):
            return np.array([where[k] for k in np.sort(keys_arr).tolist()], dtype=np.int64)
    raise MemphysValueError(
        "Metadata index does not match the index of the TsGroup: expected the keys "
        f"{sorted(keys)} as index labels, but got {labels.tolist()}."
    )


def sorted_metadata(metadata: Any, keys: list[int], order: np.ndarray) -> Any:
    """Metadata columns (a dict or a DataFrame, or keywords) reordered like the sorted keys.

    Plain sequences are read by position; pandas objects by their index labels (see
    :func:`_rows_for`).
    """
    if metadata is None or not hasattr(metadata, "items") or not len(metadata):
        return metadata
    frame_rows = None
    if isinstance(metadata, pd.DataFrame):
        frame_rows = _rows_for(metadata.index, keys, order)
    out = {}
    for name, value in metadata.items():
        if frame_rows is not None:
            rows = frame_rows
        elif isinstance(value, pd.Series):
            rows = _rows_for(value.index, keys, order)
        else:
            rows = order
        arr = np.asarray(value)
        if arr.ndim == 0:  # a scalar: set_info decides
            out[name] = value
            continue
        if len(arr) != len(keys):  # was cut to the first values, or a raw IndexError
            raise MemphysValueError(
                f"input array length {len(arr)} does not match metadata length {len(keys)}."
            )
        out[name] = arr[rows]
    return out


def values_per_unit(group: Any, args: Sequence[Any]) -> np.ndarray:
    """The per-unit values of ``TsGroup.to_tsd(*args)`` (keys by default)."""
    if not args:
        return np.asarray(group.index)
    arg = args[0]
    meta = group._metadata
    if isinstance(arg, pd.Series):
        if not np.array_equal(np.asarray(group.index), np.asarray(arg.index)):
            raise MemphysRuntimeError("Index are not equals")
        return np.asarray(arg.values).reshape(-1)
    if isinstance(arg, np.ndarray | list):
        if len(arg) != len(group):
            raise MemphysRuntimeError("Values is not the same length.")
        return np.asarray(arg)
    if isinstance(arg, str):
        if arg not in meta.data:
            raise MemphysRuntimeError(f"Key {arg} not in metadata of TsGroup")
        return np.asarray(meta[arg])
    numeric = [k for k, d in meta.dtypes.items() if "int" in str(d) or "float" in str(d)]
    raise MemphysRuntimeError(
        "Unknown argument format. Must be pandas.Series, numpy.ndarray or a string from one "
        f"of the following values : [{', '.join(numeric)}]"
    )


def check_mergeable(
    group_class: type,
    groups: Sequence[Any],
    reset_index: bool,
    reset_time_support: bool,
    ignore_metadata: bool,
) -> None:
    """Raise pynapple's errors when ``TsGroup.merge_group`` cannot merge ``groups``
    (instances of ``group_class``)."""
    bad = [i + 1 for i, g in enumerate(groups) if not isinstance(g, group_class)]
    if bad:
        raise MemphysTypeError(f"Input at positions {bad} are not TsGroup!")
    first = groups[0]
    keys = set(first.keys())
    atol = 10.0 ** (-nap_config.time_index_precision)
    for i, g in enumerate(groups[1:], start=2):
        if not ignore_metadata and first.metadata_columns != g.metadata_columns:
            raise MemphysValueError(
                f"TsGroup at position {i} has different metadata columns from previous TsGroup "
                "objects. Set `ignore_metadata=True` to bypass the check."
            )
        if not reset_index:
            overlap = keys.intersection(g.keys())
            if overlap:
                raise MemphysValueError(
                    f"TsGroup at position {i} has overlapping keys {overlap} with previous "
                    "TsGroup objects. Set `reset_index=True` to bypass the check."
                )
            keys.update(g.keys())
        a, b = first.time_support.values, g.time_support.values
        if not reset_time_support and (
            a.shape != b.shape or not np.allclose(a, b, atol=atol, rtol=0)
        ):
            raise MemphysValueError(
                f"TsGroup at position {i} has different time support from previous TsGroup "
                "objects. Set `reset_time_support=True` to bypass the check."
            )
