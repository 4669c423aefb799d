"""The ``.npz`` layout of memphys objects: pynapple's keys, in one place for both ways.

A file is a numpy ``.npz`` archive (an uncompressed zip of ``.npy`` members) with exactly
the keys and dtypes pynapple 0.11.4 writes, so pynapple (and ``np.load``) read it, and
memphys reads pynapple's files of every version:

==============  ==========================================================================
type            keys, in order
==============  ==========================================================================
Ts              ``t``, ``start``, ``end``, ``type``
Tsd, TsdTensor  ``t``, ``d``, ``start``, ``end``, ``type``
TsdFrame        ``t``, ``d``, ``start``, ``end``, ``columns``, ``type``, ``_metadata``
TsGroup         ``type``, ``_metadata``, ``t``, ``index``, ``d`` (if some unit has data),
                ``keys``, ``start``, ``end``
IntervalSet     ``start``, ``end``, ``type``, ``_metadata``
==============  ==========================================================================

``t``, ``start`` and ``end`` are float64 seconds; ``type`` is a 1-element unicode array;
``_metadata`` is a pickled dict ``column -> array`` (read it with ``allow_pickle=True``).

Files without ``type`` (old pynapple versions) are recognised from their keys
(:data:`EXPECTED_KEYS`); older TsGroup files store each metadata column under its own key.

:func:`npz_members` gives the members of an object (lazy data and time indexes as block
readers, written by :mod:`memphys.io.npz.write` without being loaded);
:func:`group_from_members` and :func:`intervals_from_members` rebuild the objects whose
layout is not one member per argument (read by :mod:`memphys.io.npz.read`).

Examples
--------
>>> import memphys as nap
>>> m = npz_members(nap.IntervalSet(start=[0, 10], end=[5, 12]))
>>> list(m), m["type"]
(['start', 'end', 'type', '_metadata'], array(['IntervalSet'], dtype='<U11'))
>>> intervals_from_members(m).values
array([[ 0.,  5.],
       [10., 12.]])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from memphys.arrays import as_lazy
from memphys.core import IntervalSet, Ts, Tsd, TsdFrame, TsdTensor, TsGroup
from memphys.errors import MemphysTypeError

__all__ = [
    "Blocks",
    "CLASSES",
    "EXPECTED_KEYS",
    "event_order",
    "group_from_members",
    "intervals_from_members",
    "kind_of",
    "metadata_from_member",
    "npz_members",
]

#: The class of each ``type`` a file may hold, most derived first.
CLASSES: dict[str, type] = {
    "TsGroup": TsGroup,
    "TsdFrame": TsdFrame,
    "TsdTensor": TsdTensor,
    "Tsd": Tsd,
    "Ts": Ts,
    "IntervalSet": IntervalSet,
}

#: Keys every pynapple file of a class has (besides ``type``), used for files without ``type``.
EXPECTED_KEYS: dict[str, frozenset[str]] = {
    "TsGroup": frozenset({"t", "start", "end", "index"}),
    "TsdFrame": frozenset({"t", "d", "start", "end", "columns"}),
    "TsdTensor": frozenset({"t", "d", "start", "end"}),
    "Tsd": frozenset({"t", "d", "start", "end"}),
    "Ts": frozenset({"t", "start", "end"}),
    "IntervalSet": frozenset({"start", "end"}),
}

#: Keys of a TsGroup file that are not (legacy) metadata columns.
_GROUP_KEYS = frozenset({"start", "end", "t", "index", "d", "rate", "keys", "_metadata", "type"})


class Blocks:
    """A member written block by block: ``shape``, ``dtype`` and ``read(start, stop)``."""

    def __init__(self, shape: tuple[int, ...], dtype: Any, read: Any) -> None:
        self.shape = tuple(int(s) for s in shape)
        self.dtype = np.dtype(dtype)
        self.read = read


def kind_of(obj: Any) -> str:
    """The ``type`` of ``obj`` in a file: the first of :data:`CLASSES` it is an instance of."""
    for name, cls in CLASSES.items():
        if isinstance(obj, cls):
            return name
    raise MemphysTypeError(
        "Invalid type for `obj`: expected Ts, Tsd, TsdFrame, TsdTensor, TsGroup or "
        f"IntervalSet, but got {type(obj).__name__}."
    )


def _type_member(name: str) -> np.ndarray:
    return np.array([name], dtype=np.str_)


def _metadata_member(obj: Any, drop: tuple[str, ...] = ()) -> np.ndarray:
    """``_metadata`` as pynapple writes it: a 0-d object array holding a plain dict."""
    meta = getattr(obj, "_metadata", None)
    items = dict(meta) if meta is not None else {}
    plain = {str(k): np.asarray(v) for k, v in items.items() if k not in drop}
    out = np.empty((), dtype=object)
    out[()] = plain
    return out


def _times_member(obj: Any) -> Any:
    """``t`` as float64 seconds: the in-memory array, or blocks of the (lazy/regular) index."""
    ti = getattr(obj, "time_index", None)
    if ti is None or not hasattr(ti, "_read"):
        return np.asarray(obj.t, dtype=np.float64)
    if getattr(ti, "is_regular", False) or getattr(ti, "is_lazy", False):
        return Blocks((len(ti),), np.float64, ti._read)
    return np.asarray(ti.values, dtype=np.float64)


def _data_member(values: Any) -> Any:
    """``d``: in-memory arrays as they are, lazy sources as blocks of their adapter."""
    if isinstance(values, np.ndarray) and not isinstance(values, np.memmap):
        return values
    try:
        lazy = as_lazy(values)
    except MemphysTypeError:
        return np.asarray(values)
    if lazy.dtype.hasobject or lazy.ndim == 0:
        return np.asarray(lazy)
    return Blocks(lazy.shape, lazy.dtype, lazy.read)


def _columns_member(columns: Any) -> np.ndarray:
    cols = np.asarray(columns)
    if cols.dtype == object:
        cols = cols.astype(str)
    return cols


def _tsgroup_members(group: Any) -> dict[str, Any]:
    """Flatten a TsGroup as pynapple does: all times sorted, with the unit of each."""
    keys = list(group.keys())
    times, positions, data = [], [], []
    has_data = False
    for i, k in enumerate(keys):
        unit = group[k]
        t = np.asarray(unit.t, dtype=np.float64)
        times.append(t)
        positions.append(np.full(t.shape[0], i, dtype=np.int64))
        vals = getattr(unit, "values", None)
        if vals is None:
            data.append(np.full(t.shape[0], np.nan))
        elif np.ndim(vals) != 1:
            raise MemphysTypeError(
                f"Invalid value for unit {k!r} of the TsGroup: expected Ts or 1-D Tsd units "
                f"to save, but got a {type(unit).__name__} of shape {np.shape(vals)}."
            )
        else:
            data.append(np.asarray(vals, dtype=np.float64))
            has_data = True
    t_all = np.concatenate(times) if times else np.zeros(0)
    pos = np.concatenate(positions) if positions else np.zeros(0, np.int64)
    # pynapple's order (its unstable argsort) among units at equal times; each unit's own
    # events keep their order
    order = event_order(t_all, pos)
    keys_arr = np.array(keys)
    members: dict[str, Any] = {
        "type": _type_member("TsGroup"),
        "_metadata": _metadata_member(group, drop=("rate",)),
        "t": t_all[order],
        "index": keys_arr.astype(np.int64)[pos[order]] if keys else pos,
    }
    d_all = np.concatenate(data)[order] if data else np.zeros(0)
    if has_data and not np.all(np.isnan(d_all)):
        members["d"] = d_all
    members["keys"] = keys_arr
    members["start"] = np.asarray(group.time_support.start, dtype=np.float64)
    members["end"] = np.asarray(group.time_support.end, dtype=np.float64)
    return members


def npz_members(obj: Any) -> dict[str, Any]:
    """The members pynapple writes for ``obj``, in pynapple's order.

    Values are numpy arrays, or block readers for lazy data and time indexes (not read
    until written).

    Examples
    --------
    >>> import memphys as nap
    >>> m = npz_members(nap.IntervalSet(start=[0, 10], end=[5, 12]))
    >>> list(m), m["type"], m["start"]
    (['start', 'end', 'type', '_metadata'], array(['IntervalSet'], dtype='<U11'), array([ 0., 10.]))
    """
    kind = kind_of(obj)
    if kind == "IntervalSet":
        return {
            "start": np.asarray(obj.start, dtype=np.float64),
            "end": np.asarray(obj.end, dtype=np.float64),
            "type": _type_member(kind),
            "_metadata": _metadata_member(obj),
        }
    if kind == "TsGroup":
        return _tsgroup_members(obj)
    members: dict[str, Any] = {"t": _times_member(obj)}
    if kind != "Ts":
        members["d"] = _data_member(obj.values)
    members["start"] = np.asarray(obj.time_support.start, dtype=np.float64)
    members["end"] = np.asarray(obj.time_support.end, dtype=np.float64)
    if kind == "TsdFrame":
        members["columns"] = _columns_member(obj.columns)
    members["type"] = _type_member(kind)
    if kind == "TsdFrame":
        members["_metadata"] = _metadata_member(obj)
    return members


def event_order(t: np.ndarray, unit: np.ndarray) -> np.ndarray:
    """Order of the events sorted by time, with pynapple's order of units at equal times.

    pynapple sorts with numpy's default (unstable) sort; the same call gives the same order
    of units among equal times, so the files are identical. Each unit's own events then
    keep their order, so the values at a unit's repeated timestamps are never swapped.
    """
    labels = unit[np.argsort(t)]
    order = np.empty(t.size, dtype=np.int64)
    order[np.argsort(labels, kind="stable")] = np.arange(t.size, dtype=np.int64)
    return order


def metadata_from_member(value: Any) -> Any:
    """The pickled ``_metadata`` dict (a DataFrame for files saved from one), or None."""
    meta = value.item() if isinstance(value, np.ndarray) and value.dtype == object else value
    if not isinstance(meta, dict) or not meta:
        return None
    if isinstance(next(iter(meta.values())), dict):  # saved with DataFrame.to_dict()
        return pd.DataFrame.from_dict(meta)
    return meta


def intervals_from_members(file: Any) -> IntervalSet:
    """Rebuild an IntervalSet from the members of its file (keys ``start``, ``end``, ...)."""
    ep = IntervalSet(start=file["start"], end=file["end"])
    if "_metadata" in file:
        meta = metadata_from_member(file["_metadata"])
        if meta is not None:
            ep.set_info(meta)
    return ep


def group_from_members(file: Any) -> TsGroup:
    """Rebuild a TsGroup from the members of its file (a mapping such as ``np.load``'s).

    Metadata (``_metadata``, a pickled dict) needs pickles allowed; older files with one key
    per metadata column are read too.
    """
    names = set(file.keys())
    times = np.asarray(file["t"], dtype=np.float64)
    index = np.asarray(file["index"]).astype(np.int64)
    support = IntervalSet(file["start"], file["end"])
    data = np.asarray(file["d"]) if "d" in names else None
    keys = np.asarray(file["keys"]).astype(np.int64) if "keys" in names else np.unique(index)
    order = np.argsort(index, kind="stable")  # each unit's events, in file order
    lo = np.searchsorted(index[order], keys, side="left")
    hi = np.searchsorted(index[order], keys, side="right")
    units: dict[int, Any] = {}
    for k, a, b in zip(keys.tolist(), lo.tolist(), hi.tolist(), strict=True):
        pos = order[a:b]
        if data is not None:
            units[k] = Tsd(t=times[pos], d=data[pos], time_support=support)
        else:
            units[k] = Ts(t=times[pos], time_support=support)
    group = TsGroup(units, time_support=support, bypass_check=True)
    if "_metadata" in names:
        meta = metadata_from_member(file["_metadata"])
        if meta is not None:
            group.set_info(meta)
    legacy = {}  # files of older pynapple versions: one key per metadata column
    for k in sorted(names - _GROUP_KEYS):
        col = file[k]
        if np.ndim(col) and len(col) == len(group):
            legacy[k] = col
    if legacy:
        group.set_info(**legacy)
    return group
