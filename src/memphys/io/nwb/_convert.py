"""memphys objects to pynwb containers (for :mod:`memphys.io.nwb.write`), and back for
the objects memphys wrote to scratch.

- ``Tsd``/``TsdFrame``/``TsdTensor`` -> ``TimeSeries``: ``rate`` and ``starting_time``
  when the time index is regular, ``timestamps`` otherwise; data and timestamps that are
  not in memory stream through :mod:`memphys.io.nwb._iter`; plus the
  ``<name>_time_support`` and ``<name>_columns`` tables of :mod:`memphys.io.nwb._common`
  when needed.
- ``Ts`` -> ``EventsTable`` (one ``timestamp`` per row).
- ``TsGroup`` -> ``Units`` (ids, ``spike_times``, metadata columns, ``obs_intervals`` =
  the time support).
- ``IntervalSet`` -> ``TimeIntervals`` with its metadata columns.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> from memphys.io.nwb._convert import to_nwb_containers
>>> tsd = Tsd(t=np.arange(4) / 10.0, d=np.ones(4))
>>> [c.name for c in to_nwb_containers(tsd.restrict(IntervalSet([0, 0.2], [0.1, 0.3])),
...  "x", description=None, unit="V", compression=None, compression_opts=None,
...  shuffle=False)]
['x', 'x_time_support']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.arrays.hdf5_array import HDF5Array
from memphys.core import IntervalSet, Ts, Tsd, TsdFrame, TsdTensor, TsGroup
from memphys.errors import MemphysTypeError
from memphys.io.nwb._common import LABEL_COLUMN, columns_name, time_support_name
from memphys.io.nwb._iter import LazyDataIterator, TimestampIterator

__all__ = ["from_nwb_container", "kind_of", "to_nwb_containers"]

_KINDS = ("Ts", "Tsd", "TsdFrame", "TsdTensor", "TsGroup", "IntervalSet")


def kind_of(obj: Any, what: str = "obj") -> str:
    """The memphys class name of ``obj``; a clear error for anything else."""
    for cls in (TsdFrame, TsdTensor, Tsd, Ts, TsGroup, IntervalSet):
        if isinstance(obj, cls):
            return cls.__name__
    raise MemphysTypeError(
        f"Invalid type for `{what}`: expected a memphys {', '.join(_KINDS)}, but got "
        f"{type(obj).__module__}.{type(obj).__qualname__}. Wrap arrays first, e.g. "
        "`memphys.Tsd(t=..., d=...)`."
    )


def _h5io(data: Any, compression: Any, compression_opts: Any, shuffle: bool) -> Any:
    from hdmf.backends.hdf5.h5_utils import H5DataIO

    if compression in (None, False):
        return data if isinstance(data, np.ndarray) else H5DataIO(data=data)
    kw: dict[str, Any] = {"compression": compression, "shuffle": bool(shuffle)}
    if compression_opts is not None:
        kw["compression_opts"] = compression_opts
    return H5DataIO(data=data, **kw)


def _column_values(values: Any) -> np.ndarray:
    arr = np.asarray(values)
    if arr.dtype.kind in "OUST":
        return np.asarray([str(v) for v in arr], dtype=object)
    return arr


def _is_default_support(obj: Any) -> bool:
    ts = obj.time_support
    if len(obj) == 0 or len(ts) == 0:
        return True  # nothing to store (a single time has an empty support)
    t0, t1 = obj._ti.start_time, obj._ti.end_time
    return len(ts) == 1 and float(ts.start[0]) == t0 and float(ts.end[0]) == t1


def _time_intervals(iset: Any, name: str, description: str) -> Any:
    from hdmf.common import VectorData
    from pynwb.epoch import TimeIntervals

    # columns built at once (hdmf's add_interval appends row by row)
    columns = [
        VectorData(
            name="start_time",
            description="Start time of epoch, in seconds",
            data=np.asarray(iset.start, dtype=np.float64),
        ),
        VectorData(
            name="stop_time",
            description="Stop time of epoch, in seconds",
            data=np.asarray(iset.end, dtype=np.float64),
        ),
    ]
    meta = iset.metadata
    for col in iset.metadata_columns:
        columns.append(
            VectorData(
                name=str(col),
                description=f"metadata column {col!r}",
                data=_column_values(meta[col].to_numpy()),
            )
        )
    return TimeIntervals(
        name=name,
        description=description,
        columns=columns,
        id=np.arange(len(iset), dtype=np.int64),
    )


def _support_table(obj: Any, name: str) -> Any:
    return _time_intervals(
        obj.time_support, time_support_name(name), f"time support of {name!r} (memphys)"
    )


def check_storable(dtype: Any, what: str) -> None:
    """Refuse data NWB (HDF5 through hdmf) cannot store: complex numbers (hdmf fails with a
    bare ``Exception`` when writing them)."""
    if np.dtype(dtype).kind == "c":
        raise MemphysTypeError(
            f"Invalid data for {what}: complex values (dtype {np.dtype(dtype)}) cannot be "
            "stored in NWB. Store the real and imaginary parts (np.stack([x.real, x.imag], "
            "axis=-1)), or the amplitude and phase (np.abs, np.angle), and rebuild them when "
            "reading."
        )


def _series(obj: Any, name: str, description: str, unit: str, io: dict[str, Any]) -> list[Any]:
    from pynwb import TimeSeries

    values = obj.values
    check_storable(values.dtype, f"the NWB object {name!r}")
    data: Any
    if type(values) is np.ndarray and not io["stream"]:
        data = np.ascontiguousarray(values)
    else:
        data = LazyDataIterator(values, **io["job_kwargs"])
    kw: dict[str, Any] = {
        "name": name,
        "data": _h5io(data, io["compression"], io["compression_opts"], io["shuffle"]),
        "unit": unit,
        "description": description,
    }
    ti = obj._ti
    if ti.is_regular and len(ti) > 0:
        kw["rate"] = float(ti.rate)
        kw["starting_time"] = float(ti.start_time)
    elif len(ti) * 8 <= 64 * 2**20 and not io["stream"]:
        kw["timestamps"] = np.asarray(ti.values, dtype=np.float64)
    else:
        kw["timestamps"] = _h5io(
            TimestampIterator(ti), io["compression"], io["compression_opts"], False
        )
    out: list[Any] = [TimeSeries(**kw)]
    if not _is_default_support(obj):
        out.append(_support_table(obj, name))
    if type(obj).__name__ == "TsdFrame":
        cols = list(obj.columns)
        if cols != list(range(len(cols))) or obj.metadata_columns:
            out.append(_columns_table(obj, name))
    return out


def _columns_table(frame: Any, name: str) -> Any:
    from hdmf.common import DynamicTable, VectorData

    columns = [
        VectorData(
            name=LABEL_COLUMN,
            description=f"column labels of {name!r}",
            data=np.asarray([str(c) for c in frame.columns], dtype=object),
        )
    ]
    meta = frame.metadata
    for col in frame.metadata_columns:
        columns.append(
            VectorData(
                name=str(col),
                description=f"metadata column {col!r}",
                data=_column_values(meta[col].to_numpy()),
            )
        )
    return DynamicTable(
        name=columns_name(name),
        description=f"columns of {name!r} (memphys)",
        columns=columns,
        id=np.arange(len(frame.columns), dtype=np.int64),
    )


def _events(ts: Any, name: str, description: str) -> Any:
    from pynwb.event import EventsTable, TimestampVectorData

    return EventsTable(
        name=name,
        description=description,
        columns=[
            TimestampVectorData(
                name="timestamp",
                description="event times in seconds",
                data=np.asarray(ts.t, dtype=np.float64),
            )
        ],
        id=np.arange(len(ts), dtype=np.int64),
    )


def _units(group: Any, name: str, description: str) -> Any:
    from pynwb.misc import Units

    table = Units(name=name, description=description)
    meta = group.metadata
    cols = [c for c in group.metadata_columns if c != "rate"]
    for col in cols:
        table.add_column(name=str(col), description=f"metadata column {col!r}")
    values = {c: _column_values(meta[c].to_numpy()) for c in cols}
    support = np.column_stack(
        [np.asarray(group.time_support.start), np.asarray(group.time_support.end)]
    )
    for i, k in enumerate(group.index):
        table.add_unit(
            id=int(k),
            spike_times=np.asarray(group[k].t, dtype=np.float64),
            obs_intervals=support,
            **{str(c): values[c][i] for c in cols},
        )
    return table


def to_nwb_containers(
    obj: Any,
    name: str,
    *,
    description: str | None,
    unit: str,
    compression: Any,
    compression_opts: Any,
    shuffle: bool,
    stream: bool = False,
    job_kwargs: dict[str, Any] | None = None,
) -> list[Any]:
    """The pynwb containers for one memphys object (the first one is named ``name``)."""
    kind = kind_of(obj)
    desc = description if description else f"{kind} written by memphys"
    io = {
        "compression": compression,
        "compression_opts": compression_opts,
        "shuffle": shuffle,
        "stream": stream,
        "job_kwargs": dict(job_kwargs or {}),
    }
    if kind in ("Tsd", "TsdFrame", "TsdTensor"):
        return _series(obj, name, desc, unit, io)
    if kind == "Ts":
        out = [_events(obj, name, desc)]
        if not _is_default_support(obj):
            out.append(_support_table(obj, name))
        return out
    if kind == "TsGroup":
        return [_units(obj, name, desc)]
    return [_time_intervals(obj, name, desc)]


# --- back to memphys (scratch) --------------------------------------------------------------
def _iset_from_table(table: Any) -> Any:
    start = np.asarray(table["start_time"].data[:], dtype=np.float64)
    end = np.asarray(table["stop_time"].data[:], dtype=np.float64)
    skip = ("start_time", "stop_time", "tags", "timeseries")
    meta = {c: _read_column(table[c]) for c in table.colnames if c not in skip}
    return IntervalSet(start=start, end=end, metadata=meta or None)


def _read_column(column: Any) -> np.ndarray:
    arr = np.asarray(column.data[:])
    if arr.dtype.kind in "OS":
        return np.asarray([v.decode() if isinstance(v, bytes) else v for v in arr], dtype=object)
    return arr


def from_nwb_container(container: Any, siblings: Any, path: str) -> Any:
    """A memphys object from a container written by memphys (lazy series data)."""
    from hdmf.common import DynamicTable
    from pynwb import TimeSeries
    from pynwb.core import ScratchData
    from pynwb.epoch import TimeIntervals
    from pynwb.event import EventsTable
    from pynwb.misc import Units

    name = container.name
    support = None
    if time_support_name(name) in siblings:
        support = _iset_from_table(siblings[time_support_name(name)])
    if isinstance(container, TimeSeries):
        ds = container.data
        data: Any = HDF5Array(path, ds.name) if hasattr(ds, "id") else np.asarray(ds)
        tkw: dict[str, Any]
        if container.timestamps is not None:
            tkw = {"t": np.asarray(container.timestamps[:], dtype=np.float64)}
        else:
            tkw = {"t": None, "rate": float(container.rate), "start": container.starting_time}
        ndim = len(data.shape)
        if ndim == 1:
            return Tsd(d=data, time_support=support, load_array=False, **tkw)
        if ndim == 2:
            columns = None
            metadata = None
            if columns_name(name) in siblings:
                cols = siblings[columns_name(name)]
                columns = list(_read_column(cols[LABEL_COLUMN]))
                metadata = {
                    c: _read_column(cols[c]) for c in cols.colnames if c != LABEL_COLUMN
                } or None
            return TsdFrame(
                d=data,
                time_support=support,
                columns=columns,
                metadata=metadata,
                load_array=False,
                **tkw,
            )
        return TsdTensor(d=data, time_support=support, load_array=False, **tkw)
    if isinstance(container, Units):
        ids = np.asarray(container.id[:])
        spikes = {
            int(i): Ts(t=np.asarray(container.get_unit_spike_times(k), dtype=np.float64))
            for k, i in enumerate(ids)
        }
        if "obs_intervals" in container.colnames and len(ids):
            obs = np.asarray(container.get_unit_obs_intervals(0), dtype=np.float64)
            support = IntervalSet(start=obs[:, 0], end=obs[:, 1])
        skip = ("spike_times", "obs_intervals", "electrodes", "waveforms", "electrode_group")
        meta = {c: _read_column(container[c]) for c in container.colnames if c not in skip}
        return TsGroup(spikes, time_support=support, metadata=meta or None)
    if isinstance(container, EventsTable):
        t = np.asarray(container["timestamp"].data[:], dtype=np.float64)
        return Ts(t=t, time_support=support)
    if isinstance(container, TimeIntervals):
        return _iset_from_table(container)
    if isinstance(container, DynamicTable):
        return container.to_dataframe()
    if isinstance(container, ScratchData):
        return np.asarray(container.data[:])
    return container
