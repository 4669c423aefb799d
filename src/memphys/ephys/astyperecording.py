"""A recording cast to another dtype, lazily: :func:`astype` (``recording.astype(dtype)``).

Each block is cast as it is read; float to integer casts round to the nearest integer by
default (``round=True``), as SpikeInterface's preprocessing ``astype`` does.

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import NumpyRecording
>>> rec = NumpyRecording(np.array([[0.4], [1.6], [2.5]] * 2, dtype="float32"), 1000.0)
>>> rec.astype("int16").get_traces()[:3, 0].tolist()
[0, 2, 2]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.ephys._check import ext_error
from memphys.ephys._roles import register_role
from memphys.ephys.baserecording import BaseRecording, BaseRecordingSegment

__all__ = ["AstypeRecording", "astype"]


class AstypeRecording(BaseRecording):
    """``recording`` with traces cast to ``dtype`` block by block.

    Parameters
    ----------
    recording : BaseRecording
    dtype : dtype_like
    round : bool, optional
        Round before casting float to integer (default: True for such casts).
    """

    _si_class_path = "spikeinterface.preprocessing.astype.AstypeRecording"

    def __init__(
        self, recording: BaseRecording, dtype: Any = None, round: bool | None = None
    ) -> None:
        try:
            dt = np.dtype(recording.get_dtype() if dtype is None else dtype)
        except TypeError as exc:
            raise ext_error("dtype", "a numpy dtype", dtype) from exc
        if round is None:
            round = recording.get_dtype().kind == "f" and dt.kind in "iu"
        BaseRecording.__init__(self, recording.get_sampling_frequency(), recording.channel_ids, dt)
        for seg in recording.segments:
            self.add_recording_segment(AstypeRecordingSegment(seg, dt, bool(round)))
        recording.copy_metadata(self)
        self._parent = recording
        self._kwargs = {"recording": recording, "dtype": dt.str, "round": round}


class AstypeRecordingSegment(BaseRecordingSegment):
    def __init__(self, parent_segment: Any, dtype: np.dtype[Any], round_values: bool) -> None:
        BaseRecordingSegment.__init__(self, **parent_segment.get_times_kwargs())
        self.parent_segment = parent_segment
        self.dtype = dtype
        self.round_values = round_values

    def get_num_samples(self) -> int:
        return int(self.parent_segment.get_num_samples())

    def get_traces(
        self,
        start_frame: int | None = None,
        end_frame: int | None = None,
        channel_indices: Any = None,
    ) -> np.ndarray:
        traces = self.parent_segment.get_traces(start_frame, end_frame, channel_indices)
        if self.round_values:
            traces = np.round(traces)
        return traces.astype(self.dtype, copy=False)


@register_role("recording.astype")
def astype(
    recording: BaseRecording, dtype: Any = None, round: bool | None = None
) -> AstypeRecording:
    """``recording`` cast to ``dtype``, lazily (see :class:`AstypeRecording`)."""
    return AstypeRecording(recording, dtype=dtype, round=round)
