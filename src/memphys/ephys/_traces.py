"""A recording segment seen by the engine: a lazy array whose reads call ``get_traces``.

:class:`RecordingTraces` is how every full pass of :mod:`memphys.ephys` hands a recording
to :func:`memphys.engine.run_blocks`: the engine plans blocks and reads them through this
adapter, which asks the recording's segment for those frames (and scales them to µV per
block when asked). It has no JSON recipe; it pickles as the recording itself (whose
provenance rebuilds it in a worker), and :class:`RecordingTimes` does the same for times.

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import NumpyRecording
>>> rec = NumpyRecording(np.arange(12, dtype="int16").reshape(6, 2), 10.0)
>>> rec.set_channel_gains(2.0); rec.set_channel_offsets(0.0)
>>> RecordingTraces(rec, 0, return_in_uV=True).read(4, 6)
array([[16., 18.],
       [20., 22.]], dtype=float32)
>>> RecordingTimes(rec, 0).read(0, 3)
array([0. , 0.1, 0.2])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.arrays import LazyArray
from memphys.errors import SourceError

__all__ = ["RecordingTraces", "RecordingTimes"]


class RecordingTraces(LazyArray):
    """The traces of one segment of a recording, read block by block with ``get_traces``.

    Parameters
    ----------
    recording : BaseRecording
    segment_index : int
    return_in_uV : bool, default False
        Scale each block to µV (float32) as it is read.
    """

    kind = "ephys_recording_traces"

    def __init__(self, recording: Any, segment_index: int, return_in_uV: bool = False) -> None:
        self.recording = recording
        self.segment_index = int(segment_index)
        self.return_in_uV = bool(return_in_uV)
        n = recording.get_num_samples(self.segment_index)
        self.shape = (int(n), int(recording.get_num_channels()))
        scaled = self.return_in_uV and recording.has_scaleable_traces()
        self.dtype = np.dtype(np.float32) if scaled else np.dtype(recording.get_dtype())

    def _read(self, start: int, stop: int, channels: slice | np.ndarray) -> np.ndarray:
        seg = self.recording.segments[self.segment_index]
        traces = seg.get_traces(start_frame=start, end_frame=stop, channel_indices=channels)
        if self.return_in_uV:
            traces = self.recording._scale(traces, channels)
        return np.asarray(traces)

    def recipe(self) -> dict[str, Any]:
        raise SourceError(
            "a recording's traces have no JSON recipe: the adapter pickles the recording "
            "(through its provenance) instead"
        )

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> RecordingTraces:  # pragma: no cover
        raise SourceError("RecordingTraces has no recipe")

    def __reduce__(self) -> tuple[Any, tuple[Any, int, bool]]:  # type: ignore[override]
        return (RecordingTraces, (self.recording, self.segment_index, self.return_in_uV))


class RecordingTimes(LazyArray):
    """The times (float64 seconds) of one segment, read block by block with ``get_times``."""

    kind = "ephys_recording_times"

    def __init__(self, recording: Any, segment_index: int) -> None:
        self.recording = recording
        self.segment_index = int(segment_index)
        self.shape = (int(recording.get_num_samples(self.segment_index)),)
        self.dtype = np.dtype(np.float64)

    def _read(self, start: int, stop: int, channels: Any) -> np.ndarray:
        seg = self.recording.segments[self.segment_index]
        return np.asarray(seg.get_times(start_frame=start, end_frame=stop), dtype=np.float64)

    def recipe(self) -> dict[str, Any]:
        raise SourceError("a recording's times have no JSON recipe")

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> RecordingTimes:  # pragma: no cover
        raise SourceError("RecordingTimes has no recipe")

    def __reduce__(self) -> tuple[Any, tuple[Any, int]]:  # type: ignore[override]
        return (RecordingTimes, (self.recording, self.segment_index))
