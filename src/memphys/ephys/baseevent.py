"""Events: per-channel arrays of events (TTL pulses, epochs) in segments.

An event channel holds a structured array with a ``time`` field (seconds; SpikeInterface
also accepts ``timestamp``) and any others (``duration``, ``label``, ...), or a plain
array of times. ``get_events(channel_id, segment_index, start_time, end_time)`` returns the
events with ``start_time <= time <= end_time`` (both bounds may be given together:
SpikeInterface 0.105.3 raises an IndexError then), ``get_event_times`` their times.

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import NumpyEvent
>>> dt = [("time", "float64"), ("duration", "float64"), ("label", "<U10")]
>>> ttl = np.array([(0.5, 0.1, "on"), (1.5, 0.2, "off"), (2.5, 0.1, "on")], dtype=dt)
>>> event = NumpyEvent.from_dict({"ttl": ttl, "sync": np.array([1.0, 2.0])})
>>> event.get_events("ttl", start_time=1.0, end_time=3.0)["label"].tolist()
['off', 'on']
>>> event.get_event_times("sync", end_time=1.5)
array([1.])
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from memphys.ephys._check import ext_error
from memphys.ephys.base import BaseExtractor, BaseSegment
from memphys.errors import ExtractorValueError, MemphysTypeError

__all__ = [
    "BaseEvent",
    "BaseEventSegment",
    "NumpyEvent",
    "NumpyEventSegment",
    "SelectSegmentEvent",
    "event_time_field",
]


def event_time_field(dtype: np.dtype[Any], name: str = "structured_dtype") -> str | None:
    """The time field of an event dtype (``time`` or ``timestamp``; None for a plain dtype).

    Raises
    ------
    memphys.errors.ExtractorValueError
        If a structured dtype has neither field.
    """
    names = dtype.names
    if names is None:
        return None
    for f in ("time", "timestamp"):
        if f in names:
            return f
    raise ext_error(
        name,
        "an event dtype with a 'time' field (seconds), e.g. [('time', 'float64'), ('duration', "
        "'float64')]",
        f"fields {list(names)}",
    )


class BaseEvent(BaseExtractor):
    """Events of several channels in segments.

    Parameters
    ----------
    channel_ids : sequence
    structured_dtype : numpy dtype or dict
        The events' dtype, for all channels or per channel (``{channel_id: dtype}``);
        a structured dtype must have a ``time`` field.

    Raises
    ------
    memphys.errors.ExtractorValueError
        If a channel has no dtype, or a structured dtype has no ``time`` field.
    """

    def __init__(self, channel_ids: Any, structured_dtype: Any) -> None:
        BaseExtractor.__init__(self, channel_ids)
        ids = self.channel_ids.tolist()
        if isinstance(structured_dtype, Mapping):
            missing = [c for c in ids if c not in structured_dtype]
            if missing:
                raise ExtractorValueError(
                    f"Missing some channel_ids from structured_dtype dict keys: {missing}."
                )
            dtypes = {c: np.dtype(structured_dtype[c]) for c in ids}
        else:
            dtypes = {c: np.dtype(structured_dtype) for c in ids}
        for c, dt in dtypes.items():
            event_time_field(dt, f"structured_dtype[{c!r}]")
        self.structured_dtype = dtypes

    @property
    def _event_segments(self) -> list[Any]:
        return self._segments

    def __repr__(self) -> str:
        n_ch, n_seg = self.get_num_channels(), self.get_num_segments()
        txt = f"{type(self).__name__}: {n_ch} channels - {n_seg} segments"
        if "file_path" in self._kwargs:
            txt += f"\n  file_path: {self._kwargs['file_path']}"
        return txt

    @property
    def channel_ids(self) -> np.ndarray:
        return self._main_ids

    def get_dtype(self, channel_id: Any) -> np.dtype[Any]:
        """The dtype of a channel's events."""
        try:
            return self.structured_dtype[channel_id]
        except (KeyError, TypeError):
            raise self._unknown(channel_id) from None

    def get_num_channels(self) -> int:
        return int(self.channel_ids.size)

    def add_event_segment(self, event_segment: BaseEventSegment) -> None:
        """Append a segment."""
        self.add_segment(event_segment)

    def select_segment(self, segment_indices: Any) -> BaseEvent:
        """A lazy event object with the given segments."""
        return SelectSegmentEvent(self, segment_indices=segment_indices)

    def to_ts(self, channel_id: Any = None, segment_index: int | None = None) -> Any:
        """A channel's event times as a :class:`~memphys.Ts`."""
        from memphys.ephys.to_pynapple import event_to_ts

        return event_to_ts(self, channel_id, segment_index)

    def to_interval_set(self, channel_id: Any = None, segment_index: int | None = None) -> Any:
        """A channel's events with durations as a :class:`~memphys.IntervalSet` (other
        fields as metadata)."""
        from memphys.ephys.to_pynapple import event_to_interval_set

        return event_to_interval_set(self, channel_id, segment_index)

    def _unknown(self, channel_id: Any) -> ExtractorValueError:
        return ExtractorValueError(
            f"Invalid value for `channel_id`: {channel_id!r} is not an event channel; channels "
            f"are {self.channel_ids.tolist()}."
        )

    def _channel(self, channel_id: Any) -> Any:
        if channel_id is None:
            if self.get_num_channels() == 1:
                return self.channel_ids[0].item()
            raise ExtractorValueError(
                f"This event object has {self.get_num_channels()} channels: give `channel_id` "
                f"(one of {self.channel_ids.tolist()})."
            )
        if channel_id not in self.structured_dtype:
            raise self._unknown(channel_id)
        return channel_id

    def get_events(
        self,
        channel_id: Any = None,
        segment_index: int | None = None,
        start_time: float | None = None,
        end_time: float | None = None,
    ) -> np.ndarray:
        """A channel's events (its dtype) with ``start_time <= time <= end_time``."""
        segment_index = self._check_segment_index(segment_index)
        return self._segments[segment_index].get_events(
            self._channel(channel_id), start_time, end_time
        )

    def get_event_times(
        self,
        channel_id: Any = None,
        segment_index: int | None = None,
        start_time: float | None = None,
        end_time: float | None = None,
    ) -> np.ndarray:
        """Times (s) of a channel's events with ``start_time <= time <= end_time``."""
        segment_index = self._check_segment_index(segment_index)
        return self._segments[segment_index].get_event_times(
            self._channel(channel_id), start_time, end_time
        )


class BaseEventSegment(BaseSegment):
    """One segment of events: ``get_events(channel_id, start_time, end_time)``."""

    def get_events(
        self, channel_id: Any, start_time: float | None, end_time: float | None
    ) -> np.ndarray:
        raise NotImplementedError

    def get_event_times(
        self, channel_id: Any, start_time: float | None, end_time: float | None
    ) -> np.ndarray:
        events = self.get_events(channel_id, start_time, end_time)
        field = event_time_field(events.dtype, "events")
        return events if field is None else events[field]


class NumpyEvent(BaseEvent):
    """Events held in memory (see :meth:`from_dict`).

    Parameters
    ----------
    channel_ids : sequence
    structured_dtype : numpy dtype or dict
    event_dict_list : list of dict, optional
        ``{channel_id: events}`` per segment (what :meth:`from_dict` passes).
    """

    _si_class_path = "spikeinterface.core.numpyextractors.NumpyEvent"

    def __init__(
        self, channel_ids: Any, structured_dtype: Any, event_dict_list: Any = None
    ) -> None:
        BaseEvent.__init__(self, channel_ids, structured_dtype)
        self._serializability["json"] = False
        self._serializability["pickle"] = False
        self._kwargs = dict(channel_ids=channel_ids, structured_dtype=self.structured_dtype)
        if event_dict_list is not None:
            for d in event_dict_list:
                self.add_event_segment(NumpyEventSegment(d))
            self._kwargs["event_dict_list"] = event_dict_list

    @staticmethod
    def from_dict(event_dict_list: Any) -> NumpyEvent:  # type: ignore[override]
        """Events from ``{channel_id: events}`` (a list of them for several segments).

        Each value is a structured array with a ``time`` field, or an array of times.

        Raises
        ------
        memphys.errors.ExtractorValueError
            If segments have different channels or dtypes, or a structured array has no
            ``time`` field.
        """
        if isinstance(event_dict_list, Mapping):
            event_dict_list = [event_dict_list]
        if not isinstance(event_dict_list, list | tuple) or not event_dict_list:
            raise ext_error(
                "event_dict_list", "a dict {channel_id: events} or a list of them", event_dict_list
            )
        for k, d in enumerate(event_dict_list):
            if not isinstance(d, Mapping):
                raise MemphysTypeError(
                    f"Invalid type for `event_dict_list[{k}]`: expected a dict, but got "
                    f"{type(d).__name__}."
                )
        channel_ids = list(event_dict_list[0].keys())
        dtypes = {c: np.asarray(event_dict_list[0][c]).dtype for c in channel_ids}
        segments = []
        for k, d in enumerate(event_dict_list):
            if list(d.keys()) != channel_ids:
                raise ExtractorValueError(
                    f"Invalid value for `event_dict_list[{k}]`: expected the channels of segment 0 "
                    f"{channel_ids}, but got {list(d.keys())}."
                )
            seg = {}
            for c in channel_ids:
                arr = np.asarray(d[c])
                if arr.ndim != 1:
                    raise ext_error(
                        f"event_dict_list[{k}][{c!r}]",
                        "a 1-D array of events",
                        f"shape {arr.shape}",
                    )
                if arr.dtype.names != dtypes[c].names:
                    raise ExtractorValueError(
                        f"Invalid value for `event_dict_list[{k}][{c!r}]`: expected the fields of "
                        f"segment 0 {dtypes[c].names}, but got {arr.dtype.names}."
                    )
                seg[c] = arr
            segments.append(seg)
        return NumpyEvent(channel_ids, dtypes, event_dict_list=segments)


class NumpyEventSegment(BaseEventSegment):
    """One segment of in-memory events."""

    def __init__(self, event_dict: Mapping[Any, Any]) -> None:
        BaseEventSegment.__init__(self)
        self._event_dict = {c: np.asarray(v) for c, v in event_dict.items()}
        for c, v in self._event_dict.items():
            event_time_field(v.dtype, f"events of channel {c!r}")

    def get_events(
        self, channel_id: Any, start_time: float | None, end_time: float | None
    ) -> np.ndarray:
        events = self._event_dict[channel_id]
        field = event_time_field(events.dtype, "events")
        times = events if field is None else events[field]
        if start_time is None and end_time is None:
            return events
        keep = np.ones(events.shape[0], dtype=bool)
        if start_time is not None:
            keep &= times >= start_time
        if end_time is not None:
            keep &= times <= end_time
        return events[keep]


class SelectSegmentEvent(BaseEvent):
    """Some segments of an event object (lazy)."""

    def __init__(self, event: BaseEvent, segment_indices: Any) -> None:
        BaseEvent.__init__(self, event.channel_ids, event.structured_dtype)
        if isinstance(segment_indices, int | np.integer):
            segment_indices = [int(segment_indices)]
        n = event.get_num_segments()
        if not isinstance(segment_indices, list | tuple | np.ndarray) or not all(
            isinstance(s, int | np.integer) and 0 <= s < n for s in segment_indices
        ):
            raise ext_error(
                "segment_indices", f"segment indices between 0 and {n - 1}", segment_indices
            )
        for s in segment_indices:
            self.add_event_segment(_ProxyEventSegment(event, int(s)))
        event.copy_metadata(self)
        self._parent = event
        self._kwargs = {"event": event, "segment_indices": [int(s) for s in segment_indices]}


class _ProxyEventSegment(BaseEventSegment):
    def __init__(self, event: BaseEvent, segment_index: int) -> None:
        BaseEventSegment.__init__(self)
        self._event = event
        self._segment_index = segment_index

    def get_events(
        self, channel_id: Any, start_time: float | None, end_time: float | None
    ) -> np.ndarray:
        return self._event.get_events(channel_id, self._segment_index, start_time, end_time)
