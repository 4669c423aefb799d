"""Time and recording methods of sortings (a mixin of :class:`~memphys.ephys.BaseSorting`).

A spike's time is its sample's time in the registered recording (shifted by the
sorting's own ``shift_times``), else ``sample / sampling_frequency + t_start`` of its
segment. ``register_recording`` checks the sampling frequency, the segments and (by
default) that no spike lies past the end of its segment.

>>> from memphys.ephys import NumpySorting
>>> s = NumpySorting.from_unit_dict({0: [10, 20]}, 10.0)
>>> s.shift_times(100.0)
>>> s.sample_index_to_time(10), s.time_to_sample_index(102.0), s.get_end_time()
(101.0, 20, 102.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.ephys._check import ext_error
from memphys.errors import ExtractorValueError, MemphysTypeError

__all__ = ["SortingTimes"]


def _is_recording(obj: Any) -> bool:
    return all(
        hasattr(obj, a) for a in ("get_num_samples", "get_sampling_frequency", "get_num_segments")
    )


class SortingTimes:
    """Recording registration and times (see the module docstring)."""

    _recording: Any
    _sampling_frequency: float
    _segments: list[Any]

    @property
    def segments(self) -> list[Any]:  # pragma: no cover - BaseExtractor's
        raise NotImplementedError

    def _check_segment_index(self, segment_index: int | None = None) -> int:  # pragma: no cover
        raise NotImplementedError

    def get_num_segments(self) -> int:  # pragma: no cover
        raise NotImplementedError

    def get_sampling_frequency(self) -> float:  # pragma: no cover
        raise NotImplementedError

    def get_last_spike_frame(self, segment_index: int | None = None) -> int:  # pragma: no cover
        raise NotImplementedError

    def count_total_num_spikes_in_segment(self, segment_index: int) -> int:  # pragma: no cover
        raise NotImplementedError

    def annotate(self, **kwargs: Any) -> None:  # pragma: no cover
        raise NotImplementedError

    def get_annotation(self, key: str, copy: bool = True) -> Any:  # pragma: no cover
        raise NotImplementedError

    def _require_recording(self) -> Any:
        if self._recording is None:
            raise ExtractorValueError(
                "This method requires an associated recording. Call "
                "sorting.register_recording(recording) first."
            )
        return self._recording

    def get_num_samples(self, segment_index: int | None = None) -> int:
        """Samples of a segment of the registered recording."""
        return int(self._require_recording().get_num_samples(segment_index=segment_index))

    def get_total_samples(self) -> int:
        """Samples of all segments of the registered recording."""
        return sum(self.get_num_samples(s) for s in range(self.get_num_segments()))

    def get_total_duration(self) -> float:
        """Duration (s) of the registered recording."""
        return float(self._require_recording().get_total_duration())

    def register_recording(self, recording: Any, check_spike_frames: bool = True) -> None:
        """Attach the recording the sorting comes from (its times become the spikes' times).

        Raises
        ------
        memphys.errors.ExtractorValueError
            If the sampling frequencies differ (by more than 0.1 Hz) or the segment counts
            differ, or (``check_spike_frames=True``) a spike lies past the end of its
            segment of the recording. SpikeInterface only warns in that last case; here
            the recording is not registered (pass ``check_spike_frames=False`` to register
            it anyway).
        """
        if not _is_recording(recording):
            raise MemphysTypeError(
                f"Invalid type for `recording`: expected a recording, but got "
                f"{type(recording).__name__}."
            )
        fs_rec = float(recording.get_sampling_frequency())
        if not np.isclose(self.get_sampling_frequency(), fs_rec, atol=0.1, rtol=0.0):
            raise ExtractorValueError(
                f"The recording has a different sampling frequency than the sorting: "
                f"{fs_rec} Hz for the recording, {self.get_sampling_frequency()} Hz for the "
                "sorting."
            )
        if self.get_num_segments() != recording.get_num_segments():
            raise ExtractorValueError(
                f"The recording has a different number of segments than the sorting: "
                f"{recording.get_num_segments()} for the recording, {self.get_num_segments()} "
                "for the sorting."
            )
        if check_spike_frames:
            for s in range(self.get_num_segments()):
                n = int(recording.get_num_samples(segment_index=s))
                if self.count_total_num_spikes_in_segment(s) and self.get_last_spike_frame(s) >= n:
                    raise ExtractorValueError(
                        f"Some spikes exceed the recording's duration: segment {s} has a spike "
                        f"at sample {self.get_last_spike_frame(s)} but the recording has {n} "
                        "samples. Remove them (e.g. sorting.frame_slice(0, n) or "
                        "spikeinterface.curation.remove_excess_spikes) or pass "
                        "check_spike_frames=False."
                    )
        self._recording = recording
        for s, segment in enumerate(self.segments):
            start = float(recording.get_start_time(segment_index=s))
            segment._t_start = start
            segment._native_t_start = start

    def has_recording(self) -> bool:
        return self._recording is not None

    @property
    def sorting_info(self) -> Any:
        return self.get_annotation("__sorting_info__")

    def set_sorting_info(self, recording_dict: Any, params_dict: Any, log_dict: Any) -> None:
        self.annotate(
            __sorting_info__=dict(recording=recording_dict, params=params_dict, log=log_dict)
        )

    def has_time_vector(self, segment_index: int | None = None) -> bool:
        """True if the registered recording's segment has a time vector."""
        segment_index = self._check_segment_index(segment_index)
        if self._recording is None:
            return False
        return bool(self._recording.has_time_vector(segment_index=segment_index))

    def _t_start(self, segment_index: int) -> float:
        t = self.segments[segment_index]._t_start
        return 0.0 if t is None else float(t)

    def _shift(self, segment_index: int) -> float:
        rec_start = float(self._recording.get_start_time(segment_index=segment_index))
        return self._t_start(segment_index) - rec_start

    def get_start_time(self, segment_index: int | None = None) -> float:
        """Start time (s) of a segment."""
        return self._t_start(self._check_segment_index(segment_index))

    def shift_times(self, shift: float, segment_index: int | None = None) -> None:
        """Add ``shift`` seconds to the times of one segment (or all); the registered
        recording is not modified."""
        if isinstance(shift, bool) or not np.isfinite(shift):
            raise ext_error("shift", "a finite number of seconds", shift)
        segs = range(self.get_num_segments()) if segment_index is None else [segment_index]
        for s in segs:
            seg = self.segments[self._check_segment_index(s)]
            seg._t_start = (0.0 if seg._t_start is None else seg._t_start) + shift

    def get_end_time(self, segment_index: int | None = None) -> float:
        """End time (s): the recording's (shifted), else the last spike's time."""
        segment_index = self._check_segment_index(segment_index)
        if self._recording is not None:
            end = float(self._recording.get_end_time(segment_index=segment_index))
            return end + self._shift(segment_index)
        return float(
            self.sample_index_to_time(self.get_last_spike_frame(segment_index), segment_index)
        )

    def get_times(
        self,
        segment_index: int | None = None,
        start_frame: int | None = None,
        end_frame: int | None = None,
    ) -> np.ndarray | None:
        """Times of the registered recording's samples (shifted); None without one."""
        segment_index = self._check_segment_index(segment_index)
        if self._recording is None:
            return None
        times = self._recording.get_times(
            segment_index=segment_index, start_frame=start_frame, end_frame=end_frame
        )
        shift = self._shift(segment_index)
        return times + shift if shift != 0 else times

    def time_to_sample_index(self, time: Any, segment_index: int | None = 0) -> Any:
        """Sample index at ``time`` seconds."""
        segment_index = self._check_segment_index(segment_index)
        if self._recording is not None:
            return self._recording.time_to_sample_index(
                np.asarray(time) - self._shift(segment_index), segment_index=segment_index
            )
        t = (
            np.asarray(time, dtype=np.float64) - self._t_start(segment_index)
        ) * self._sampling_frequency
        out = np.round(t).astype(np.int64)
        return int(out) if out.ndim == 0 else out

    def sample_index_to_time(self, sample_index: Any, segment_index: int | None = None) -> Any:
        """Time (s) of a sample index (int or array)."""
        segment_index = self._check_segment_index(segment_index)
        if self._recording is not None:
            t = self._recording.sample_index_to_time(sample_index, segment_index=segment_index)
            return t + self._shift(segment_index)
        return sample_index / self._sampling_frequency + self._t_start(segment_index)

    def _frames_to_times(self, frames: np.ndarray, segment_index: int) -> np.ndarray:
        if self._recording is not None:
            t = self._recording.sample_index_to_time(frames, segment_index=segment_index)
            return np.asarray(t, dtype=np.float64) + self._shift(segment_index)
        return frames / self._sampling_frequency + self._t_start(segment_index)
