"""The acquisition face seen as time series: recordings, sortings, events and an analyzer's
waveforms as pynapple objects, without copying or reading the data.

- :func:`recording_to_tsdframe` (``recording.to_tsdframe()``): a
  :class:`~memphys.TsdFrame` over the *same* lazy adapter as the recording segment (no
  copy, nothing read), with the segment's time index (``RegularTimeIndex(t_start, rate,
  n)``, or its time vector, which stays where it is), the channel ids as columns and the
  channel properties as column metadata. ``return_in_uV=True`` gives a lazy view scaled
  block by block exactly as ``get_traces(return_in_uV=True)`` scales.
- :func:`sorting_to_tsgroup` (``sorting.to_tsgroup()``): a :class:`~memphys.TsGroup` of the
  units' spike times in seconds (through the registered recording's times when there is
  one), unit properties as metadata.
- :func:`event_to_ts`, :func:`event_to_interval_set` (``event.to_ts()``,
  ``event.to_interval_set()``): one event channel as a ``Ts`` or as an ``IntervalSet``
  (``time`` + ``duration``, other fields as metadata).
- :func:`templates_to_tsdtensor`, :func:`waveforms_to_tsdtensor`: a sorting analyzer's
  templates and one unit's waveforms as :class:`~memphys.TsdTensor`, through
  SpikeInterface's public analyzer API (``get_extension(...)``, ``sparsity``).

Properties become metadata as :mod:`memphys.ephys._pynapple_metadata` says (``location``
as ``x``/``y``/``z``, ...), so :mod:`memphys.ephys.from_pynapple` gives them back.

Examples
--------
>>> import numpy as np
>>> import memphys.ephys as si
>>> rec = si.NumpyRecording(np.arange(12, dtype="int16").reshape(6, 2), 100.0,
...                         channel_ids=["a", "b"])
>>> rec.set_channel_gains(0.5); rec.set_channel_offsets(0.0)
>>> frame = rec.to_tsdframe()
>>> frame.values is rec.segments[0].array, list(frame.columns), frame.t[:3]
(True, ['a', 'b'], array([0.  , 0.01, 0.02]))
>>> frame.get_info("gain_to_uV").tolist()
[0.5, 0.5]
>>> rec.to_tsdframe(return_in_uV=True).values[1:3]
array([[1. , 1.5],
       [2. , 2.5]], dtype=float32)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.ephys._pynapple_metadata import metadata_column, properties_to_metadata
from memphys.errors import ExtractorValueError

__all__ = [
    "recording_to_tsdframe",
    "sorting_to_tsgroup",
    "event_to_ts",
    "event_to_interval_set",
    "templates_to_tsdtensor",
    "waveforms_to_tsdtensor",
]


def _properties(extractor: Any) -> dict[str, Any]:
    return {k: extractor.get_property(k) for k in extractor.get_property_keys()}


def recording_to_tsdframe(
    recording: Any, segment_index: int | None = None, return_in_uV: bool = False
) -> Any:
    """One segment of a recording as a lazy :class:`~memphys.TsdFrame` (see the module).

    Parameters
    ----------
    recording : BaseRecording
    segment_index : int, optional
        Required for a multi-segment recording.
    return_in_uV : bool, default False
        Values scaled to µV (float32) block by block as they are read.

    Returns
    -------
    TsdFrame
        Rows are the segment's samples, columns its channels; nothing is read.

    Raises
    ------
    memphys.errors.ExtractorValueError
        For a missing ``segment_index`` (several segments), or ``return_in_uV`` on integer
        traces without gains.
    """
    from memphys.core import TsdFrame
    from memphys.ephys._traces import RecordingTraces

    segment_index = recording._check_segment_index(segment_index)
    segment = recording.segments[segment_index]
    if return_in_uV and not recording.has_scaleable_traces() and recording.get_dtype().kind != "f":
        raise ExtractorValueError(
            "This recording does not support return_in_uV=True (need gain_to_uV and "
            "offset_to_uV properties): set them with set_channel_gains() and "
            "set_channel_offsets()."
        )
    array = getattr(segment, "array", None)
    if array is None or return_in_uV:
        array = RecordingTraces(recording, segment_index, return_in_uV=return_in_uV)
    metadata = properties_to_metadata(_properties(recording))
    return TsdFrame(
        t=segment.time_index,
        d=array,
        columns=recording.channel_ids,
        metadata=metadata or None,
        load_array=False,
    )


def _segment_support(sorting: Any, segment_index: int) -> Any:
    from memphys.core import IntervalSet

    recording = sorting._recording
    if recording is not None:
        support = recording_to_tsdframe(recording, segment_index).time_support
        shift = sorting._shift(segment_index)
        return IntervalSet(start=support.start + shift, end=support.end + shift)
    # as a regular TsdFrame's support: up to one sample after the last spike
    start = float(sorting.get_start_time(segment_index))
    end = start
    if sorting.count_total_num_spikes_in_segment(segment_index):
        end = max(start, float(sorting.get_end_time(segment_index)))
    return IntervalSet(start=start, end=end + 1.0 / sorting.get_sampling_frequency())


def sorting_to_tsgroup(sorting: Any, segment_index: int | None = None) -> Any:
    """One segment of a sorting as a :class:`~memphys.TsGroup` of spike times in seconds.

    Integer unit ids are the group's keys; other ids (strings) are numbered ``0..n-1``
    and kept in the ``unit_id`` metadata column. The time support is the registered
    recording's segment (shifted with the sorting's times), else from the start to one
    sample after the last spike.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys.ephys as si
    >>> sorting = si.NumpySorting.from_unit_dict(
    ...     {"a": np.array([10, 30]), "b": np.array([20])}, sampling_frequency=100.0)
    >>> group = sorting.to_tsgroup()
    >>> group[0].t, group.get_info("unit_id").tolist()
    (array([0.1, 0.3]), ['a', 'b'])
    """
    from memphys.core import Ts, TsGroup

    segment_index = sorting._check_segment_index(segment_index)
    ids = np.asarray(sorting.unit_ids)
    integer_ids = ids.dtype.kind in "iu" and np.unique(ids).size == ids.size
    keys = ids.astype(np.int64) if integer_ids else np.arange(ids.size, dtype=np.int64)
    # each unit on the segment's support (a unit of one spike has no span of its own)
    support = _segment_support(sorting, segment_index)
    units = {
        int(k): Ts(
            t=sorting.get_unit_spike_train_in_seconds(u, segment_index), time_support=support
        )
        for k, u in zip(keys.tolist(), ids.tolist(), strict=True)
    }
    metadata = properties_to_metadata(_properties(sorting))
    if not integer_ids:
        metadata = {"unit_id": metadata_column(ids), **metadata}
    return TsGroup(units, time_support=support, metadata=metadata or None)


def _event_channel(event: Any, channel_id: Any, segment_index: int | None) -> np.ndarray:
    return np.asarray(event.get_events(channel_id=channel_id, segment_index=segment_index))


def event_to_ts(event: Any, channel_id: Any = None, segment_index: int | None = None) -> Any:
    """The times of one event channel as a :class:`~memphys.Ts` (sorted with their events).

    Examples
    --------
    >>> import numpy as np
    >>> import memphys.ephys as si
    >>> event = si.NumpyEvent.from_dict({"ttl": np.array([0.5, 1.5])})
    >>> event.to_ts().t
    array([0.5, 1.5])
    """
    from memphys.core import Ts
    from memphys.ephys.baseevent import event_time_field

    events = _event_channel(event, channel_id, segment_index)
    field = event_time_field(events.dtype, "events")
    times = np.asarray(events if field is None else events[field], dtype=np.float64)
    return Ts(t=np.sort(times, kind="stable"))


def event_to_interval_set(
    event: Any, channel_id: Any = None, segment_index: int | None = None
) -> Any:
    """One event channel with a ``duration`` field as an :class:`~memphys.IntervalSet`:
    ``[time, time + duration]``, the other fields (``label``, ...) as metadata.

    Raises
    ------
    memphys.errors.ExtractorValueError
        If the channel's events have no ``duration`` field.

    Examples
    --------
    >>> import numpy as np
    >>> import memphys.ephys as si
    >>> dt = [("time", "float64"), ("duration", "float64"), ("label", "<U3")]
    >>> ev = si.NumpyEvent.from_dict({"trials": np.array([(1.0, 0.5, "go")], dtype=dt)})
    >>> iset = ev.to_interval_set()
    >>> iset.start.tolist(), iset.end.tolist(), iset.get_info("label").tolist()
    ([1.0], [1.5], ['go'])
    """
    from memphys.core import IntervalSet
    from memphys.ephys.baseevent import event_time_field

    events = _event_channel(event, channel_id, segment_index)
    field = event_time_field(events.dtype, "events")
    names = events.dtype.names or ()
    if field is None or "duration" not in names:
        raise ExtractorValueError(
            "Invalid events for an IntervalSet: expected a structured dtype with 'time' and "
            f"'duration' fields, but the channel's events have fields {list(names)}. Use "
            "to_ts() for events without durations."
        )
    order = np.argsort(events[field], kind="stable")
    events = events[order]
    start = np.asarray(events[field], dtype=np.float64)
    end = start + np.asarray(events["duration"], dtype=np.float64)
    meta = {n: metadata_column(events[n]) for n in names if n not in (field, "duration")}
    return IntervalSet(start=start, end=end, metadata=meta or None)


def _template_times(n_samples: int, nbefore: int, sampling_frequency: float) -> np.ndarray:
    return (np.arange(n_samples, dtype=np.float64) - nbefore) / float(sampling_frequency)


def templates_to_tsdtensor(
    sorting_analyzer: Any,
    operator: str = "average",
    percentile: float | None = None,
    unit_ids: Any = None,
) -> Any:
    """An analyzer's templates as a :class:`~memphys.TsdTensor` (samples, units, channels).

    Times are the lags from the spike in seconds, ``(arange(n) - nbefore) / fs``; units
    follow ``unit_ids`` (default: the analyzer's order), channels the analyzer's
    ``channel_ids`` (templates are dense). Reads
    ``sorting_analyzer.get_extension("templates").get_data(operator=...)``.

    Raises
    ------
    memphys.errors.ExtractorValueError
        If the analyzer has no computed ``templates`` extension.
    """
    from memphys.core import TsdTensor

    ext = sorting_analyzer.get_extension("templates")
    if ext is None:
        raise ExtractorValueError(
            "The sorting analyzer has no 'templates' extension: compute it first "
            "(sorting_analyzer.compute('templates'))."
        )
    kwargs: dict[str, Any] = {"operator": operator}
    if percentile is not None:
        kwargs["percentile"] = percentile
    data = np.asarray(ext.get_data(**kwargs))  # (units, samples, channels)
    all_ids = list(np.asarray(sorting_analyzer.unit_ids).tolist())
    if unit_ids is not None:
        wanted = list(np.asarray(unit_ids).tolist())
        missing = [u for u in wanted if u not in all_ids]
        if missing:
            raise ExtractorValueError(
                f"Invalid value for `unit_ids`: {missing} are not units of the analyzer "
                f"({all_ids})."
            )
        data = data[[all_ids.index(u) for u in wanted]]
    t = _template_times(data.shape[1], int(ext.nbefore), sorting_analyzer.sampling_frequency)
    return TsdTensor(t=t, d=np.ascontiguousarray(np.moveaxis(data, 1, 0)))


def waveforms_to_tsdtensor(
    sorting_analyzer: Any,
    unit_id: Any,
    segment_index: int | None = None,
    force_dense: bool = False,
) -> Any:
    """One unit's extracted waveforms as a :class:`~memphys.TsdTensor` (spikes, samples,
    channels), indexed by the spikes' times in seconds.

    Channels are the unit's sparse channels when the analyzer is sparse (``force_dense``
    gives every channel, zero elsewhere), as ``get_waveforms_one_unit`` returns them.
    Reads ``get_extension("waveforms").get_waveforms_one_unit(unit_id)`` and the spikes
    of ``get_extension("random_spikes").get_random_spikes()``.

    Raises
    ------
    memphys.errors.ExtractorValueError
        Without a ``waveforms`` extension, or without ``segment_index`` when the analyzer
        has several segments.
    """
    from memphys.core import TsdTensor

    ext = sorting_analyzer.get_extension("waveforms")
    spikes_ext = sorting_analyzer.get_extension("random_spikes")
    if ext is None or spikes_ext is None:
        raise ExtractorValueError(
            "The sorting analyzer has no 'waveforms' extension: compute 'random_spikes' and "
            "'waveforms' first."
        )
    sorting = sorting_analyzer.sorting
    n_seg = sorting.get_num_segments()
    if segment_index is None:
        if n_seg > 1:
            raise ExtractorValueError(
                f"The analyzer has {n_seg} segments: give `segment_index` (waveforms of "
                "different segments have overlapping times)."
            )
        segment_index = 0
    wfs = np.asarray(ext.get_waveforms_one_unit(unit_id, force_dense=force_dense))
    spikes = spikes_ext.get_random_spikes()
    unit_index = list(np.asarray(sorting.unit_ids).tolist()).index(unit_id)
    mine = spikes[spikes["unit_index"] == unit_index]
    if mine.shape[0] != wfs.shape[0]:
        raise ExtractorValueError(
            f"The analyzer's waveforms of unit {unit_id!r} ({wfs.shape[0]}) do not match its "
            f"selected spikes ({mine.shape[0]})."
        )
    keep = mine["segment_index"] == segment_index
    times = np.asarray(
        sorting.sample_index_to_time(mine["sample_index"][keep], segment_index=segment_index),
        dtype=np.float64,
    )
    order = np.argsort(times, kind="stable")
    return TsdTensor(t=times[order], d=wfs[keep][order])
