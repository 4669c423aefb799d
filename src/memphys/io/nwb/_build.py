"""Build memphys objects from pynwb objects (the reader side of :mod:`memphys.io.nwb.read`).

Every NWB read goes through pynwb/hdmf; this module only turns what they return into
``Ts``/``Tsd``/``TsdFrame``/``TsdTensor``/``TsGroup``/``IntervalSet``:

- a ``TimeSeries`` ``data`` array stays on disk as an :class:`NWBDataset` (an
  ``h5py.Dataset`` reopened by file path and dataset name, so it pickles as that recipe
  and reads again after the file was closed); ``rate`` gives a regular time index
  ``(starting_time, rate, n)``; explicit ``timestamps`` are read once into float64 (they
  are searched by every ``restrict``/``get``);
- spike times of a units table are read once (one read of the flat column and one of its
  index) and split per unit;
- interval and unit tables are small and read whole through pynwb.

``conversion``/``offset`` are not applied to the data (as pynapple): ``NWBFile.info(key)``
returns them. What memphys's writer stores beside a series (:mod:`memphys.io.nwb._common`:
``<name>_time_support``, ``<name>_columns``, a TsGroup's ``obs_intervals``) is read back
as the time support, column labels and column metadata.
"""

from __future__ import annotations

import numbers
import os
import warnings
from typing import Any

import h5py
import numpy as np
import pandas as pd

from memphys.arrays.hdf5_array import _HANDLES, _get_dataset
from memphys.core import IntervalSet, Ts, Tsd, TsdFrame, TsdTensor, TsGroup
from memphys.errors import FileContentWarning, FileFormatError, ShapeMismatchError, TimeIndexError
from memphys.io.nwb._common import LABEL_COLUMN, columns_name, time_support_name

__all__ = [
    "NWBDataset",
    "make_interval_set",
    "make_scratch",
    "make_ts",
    "make_tsd",
    "make_tsd_frame",
    "make_tsd_tensor",
    "make_tsgroup",
    "object_path",
]

_CACHED = ("_extent_type", "_is_empty", "_dcpl", "_filters", "_fast_read_ok")


class NWBDataset(h5py.Dataset):
    """An ``h5py.Dataset`` of an NWB file that pickles as ``(path, name)`` and reopens.

    It reads through memphys's per-process read-only handle on the file (the one
    :class:`~memphys.arrays.HDF5Array` uses), not through pynwb's: closing the
    ``NWBFile`` (or letting it be garbage-collected) leaves it readable. When its handle
    was closed (``NWBFile.close()``) or the process differs (a forked or spawned worker),
    the next access reopens the file by path.

    Parameters
    ----------
    path : str
        Absolute path of the HDF5 file.
    name : str
        Dataset name inside the file.

    Examples
    --------
    >>> import os, pickle, tempfile, h5py, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "d.h5")
    >>> with h5py.File(path, "w") as f:
    ...     _ = f.create_dataset("x", data=np.arange(5))
    >>> ds = NWBDataset(path, "/x")
    >>> isinstance(ds, h5py.Dataset), pickle.loads(pickle.dumps(ds))[1:3]
    (True, array([1, 2]))
    """

    def __init__(self, path: str, name: str) -> None:
        self._nwb_path = os.path.abspath(path)
        self._nwb_name = name
        self._bind()

    def _bind(self) -> None:
        ds = _get_dataset(_HANDLES.get(self._nwb_path), self._nwb_name)
        for key in _CACHED:
            self.__dict__.pop(key, None)
        h5py.Dataset.__init__(self, ds.id)
        self._nwb_pid = os.getpid()

    def _check(self) -> None:
        if self._nwb_pid != os.getpid() or not self._id.valid:
            self._bind()

    @property
    def id(self) -> Any:
        """The low-level identifier (rebinding first if the file was closed)."""
        self._check()
        return self._id

    def __getitem__(self, args: Any, new_dtype: Any = None) -> Any:
        self._check()
        return super().__getitem__(args, new_dtype=new_dtype)

    def __reduce__(self) -> Any:
        return (_reopen, (self._nwb_path, self._nwb_name))

    def __reduce_ex__(self, protocol: Any) -> Any:
        return self.__reduce__()

    def __repr__(self) -> str:
        return f"<NWB dataset {self._nwb_name!r} of {self._nwb_path!r}: shape {self.shape}>"


def _reopen(path: str, name: str) -> NWBDataset:
    """Unpickle an :class:`NWBDataset` (module-level: the class's module is h5py's)."""
    return NWBDataset(path, name)


# memphys recognises h5py sources by their module (arrays.as_lazy, core.is_lazy): this
# class is one, read through HDF5Array with slices only.
NWBDataset.__module__ = h5py.Dataset.__module__


def _unwrap(data: Any) -> Any:
    """The array inside hdmf's ``DataIO`` wrappers (in-memory files being written)."""
    from hdmf.data_utils import DataIO

    while isinstance(data, DataIO):
        data = data.data
    return data


def _reopenable(ds: h5py.Dataset) -> bool:
    f = ds.file
    return f.mode == "r" and f.driver not in ("core", "fileobj") and ds.name is not None


def lazy_array(data: Any, lazy_loading: bool) -> tuple[Any, bool]:
    """``(array, load_array)`` for the data of a TimeSeries.

    An on-disk dataset becomes an :class:`NWBDataset` (``lazy_loading``) or is read whole
    with one slice; anything else (numpy, lists) becomes numpy.
    """
    data = _unwrap(data)
    if isinstance(data, h5py.Dataset):
        if not lazy_loading:
            return (data[:] if data.ndim else data[()]), True
        if _reopenable(data):
            return NWBDataset(data.file.filename, str(data.name)), False
        return data, False
    if isinstance(data, np.ndarray):
        return data, True
    return np.asarray(data), True


def read_all(data: Any, dtype: Any = None) -> np.ndarray:
    """A small array read whole (one slice for a dataset)."""
    data = _unwrap(data)
    if isinstance(data, h5py.Dataset):
        out = data[:] if data.ndim else data[()]
    else:
        out = data[:] if hasattr(data, "__getitem__") and not isinstance(data, list) else data
    return np.asarray(out, dtype=dtype)


def object_path(obj: Any) -> str:
    """``/parent/.../name`` of a pynwb object, without the root (pynapple's full path)."""
    parts = [str(obj.name)]
    parent = getattr(obj, "parent", None)
    while parent is not None and getattr(parent, "name", "root") != "root":
        parts.append(str(parent.name))
        parent = getattr(parent, "parent", None)
    return "/" + "/".join(reversed(parts))


def _series_desc(obj: Any) -> str:
    return f"{type(obj).__name__} {object_path(obj)!r}"


def _n_samples(data: Any) -> int:
    shape = getattr(data, "shape", None)
    if shape is None:
        return len(data)
    return int(shape[0]) if len(shape) else 0


def _time_kwargs(obj: Any, n: int) -> dict[str, Any]:
    """``t=`` (timestamps read once, float64) or ``rate=``/``start=`` (no array built)."""
    ts = obj.timestamps
    if ts is not None:
        t = read_all(ts, np.float64).reshape(-1)
        if len(t) != n:
            raise ShapeMismatchError(
                f"{_series_desc(obj)} has {len(t)} timestamps but its data has {n} rows: "
                "expected one timestamp per row of `data`. The file is inconsistent; read "
                "the arrays with pynwb (NWBFile.nwb) to inspect them."
            )
        return {"t": t}
    rate = obj.rate
    if rate is None:
        raise FileFormatError(
            f"{_series_desc(obj)} has neither `timestamps` nor `rate`: expected one of "
            "them (a required NWB field)."
        )
    start = obj.starting_time
    return {"t": None, "rate": float(rate), "start": float(0.0 if start is None else start)}


def _sibling(obj: Any, name: str) -> Any:
    """The object called ``name`` in the same group as ``obj`` (None if there is none)."""
    parent = getattr(obj, "parent", None)
    for child in getattr(parent, "children", ()) or ():
        if getattr(child, "name", None) == name and child is not obj:
            return child
    return None


def _stored_support(obj: Any) -> Any:
    """The time support memphys's writer stores next to a series (``_nwb_common``)."""
    from pynwb.epoch import TimeIntervals

    table = _sibling(obj, time_support_name(str(obj.name)))
    if not isinstance(table, TimeIntervals) or len(table) == 0:
        return None
    starts = read_all(table["start_time"].data, np.float64)
    ends = read_all(table["stop_time"].data, np.float64)
    return IntervalSet(starts, ends)


def _stored_columns(obj: Any, n_cols: int) -> tuple[Any, Any] | None:
    """``(labels, metadata)`` from the ``<name>_columns`` table memphys's writer stores."""
    from hdmf.common.table import DynamicTable

    table = _sibling(obj, columns_name(str(obj.name)))
    if not isinstance(table, DynamicTable) or LABEL_COLUMN not in table.colnames:
        return None
    if len(table) != n_cols:
        raise ShapeMismatchError(
            f"The column table {object_path(table)!r} has {len(table)} rows but "
            f"{_series_desc(obj)} has {n_cols} columns: expected one row per column."
        )
    labels = [x.decode() if isinstance(x, bytes) else str(x) for x in table[LABEL_COLUMN].data[:]]
    meta = {
        str(c): read_all(table[c].data)
        for c in table.colnames
        if c != LABEL_COLUMN and read_all(table[c].data).ndim == 1
    }
    return labels, (pd.DataFrame(meta, index=labels) if meta else None)


def _missing_in_file(obj: Any, data: Any) -> bool:
    """True when a TimeSeries read from a file has no ``data`` dataset there: pynwb then
    gives an empty uint8 array (which read as an empty Tsd)."""
    if getattr(obj, "container_source", None) is None:
        return False  # an object built in memory: its data is what was given
    inner = _unwrap(data)
    return isinstance(inner, np.ndarray) and inner.size == 0


def _series_parts(obj: Any, lazy_loading: bool) -> tuple[Any, bool, dict[str, Any]]:
    data = obj.data
    if data is None or _missing_in_file(obj, data):
        raise FileFormatError(
            f"{_series_desc(obj)} has no `data` (a required NWB field): the file is "
            "incomplete or damaged."
        )
    d, load_array = lazy_array(data, lazy_loading)
    kwargs = _time_kwargs(obj, _n_samples(d))
    support = _stored_support(obj)
    if support is not None:
        kwargs["time_support"] = support
    return d, load_array, kwargs


def _construct(cls: Any, obj: Any, t: Any, d: Any, **kwargs: Any) -> Any:
    """``cls(t=t, d=d, ...)``, naming the series when its timestamps are unusable."""
    try:
        return cls(t=t, d=d, **kwargs)
    except TimeIndexError as exc:
        raise TimeIndexError(
            f"{_series_desc(obj)}: {exc} The file stores them so; memphys never sorts times "
            "without their data. Read both with pynwb (NWBFile.nwb) and pass them through "
            "memphys.sort_by_time(t, d)."
        ) from exc


def make_tsd(obj: Any, lazy_loading: bool = True, **kwargs: Any) -> Any:
    """A ``Tsd`` from a 1-D ``TimeSeries`` (data left on disk when ``lazy_loading``)."""
    d, load_array, tk = _series_parts(obj, lazy_loading)
    return _construct(Tsd, obj, tk.pop("t"), d, load_array=load_array, **tk)


def make_tsd_tensor(obj: Any, lazy_loading: bool = True, **kwargs: Any) -> Any:
    """A ``TsdTensor`` from a ``TimeSeries`` with 3 or more dimensions."""
    d, load_array, tk = _series_parts(obj, lazy_loading)
    return _construct(TsdTensor, obj, tk.pop("t"), d, load_array=load_array, **tk)


def _region_metadata(region: Any) -> pd.DataFrame:
    """Scalar columns of the rows a ``DynamicTableRegion`` points to (one row each).

    Ragged columns and columns with one array per row (pixel or image masks) are left
    out without being read; object columns (electrode groups) are dropped.
    """
    from hdmf.common.table import VectorIndex

    table = region.table
    skip = set()
    for name in table.colnames:
        col = table[name]
        if isinstance(col, VectorIndex):
            skip.add(name)
            continue
        data = col.data
        shape = getattr(data, "shape", None)
        if shape is not None:
            if len(shape) > 1:
                skip.add(name)
        elif len(data) and np.ndim(data[0]) > 0:
            skip.add(name)
    df = region.to_dataframe(exclude=skip)
    return df.convert_dtypes().select_dtypes(exclude="object")


def make_tsd_frame(obj: Any, lazy_loading: bool = True, **kwargs: Any) -> Any:
    """A ``TsdFrame`` from a 2-D ``TimeSeries``.

    Columns: ``x, y(, z)`` for a ``SpatialSeries``; the electrode ids (and the electrode
    table's scalar columns as column metadata) for an ``ElectricalSeries``; the ROI ids
    (and the segmentation's scalar columns) for a ``RoiResponseSeries``; ``0..n-1``
    otherwise.
    """
    from pynwb.behavior import SpatialSeries
    from pynwb.ecephys import ElectricalSeries
    from pynwb.ophys import RoiResponseSeries

    d, load_array, tk = _series_parts(obj, lazy_loading)
    n_cols = int(d.shape[1])
    columns: Any = np.arange(n_cols)
    metadata: Any = None
    region = None
    if isinstance(obj, SpatialSeries):
        if n_cols in (2, 3):
            columns = ["x", "y", "z"][:n_cols]
    elif isinstance(obj, ElectricalSeries):
        region = obj.electrodes
    elif isinstance(obj, RoiResponseSeries):
        region = obj.rois
    stored = _stored_columns(obj, n_cols)
    if stored is not None:
        columns, metadata = stored
    elif region is not None:
        try:
            meta = _region_metadata(region)
        except Exception:  # a region pynwb cannot resolve: plain column numbers
            meta = None
        if meta is not None and len(meta.index) >= n_cols:
            # a region may list more rows than the data has columns (a background ROI)
            meta = meta.iloc[:n_cols]
            columns = meta.index
            metadata = meta if len(meta.columns) else None
    return _construct(
        TsdFrame,
        obj,
        tk.pop("t"),
        d,
        columns=columns,
        load_array=load_array,
        metadata=metadata,
        **tk,
    )


def _spike_column(table: Any) -> str:
    if "spike_times" in table.colnames:
        return "spike_times"
    for name in table.colnames:
        if name.endswith("_times") and f"{name}_index" in {c.name for c in table.columns}:
            return str(name)
    raise FileFormatError(
        f"The units table {object_path(table)!r} has no 'spike_times' column: expected the "
        f"spike times of each unit, but found only the columns {list(table.colnames)}. "
        "Read the table with pynwb (NWBFile.nwb) instead."
    )


def _unit_spike_times(table: Any, column: str) -> list[np.ndarray]:
    """Each unit's spike times: the flat column and its index read once each, split."""
    from hdmf.common.table import VectorIndex

    index = table[column]
    if not isinstance(index, VectorIndex):
        raise FileFormatError(
            f"The column {column!r} of {object_path(table)!r} is not ragged: expected a list "
            "of spike times per unit (a VectorData with its VectorIndex)."
        )
    flat = read_all(index.target.data, np.float64).reshape(-1)
    ends = read_all(index.data, np.int64).reshape(-1)
    starts = np.concatenate(([0], ends[:-1])) if len(ends) else ends
    trains = [flat[a:b] for a, b in zip(starts, ends, strict=True)]
    unsorted = [i for i, t in enumerate(trains) if t.size > 1 and np.any(t[1:] < t[:-1])]
    if unsorted:
        # a unit's times carry no values here: sorting them alone pairs nothing wrongly
        ids = np.asarray(table.id.data[:])
        warnings.warn(
            f"The units table {object_path(table)!r} has unsorted spike times for "
            f"{len(unsorted)} unit(s) (ids {ids[unsorted].tolist()[:10]}): each unit's times "
            "were sorted.",
            FileContentWarning,
            stacklevel=4,
        )
        for i in unsorted:
            trains[i] = np.sort(trains[i], kind="stable")
    return trains


#: ElectrodeGroup fields copied to a unit's metadata (those the groups have).
_GROUP_FIELDS = (
    *("location", "x", "y", "z", "imp", "filtering"),
    *("rel_x", "rel_y", "rel_z", "reference"),
)


def _is_scalar(v: Any) -> bool:
    return isinstance(v, numbers.Number | str | bytes | np.generic) and not isinstance(v, np.void)


def _unit_metadata(table: Any, column: str, n: int) -> dict[str, np.ndarray]:
    """Scalar unit-table columns, then the electrode group's fields and the fields of a
    non-ragged region column (each only when the unit table has no column of that name)."""
    from hdmf.common.table import DynamicTableRegion, VectorIndex

    meta: dict[str, np.ndarray] = {}
    derived: dict[str, np.ndarray] = {}
    for name in table.colnames:
        if name == column:
            continue
        col = table[name]
        if name == "electrode_group":
            groups = list(col.data[:])
            for field in _GROUP_FIELDS:
                found = [getattr(g, field) for g in groups if hasattr(g, field)]
                if len(found) == n and n:
                    derived.setdefault(field, np.array(found))
            continue
        if isinstance(col, VectorIndex):  # ragged (obs_intervals, electrodes lists ...)
            continue
        if isinstance(col, DynamicTableRegion):
            if len(col) != n:
                continue
            df = col.to_dataframe()
            for key in df.columns:
                column_values = np.asarray(df[key].values)
                if len(column_values) and _is_scalar(column_values[0]):
                    derived.setdefault(str(key), column_values)
            continue
        data = col.data
        shape = getattr(data, "shape", None)
        if shape is not None and len(shape) != 1:
            continue  # waveforms and other per-unit arrays
        vals = read_all(data)
        if vals.ndim == 1 and len(vals) == n and n and _is_scalar(vals[0]):
            meta[str(name)] = vals
    for key, vals in derived.items():
        meta.setdefault(key, vals)
    return meta


def make_tsgroup(obj: Any, **kwargs: Any) -> Any:
    """A ``TsGroup`` from a units table (ids as keys, scalar columns as metadata)."""
    column = _spike_column(obj)
    times = _unit_spike_times(obj, column)
    ids = read_all(obj.id.data).reshape(-1)
    if len(ids) != len(times):
        raise ShapeMismatchError(
            f"The units table {object_path(obj)!r} has {len(ids)} ids but {len(times)} "
            "lists of spike times: expected one list per unit."
        )
    units = {int(i): Ts(t=t) for i, t in zip(ids, times, strict=True)}
    support = _units_support(obj, len(ids))
    return TsGroup(units, time_support=support, metadata=_unit_metadata(obj, column, len(ids)))


def _units_support(table: Any, n: int) -> Any:
    """The group's time support from ``obs_intervals`` when every unit has the same ones
    (how memphys's writer stores a TsGroup's time support); None otherwise."""
    from hdmf.common.table import VectorIndex

    if "obs_intervals" not in table.colnames or n == 0:
        return None
    index = table["obs_intervals"]
    if not isinstance(index, VectorIndex):
        return None
    flat = read_all(index.target.data, np.float64).reshape(-1, 2)
    ends = read_all(index.data, np.int64).reshape(-1)
    starts = np.concatenate(([0], ends[:-1]))
    first = flat[starts[0] : ends[0]]
    if len(first) == 0:
        return None
    for a, b in zip(starts[1:], ends[1:], strict=True):
        if not np.array_equal(flat[a:b], first):
            return None
    return IntervalSet(first[:, 0], first[:, 1])


def make_interval_set(obj: Any, **kwargs: Any) -> Any:
    """An ``IntervalSet`` from a ``TimeIntervals`` table, its other columns as metadata.

    Columns holding references to other NWB objects (``timeseries``) are left out: they
    would keep pynwb's file objects alive.
    """
    from pynwb.base import TimeSeriesReferenceVectorData

    if "start_time" not in obj.colnames or "stop_time" not in obj.colnames:
        raise FileFormatError(
            f"The interval table {object_path(obj)!r} has no 'start_time'/'stop_time' "
            f"columns (required NWB fields): found {list(obj.colnames)}."
        )
    refs = [n for n in obj.colnames if isinstance(obj[n], TimeSeriesReferenceVectorData)]
    df = obj.to_dataframe(exclude=set(refs)) if refs else obj.to_dataframe()
    df = df.rename(columns={"start_time": "start", "stop_time": "end"})
    return IntervalSet(df.reset_index(drop=True))


def make_ts(obj: Any, **kwargs: Any) -> Any:
    """A ``Ts`` from an ``AnnotationSeries`` (its timestamps), or from the ``*_times``
    columns of a table (a dict of ``Ts`` when there are several)."""
    if hasattr(obj, "timestamps"):
        ts = obj.timestamps
        if ts is None:
            raise FileFormatError(f"{_series_desc(obj)} has no timestamps.")
        return Ts(t=read_all(ts, np.float64).reshape(-1))
    out = {}
    for name in obj.colnames:
        if isinstance(name, str) and name.endswith("_times"):
            out[name] = Ts(t=read_all(obj[name].data, np.float64).reshape(-1))
    if len(out) == 1:
        return next(iter(out.values()))
    return out


def make_events_ts(obj: Any, **kwargs: Any) -> Any:
    """A ``Ts`` from an ``EventsTable`` (its ``timestamp`` column; pynwb 4's successor
    of ``AnnotationSeries``, which memphys's writer uses for a ``Ts``)."""
    t = read_all(obj["timestamp"].data, np.float64).reshape(-1)
    return Ts(t=t, time_support=_stored_support(obj))


def make_event_ts(obj: Any, **kwargs: Any) -> Any:
    """A ``Ts`` of the frame times of an ``ImageSeries`` stored in external files."""
    return Ts(t=read_all(obj.timestamps, np.float64).reshape(-1))


def make_scratch(obj: Any, lazy_loading: bool = True, **kwargs: Any) -> Any:
    """A scratch array: the dataset left on disk (``lazy_loading``), else numpy."""
    d, _ = lazy_array(obj.data, lazy_loading)
    return d
