"""A ``TsGroup`` in a Zarr v3 store: ``group.save("x.zarr")`` and ``load_file("x.zarr")``.

Layout (a group with ``type = "TsGroup"`` beside :mod:`memphys.io.zarr.store`'s kinds):

- ``t``: every unit's times (float64 seconds), unit after unit, each unit's in its order;
- ``ends``: int64, the end of each unit's times in ``t`` (unit ``i`` is
  ``t[ends[i-1]:ends[i]]``), so a unit is one contiguous read;
- ``d`` (only when some unit is a ``Tsd``): its values, float64, aligned with ``t``
  (NaN for the units that are ``Ts``, listed in the ``data_units`` attribute);
- ``start``/``end``: the group's time support;
- attributes: ``keys`` (the unit ids), ``metadata`` (as a TsdFrame's, without the
  computed ``rate``), ``memphys_format_version``, and the completion flag.

The store is written under ``<path>.partial`` and renamed when complete, unit by unit
(one unit's times in memory at a time). Loading reads the spike trains into memory, as
``.npz`` does: a group's trains are small beside the recordings they come from.

Examples
--------
>>> import numpy as np, pathlib, tempfile
>>> import memphys as nap
>>> g = nap.TsGroup({1: nap.Ts(t=[0.5, 1.5]), 4: nap.Ts(t=[1.0, 2.0])},
...                 metadata={"area": ["CA1", "CA3"]})
>>> path = pathlib.Path(tempfile.mkdtemp()) / "g.zarr"
>>> g.save(path)
>>> back = nap.load_file(path)
>>> back.keys(), back[4].t, [str(a) for a in back["area"]]
([1, 4], array([1., 2.]), ['CA1', 'CA3'])
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from memphys.core import IntervalSet, Ts, Tsd, TsGroup
from memphys.engine.records import write_record
from memphys.engine.sinks import COMPLETE_ATTR, PARTIAL_SUFFIX
from memphys.engine.targets import remove_path, replace_path
from memphys.errors import FileFormatError, MemphysTypeError

__all__ = ["save_tsgroup", "build_tsgroup"]

#: Elements per chunk of ``t`` and ``d``.
CHUNK = 2**20


def _unit_values(group: TsGroup, key: Any) -> np.ndarray | None:
    unit = group[key]
    values = getattr(unit, "values", None)
    if values is None:
        return None
    if np.ndim(values) != 1:
        raise MemphysTypeError(
            f"Invalid value for unit {key!r} of the TsGroup: expected Ts or 1-D Tsd units to "
            f"save, but got a {type(unit).__name__} of shape {np.shape(values)}."
        )
    return np.asarray(values, dtype=np.float64)


def save_tsgroup(
    group: TsGroup,
    dest: str,
    *,
    version: int,
    metadata: dict[str, Any],
    compressors: list[Any],
) -> int:
    """Write ``group`` to the store ``dest`` (an absolute path) crash-safely; return the
    number of times written.

    ``metadata`` is the group's metadata as JSON (see ``store._metadata_attr``),
    ``compressors`` those of ``t`` and ``d``.
    """
    import zarr

    keys = [int(k) for k in group]
    counts = np.asarray([len(group[k]) for k in keys], dtype=np.int64)
    ends = np.cumsum(counts) if counts.size else np.zeros(0, np.int64)
    n = int(ends[-1]) if ends.size else 0
    data_units = [k for k in keys if getattr(group[k], "values", None) is not None]
    for k in data_units:  # refused before anything is written
        if np.ndim(group[k].values) != 1:
            _unit_values(group, k)
    has_data = bool(data_units)
    partial = dest + PARTIAL_SUFFIX
    remove_path(partial)  # a stale leftover of a killed run (the caller holds the lock)
    attrs: dict[str, Any] = {
        COMPLETE_ATTR: False,
        "memphys_format_version": version,
        "type": "TsGroup",
        "keys": keys,
        "data_units": data_units,
        "metadata": {k: v for k, v in metadata.items() if k != "rate"},
    }
    try:
        root = zarr.open_group(partial, mode="w", zarr_format=3, attributes=attrs)
        support = group.time_support
        for name, values in (
            ("start", np.asarray(support.start, np.float64)),
            ("end", np.asarray(support.end, np.float64)),
            ("ends", ends.astype(np.int64)),
        ):
            arr = root.create_array(
                name, shape=values.shape, chunks=(max(1, values.size),), dtype=values.dtype
            )
            if values.size:
                arr[:] = values
        chunks = (max(1, min(CHUNK, n)),)
        t = root.create_array(
            "t", shape=(n,), chunks=chunks, dtype="float64", compressors=compressors
        )
        d = None
        if has_data:
            d = root.create_array(
                "d",
                shape=(n,),
                chunks=chunks,
                dtype="float64",
                compressors=compressors,
                fill_value=np.nan,
            )
        a = 0
        for key, b in zip(keys, ends.tolist(), strict=True):
            if b > a:
                t[a:b] = np.asarray(group[key].t, dtype=np.float64)
                unit_values = _unit_values(group, key) if d is not None else None
                if unit_values is not None and d is not None:
                    d[a:b] = unit_values
            a = b
        root.attrs[COMPLETE_ATTR] = True
        write_record(partial)
        replace_path(partial, dest)
    except BaseException:
        remove_path(partial)
        raise
    return n


def build_tsgroup(
    root: Any, path: Path | str | os.PathLike[str], metadata: dict[str, Any]
) -> TsGroup:
    """The TsGroup of an open store (``metadata`` already decoded)."""
    attrs = dict(root.attrs)
    keys = [int(k) for k in attrs.get("keys", [])]
    ends = np.asarray(root["ends"][:], dtype=np.int64)
    if ends.size != len(keys) or (ends.size and (np.any(np.diff(ends) < 0) or ends[0] < 0)):
        raise FileFormatError(
            f"Invalid file {str(path)!r}: expected one non-decreasing end per unit "
            f"({len(keys)} units), but 'ends' holds {ends.size} values."
        )
    n = int(root["t"].shape[0])
    if ends.size and int(ends[-1]) != n:
        raise FileFormatError(
            f"Invalid file {str(path)!r}: the units end at {int(ends[-1])} but 't' holds {n} times."
        )
    support = IntervalSet(
        start=np.asarray(root["start"][:], np.float64), end=np.asarray(root["end"][:], np.float64)
    )
    t_all = np.asarray(root["t"][:], dtype=np.float64)
    d_all = np.asarray(root["d"][:], dtype=np.float64) if "d" in root else None
    data_units = {int(k) for k in attrs.get("data_units", [])}
    units: dict[int, Any] = {}
    a = 0
    for key, b in zip(keys, ends.tolist(), strict=True):
        t = t_all[a:b]
        if d_all is not None and key in data_units:
            units[key] = Tsd(t=t, d=d_all[a:b], time_support=support)
        else:
            units[key] = Ts(t=t, time_support=support)
        a = b
    return TsGroup(units, time_support=support, metadata=metadata or None)
