"""Frame slices: :class:`FrameSliceRecording`, a lazy window of a one-segment recording.

Made by ``recording.frame_slice(start_frame, end_frame)`` and ``time_slice(...)``. Times are
those of the parent: regular times restart at the parent's time of ``start_frame``, and a
parent's time vector is read through the parent (never copied).

Examples
--------
>>> from memphys.ephys import generate_recording
>>> rec = generate_recording(num_channels=2, durations=[10.0], seed=0)
>>> sub = rec.frame_slice(start_frame=30000, end_frame=60000)
>>> sub.get_num_samples(), sub.get_start_time()
(30000, 1.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.arrays import LazyArray
from memphys.ephys._check import check_int
from memphys.ephys._roles import register_role
from memphys.ephys.baserecording import BaseRecording, BaseRecordingSegment
from memphys.errors import ExtractorValueError, SourceError

__all__ = ["FrameSliceRecording", "FrameSliceRecordingSegment", "ParentTimesView"]


@register_role("recording.frame_slice")
class FrameSliceRecording(BaseRecording):
    """Frames ``[start_frame, end_frame)`` of a one-segment recording, lazily.

    Raises
    ------
    memphys.errors.ExtractorValueError
        With several segments, or frames outside ``[0, num_samples]`` or not increasing.
    """

    _si_class_path = "spikeinterface.core.frameslicerecording.FrameSliceRecording"

    def __init__(
        self, recording: BaseRecording, start_frame: int | None = None, end_frame: int | None = None
    ) -> None:
        n_seg = recording.get_num_segments()
        if n_seg != 1:
            raise ExtractorValueError(
                f"FrameSliceRecording only works with one segment but found {n_seg}: select a "
                "segment first (recording.select_segments(i))."
            )
        n = recording.get_num_samples(segment_index=0)
        start = 0 if start_frame is None else check_int("start_frame", start_frame)
        end = n if end_frame is None else check_int("end_frame", end_frame)
        if start < 0:
            raise ExtractorValueError(f"start_frame={start} must be positive.")
        if start >= end:
            raise ExtractorValueError(
                f"start_frame={start} must be smaller than 'end_frame' end_frame={end}!"
            )
        if end > n:
            raise ExtractorValueError(
                f"end_frame={end} must be smaller than or equal to samples_in_recording={n}."
            )
        BaseRecording.__init__(
            self,
            recording.get_sampling_frequency(),
            recording.get_channel_ids(),
            recording.get_dtype(),
        )
        self.add_recording_segment(FrameSliceRecordingSegment(recording.segments[0], start, end))
        recording.copy_metadata(self)
        self._parent = recording
        self._kwargs = {"recording": recording, "start_frame": start, "end_frame": end}

    @classmethod
    def _handle_kwargs_backward_compatibility(
        cls, old_kwargs: dict[str, Any], full_dict: Any
    ) -> dict[str, Any]:
        if "parent_recording" in old_kwargs:
            new = dict(old_kwargs)
            new["recording"] = new.pop("parent_recording")
            return new
        return old_kwargs


class ParentTimesView(LazyArray):
    """Times ``[start, stop)`` of a parent segment with a time vector, read through it."""

    kind = "ephys_parent_times"

    def __init__(self, parent_segment: Any, start: int, stop: int) -> None:
        self.parent_segment = parent_segment
        self.start = int(start)
        self.shape = (int(stop) - int(start),)
        self.dtype = np.dtype(np.float64)

    def _read(self, start: int, stop: int, channels: Any) -> np.ndarray:
        return np.asarray(
            self.parent_segment.get_times(self.start + start, self.start + stop), dtype=np.float64
        )

    def recipe(self) -> dict[str, Any]:
        raise SourceError("a view of a parent's times is pickled whole")

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> ParentTimesView:  # pragma: no cover
        raise SourceError("ParentTimesView has no recipe")

    def __reduce__(self) -> tuple[Any, tuple[Any, int, int]]:  # type: ignore[override]
        return (ParentTimesView, (self.parent_segment, self.start, self.start + self.shape[0]))


class FrameSliceRecordingSegment(BaseRecordingSegment):
    """A window of the parent segment; times come from the parent."""

    def __init__(self, parent_recording_segment: Any, start_frame: int, end_frame: int) -> None:
        d = dict(parent_recording_segment.get_times_kwargs())
        self.start_frame = int(start_frame)
        self.end_frame = int(end_frame)
        self._parent_recording_segment = parent_recording_segment
        if d["time_vector"] is not None:
            # the parent's vector, read through the parent when asked (never copied)
            d["time_vector"] = ParentTimesView(parent_recording_segment, start_frame, end_frame)
            d["t_start"] = None
        else:
            d["t_start"] = float(parent_recording_segment.sample_index_to_time(start_frame))
        BaseRecordingSegment.__init__(self, **d)

    def _parent_times(self) -> bool:
        return isinstance(self._time_vector_value, ParentTimesView)

    def get_num_samples(self) -> int:
        return self.end_frame - self.start_frame

    def get_traces(
        self,
        start_frame: int | None = None,
        end_frame: int | None = None,
        channel_indices: Any = None,
    ) -> np.ndarray:
        a = 0 if start_frame is None else int(start_frame)
        b = self.get_num_samples() if end_frame is None else int(end_frame)
        return self._parent_recording_segment.get_traces(
            start_frame=self.start_frame + a,
            end_frame=self.start_frame + b,
            channel_indices=channel_indices,
        )

    def sample_index_to_time(self, sample_ind: Any) -> Any:
        if self._parent_times():
            return self._parent_recording_segment.sample_index_to_time(
                self.start_frame + sample_ind
            )
        return super().sample_index_to_time(sample_ind)

    def time_to_sample_index(self, time_s: Any) -> Any:
        if self._parent_times():
            return self._parent_recording_segment.time_to_sample_index(time_s) - self.start_frame
        return super().time_to_sample_index(time_s)
