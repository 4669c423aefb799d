"""pynapple objects seen with SpikeInterface's names: a ``TsdFrame`` as a recording, a
``TsGroup`` as a sorting, ``Ts``/``IntervalSet`` as events, without copying the data.

- :class:`TsdFrameRecording` / :func:`from_tsdframe`: a one-segment recording whose traces
  are the frame's own array or lazy adapter (a memmap stays a memmap, a zarr or HDF5
  array stays on disk; nothing is read), the channel ids its columns, the properties its
  column metadata, and its times its time index (``t_start`` and ``rate`` when regular,
  else its timestamps as the segment's time vector, left where they are).
- :func:`from_tsgroup`: a :class:`~memphys.ephys.NumpySorting` of spike samples
  ``round((t - t_start) * sampling_frequency)``, with ``t_start`` the start of the
  group's time support unless given; metadata become unit properties.
- :func:`from_events` (also :func:`from_ts`, :func:`from_interval_set`): a
  :class:`~memphys.ephys.NumpyEvent` with one channel per object (``time``; plus
  ``duration`` and the metadata columns for an ``IntervalSet``).

Each is the inverse of :mod:`memphys.ephys.to_pynapple`: a round trip gives equal values,
times, ids and properties.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> import memphys.ephys as si
>>> frame = nap.TsdFrame(d=np.zeros((100, 2), "int16"), rate=1000.0, start=5.0,
...                      columns=["a", "b"], metadata={"group": [0, 1]})
>>> rec = si.from_tsdframe(frame)
>>> rec.get_sampling_frequency(), rec.get_start_time(), rec.get_property("group").tolist()
(1000.0, 5.0, [0, 1])
>>> rec.to_tsdframe().values is rec.segments[0].array
True
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from memphys.arrays import LazyArray
from memphys.ephys._check import ext_error
from memphys.ephys._pynapple_metadata import metadata_to_properties
from memphys.ephys.baseevent import NumpyEvent
from memphys.ephys.baserecording import ArrayRecordingSegment, BaseRecording
from memphys.errors import ExtractorValueError, MemphysTypeError, SourceError

__all__ = [
    "TsdFrameRecording",
    "from_tsdframe",
    "from_tsgroup",
    "from_events",
    "from_ts",
    "from_interval_set",
]

#: timestamps read to estimate the rate of an irregular frame
_RATE_SAMPLES = 1000


class TimeIndexArray(LazyArray):
    """The seconds of a lazy explicit time index, read block by block (a time vector)."""

    kind = "ephys_time_index"

    def __init__(self, time_index: Any) -> None:
        self.time_index = time_index
        self.shape = (len(time_index),)
        self.dtype = np.dtype(np.float64)

    def _read(self, start: int, stop: int, channels: Any) -> np.ndarray:
        return np.asarray(self.time_index[start:stop].values, dtype=np.float64)

    def recipe(self) -> dict[str, Any]:
        raise SourceError("a time index view is pickled with its index, it has no recipe")

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> TimeIndexArray:  # pragma: no cover
        raise SourceError("TimeIndexArray has no recipe")

    def __reduce__(self) -> tuple[Any, tuple[Any]]:
        return (TimeIndexArray, (self.time_index,))


def _check_frame(tsdframe: Any) -> None:
    if type(tsdframe).__name__ != "TsdFrame" or not hasattr(tsdframe, "columns"):
        raise MemphysTypeError(
            f"Invalid type for `tsdframe`: expected a memphys (pynapple) TsdFrame, but got "
            f"{type(tsdframe).__name__}."
        )


def _plain_ids(values: Any) -> np.ndarray:
    ids = np.asarray(values)
    if ids.dtype == object and ids.size and all(isinstance(v, str) for v in ids.tolist()):
        return ids.astype(str)
    return ids


def frame_traces(tsdframe: Any) -> LazyArray:
    """The frame's values as a lazy adapter, without a copy (the adapter itself if lazy)."""
    from memphys.arrays import as_lazy

    values = tsdframe.values
    return values if isinstance(values, LazyArray) else as_lazy(values)


def _time_base(tsdframe: Any, sampling_frequency: float | None) -> tuple[float, Any, Any]:
    """``(sampling_frequency, t_start, time_vector)`` of a frame's time index."""
    ti = tsdframe._ti
    if ti.is_regular and len(ti):
        rate = float(ti.rate)
        if sampling_frequency is not None and not np.isclose(rate, float(sampling_frequency)):
            raise ExtractorValueError(
                f"Invalid value for `sampling_frequency`: the TsdFrame is sampled regularly at "
                f"{rate} Hz, but got {sampling_frequency}."
            )
        return rate, float(ti.start_time), None
    if len(ti) == 0:
        if sampling_frequency is None:
            raise ext_error("sampling_frequency", "a rate for an empty TsdFrame", None)
        return float(sampling_frequency), 0.0, None
    vector: Any = TimeIndexArray(ti) if getattr(ti, "is_lazy", False) else np.asarray(ti.values)
    if sampling_frequency is None:
        head = np.asarray(ti[: min(len(ti), _RATE_SAMPLES)].values, dtype=np.float64)
        steps = np.diff(head)
        if steps.size == 0 or not np.median(steps) > 0:
            raise ExtractorValueError(
                "Invalid value for `sampling_frequency`: the TsdFrame's timestamps do not "
                "give a rate (fewer than two distinct times); pass sampling_frequency=."
            )
        sampling_frequency = float(1.0 / np.median(steps))
    return float(sampling_frequency), None, vector


class TsdFrameRecording(BaseRecording):
    """A recording over a :class:`~memphys.TsdFrame`, its data neither copied nor read.

    Parameters
    ----------
    tsdframe : TsdFrame
        Rows are samples, columns channels.
    sampling_frequency : float, optional
        Required only for an irregular frame whose rate cannot be estimated; it must agree
        with a regular frame's rate.
    channel_ids : sequence, optional
        Default: the frame's columns.

    Raises
    ------
    memphys.errors.ExtractorValueError
        On a rate that disagrees with the frame's, or ids that are not one per column.
    """

    def __init__(
        self, tsdframe: Any, sampling_frequency: float | None = None, channel_ids: Any = None
    ) -> None:
        _check_frame(tsdframe)
        traces = frame_traces(tsdframe)
        fs, t_start, vector = _time_base(tsdframe, sampling_frequency)
        ids = _plain_ids(tsdframe.columns.values) if channel_ids is None else channel_ids
        if len(ids) != traces.shape[1]:
            raise ext_error("channel_ids", f"{traces.shape[1]} ids (one per column)", ids)
        BaseRecording.__init__(self, fs, ids, traces.dtype)
        self.add_recording_segment(ArrayRecordingSegment(traces, fs, t_start, vector))
        meta = tsdframe.metadata
        properties = metadata_to_properties({c: meta[c].to_numpy() for c in meta.columns})
        for key, values in properties.items():
            self.set_property(key, values)
        self._serializability["json"] = False
        self._kwargs = {
            "tsdframe": tsdframe,
            "sampling_frequency": sampling_frequency,
            "channel_ids": channel_ids,
        }


def from_tsdframe(
    tsdframe: Any, sampling_frequency: float | None = None, channel_ids: Any = None
) -> TsdFrameRecording:
    """A lazy recording over a TsdFrame (see :class:`TsdFrameRecording`)."""
    return TsdFrameRecording(tsdframe, sampling_frequency, channel_ids)


def from_tsgroup(group: Any, sampling_frequency: float, t_start: float | None = None) -> Any:
    """A :class:`~memphys.ephys.NumpySorting` from a TsGroup of spike times (seconds).

    Parameters
    ----------
    group : TsGroup
    sampling_frequency : float
        Spikes become samples ``round((t - t_start) * sampling_frequency)``.
    t_start : float, optional
        Time of sample 0 (default: the start of the group's time support); it becomes the
        sorting's start time, so ``get_unit_spike_train(..., return_times=True)`` gives the
        group's times back.

    Returns
    -------
    NumpySorting
        Unit ids: the ``unit_id`` metadata column if there is one, else the group's keys;
        the other metadata columns (except the computed ``rate``) are unit properties.

    Raises
    ------
    memphys.errors.ExtractorValueError
        If a spike falls before ``t_start``.

    Examples
    --------
    >>> import memphys as nap
    >>> import memphys.ephys as si
    >>> support = nap.IntervalSet(0, 2)
    >>> group = nap.TsGroup({3: nap.Ts(t=[0.5, 1.0]), 7: nap.Ts(t=[0.25], time_support=support)},
    ...                     time_support=support)
    >>> sorting = si.from_tsgroup(group, sampling_frequency=100.0)
    >>> sorting.unit_ids.tolist(), sorting.get_unit_spike_train(3).tolist()
    ([3, 7], [50, 100])
    """
    from memphys.ephys._check import check_sampling_frequency
    from memphys.ephys.numpysorting import NumpySorting

    if type(group).__name__ != "TsGroup":
        raise MemphysTypeError(
            f"Invalid type for `group`: expected a memphys (pynapple) TsGroup, but got "
            f"{type(group).__name__}."
        )
    fs = check_sampling_frequency(sampling_frequency)
    support = group.time_support
    t0 = float(support.start[0]) if t_start is None and len(support) else float(t_start or 0.0)
    meta = group.metadata
    columns = {c: meta[c].to_numpy() for c in meta.columns if c != "rate"}
    keys = np.asarray(group.index)
    ids = _plain_ids(columns.pop("unit_id")) if "unit_id" in columns else keys
    trains: dict[Any, np.ndarray] = {}
    for uid, key in zip(ids.tolist(), keys.tolist(), strict=True):
        t = np.asarray(group[key].t, dtype=np.float64)
        if t.size and t[0] < t0:
            raise ExtractorValueError(
                f"Invalid value for `t_start`: unit {uid!r} has a spike at {t[0]} s, before "
                f"t_start = {t0} s."
            )
        trains[uid] = np.round((t - t0) * fs).astype(np.int64)
    sorting = NumpySorting.from_unit_dict(trains, sampling_frequency=fs)
    for key, values in metadata_to_properties(columns).items():
        sorting.set_property(key, values)
    if t0 != 0.0:
        sorting.shift_times(t0)
    return sorting


def _events_of(obj: Any, name: str) -> np.ndarray:
    kind = type(obj).__name__
    if kind == "IntervalSet":
        start = np.asarray(obj.start, dtype=np.float64)
        meta = obj.metadata
        extra = {c: np.asarray(meta[c].to_numpy()) for c in meta.columns}
        extra = {c: (v.astype(str) if v.dtype == object else v) for c, v in extra.items()}
        dtype: list[tuple[str, Any]] = [("time", "float64"), ("duration", "float64")]
        dtype += [(c, v.dtype) for c, v in extra.items()]
        out = np.zeros(start.size, dtype=dtype)
        out["time"] = start
        out["duration"] = np.asarray(obj.end, dtype=np.float64) - start
        for c, v in extra.items():
            out[c] = v
        return out
    if kind in ("Ts", "Tsd", "TsdFrame", "TsdTensor"):
        out = np.zeros(len(obj), dtype=[("time", "float64")])
        out["time"] = np.asarray(obj.t, dtype=np.float64)
        return out
    raise MemphysTypeError(
        f"Invalid type for `events[{name!r}]`: expected a Ts (or another time series) or an "
        f"IntervalSet, but got {type(obj).__name__}."
    )


def from_events(events: Any, channel_id: Any = "events") -> NumpyEvent:
    """A :class:`~memphys.ephys.NumpyEvent` from ``Ts`` / ``IntervalSet`` objects.

    Parameters
    ----------
    events : Ts, IntervalSet or dict of them
        One object (channel ``channel_id``) or ``{channel_id: object}``.

    Examples
    --------
    >>> import memphys as nap
    >>> import memphys.ephys as si
    >>> ev = si.from_events({"ttl": nap.Ts(t=[1.0, 2.0]),
    ...                      "trials": nap.IntervalSet(start=[0.0], end=[3.0])})
    >>> ev.get_event_times("ttl").tolist(), ev.get_events("trials")["duration"].tolist()
    ([1.0, 2.0], [3.0])
    """
    items = dict(events) if isinstance(events, Mapping) else {channel_id: events}
    if not items:
        raise ext_error("events", "at least one Ts or IntervalSet", events)
    return NumpyEvent.from_dict({k: _events_of(v, str(k)) for k, v in items.items()})


def from_ts(ts: Any, channel_id: Any = "events") -> NumpyEvent:
    """Events from a ``Ts`` (or ``{channel_id: Ts}``): :func:`from_events`."""
    return from_events(ts, channel_id)


def from_interval_set(intervals: Any, channel_id: Any = "epochs") -> NumpyEvent:
    """Events with durations from an ``IntervalSet`` (or a dict): :func:`from_events`."""
    return from_events(intervals, channel_id)
