"""Recordings held in memory: :class:`NumpyRecording` and :class:`SharedMemoryRecording`.

Both wrap their arrays in :class:`memphys.arrays.NumpyArray` adapters (reads are read-only
views). A traces array must be ``(samples, channels)``: an array with more channels than
samples is refused as probably transposed (SpikeInterface silently builds a 1000-channel
recording of 4 samples from a ``(4, 1000)`` ``(channels, samples)`` array), unless
``allow_more_channels_than_samples=True``.

Examples
--------
>>> import numpy as np
>>> rec = NumpyRecording([np.zeros((1000, 4), "float32")] * 2, sampling_frequency=30000.0)
>>> rec.get_num_segments(), rec.get_num_channels()
(2, 4)
>>> NumpyRecording(np.zeros((4, 1000)), sampling_frequency=30000.0)
Traceback (most recent call last):
...
memphys.errors.ExtractorValueError: Invalid value for `traces_list`: expected arrays of shape
(samples, channels), but segment 0 has shape (4, 1000): 4 samples x 1000 channels. ...
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.arrays import LazyArray, NumpyArray
from memphys.ephys._check import ext_error
from memphys.ephys._roles import register_role
from memphys.ephys.baserecording import ArrayRecordingSegment, BaseRecording
from memphys.errors import ExtractorValueError

__all__ = ["NumpyRecording", "SharedMemoryRecording", "NumpyRecordingSegment"]


def _check_traces(traces_list: list[np.ndarray], allow_wide: bool) -> None:
    if not traces_list:
        raise ext_error("traces_list", "at least one traces array", traces_list)
    dtype = traces_list[0].dtype
    for i, t in enumerate(traces_list):
        if t.ndim != 2:
            raise ExtractorValueError(
                f"Invalid value for `traces_list`: expected 2-D arrays (samples, channels), but "
                f"segment {i} has shape {t.shape}. Use traces[:, None] for one channel."
            )
        if t.dtype != dtype:
            raise ExtractorValueError(
                f"Invalid value for `traces_list`: expected one dtype for all segments, but "
                f"segment 0 is {dtype} and segment {i} is {t.dtype}."
            )
        if t.shape[1] != traces_list[0].shape[1]:
            raise ExtractorValueError(
                f"Invalid value for `traces_list`: expected {traces_list[0].shape[1]} channels "
                f"in every segment, but segment {i} has {t.shape[1]}."
            )
        if not allow_wide and t.shape[1] > t.shape[0]:
            raise ExtractorValueError(
                "Invalid value for `traces_list`: expected arrays of shape (samples, channels), "
                f"but segment {i} has shape {t.shape}: {t.shape[0]} samples x {t.shape[1]} "
                "channels. It looks transposed (channels, samples): pass traces.T, or "
                "allow_more_channels_than_samples=True if it really has more channels than "
                "samples."
            )


def _unwrap_frames(traces_list: Any, channel_ids: Any, t_starts: Any) -> tuple[Any, Any, Any]:
    """TsdFrames given as traces: their arrays (lazy adapters stay lazy, nothing is copied),
    their columns as default channel ids and their first times as default ``t_starts``."""
    items = traces_list if isinstance(traces_list, list) else [traces_list]
    if not any(type(e).__name__ == "TsdFrame" for e in items):
        return traces_list, channel_ids, t_starts
    from memphys.ephys.from_pynapple import frame_traces

    frames = [e for e in items if type(e).__name__ == "TsdFrame"]
    if channel_ids is None:
        channel_ids = np.asarray(frames[0].columns.values)
        if channel_ids.dtype == object:
            channel_ids = channel_ids.astype(str)
    if t_starts is None and len(frames) == len(items):
        t_starts = [float(f._ti.start_time) if len(f) else 0.0 for f in frames]
    arrays = [
        f.values
        if isinstance(f.values, np.ndarray)
        else frame_traces(f)
        if type(f).__name__ == "TsdFrame"
        else f
        for f in items
    ]
    return arrays, channel_ids, t_starts


class NumpyRecordingSegment(ArrayRecordingSegment):
    """A segment over an in-memory array (SpikeInterface's name), or over the lazy adapter
    of a TsdFrame given as traces."""

    def __init__(self, traces: Any, sampling_frequency: float, t_start: float | None) -> None:
        array = traces if isinstance(traces, LazyArray) else NumpyArray(traces)
        ArrayRecordingSegment.__init__(self, array, sampling_frequency, t_start)
        self._traces = traces
        self.num_samples = int(traces.shape[0])


@register_role("recording.numpy")
class NumpyRecording(BaseRecording):
    """An in-memory recording.

    Parameters
    ----------
    traces_list : array or list of arrays
        ``(samples, channels)`` traces, one array per segment. A ``TsdFrame`` is taken
        without copy (its memmap or lazy adapter), its columns being the default channel
        ids and its first time the segment's default start.
    sampling_frequency : float
    t_starts : list of float, optional
        Time of each segment's first sample.
    channel_ids : list, optional
        Default ``0, 1, ...``.
    allow_more_channels_than_samples : bool, default False
        Accept arrays with more channels than samples (refused by default as probably
        transposed).
    """

    _si_class_path = "spikeinterface.core.numpyextractors.NumpyRecording"

    def __init__(
        self,
        traces_list: Any,
        sampling_frequency: float,
        t_starts: Any = None,
        channel_ids: Any = None,
        allow_more_channels_than_samples: bool = False,
    ) -> None:
        traces_list, channel_ids, t_starts = _unwrap_frames(traces_list, channel_ids, t_starts)
        if isinstance(traces_list, list):
            if all(isinstance(e, list) for e in traces_list):
                traces_list = [np.array(t) for t in traces_list]
            if not all(isinstance(e, np.ndarray | LazyArray) for e in traces_list):
                raise ext_error(
                    "traces_list", "a numpy array or a list of numpy arrays", traces_list
                )
        elif isinstance(traces_list, np.ndarray):
            traces_list = [traces_list]
        else:
            raise ext_error("traces_list", "a numpy array or a list of numpy arrays", traces_list)
        _check_traces(traces_list, allow_more_channels_than_samples)
        n_channels = traces_list[0].shape[1]
        if channel_ids is None:
            channel_ids = np.arange(n_channels)
        elif len(channel_ids) != n_channels:
            raise ext_error("channel_ids", f"{n_channels} ids (one per channel)", channel_ids)
        BaseRecording.__init__(self, sampling_frequency, channel_ids, traces_list[0].dtype)
        if t_starts is not None:
            if len(t_starts) != len(traces_list):
                raise ext_error(
                    "t_starts", f"{len(traces_list)} start times (one per segment)", t_starts
                )
            t_starts = [float(t) for t in t_starts]
        self._serializability["json"] = False
        self._serializability["pickle"] = False
        for i, traces in enumerate(traces_list):
            t0 = None if t_starts is None else t_starts[i]
            self.add_recording_segment(NumpyRecordingSegment(traces, self.sampling_frequency, t0))
        self._kwargs = {
            "traces_list": traces_list,
            "t_starts": t_starts,
            "sampling_frequency": sampling_frequency,
            "channel_ids": channel_ids,
            "allow_more_channels_than_samples": allow_more_channels_than_samples,
        }

    @staticmethod
    def from_recording(
        source_recording: BaseRecording,
        with_metadata: bool = True,
        with_time_vector: bool = False,
        **job_kwargs: Any,
    ) -> NumpyRecording:
        """Copy a recording's traces into memory (a pass through the engine)."""
        from memphys.ephys.time_series_tools import write_memory

        traces_list, _ = write_memory(source_recording, buffer_type="numpy", **job_kwargs)
        rec = NumpyRecording(
            traces_list,
            source_recording.get_sampling_frequency(),
            t_starts=source_recording.get_segment_t_starts(),
            channel_ids=source_recording.channel_ids,
            allow_more_channels_than_samples=True,
        )
        _copy_extras(source_recording, rec, with_metadata, with_time_vector)
        return rec


def _copy_extras(source: BaseRecording, rec: BaseRecording, metadata: bool, times: bool) -> None:
    if metadata:
        source.copy_metadata(rec)
    if times:
        for s in range(source.get_num_segments()):
            if source.has_time_vector(s):
                rec.set_times(source.get_times(segment_index=s), segment_index=s)


@register_role("recording.shared_memory")
class SharedMemoryRecording(BaseRecording):
    """A recording in ``multiprocessing.shared_memory`` blocks (one per segment), which
    worker processes attach by name instead of receiving a copy.

    Parameters
    ----------
    shm_names : list of str
    shape_list : list of (samples, channels)
    dtype : dtype_like
    sampling_frequency : float
    channel_ids : list, optional
    t_starts : list of float, optional
    main_shm_owner : bool, default True
        This object unlinks the blocks when deleted (copies rebuilt elsewhere do not).
    """

    _si_class_path = "spikeinterface.core.numpyextractors.SharedMemoryRecording"

    def __init__(
        self,
        shm_names: list[str],
        shape_list: list[Any],
        dtype: Any,
        sampling_frequency: float,
        channel_ids: Any = None,
        t_starts: Any = None,
        main_shm_owner: bool = True,
    ) -> None:
        from multiprocessing.shared_memory import SharedMemory

        if len(shape_list) != len(shm_names):
            raise ext_error("shape_list", f"{len(shm_names)} shapes (one per shm name)", shape_list)
        self.shms: list[Any] = []
        self.main_shm_owner = False
        traces_list = []
        for name, shape in zip(shm_names, shape_list, strict=True):
            shm = SharedMemory(name, create=False)
            self.shms.append(shm)
            arr: np.ndarray = np.ndarray(
                shape=tuple(int(s) for s in shape), dtype=dtype, buffer=shm.buf
            )
            arr.flags.writeable = False
            traces_list.append(arr)
        _check_traces(traces_list, allow_wide=True)
        if channel_ids is None:
            channel_ids = np.arange(traces_list[0].shape[1])
        BaseRecording.__init__(self, sampling_frequency, channel_ids, dtype)
        if t_starts is not None:
            t_starts = [float(t) for t in t_starts]
        self._serializability["json"] = False
        self._serializability["pickle"] = False
        self.main_shm_owner = main_shm_owner
        for i, traces in enumerate(traces_list):
            t0 = None if t_starts is None else t_starts[i]
            self.add_recording_segment(NumpyRecordingSegment(traces, self.sampling_frequency, t0))
        self._kwargs = {
            "shm_names": list(shm_names),
            "shape_list": [tuple(int(s) for s in shape) for shape in shape_list],
            "dtype": np.dtype(dtype).str,
            "sampling_frequency": sampling_frequency,
            "channel_ids": channel_ids,
            "t_starts": t_starts,
            "main_shm_owner": False,  # copies must not unlink the blocks
        }

    def __del__(self) -> None:
        self._segments = []
        for shm in getattr(self, "shms", []):
            try:
                shm.close()
                if self.main_shm_owner:
                    shm.unlink()
            except (OSError, BufferError):  # pragma: no cover - already gone or in use
                pass

    @staticmethod
    def from_recording(
        source_recording: BaseRecording,
        with_metadata: bool = True,
        with_time_vector: bool = False,
        **job_kwargs: Any,
    ) -> SharedMemoryRecording:
        """Copy a recording's traces into shared memory (a pass through the engine)."""
        from memphys.ephys.time_series_tools import write_memory

        traces_list, shms = write_memory(source_recording, buffer_type="sharedmem", **job_kwargs)
        rec = SharedMemoryRecording(
            shm_names=[shm.name for shm in shms],
            shape_list=[t.shape for t in traces_list],
            dtype=source_recording.get_dtype(),
            sampling_frequency=source_recording.get_sampling_frequency(),
            channel_ids=source_recording.channel_ids,
            t_starts=source_recording.get_segment_t_starts(),
            main_shm_owner=True,
        )
        del traces_list
        for shm in shms:
            shm.close()
        _copy_extras(source_recording, rec, with_metadata, with_time_vector)
        return rec
