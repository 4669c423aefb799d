"""Zarr format-2 stores read and written the way SpikeInterface's analyzer needs them.

SpikeInterface 0.105 (zarr 2.18) keeps dicts in *object arrays*: a one-element array of
dtype ``|O`` with a ``json2`` object codec (and pickled objects with a ``pickle`` codec).
zarr-python 3 can neither write them nor list a group that holds one (nor read consolidated
metadata that mentions one). This module does the little that is needed on local stores,
by hand, and leaves numeric arrays to zarr-python 3:

- :func:`write_json_object` / :func:`read_object`: one JSON-able object as an object array
  (a ``pickle`` array is refused: memphys never unpickles from a store);
- :func:`list_members`: the groups and arrays of a group, from the directory;
- :func:`is_object_array`, :func:`read_attrs`;
- :func:`consolidate`: the ``.zmetadata`` file that zarr 2 reads (every ``.zgroup``,
  ``.zattrs`` and ``.zarray`` of the store), written atomically;
- :func:`open_group`: a zarr-python 3 group of a format-2 store, without consolidated
  metadata (so attributes are always the current ones).

Examples
--------
>>> import tempfile, os
>>> root = os.path.join(tempfile.mkdtemp(), "s.zarr")
>>> g = open_group(root, mode="w")
>>> write_json_object(root, "info", {"a": [1, 2]}, attrs={"dict": True})
>>> read_object(os.path.join(root, "info"))
{'a': [1, 2]}
>>> list_members(root)
([], ['info'])
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from memphys.errors import FileFormatError

__all__ = [
    "open_group",
    "write_json_object",
    "read_object",
    "is_object_array",
    "list_members",
    "read_attrs",
    "consolidate",
]

_JSON_FILTER = {
    "allow_nan": True,
    "check_circular": True,
    "encoding": "utf-8",
    "ensure_ascii": True,
    "id": "json2",
    "indent": None,
    "separators": [",", ":"],
    "skipkeys": False,
    "sort_keys": True,
    "strict": True,
}


def open_group(path: str | os.PathLike[str], mode: str = "r") -> Any:
    """A zarr-python 3 group of the local format-2 store at ``path`` (not consolidated)."""
    import zarr

    kwargs: dict[str, Any] = {"zarr_format": 2}
    if mode != "w":
        kwargs["use_consolidated"] = False
    return zarr.open_group(str(path), mode=mode, **kwargs)  # type: ignore[arg-type]


def _write_json_file(path: Path, obj: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(obj, indent=2, sort_keys=True), encoding="utf8")
    os.replace(tmp, path)


def write_json_object(
    group_path: str | os.PathLike[str], name: str, obj: Any, attrs: dict[str, Any] | None = None
) -> None:
    """Write ``obj`` (JSON-able) as SpikeInterface's one-element JSON object array
    ``name`` of the group at ``group_path`` (replacing an existing member)."""
    import shutil

    from numcodecs import JSON

    path = Path(group_path) / name
    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    arr = np.empty(1, dtype=object)
    arr[0] = obj
    payload = JSON().encode(arr)
    (path / "0").write_bytes(bytes(payload))
    meta = {
        "chunks": [1],
        "compressor": None,
        "dtype": "|O",
        "fill_value": 0,
        "filters": [_JSON_FILTER],
        "order": "C",
        "shape": [1],
        "zarr_format": 2,
    }
    _write_json_file(path / ".zarray", meta)
    if attrs:
        _write_json_file(path / ".zattrs", attrs)


def _zarray(path: Path) -> dict[str, Any] | None:
    f = path / ".zarray"
    if not f.is_file():
        return None
    try:
        return dict(json.loads(f.read_text(encoding="utf8")))
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"{f} is not valid zarr metadata ({exc}).") from exc


def is_object_array(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` is a zarr format-2 array of dtype ``|O``."""
    meta = _zarray(Path(path))
    return meta is not None and str(meta.get("dtype")) == "|O"


def read_object(path: str | os.PathLike[str]) -> Any:
    """The first element of a one-element JSON object array.

    Raises
    ------
    memphys.errors.FileFormatError
        If the array is not a JSON object array (a pickled one is refused: memphys never
        unpickles data from a store), or its chunk is missing.
    """
    import numcodecs

    p = Path(path)
    meta = _zarray(p)
    if meta is None:
        raise FileFormatError(f"{p} is not a zarr array (no .zarray).")
    filters = meta.get("filters") or []
    ids = [f.get("id") for f in filters]
    if "json2" not in ids and "json" not in ids:
        raise FileFormatError(
            f"{p} holds an object encoded with {ids or 'no codec'}: memphys reads JSON object "
            "arrays only (pickled objects are never unpickled from a store)."
        )
    chunk = p / "0"
    if not chunk.is_file():
        raise FileFormatError(f"{p} is incomplete: its chunk '0' is missing.")
    buf: Any = chunk.read_bytes()
    comp = meta.get("compressor")
    if comp:
        buf = numcodecs.get_codec(dict(comp)).decode(buf)
    for f in reversed(filters):
        buf = numcodecs.get_codec(dict(f)).decode(buf)
    return np.asarray(buf, dtype=object).reshape(-1)[0]


def read_attrs(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The ``.zattrs`` of a group or array (empty if none)."""
    f = Path(path) / ".zattrs"
    if not f.is_file():
        return {}
    try:
        return dict(json.loads(f.read_text(encoding="utf8")))
    except (OSError, ValueError) as exc:
        raise FileFormatError(f"{f} is not valid JSON ({exc}).") from exc


def list_members(path: str | os.PathLike[str]) -> tuple[list[str], list[str]]:
    """``(groups, arrays)`` directly in the group at ``path``, sorted."""
    p = Path(path)
    groups, arrays = [], []
    if p.is_dir():
        for child in sorted(p.iterdir()):
            if child.name.startswith("."):
                continue
            if (child / ".zgroup").is_file():
                groups.append(child.name)
            elif (child / ".zarray").is_file():
                arrays.append(child.name)
    return groups, arrays


def consolidate(root: str | os.PathLike[str]) -> None:
    """Write ``.zmetadata`` (zarr 2's consolidated metadata) for the store at ``root``."""
    r = Path(root)
    metadata: dict[str, Any] = {}
    for dirpath, dirnames, filenames in os.walk(r):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        rel = os.path.relpath(dirpath, r)
        prefix = "" if rel == "." else rel.replace(os.sep, "/") + "/"
        for name in (".zgroup", ".zattrs", ".zarray"):
            if name in filenames:
                try:
                    metadata[prefix + name] = json.loads(
                        (Path(dirpath) / name).read_text(encoding="utf8")
                    )
                except (OSError, ValueError) as exc:
                    raise FileFormatError(
                        f"{Path(dirpath) / name} is not valid JSON ({exc})."
                    ) from exc
    _write_json_file(r / ".zmetadata", {"metadata": metadata, "zarr_consolidated_format": 1})
