"""Write memphys objects to ``.npz`` files with pynapple's keys, streaming and crash-safely.

Every class's ``save`` method calls :func:`save_npz`. The file is a numpy ``.npz`` archive
(an uncompressed zip of ``.npy`` members) with exactly the keys and dtypes pynapple 0.11.4
writes, so pynapple (and ``np.load``) read it:

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

Lazy arrays (memmap, zarr, HDF5, dask, adapters) and the time index are written in blocks
straight into the zip member, so saving a 2 GB memory-mapped Tsd never holds it in memory.
The archive is written under a temporary name in the destination folder and renamed when
complete: an interrupted save leaves the previous file (if any) untouched.

Examples
--------
>>> import pathlib, tempfile
>>> import numpy as np
>>> from memphys.core._npz import write_npz
>>> path = pathlib.Path(tempfile.mkdtemp()) / "arrays.npz"
>>> write_npz(path, {"a": np.arange(3), "type": np.array(["npz"])})
>>> with np.load(path) as f:
...     sorted(f.keys()), f["a"]
(['a', 'type'], array([0, 1, 2]))
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

import numpy as np

from memphys.config import get_config
from memphys.core._interval_input import npz_path
from memphys.errors import MemphysTypeError

__all__ = ["BLOCK_BYTES_MAX", "npz_members", "save_npz", "write_npz"]

logger = logging.getLogger(__name__)

#: Largest block (bytes) read from a lazy source and written at once.
BLOCK_BYTES_MAX = 64 * 2**20
_BLOCK_BYTES_MIN = 2**20

#: Classes whose ``save`` writes a pynapple file, most derived first.
_KNOWN = ("TsGroup", "TsdFrame", "TsdTensor", "Tsd", "Ts", "IntervalSet")


class _Blocks:
    """A member written block by block: ``shape``, ``dtype`` and ``read(start, stop)``."""

    def __init__(self, shape: tuple[int, ...], dtype: Any, read: Any) -> None:
        self.shape = tuple(int(s) for s in shape)
        self.dtype = np.dtype(dtype)
        self.read = read


def _kind(obj: Any) -> str:
    """The pynapple class name of ``obj`` (its own or that of a known base class)."""
    names = [getattr(obj, "nap_class", None)] + [c.__name__ for c in type(obj).__mro__]
    for name in names:
        if name in _KNOWN:
            return str(name)
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
        return _Blocks((len(ti),), np.float64, ti._read)
    return np.asarray(ti.values, dtype=np.float64)


def _data_member(values: Any) -> Any:
    """``d``: in-memory arrays as they are, lazy sources as blocks of their adapter."""
    if isinstance(values, np.ndarray) and not isinstance(values, np.memmap):
        return values
    from memphys.arrays import as_lazy

    try:
        lazy = as_lazy(values)
    except MemphysTypeError:
        return np.asarray(values)
    if lazy.dtype.hasobject or lazy.ndim == 0:
        return np.asarray(lazy)
    return _Blocks(lazy.shape, lazy.dtype, lazy.read)


def _columns_member(columns: Any) -> np.ndarray:
    cols = np.asarray(columns)
    if cols.dtype == object:
        cols = cols.astype(str)
    return cols


def _tsgroup_members(group: Any) -> dict[str, Any]:
    """Flatten a TsGroup as pynapple does: all times sorted, with the unit of each."""
    from memphys.core._ts_group_io import event_order

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
    kind = _kind(obj)
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


def _block_rows(member: _Blocks) -> int:
    row = int(np.prod(member.shape[1:], dtype=np.int64)) * member.dtype.itemsize
    budget = int(get_config("memory_budget")) // 8
    nbytes = min(max(budget, _BLOCK_BYTES_MIN), BLOCK_BYTES_MAX)
    return max(1, nbytes // max(row, 1))


def _write_header(fp: IO[bytes], shape: tuple[int, ...], dtype: np.dtype[Any]) -> None:
    header = {
        "descr": np.lib.format.dtype_to_descr(dtype),
        "fortran_order": False,
        "shape": shape,
    }
    try:
        np.lib.format.write_array_header_1_0(fp, header)
    except ValueError:  # header longer than 65535 bytes (huge structured dtypes)
        np.lib.format.write_array_header_2_0(fp, header)


def _write_blocks(fp: IO[bytes], member: _Blocks) -> None:
    """Write the rows of ``member`` block by block (C order) after its header."""
    n = member.shape[0] if member.shape else 0
    step = _block_rows(member)
    for start in range(0, n, step):
        stop = min(start + step, n)
        block = np.ascontiguousarray(member.read(start, stop), dtype=member.dtype)
        if block.shape != (stop - start, *member.shape[1:]):
            raise MemphysTypeError(
                f"Invalid block: expected shape {(stop - start, *member.shape[1:])} for rows "
                f"[{start}, {stop}), but got {block.shape}."
            )
        fp.write(block.reshape(-1).view(np.uint8).data)


def _write_member(zf: zipfile.ZipFile, name: str, value: Any) -> None:
    with zf.open(f"{name}.npy", "w", force_zip64=True) as fp:
        if isinstance(value, _Blocks):
            _write_header(fp, value.shape, value.dtype)
            _write_blocks(fp, value)
        else:
            np.lib.format.write_array(fp, np.asanyarray(value), allow_pickle=True)


def _temporary_name(path: Path) -> Path:
    token = f"{os.getpid()}.{threading.get_ident()}.{secrets.token_hex(4)}"
    return path.with_name(f".{path.name}.{token}.tmp")


def write_npz(path: str | os.PathLike[str], members: Mapping[str, Any]) -> None:
    """Write ``members`` (name -> array or block reader) to the ``.npz`` file ``path``.

    The archive is written to a temporary file next to ``path`` (created with the usual
    permissions), flushed to disk and renamed to ``path`` only when complete. On any error
    the temporary file is removed and ``path`` is left as it was.

    Parameters
    ----------
    path : str or path-like
        Destination, used as given (no suffix added).
    members : mapping
        Key -> numpy array (object arrays are pickled, as ``np.savez`` does), or a block
        reader from :func:`npz_members`.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "x.npz"
    >>> write_npz(path, {"x": np.arange(4.0)})
    >>> with np.load(path) as f:
    ...     f["x"]
    array([0., 1., 2., 3.])
    """
    path = Path(path)
    tmp = _temporary_name(path)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            with zipfile.ZipFile(fh, mode="w", compression=zipfile.ZIP_STORED) as zf:
                for name, value in members.items():
                    _write_member(zf, name, value)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    logger.debug("wrote %s (%d members)", path, len(members))


def save_npz(obj: Any, filename: str | os.PathLike[str]) -> None:
    """Save ``obj`` to ``filename`` in pynapple's ``.npz`` layout (see the module notes).

    ``filename`` follows pynapple's rules: ``.npz`` replaces any other suffix (or is added);
    the folder must exist.

    Parameters
    ----------
    obj : Ts, Tsd, TsdFrame, TsdTensor, TsGroup or IntervalSet
    filename : str or path-like

    Raises
    ------
    MemphysTypeError
        If ``filename`` is not a string or path (a TypeError, as in pynapple), or ``obj`` is
        not a memphys object.
    MemphysRuntimeError
        If ``filename`` is a folder or its folder does not exist (pynapple's RuntimeError
        and messages).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> import numpy as np
    >>> import memphys as nap
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> save_npz(nap.IntervalSet(start=[0, 10], end=[5, 12]), folder / "ep")
    >>> with np.load(folder / "ep.npz", allow_pickle=True) as f:
    ...     list(f.keys()), f["end"]
    (['start', 'end', 'type', '_metadata'], array([ 5., 12.]))
    """
    path = npz_path(filename)
    write_npz(path, npz_members(obj))
