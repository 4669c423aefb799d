"""Read NWB files lazily: :class:`NWBFile` and the ``.nwb`` loader of ``load_file``.

pynwb reads the file; every object memphys can represent is listed under a short key
and built on first access (then cached):

============================================  ==========================================
NWB object                                    memphys object
============================================  ==========================================
units table (ragged ``*_times`` column)       ``TsGroup``, scalar columns as metadata
``TimeIntervals`` (epochs, trials, ...)       ``IntervalSet``, other columns as metadata
table with ``*_times`` columns                ``Ts`` (a dict of ``Ts`` for several)
``AnnotationSeries``, ``EventsTable``         ``Ts``
``TimeSeries`` and subtypes, 1-D / 2-D / 3-D+ ``Tsd`` / ``TsdFrame`` / ``TsdTensor``
``ImageSeries`` in external files             ``Ts`` of its frame times
``ScratchData``                               the array (on disk when lazy)
============================================  ==========================================

Laziness: a ``TimeSeries``' data stays on disk as an ``h5py.Dataset``
(``type(tsd.values)`` is ``h5py.Dataset``) read with contiguous slices only; ``rate``
gives a regular time index (no timestamp array is built); explicit timestamps are read
once into float64 (every ``restrict``/``get`` searches them). Datasets are read through
memphys's own per-process read-only handle on the file, opened by path: objects stay
readable after the ``NWBFile`` is closed or garbage-collected, pickle as ``(path,
dataset name)`` and reopen the file in worker processes. ``close()`` closes pynwb's file
and memphys's handle in this process (a later read of a built object reopens it).

Examples
--------
>>> import pathlib, tempfile, datetime, warnings
>>> import numpy as np, pynwb
>>> import memphys as nap
>>> path = pathlib.Path(tempfile.mkdtemp()) / "session.nwb"
>>> f = pynwb.NWBFile("demo", "id0", datetime.datetime.now(datetime.timezone.utc))
>>> f.add_acquisition(pynwb.TimeSeries(name="lfp", data=np.zeros((100, 4)), unit="V",
...                                    rate=1000.0))
>>> f.add_unit(spike_times=[0.01, 0.05])
>>> with pynwb.NWBHDF5IO(path, "w") as io:
...     io.write(f)
>>> nwb = nap.load_file(path)
>>> nwb
session
┍━━━━━━━━┯━━━━━━━━━━┑
│ Keys   │ Type     │
┝━━━━━━━━┿━━━━━━━━━━┥
│ units  │ TsGroup  │
│ lfp    │ TsdFrame │
┕━━━━━━━━┷━━━━━━━━━━┙
>>> import h5py
>>> lfp = nwb["lfp"]
>>> isinstance(lfp.values, h5py.Dataset), lfp.get(0.01, 0.012).shape
(True, (3, 4))
>>> nwb.close()
"""

from __future__ import annotations

import contextlib
import errno
import os
import warnings
from collections import UserDict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from memphys.arrays.hdf5_array import _HANDLES
from memphys.errors import (
    FileContentWarning,
    FileFormatError,
    MemphysError,
    MemphysFileNotFoundError,
    MemphysKeyError,
    MemphysTypeError,
)
from memphys.io.nwb import _build as build

__all__ = ["NWBFile", "load_nwb", "unique_keys"]


def unique_keys(full_path_to_key: dict[str, str]) -> dict[str, str]:
    """Make keys unique by prefixing each clashing key with its next parent folder(s).

    Parameters
    ----------
    full_path_to_key : dict
        Full path (``/a/b/c``) -> key (a trailing part of the path, e.g. ``c``).

    Returns
    -------
    dict
        The same paths, each mapped to the shortest trailing part of its path that no
        other path shares at that step (pynapple's disambiguation).

    Examples
    --------
    >>> unique_keys({"/a/b/c": "c", "/a/e/c": "c", "/a/e/d": "d"})
    {'/a/b/c': 'b/c', '/a/e/c': 'e/c', '/a/e/d': 'd'}
    """
    out = dict(full_path_to_key)
    while True:
        counts: dict[str, int] = {}
        for key in out.values():
            counts[key] = counts.get(key, 0) + 1
        clashing = [p for p, k in out.items() if counts[k] > 1]
        if not clashing:
            return out
        changed = False
        for path in clashing:
            parts = path.split("/")
            depth = len(out[path].split("/")) + 1
            new = "/".join(parts[-depth:]).lstrip("/")
            changed |= new != out[path]
            out[path] = new
        if not changed:  # identical full paths: nothing left to add
            return out


def _classify(obj: Any) -> str | None:
    """The memphys type an NWB object is read as (None: not readable as one)."""
    from hdmf.common.table import DynamicTable
    from pynwb.base import TimeSeries
    from pynwb.core import ScratchData
    from pynwb.epoch import TimeIntervals
    from pynwb.image import ImageSeries
    from pynwb.misc import AnnotationSeries, Units

    if isinstance(obj, Units):
        return "TsGroup"
    if _is_events_table(obj):
        return "Ts"
    if isinstance(obj, DynamicTable):
        names = [c.name for c in obj.columns]
        if any(n.endswith("_times_index") for n in names):
            return "TsGroup"
        if isinstance(obj, TimeIntervals):
            return "IntervalSet"
        if any(n.endswith("_times") for n in names):
            return "Ts"
        return None
    if isinstance(obj, AnnotationSeries):
        return "Ts"
    if (
        isinstance(obj, ImageSeries)
        and obj.external_file is not None
        and obj.timestamps is not None
    ):
        return "Ts"  # frames in external files: the data array is a placeholder
    if isinstance(obj, TimeSeries):
        data = obj.data
        shape = getattr(data, "shape", None)
        ndim = 0 if data is None else (len(shape) if shape is not None else np.ndim(data))
        if ndim >= 3:
            return "TsdTensor"
        if ndim == 2:
            return "TsdFrame"
        if ndim == 1:
            return "Tsd"
        return None
    if isinstance(obj, ScratchData):
        return "ScratchData"
    return None


def _data_objects(nwb: Any) -> list[Any]:
    """The objects of the places that hold data: acquisition, processing modules,
    scratch, analysis, stimulus."""
    out: list[Any] = []
    for group in ("acquisition", "scratch", "analysis", "stimulus"):
        out += list((getattr(nwb, group, None) or {}).values())
    for module in (getattr(nwb, "processing", None) or {}).values():
        out += list(module.data_interfaces.values())
    return out


def _unsupported_reason(obj: Any) -> str:
    from hdmf.common.table import DynamicTable
    from pynwb.base import TimeSeries

    kind = getattr(obj, "neurodata_type", type(obj).__name__)
    if isinstance(obj, DynamicTable):
        return (
            f"an NWB {kind} without time columns (start_time/stop_time, spike_times or "
            "*_times): memphys reads tables of times only"
        )
    if isinstance(obj, TimeSeries):
        return f"an NWB {kind} without usable data (0-d or missing)"
    return (
        f"an NWB {kind} object, which is not a time series, a table of times or scratch "
        "data: memphys has no object for it"
    )


def _unsupported(nwb: Any, found: set[str]) -> dict[str, tuple[str, str]]:
    """Full path -> (neurodata type, reason) of the data objects memphys cannot load."""
    out: dict[str, tuple[str, str]] = {}
    for obj in _data_objects(nwb):
        if _classify(obj) is not None:
            continue
        children = obj.all_children() if hasattr(obj, "all_children") else []
        if any(_classify(c) is not None for c in children if c is not obj):
            continue  # a container (LFP, Position, ...) of objects that are listed
        path = build.object_path(obj)
        if path not in found:
            kind = str(getattr(obj, "neurodata_type", type(obj).__name__))
            out[path] = (kind, _unsupported_reason(obj))
    return out


def _is_events_table(obj: Any) -> bool:
    try:
        from pynwb.event import EventsTable
    except ImportError:  # pynwb < 4
        return False
    return isinstance(obj, EventsTable)


def _builder(obj: Any, kind: str) -> Callable[..., Any]:
    from pynwb.image import ImageSeries

    if kind == "Ts" and isinstance(obj, ImageSeries):
        return build.make_event_ts
    if kind == "Ts" and _is_events_table(obj):
        return build.make_events_ts
    builders: dict[str, Callable[..., Any]] = {
        "IntervalSet": build.make_interval_set,
        "Ts": build.make_ts,
        "Tsd": build.make_tsd,
        "TsdFrame": build.make_tsd_frame,
        "TsdTensor": build.make_tsd_tensor,
        "TsGroup": build.make_tsgroup,
        "ScratchData": build.make_scratch,
    }
    return builders[kind]


def _table(rows: list[list[str]], headers: list[str]) -> str:
    """A two-column table in tabulate's ``mixed_outline`` style (as pynapple prints)."""
    widths = [max([len(h) + 2, *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]

    def line(left: str, mid: str, right: str) -> str:
        return left + mid.join("━" * (w + 2) for w in widths) + right

    def row(cells: list[str]) -> str:
        return "│" + "│".join(f" {c.ljust(w)} " for c, w in zip(cells, widths, strict=True)) + "│"

    lines = [line("┍", "┯", "┑"), row(headers), line("┝", "┿", "┥")]
    lines += [row(r) for r in rows]
    lines.append(line("┕", "┷", "┙"))
    return "\n".join(lines)


class NWBFile(UserDict[str, Any]):
    """Dict-like view of the objects of an NWB file, each built on first access.

    Parameters
    ----------
    file : str, path-like or pynwb.file.NWBFile
        Path of an ``.nwb`` file, or an NWB file already opened with pynwb.
    lazy_loading : bool, default True
        True: time series data stay on disk (``values`` is the ``h5py.Dataset``), read
        with contiguous slices when needed. False: data are read into numpy on access.

    Attributes
    ----------
    name : str
        The file name without extension (the ``session_id`` for a pynwb object).
    nwb : pynwb.file.NWBFile
        pynwb's object.
    io : pynwb.NWBHDF5IO
        pynwb's reader, when opened from a path (closed by :meth:`close`).
    key_to_id : dict
        Key -> NWB object id (``nwb.objects[id]``).
    key_to_full_path, full_path_to_key : dict
        Key <-> path of the object in the file (``/processing/behavior/position``).

    Raises
    ------
    MemphysFileNotFoundError
        If the path does not exist (a ``FileNotFoundError`` with errno's message).
    FileFormatError
        If the file cannot be read as NWB by pynwb.
    MemphysTypeError
        If ``file`` is neither a path nor a pynwb ``NWBFile``.

    Notes
    -----
    A ``TimeSeries``' ``conversion``, ``offset`` and ``unit`` are not applied to the data
    (as pynapple); :meth:`info` returns them. Building an object checks the file: a
    ``TimeSeries`` whose timestamps and data lengths differ raises
    :class:`~memphys.errors.ShapeMismatchError`, a units table without spike times
    raises :class:`~memphys.errors.FileFormatError`; an object of the wrong kind for its
    listed type is returned as the pynwb object with a warning (as pynapple).

    Examples
    --------
    >>> import pynwb, numpy as np
    >>> from pynwb.testing.mock.file import mock_NWBFile
    >>> f = mock_NWBFile()
    >>> f.add_trial(start_time=1.0, stop_time=5.0)
    >>> nwb = NWBFile(f)
    >>> nwb.keys()
    ['trials']
    >>> nwb["trials"]
      index    start    end
          0        1      5
    shape: (1, 2), time unit: sec.
    """

    def __init__(self, file: Any, lazy_loading: bool = True) -> None:
        import pynwb

        self._lazy_loading = bool(lazy_loading)
        self.path: Path | None = None
        self.io: Any = None
        if isinstance(file, pynwb.file.NWBFile):
            self.nwb = file
            self.name = file.session_id
        elif isinstance(file, str | os.PathLike):
            path = Path(file)
            if not path.exists():
                raise MemphysFileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), file)
            self.path, self.name = path, path.stem
            self.io, self.nwb = _open(path)
        else:
            raise MemphysTypeError(
                "Invalid type for `file`: expected a path to an .nwb file or a "
                f"pynwb.file.NWBFile, but got {type(file).__name__}."
            )
        found: dict[str, dict[str, str]] = {}
        for oid, obj in self.nwb.objects.items():
            kind = _classify(obj)
            if kind is not None:
                found[build.object_path(obj)] = {"id": oid, "type": kind}
        self.full_path_to_key = unique_keys({p: p.rsplit("/", 1)[-1] for p in found})
        self.key_to_full_path = {k: p for p, k in self.full_path_to_key.items()}
        data = {self.full_path_to_key[p]: v for p, v in found.items()}
        self.key_to_id = {k: v["id"] for k, v in data.items()}
        self._view = [[k, v["type"]] for k, v in data.items()]
        # objects memphys cannot load: listed (not keys, as pynapple), with the reason
        skipped = _unsupported(self.nwb, set(found))
        short = unique_keys({p: p.rsplit("/", 1)[-1] for p in skipped})
        self.unsupported: dict[str, str] = {}
        for where, (kind, reason) in skipped.items():
            key = short[where] if short[where] not in data else where
            self.unsupported[key] = f"{where} is {reason}"
            self._view.append([key, f"{kind} (not loadable)"])
        UserDict.__init__(self, data)

    # --- display --------------------------------------------------------------------------
    def __str__(self) -> str:
        title = self.name if isinstance(self.name, str) else "-"
        return title + "\n" + _table(self._view, ["Keys", "Type"])

    def __repr__(self) -> str:
        return self.__str__()

    # --- access ---------------------------------------------------------------------------
    def __getitem__(self, key: Any) -> Any:
        if isinstance(key, str) and key.startswith("/"):
            if key not in self.full_path_to_key:
                raise MemphysKeyError(f"Can't find key {key} in group index.")
            key = self.full_path_to_key[key]
        if key not in self.data:
            reason = getattr(self, "unsupported", {}).get(key)
            if reason is not None:
                raise MemphysKeyError(
                    f"Can't load {key!r}: {reason}. Read it with pynwb (NWBFile.nwb)."
                )
            raise MemphysKeyError(f"Can't find key {key} in group index.")
        entry = self.data[key]
        if not (isinstance(entry, dict) and "id" in entry and "type" in entry):
            return entry
        obj = self.nwb.objects[entry["id"]]
        kind = entry["type"]
        try:
            value = _builder(obj, kind)(obj, lazy_loading=self._lazy_loading)
        except MemphysError:
            raise
        except Exception:
            warnings.warn(
                f"Failed to build {kind}.\n Returning the NWB object for manual inspection",
                FileContentWarning,
                stacklevel=2,
            )
            value = obj
        self.data[key] = value
        return value

    def keys(self) -> list[str]:  # type: ignore[override]
        """The keys, in the file's object order."""
        return list(self.data.keys())

    def items(self) -> list[tuple[str, Any]]:  # type: ignore[override]
        """``(key, object)`` pairs (an entry not yet built is its ``{'id', 'type'}``)."""
        return list(self.data.items())

    def values(self) -> list[Any]:  # type: ignore[override]
        """The objects (an entry not yet built is its ``{'id', 'type'}``)."""
        return list(self.data.values())

    def info(self, key: str) -> dict[str, Any]:
        """The NWB fields of an entry that memphys does not apply to the data.

        Parameters
        ----------
        key : str
            A key (or a full path starting with ``/``).

        Returns
        -------
        dict
            ``neurodata_type``, ``path``, ``description`` and, for a ``TimeSeries``,
            ``unit``, ``conversion``, ``offset``, ``resolution``, ``comments``, ``rate``,
            ``starting_time``: physical value = ``data * conversion + offset``.

        Examples
        --------
        >>> import numpy as np
        >>> from pynwb.testing.mock.file import mock_NWBFile
        >>> from pynwb.testing.mock.base import mock_TimeSeries
        >>> f = mock_NWBFile()
        >>> f.add_acquisition(mock_TimeSeries(name="v", conversion=0.5, offset=1.0))
        >>> info = NWBFile(f).info("v")
        >>> info["conversion"], info["offset"], info["unit"]
        (0.5, 1.0, 'volts')
        """
        path = key if isinstance(key, str) and key.startswith("/") else None
        if path is None:
            if key not in self.key_to_full_path:
                raise MemphysKeyError(f"Can't find key {key} in group index.")
            path = self.key_to_full_path[key]
        elif path not in self.full_path_to_key:
            raise MemphysKeyError(f"Can't find key {key} in group index.")
        obj = self.nwb.objects[self.key_to_id[self.full_path_to_key[path]]]
        out: dict[str, Any] = {
            "neurodata_type": type(obj).__name__,
            "path": path,
            "description": getattr(obj, "description", None),
        }
        for field in ("unit", "conversion", "offset", "resolution", "comments", "rate"):
            if hasattr(obj, field):
                out[field] = getattr(obj, field)
        if hasattr(obj, "starting_time"):
            out["starting_time"] = obj.starting_time
        return out

    # --- files ----------------------------------------------------------------------------
    def close(self) -> None:
        """Close pynwb's reader and memphys's handle on the file in this process.

        Objects already built keep working: their next read reopens the file.
        """
        if self.io is not None:
            self.io.close()
        if self.path is not None:
            _HANDLES.close(os.path.abspath(self.path))

    def __enter__(self) -> NWBFile:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _open(path: Path) -> tuple[Any, Any]:
    """pynwb's reader and file object; FileFormatError for anything that is not NWB."""
    import pynwb

    if not path.is_file():
        raise FileFormatError(
            f"Invalid value for `file`: expected an NWB file, but {str(path)!r} is a folder."
        )
    io = None
    try:
        with warnings.catch_warnings():
            # pynwb warns about namespace versions cached in older files
            warnings.filterwarnings("ignore", message=".*cached namespace.*")
            io = pynwb.NWBHDF5IO(path, "r")
            nwb = io.read()
    except Exception as exc:
        if io is not None:
            with contextlib.suppress(Exception):
                io.close()
        raise FileFormatError(
            f"File {str(path)!r} could not be read as NWB: expected an NWB (HDF5) file "
            f"readable by pynwb, but pynwb reported {type(exc).__name__}: {exc}"
        ) from exc
    return io, nwb


def load_nwb(path: Path, lazy_loading: bool | None = None) -> NWBFile:
    """The ``.nwb`` loader of :func:`memphys.load_file`: an :class:`NWBFile`.

    ``lazy_loading=None`` (``load_file``'s default) means lazy.

    Examples
    --------
    >>> import pathlib
    >>> load_nwb(pathlib.Path("missing.nwb"))
    Traceback (most recent call last):
    ...
    memphys.errors.MemphysFileNotFoundError: [Errno 2] No such file or directory: ...
    """
    return NWBFile(path, lazy_loading=True if lazy_loading is None else lazy_loading)
