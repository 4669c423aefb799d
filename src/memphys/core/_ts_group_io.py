"""``.npz`` files of a :class:`~memphys.core.ts_group.TsGroup`, with pynapple's keys.

A group is stored "flat": every event of every unit sorted by time (``t``), the key of
each event's unit (``index``), the values for a group of Tsd (``d``), the keys
(``keys``), the time support (``start``, ``end``), ``type`` and the metadata without
``rate`` (``_metadata``, a pickled dict).

Examples
--------
>>> import numpy as np
>>> event_order(np.array([0.0, 2.0, 1.0]), np.array([0, 0, 1]))
array([0, 2, 1])
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from memphys.core.interval_set import IntervalSet

__all__ = ["event_order", "read_group"]

_RESERVED = frozenset({"start", "end", "t", "index", "d", "rate", "keys", "_metadata", "type"})


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


def read_group(cls: type, file: Any) -> Any:
    """Rebuild a TsGroup of class ``cls`` from an opened ``.npz`` file."""
    from memphys.core.time_series import Ts, Tsd

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
    group = cls(units, time_support=support, bypass_check=True)
    if "_metadata" in names:
        meta = file["_metadata"]
        meta = meta.item() if isinstance(meta, np.ndarray) and meta.dtype == object else meta
        if isinstance(meta, dict) and meta:
            if isinstance(next(iter(meta.values())), dict):  # saved with DataFrame.to_dict
                meta = pd.DataFrame.from_dict(meta)
            group.set_info(meta)
    legacy = {}  # files of older pynapple versions: one key per metadata column
    for k in sorted(names - _RESERVED):
        col = file[k]
        if np.ndim(col) and len(col) == len(group):
            legacy[k] = col
    if legacy:
        group.set_info(**legacy)
    return group
