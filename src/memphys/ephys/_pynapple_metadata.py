"""Properties of an extractor <-> metadata of a pynapple object, both ways, exactly.

SpikeInterface keeps per-channel or per-unit *properties* (any array with one row per id);
pynapple keeps per-column or per-unit *metadata* (one scalar per row). The bridges turn
one into the other:

- a 1-D property is one metadata column of the same name;
- ``location`` (n, 2 or 3) becomes ``x``, ``y`` (and ``z``), NWB's and pynapple's names;
- any other 2-D property ``p`` (n, k) becomes ``p__0`` ... ``p__{k-1}``;
- a structured property ``p`` becomes one column ``p__{field}`` per field;
- a name that the pynapple object reserves (``rate`` of a ``TsGroup``) is written as
  ``si_{name}``.

:func:`metadata_to_properties` inverts it, so that a round trip gives equal properties.

Examples
--------
>>> import numpy as np
>>> meta = properties_to_metadata({"group": np.array([0, 1]), "location": np.eye(2)})
>>> sorted(meta), meta["y"].tolist()
(['group', 'x', 'y'], [0.0, 1.0])
>>> back = metadata_to_properties(meta)
>>> back["location"].tolist(), back["group"].tolist()
([[1.0, 0.0], [0.0, 1.0]], [0, 1])
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["properties_to_metadata", "metadata_to_properties", "metadata_column", "RESERVED"]

#: metadata names a pynapple class computes itself
RESERVED = frozenset({"rate"})
_AXES = ("x", "y", "z")
_SPLIT = re.compile(r"^(?P<name>.+)__(?P<part>[A-Za-z0-9_]+)$")


def metadata_column(values: Any) -> np.ndarray:
    """A 1-D metadata column; numpy strings as Python strings (as pandas keeps them)."""
    arr = np.asarray(values)
    if arr.dtype.kind in "US":
        return np.array([str(v) for v in arr.tolist()], dtype=object)
    return arr


def properties_to_metadata(properties: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """Metadata columns (one 1-D array each) for the given properties."""
    out: dict[str, np.ndarray] = {}
    for name, value in properties.items():
        if value is None:
            continue
        arr = np.asarray(value)
        if arr.dtype.names:
            for field in arr.dtype.names:
                out[f"{name}__{field}"] = metadata_column(arr[field])
        elif arr.ndim == 1:
            out[f"si_{name}" if name in RESERVED else name] = metadata_column(arr)
        elif name == "location" and arr.ndim == 2 and arr.shape[1] in (2, 3):
            for k in range(arr.shape[1]):
                out[_AXES[k]] = np.asarray(arr[:, k])
        elif arr.ndim == 2:
            for k in range(arr.shape[1]):
                out[f"{name}__{k}"] = metadata_column(arr[:, k])
        # properties of more dimensions have no place in one scalar per row: left out
    return out


def _plain(values: Any) -> np.ndarray:
    """A metadata column as numpy stores properties (pandas gives strings as objects)."""
    arr = np.asarray(values)
    if arr.dtype == object and arr.size and all(isinstance(v, str) for v in arr.tolist()):
        return arr.astype(str)
    return arr


def metadata_to_properties(metadata: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """The properties that :func:`properties_to_metadata` turned into ``metadata``."""
    columns = {str(k): _plain(v) for k, v in metadata.items()}
    out: dict[str, np.ndarray] = {}
    used: set[str] = set()
    axes = [a for a in _AXES if a in columns]
    if axes[:2] == ["x", "y"]:
        out["location"] = np.column_stack([columns[a] for a in axes])
        used |= set(axes)
    groups: dict[str, list[tuple[str, str]]] = {}
    for col in columns:
        m = _SPLIT.match(col)
        if m and col not in used:
            groups.setdefault(m["name"], []).append((m["part"], col))
    for name, parts in groups.items():
        if all(p.isdigit() for p, _ in parts):
            ks = sorted(int(p) for p, _ in parts)
            if ks == list(range(len(ks))):
                by_k = {int(p): c for p, c in parts}
                out[name] = np.column_stack([columns[by_k[k]] for k in ks])
                used |= set(by_k.values())
                continue
        dtype = [(p, columns[c].dtype) for p, c in parts]
        n = len(columns[parts[0][1]])
        arr = np.zeros(n, dtype=dtype)
        for p, c in parts:
            arr[p] = columns[c]
        out[name] = arr
        used |= {c for _, c in parts}
    for col, values in columns.items():
        if col in used:
            continue
        if col.startswith("si_") and col[3:] in RESERVED:
            out[col[3:]] = values
        else:
            out[col] = values
    return out
