"""``FrameSliceSorting``: the spikes of frames ``[start_frame, end_frame)``, lazily.

Spike frames are counted from ``start_frame`` (as the sliced recording's frames are).
A train is the parent's train between the two frames, shifted; the spike vector is one
slice of the parent's vector (two ``searchsorted``), shifted.

Examples
--------
>>> from memphys.ephys import NumpySorting
>>> s = NumpySorting.from_unit_dict({0: [5, 15, 25]}, 10.0)
>>> sub = s.frame_slice(10, 30)
>>> sub.get_unit_spike_train(0).tolist(), sub.get_start_time()
([5, 15], 1.0)
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.ephys._check import check_int, ext_error
from memphys.ephys._roles import register_role
from memphys.ephys.basesorting import BaseSorting, BaseSortingSegment
from memphys.errors import ExtractorValueError

__all__ = ["FrameSliceSorting", "FrameSliceSortingSegment"]


@register_role("sorting.frame_slice")
class FrameSliceSorting(BaseSorting):
    """A lazy frame slice of a one-segment sorting (use ``sorting.frame_slice``).

    ``end_frame`` defaults to the registered recording's length, else to the last spike
    + 1. With a registered recording, the sliced recording is registered to the result.

    Raises
    ------
    memphys.errors.ExtractorValueError
        For a multi-segment parent, ``start_frame < 0``, ``start_frame >= end_frame``,
        frames past the registered recording, or (``check_spike_frames``) spikes past
        the registered recording's end.
    """

    _si_class_path = "spikeinterface.core.frameslicesorting.FrameSliceSorting"

    def __init__(
        self,
        parent_sorting: BaseSorting,
        start_frame: int | None = None,
        end_frame: int | None = None,
        check_spike_frames: bool = True,
    ) -> None:
        if parent_sorting.get_num_segments() != 1:
            raise ExtractorValueError(
                "FrameSliceSorting only works with one segment: this sorting has "
                f"{parent_sorting.get_num_segments()} (use select_segment_sorting() first)."
            )
        start = 0 if start_frame is None else check_int("start_frame", start_frame, minimum=0)
        if parent_sorting.has_recording():
            n = int(parent_sorting._recording.get_total_samples())
            end = n if end_frame is None else check_int("end_frame", end_frame)
            if end > n:
                raise ext_error("end_frame", f"a frame <= the recording's {n} samples", end)
            if start > n:
                raise ext_error("start_frame", f"a frame <= the recording's {n} samples", start)
            if (
                check_spike_frames
                and parent_sorting.count_total_num_spikes()
                and parent_sorting.get_last_spike_frame(0) >= n
            ):
                raise ExtractorValueError(
                    "The sorting object has spikes whose times go beyond the recording duration "
                    f"(last spike at sample {parent_sorting.get_last_spike_frame(0)}, recording of "
                    f"{n} samples). This could indicate a bug in the sorter; remove those spikes "
                    "(e.g. spikeinterface.curation.remove_excess_spikes) or pass "
                    "check_spike_frames=False."
                )
        elif end_frame is None:
            end = parent_sorting.get_last_spike_frame(0) + 1
        else:
            end = check_int("end_frame", end_frame)
        if start >= end:
            raise ExtractorValueError(
                f"`start_frame` should be less than `end_frame`, but got start_frame={start} and "
                f"end_frame={end}. This may be due to start_frame >= the last spike when "
                "end_frame is not given."
            )
        BaseSorting.__init__(self, parent_sorting.get_sampling_frequency(), parent_sorting.unit_ids)
        fs = parent_sorting.get_sampling_frequency()
        self.add_sorting_segment(FrameSliceSortingSegment(parent_sorting, start, end, fs))
        parent_sorting.copy_metadata(self)
        self._parent = parent_sorting
        self._parent_sorting = parent_sorting
        self._start_frame = start
        self._end_frame = end
        if parent_sorting.has_recording():
            self.register_recording(
                parent_sorting._recording.frame_slice(start_frame=start, end_frame=end),
                check_spike_frames=False,
            )
        self._kwargs = dict(
            parent_sorting=parent_sorting,
            start_frame=int(start),
            end_frame=int(end),
            check_spike_frames=check_spike_frames,
        )

    def _compute_spike_vector(self) -> np.ndarray:
        spikes = self._parent_sorting.to_spike_vector()
        samples = spikes["sample_index"]
        a, b = np.searchsorted(samples, [self._start_frame, self._end_frame], side="left")
        out = np.array(spikes[a:b], copy=True)
        out["sample_index"] -= self._start_frame
        return out


class FrameSliceSortingSegment(BaseSortingSegment):
    """The parent's trains between two frames, shifted to start at 0."""

    def __init__(
        self,
        parent_sorting: BaseSorting,
        start_frame: int,
        end_frame: int,
        sampling_frequency: float,
    ) -> None:
        parent_t0 = parent_sorting.segments[0]._t_start
        t_start = (0.0 if parent_t0 is None else parent_t0) + start_frame / sampling_frequency
        BaseSortingSegment.__init__(self, t_start=t_start)
        self._parent_sorting = parent_sorting
        self.start_frame = int(start_frame)
        self.end_frame = int(end_frame)

    def get_unit_spike_train(
        self, unit_id: Any, start_frame: int | None = None, end_frame: int | None = None
    ) -> np.ndarray:
        a = self.start_frame + (0 if start_frame is None else max(int(start_frame), 0))
        b = (
            self.end_frame
            if end_frame is None
            else min(self.start_frame + int(end_frame), self.end_frame)
        )
        if b <= a:
            return np.zeros(0, dtype=np.int64)
        st = self._parent_sorting.get_unit_spike_train(
            unit_id, segment_index=0, start_frame=a, end_frame=b
        )
        return st - self.start_frame
