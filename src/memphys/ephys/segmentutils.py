"""Segments of recordings, lazily: append, concatenate, split, select.

- :func:`append_recordings`: the segments of several recordings, one after the other, as
  one multi-segment recording;
- :func:`concatenate_recordings`: all those segments joined into one segment (a read
  across a boundary reads from both sides);
- :func:`split_recording` / :func:`select_segment_recording`: one-segment recordings, or a
  subset of the segments.

No trace is read by any of them.

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import NumpyRecording
>>> a = NumpyRecording([np.zeros((100, 2), "float32")] * 3, 1000.0)
>>> b = NumpyRecording([np.ones((50, 2), "float32")] * 2, 1000.0)
>>> append_recordings([a, b]).get_num_segments()
5
>>> c = concatenate_recordings([a, b])
>>> c.get_num_samples(), c.get_traces(start_frame=298, end_frame=302)[:, 0].tolist()
(400, [0.0, 0.0, 1.0, 1.0])
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from memphys.ephys._check import ext_error
from memphys.ephys._roles import register_role
from memphys.ephys.baserecording import BaseRecording, BaseRecordingSegment
from memphys.errors import ExtractorValueError, ExtractorWarning

__all__ = [
    "AppendSegmentRecording",
    "append_recordings",
    "ConcatenateSegmentRecording",
    "concatenate_recordings",
    "SelectSegmentRecording",
    "select_segment_recording",
    "split_recording",
    "ProxyAppendRecordingSegment",
    "ProxyConcatenateRecordingSegment",
]


def _check_sampling_frequencies(frequencies: list[float], max_diff: float) -> None:
    if max_diff < 0:
        raise ext_error("sampling_frequency_max_diff", "a non-negative number of Hz", max_diff)
    f0 = frequencies[0]
    diff = max(abs(f - f0) for f in frequencies)
    if diff > max_diff:
        raise ExtractorValueError(
            f"Sampling frequencies across datasets differ by `{diff}`Hz which is more than "
            f"`sampling_frequency_max_diff`={max_diff}Hz"
        )
    if diff > 0:
        shift_ms = 24 * 3600000 * diff / f0
        warnings.warn(
            "Inconsistent sampling frequency across datasets. Diff is below hard "
            f"bound={max_diff}Hz: concatenating anyway. Expect ~{round(shift_ms, 5)}ms shift over "
            "24h dataset",
            ExtractorWarning,
            stacklevel=3,
        )


def _check_list(recording_list: Any) -> list[BaseRecording]:
    if not isinstance(recording_list, list | tuple) or not recording_list:
        raise ext_error("recording_list", "a non-empty list of recordings", recording_list)
    for r in recording_list:
        if not isinstance(r, BaseRecording):
            raise ext_error("recording_list", "a list of recordings", type(r).__name__)
    return list(recording_list)


class ProxyAppendRecordingSegment(BaseRecordingSegment):
    """A parent segment seen from another recording (same traces, same times)."""

    def __init__(self, parent_segment: Any) -> None:
        BaseRecordingSegment.__init__(self, **parent_segment.get_times_kwargs())
        self.parent_segment = parent_segment
        self.num_channels = (
            parent_segment.get_num_channels()
            if parent_segment.parent_extractor is not None
            else None
        )

    def get_num_samples(self) -> int:
        return int(self.parent_segment.get_num_samples())

    def get_traces(
        self,
        start_frame: int | None = None,
        end_frame: int | None = None,
        channel_indices: Any = None,
    ) -> np.ndarray:
        return self.parent_segment.get_traces(start_frame, end_frame, channel_indices)

    def _parent_vector(self) -> bool:
        tv = self._time_vector_value
        return tv is not None and tv is self.parent_segment._time_vector_value

    def sample_index_to_time(self, sample_ind: Any) -> Any:
        if self._parent_vector():
            return self.parent_segment.sample_index_to_time(sample_ind)
        return super().sample_index_to_time(sample_ind)

    def time_to_sample_index(self, time_s: Any) -> Any:
        if self._parent_vector():
            return self.parent_segment.time_to_sample_index(time_s)
        return super().time_to_sample_index(time_s)


class AppendSegmentRecording(BaseRecording):
    """The segments of several recordings (same channels and dtype) in one recording."""

    _si_class_path = "spikeinterface.core.segmentutils.AppendSegmentRecording"

    def __init__(self, recording_list: Any, sampling_frequency_max_diff: float = 0) -> None:
        recordings = _check_list(recording_list)
        rec0 = recordings[0]
        same = all(
            r.get_dtype() == rec0.get_dtype() and np.array_equal(r.channel_ids, rec0.channel_ids)
            for r in recordings
        )
        if not same:
            raise ExtractorValueError(
                "Recording don't have the same dtype or channel_ids: append_recordings needs "
                "recordings with identical channel ids and dtype."
            )
        _check_sampling_frequencies(
            [r.get_sampling_frequency() for r in recordings], sampling_frequency_max_diff
        )
        BaseRecording.__init__(
            self, rec0.get_sampling_frequency(), rec0.channel_ids, rec0.get_dtype()
        )
        rec0.copy_metadata(self)
        self.recording_list = recordings
        for r in recordings:
            for seg in r.segments:
                self.add_recording_segment(ProxyAppendRecordingSegment(seg))
        self._kwargs = {
            "recording_list": recordings,
            "sampling_frequency_max_diff": sampling_frequency_max_diff,
        }


#: SpikeInterface's function name for the class
append_recordings = AppendSegmentRecording


class ProxyConcatenateRecordingSegment(BaseRecordingSegment):
    """Several parent segments joined into one."""

    def __init__(
        self, parent_segments: list[Any], sampling_frequency: float, ignore_times: bool = True
    ) -> None:
        if ignore_times:
            kwargs: dict[str, Any] = {"sampling_frequency": sampling_frequency}
        else:
            kwargs = dict(parent_segments[0].get_times_kwargs())
        BaseRecordingSegment.__init__(self, **kwargs)
        self.parent_segments = parent_segments
        self.all_length = [int(s.get_num_samples()) for s in parent_segments]
        self.cumsum_length = [0, *np.cumsum(self.all_length).tolist()]
        self.total_length = int(sum(self.all_length))

    def get_num_samples(self) -> int:
        return self.total_length

    def get_traces(
        self,
        start_frame: int | None = None,
        end_frame: int | None = None,
        channel_indices: Any = None,
    ) -> np.ndarray:
        a = 0 if start_frame is None else int(start_frame)
        b = self.total_length if end_frame is None else int(end_frame)
        if a >= self.total_length or b <= a:
            return self.parent_segments[0].get_traces(0, 0, channel_indices)
        parts = []
        for i, seg in enumerate(self.parent_segments):
            s0, s1 = self.cumsum_length[i], self.cumsum_length[i + 1]
            lo, hi = max(a, s0), min(b, s1)
            if lo < hi:
                parts.append(seg.get_traces(lo - s0, hi - s0, channel_indices))
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=0)


class ConcatenateSegmentRecording(BaseRecording):
    """All segments of several recordings joined into one segment, lazily.

    Times are dropped (``ignore_times=True``); with ``ignore_times=False`` the segments
    must have neither time vectors nor start times.
    """

    _si_class_path = "spikeinterface.core.segmentutils.ConcatenateSegmentRecording"

    def __init__(
        self, recording_list: Any, ignore_times: bool = True, sampling_frequency_max_diff: float = 0
    ) -> None:
        one = AppendSegmentRecording(
            recording_list, sampling_frequency_max_diff=sampling_frequency_max_diff
        )
        BaseRecording.__init__(self, one.get_sampling_frequency(), one.channel_ids, one.get_dtype())
        one.copy_metadata(self)
        self.recording_list = list(recording_list)
        parents = []
        for r in self.recording_list:
            for seg in r.segments:
                tk = seg.get_times_kwargs()
                if not ignore_times and (
                    tk["time_vector"] is not None or tk["t_start"] is not None
                ):
                    raise ExtractorValueError(
                        "ConcatenateSegmentRecording does not handle time_vector or t_start. Use "
                        "ignore_times=True to ignore time information."
                    )
                parents.append(seg)
        self.add_recording_segment(
            ProxyConcatenateRecordingSegment(
                parents, one.get_sampling_frequency(), ignore_times=ignore_times
            )
        )
        self._kwargs = {
            "recording_list": self.recording_list,
            "ignore_times": ignore_times,
            "sampling_frequency_max_diff": sampling_frequency_max_diff,
        }


#: SpikeInterface's function name for the class
concatenate_recordings = ConcatenateSegmentRecording


@register_role("recording.select_segments")
class SelectSegmentRecording(BaseRecording):
    """A subset of the segments of a recording."""

    _si_class_path = "spikeinterface.core.segmentutils.SelectSegmentRecording"

    def __init__(self, recording: BaseRecording, segment_indices: Any) -> None:
        if isinstance(segment_indices, int | np.integer):
            segment_indices = [int(segment_indices)]
        indices = [int(i) for i in segment_indices]
        n = recording.get_num_segments()
        if not indices or not all(0 <= i < n for i in indices):
            raise ExtractorValueError(
                f"'segment_index' must be between 0 and {n - 1}, but got {list(segment_indices)}."
            )
        BaseRecording.__init__(
            self, recording.get_sampling_frequency(), recording.channel_ids, recording.get_dtype()
        )
        recording.copy_metadata(self)
        for i in indices:
            self.add_recording_segment(ProxyAppendRecordingSegment(recording.segments[i]))
        self._parent = recording
        self._kwargs = {"recording": recording, "segment_indices": indices}


#: SpikeInterface's function name for the class
select_segment_recording = SelectSegmentRecording


def split_recording(recording: BaseRecording) -> list[BaseRecording]:
    """One one-segment recording per segment."""
    return [SelectSegmentRecording(recording, [i]) for i in range(recording.get_num_segments())]
