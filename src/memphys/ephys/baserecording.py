"""Recordings: multichannel traces in segments, read lazily, block by block.

:class:`BaseRecording` is SpikeInterface's recording: channels (ids, gains, groups,
probe), segments (each a :class:`BaseRecordingSegment` with its own length and times), and
``get_traces``, which reads only the requested frames and channels of one segment and
scales them to µV (``return_in_uV=True``: ``raw * gain_to_uV + offset_to_uV`` in float32,
computed on the block that was read). Slicing (``frame_slice``, ``time_slice``,
``select_channels``, ``rename_channels``, ``remove_channels``) returns lazy views; ``save``
writes SpikeInterface's binary folder or zarr store (or copies to memory) through
:mod:`memphys.engine`.

A segment backed by data on disk or in memory is an :class:`ArrayRecordingSegment`: a
lazy array adapter of :mod:`memphys.arrays` (frames x channels) read with contiguous
frame ranges (never fancy indexing), plus its time information.

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import NumpyRecording
>>> traces = np.arange(20, dtype="int16").reshape(10, 2)
>>> rec = NumpyRecording(traces, sampling_frequency=100.0)
>>> rec.set_channel_gains(0.5); rec.set_channel_offsets(0)
>>> rec.get_traces(start_frame=2, end_frame=4, return_in_uV=True)
array([[2. , 2.5],
       [3. , 3.5]], dtype=float32)
>>> rec.frame_slice(5, 10).get_num_samples()
5
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from memphys.arrays import LazyArray
from memphys.ephys._check import check_in, ext_error
from memphys.ephys._roles import role
from memphys.ephys.baserecordingsnippets import BaseRecordingSnippets
from memphys.ephys.core_tools import convert_bytes_to_str, convert_seconds_to_str
from memphys.ephys.time_series import TimeSeries, TimeSeriesSegment
from memphys.errors import ExtractorValueError, MemphysFutureWarning

__all__ = ["BaseRecording", "BaseRecordingSegment", "ArrayRecordingSegment", "scale_traces"]


def scale_traces(traces: np.ndarray, gains: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """``traces * gains + offsets`` in float32, in one output array.

    Bit for bit SpikeInterface's ``traces.astype("float32") * gains + offsets`` (gains and
    offsets cast to float32), without its intermediate copies.

    >>> scale_traces(np.array([[2, -4]], dtype="int16"), np.array([0.5, 0.5]), np.zeros(2))
    array([[ 1., -2.]], dtype=float32)
    """
    g = np.asarray(gains).astype(np.float32, copy=False)
    o = np.asarray(offsets).astype(np.float32, copy=False)
    out = np.empty(traces.shape, dtype=np.float32)
    np.multiply(traces, g, out=out)
    if np.any(o != 0):
        np.add(out, o, out=out)
    return out


class BaseRecordingSegment(TimeSeriesSegment):
    """One segment of a recording: its length, its times and ``get_traces``."""

    num_channels: int | None = None

    def get_num_channels(self) -> int:
        if self.num_channels is not None:
            return int(self.num_channels)
        return int(self.parent_extractor.get_num_channels())

    def get_traces(
        self,
        start_frame: int | None = None,
        end_frame: int | None = None,
        channel_indices: Any = None,
    ) -> np.ndarray:
        """Raw traces ``[start_frame, end_frame)`` x ``channel_indices`` (None, a slice or
        integer positions)."""
        raise NotImplementedError

    def get_data(self, start_frame: int, end_frame: int, indices: Any = None) -> np.ndarray:
        return self.get_traces(
            start_frame=start_frame, end_frame=end_frame, channel_indices=indices
        )


class ArrayRecordingSegment(BaseRecordingSegment):
    """A segment whose traces are a :class:`~memphys.arrays.LazyArray` (frames x channels).

    Reads are contiguous frame ranges of the adapter; a channel selection by positions is
    served by the adapter (bounding range read, selected in memory), never by point reads.
    """

    def __init__(
        self,
        array: LazyArray,
        sampling_frequency: float | None = None,
        t_start: float | None = None,
        time_vector: Any = None,
    ) -> None:
        BaseRecordingSegment.__init__(self, sampling_frequency, t_start, time_vector)
        if not isinstance(array, LazyArray):
            from memphys.arrays import as_lazy

            array = as_lazy(array)
        if array.ndim != 2:
            raise ext_error("traces", "a 2-D array (frames x channels)", f"shape {array.shape}")
        self._array = array
        self.num_channels = int(array.shape[1])

    @property
    def array(self) -> LazyArray:
        """The lazy array adapter of the traces."""
        return self._array

    def get_num_samples(self) -> int:
        return int(self._array.shape[0])

    def get_traces(
        self,
        start_frame: int | None = None,
        end_frame: int | None = None,
        channel_indices: Any = None,
    ) -> np.ndarray:
        a = 0 if start_frame is None else int(start_frame)
        b = self.get_num_samples() if end_frame is None else int(end_frame)
        return self._array.read(a, b, channel_indices)


class BaseRecording(BaseRecordingSnippets, TimeSeries):
    """A multichannel, multi-segment recording (see the module docstring)."""

    _main_annotations: ClassVar[list[str]] = ["name", "is_filtered"]
    _main_properties: ClassVar[list[str]] = [
        "group",
        "gain_to_uV",
        "offset_to_uV",
        "gain_to_physical_unit",
        "offset_to_physical_unit",
        "physical_unit",
    ]
    _main_features: ClassVar[list[str]] = []
    _skip_properties: ClassVar[list[str]] = [
        "noise_level_std_raw",
        "noise_level_std_scaled",
        "noise_level_mad_raw",
        "noise_level_mad_scaled",
        "noise_level_rms_raw",
        "noise_level_rms_scaled",
    ]

    def __init__(self, sampling_frequency: float, channel_ids: Any, dtype: Any) -> None:
        BaseRecordingSnippets.__init__(
            self, sampling_frequency=sampling_frequency, channel_ids=channel_ids, dtype=dtype
        )
        self._time_info_modified = False
        self.annotate(is_filtered=False)

    # ---------------------------------------------------------------------- repr
    def _repr_header(self, display_name: bool = True) -> str:
        fs = self.get_sampling_frequency()
        if not float(fs).is_integer():
            fs_repr = f"{fs:f} Hz"
        else:
            fs_repr = f"{fs / 1000.0:0.1f}kHz" if fs > 10_000.0 else f"{fs:0.1f}Hz"
        cls = type(self).__name__
        name = f"{self.name} ({cls})" if display_name and self.name != cls else cls
        return (
            f"{name}: {self.get_num_channels()} channels - {fs_repr} - "
            f"{self.get_num_segments()} segments - {self.get_total_samples():,} samples - "
            f"{convert_seconds_to_str(self.get_total_duration())} - {self.get_dtype()} dtype - "
            f"{convert_bytes_to_str(self.get_total_memory_size())}"
        )

    def __repr__(self) -> str:
        txt = self._repr_header()
        if len(txt) > 100:
            cut = txt.rfind("-", 0, 100)
            if cut != -1:
                pad = " " * (len(self.name) + 2)
                txt = txt[:cut] + "\n" + pad + txt[cut + 1 :].lstrip()
        n = self.get_num_segments()
        if n > 1:

            def short(items: list[str], k: int = 6) -> str:
                if len(items) <= k:
                    return " | ".join(items)
                return " | ".join(items[: k // 2]) + " | ... | " + " | ".join(items[-k // 2 :])

            samples = [f"{self.get_num_samples(s):,}" for s in range(n)]
            durations = [convert_seconds_to_str(self.get_duration(s)) for s in range(n)]
            memory = [convert_bytes_to_str(self.get_memory_size(s)) for s in range(n)]
            txt += (
                f"\nSegments:\nSamples:   {short(samples)}\nDurations: {short(durations)}"
                f"\nMemory:    {short(memory)}"
            )
        if "file_paths" in self._kwargs:
            txt += f"\n  file_paths: {self._kwargs['file_paths']}"
        if "file_path" in self._kwargs:
            txt += f"\n  file_path: {self._kwargs['file_path']}"
        return txt

    # ------------------------------------------------------------------- segments
    @property
    def _recording_segments(self) -> list[Any]:
        return self._segments

    def add_recording_segment(self, recording_segment: BaseRecordingSegment) -> None:
        """Append a segment."""
        self.add_segment(recording_segment)

    def get_sample_size_in_bytes(self, dtype: Any = None) -> int:
        """Bytes of one sample across all channels (in ``dtype`` if given)."""
        dt = self.get_dtype() if dtype is None else np.dtype(dtype)
        return int(self.get_num_channels() * dt.itemsize)

    def get_num_samples(self, segment_index: int | None = None) -> int:
        """Samples of a segment (``segment_index`` may be omitted for one segment)."""
        return int(self.segments[self._check_segment_index(segment_index)].get_num_samples())

    get_num_frames = get_num_samples

    def get_shape(self, segment_index: int | None = None) -> tuple[int, int]:
        return (self.get_num_samples(segment_index), self.get_num_channels())

    # ---------------------------------------------------------------------- traces
    def get_traces(
        self,
        segment_index: int | None = None,
        start_frame: int | None = None,
        end_frame: int | None = None,
        channel_ids: Any = None,
        order: str | None = None,
        return_in_uV: bool = False,
        return_scaled: bool | None = None,
    ) -> np.ndarray:
        """Traces of frames ``[start_frame, end_frame)`` of one segment, shape
        (frames, channels).

        Parameters
        ----------
        segment_index : int, optional
            Required for multi-segment recordings.
        start_frame, end_frame : int, optional
            Frames to read (default: the whole segment; ``end_frame`` is clipped to it).
        channel_ids : sequence, optional
            Channels to read, in this order (default: all).
        order : {"C", "F"}, optional
            Memory layout of the result.
        return_in_uV : bool, default False
            Scale to µV with ``gain_to_uV`` / ``offset_to_uV`` (float32). Float recordings
            without gains are returned as they are.
        return_scaled : bool, optional
            Deprecated spelling of ``return_in_uV``.

        Raises
        ------
        memphys.errors.ExtractorValueError
            On a missing ``segment_index`` (multi-segment), unknown channel ids, frames out
            of the segment, or ``return_in_uV`` without gains on integer traces.
        """
        if return_scaled is not None:
            warnings.warn(
                "`return_scaled` is deprecated and will be removed in version 0.105.0. Use "
                "`return_in_uV` instead.",
                category=MemphysFutureWarning,
                stacklevel=2,
            )
            return_in_uV = bool(return_scaled)
        segment_index = self._check_segment_index(segment_index)
        channel_indices = self.ids_to_indices(channel_ids, prefer_slice=True)
        rs = self.segments[segment_index]
        n = rs.get_num_samples()
        start = 0 if start_frame is None else int(start_frame)
        end = n if end_frame is None else min(int(end_frame), n)
        if start < 0 or start > end:
            raise ExtractorValueError(
                f"Invalid frames for segment {segment_index}: expected 0 <= start_frame <= "
                f"end_frame (clipped to {n}), but got start_frame={start_frame}, "
                f"end_frame={end_frame}."
            )
        traces = rs.get_traces(start_frame=start, end_frame=end, channel_indices=channel_indices)
        if order is not None:
            layout: Any = check_in("order", order, ("C", "F"))
            traces = np.asanyarray(traces, order=layout)
        if return_in_uV:
            traces = self._scale(traces, channel_indices)
        return traces

    def _scale(self, traces: np.ndarray, channel_indices: Any) -> np.ndarray:
        if not self.has_scaleable_traces():
            if self._dtype.kind == "f":
                return traces  # float traces without gains are taken as scaled
            raise ExtractorValueError(
                "This recording does not support return_in_uV=True (need gain_to_uV and "
                "offset_to_uV properties): set them with set_channel_gains() and "
                "set_channel_offsets()."
            )
        gains = np.asarray(self.get_property("gain_to_uV"))[channel_indices]
        offsets = np.asarray(self.get_property("offset_to_uV"))[channel_indices]
        return scale_traces(traces, gains, offsets)

    def get_data(
        self, start_frame: int, end_frame: int, segment_index: int | None = None, **kwargs: Any
    ) -> np.ndarray:
        return self.get_traces(
            segment_index=segment_index, start_frame=start_frame, end_frame=end_frame, **kwargs
        )

    def traces_array(self, segment_index: int | None = None, return_in_uV: bool = False) -> Any:
        """A segment's traces as a :class:`~memphys.arrays.LazyArray` for the engine
        (reads call ``get_traces``; pickled with the recording's provenance)."""
        from memphys.ephys._traces import RecordingTraces

        return RecordingTraces(self, self._check_segment_index(segment_index), return_in_uV)

    # ------------------------------------------------------------------- pynapple
    def to_tsdframe(self, segment_index: int | None = None, return_in_uV: bool = False) -> Any:
        """One segment as a lazy :class:`~memphys.TsdFrame` over the same data (no copy,
        nothing read): see :func:`memphys.ephys.to_pynapple.recording_to_tsdframe`."""
        from memphys.ephys.to_pynapple import recording_to_tsdframe

        return recording_to_tsdframe(self, segment_index, return_in_uV)

    # ----------------------------------------------------------------------- save
    def save(self, format: str = "binary", verbose: bool = False, **save_kwargs: Any) -> Any:
        """Save the traces, times, properties, annotations and probe.

        ``format="binary"`` writes SpikeInterface's binary folder (``folder=``, with
        ``overwrite``, ``dtype``), ``"zarr"`` a zarr store (``.zarr`` appended; ``compressor``,
        ``filters``, ``channel_chunk_size``, ``compressor_by_dataset``, ...), ``"memory"`` a
        copy in (shared) memory. Job kwargs control the pass, which runs through
        :mod:`memphys.engine`; files appear only once complete.

        Returns
        -------
        BaseRecording
            The saved recording, reading from its new location.
        """
        from memphys.ephys.job_tools import split_job_kwargs

        kwargs, job_kwargs = split_job_kwargs(save_kwargs)
        check_in("format", format, ("binary", "binary_folder", "zarr", "memory"))
        if format in ("binary", "binary_folder"):
            folder = self._save_folder(kwargs)
            return role("recording.binary_folder").write_recording(
                self, folder_path=folder, verbose=verbose, **kwargs, **job_kwargs
            )
        if format == "zarr":
            folder = self._save_folder(kwargs)
            return role("recording.zarr").write_recording(
                self, folder_path=folder, verbose=verbose, **kwargs, **job_kwargs
            )
        shared = kwargs.get("sharedmem", True)
        cls = role("recording.shared_memory" if shared else "recording.numpy")
        return cls.from_recording(self, with_metadata=True, with_time_vector=True, **job_kwargs)

    @staticmethod
    def _save_folder(kwargs: dict[str, Any]) -> Path:
        folder = kwargs.pop("folder", None)
        name = kwargs.pop("name", None)
        if folder is None:
            import uuid

            from memphys.ephys.globals import get_global_tmp_folder

            folder = get_global_tmp_folder() / (name or uuid.uuid4().hex[:8].upper())
        return Path(folder)

    # ------------------------------------------------------------------- metadata
    def _times_modified(self) -> bool:
        return self._time_info_modified or any(
            getattr(rs, "_times_modified", False) for rs in self.segments
        )

    def _extra_metadata_to_dict(self, dump_dict: dict[str, Any]) -> None:
        super()._extra_metadata_to_dict(dump_dict)
        if self._times_modified():
            out = []
            for rs in self.segments:
                tk = dict(rs.get_times_kwargs())
                tv = tk["time_vector"]
                if tv is not None and not isinstance(tv, np.ndarray):
                    tk["time_vector"] = rs.get_times()  # a vector on disk, read to dump it
                out.append(tk)
            dump_dict["times_kwargs"] = out

    def _extra_metadata_from_dict(self, dump_dict: dict[str, Any]) -> None:
        super()._extra_metadata_from_dict(dump_dict)
        for rs, tk in zip(self.segments, dump_dict.get("times_kwargs") or [], strict=False):
            rs._sampling_frequency = tk.get("sampling_frequency", rs._sampling_frequency)
            rs._t_start = tk.get("t_start")
            tv = tk.get("time_vector")
            rs._time_vector = None if tv is None else np.asarray(tv, dtype=np.float64)

    # -------------------------------------------------------------------- slicing
    def select_channels(self, channel_ids: Any) -> BaseRecording:
        """A lazy recording with the given channels, in this order."""
        return role("recording.channel_slice")(self, channel_ids)

    def channel_slice(self, channel_ids: Any, renamed_channel_ids: Any = None) -> BaseRecording:
        """Older spelling of :meth:`select_channels` (optionally renaming the channels)."""
        return role("recording.channel_slice")(
            self, channel_ids, renamed_channel_ids=renamed_channel_ids
        )

    def rename_channels(self, new_channel_ids: Any) -> BaseRecording:
        """A lazy recording whose channels are renamed positionally."""
        if len(new_channel_ids) != self.get_num_channels():
            raise ext_error(
                "new_channel_ids",
                f"{self.get_num_channels()} ids (one per channel)",
                new_channel_ids,
            )
        return role("recording.channel_slice")(self, renamed_channel_ids=new_channel_ids)

    def _remove_channels(self, remove_channel_ids: Any) -> BaseRecording:
        present = set(self.channel_ids.tolist())
        values = (
            remove_channel_ids.tolist()
            if isinstance(remove_channel_ids, np.ndarray)
            else list(remove_channel_ids)
        )
        missing = [c for c in values if c not in present]
        if missing:
            raise ExtractorValueError(
                f"`remove_channel_ids` {missing} are not in recording ids "
                f"{self.channel_ids.tolist()}."
            )
        drop = set(values)
        keep = self.channel_ids[[c not in drop for c in self.channel_ids.tolist()]]
        return role("recording.channel_slice")(self, keep)

    def frame_slice(self, start_frame: int | None, end_frame: int | None) -> BaseRecording:
        """A lazy recording of frames ``[start_frame, end_frame)`` (one segment only)."""
        return role("recording.frame_slice")(self, start_frame=start_frame, end_frame=end_frame)

    def time_slice(self, start_time: float | None, end_time: float | None) -> BaseRecording:
        """A lazy recording of times ``[start_time, end_time]`` (one segment only).

        Raises
        ------
        memphys.errors.ExtractorValueError
            For times before the start or after the end of the segment.
        """
        n = self.get_num_segments()
        if n != 1:
            raise ExtractorValueError(
                f"Time slicing is only supported for single segment recordings. Found {n} "
                "segments: use select_segments() first."
            )
        t0, t1 = self.get_start_time(), self.get_end_time()
        start_frame = end_frame = None
        if start_time is not None:
            if start_time < t0:
                raise ExtractorValueError(
                    f"start_time {start_time} is before the start time {t0} of the recording."
                )
            if start_time > t1:
                raise ExtractorValueError(
                    f"start_time {start_time} is after the end time {t1} of the recording."
                )
            start_frame = int(self.time_to_sample_index(start_time))
        if end_time is not None:
            if end_time < t0:
                raise ExtractorValueError(
                    f"end_time {end_time} is before the start time {t0} of the recording."
                )
            if end_time > t1:
                raise ExtractorValueError(
                    f"end_time {end_time} is after the end time {t1} of the recording."
                )
            end_frame = int(self.time_to_sample_index(end_time))
        return self.frame_slice(start_frame=start_frame, end_frame=end_frame)

    def _select_segments(self, segment_indices: Any) -> BaseRecording:
        return role("recording.select_segments")(self, segment_indices=segment_indices)

    def astype(self, dtype: Any, round: bool | None = None) -> BaseRecording:
        """A lazy recording cast to ``dtype`` (rounded when casting float to int)."""
        return role("recording.astype")(self, dtype=dtype, round=round)

    # --------------------------------------------------------------------- binary
    def is_binary_compatible(self) -> bool:
        """True if the traces are a raw binary file (see :meth:`get_binary_description`)."""
        return False

    def get_binary_description(self) -> dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} is not binary compatible.")

    def binary_compatible_with(
        self,
        dtype: Any = None,
        time_axis: int | None = None,
        file_paths_length: int | None = None,
        file_offset: int | None = None,
        file_suffix: str | None = None,
    ) -> bool:
        """True if the recording is a raw binary file with these characteristics."""
        if not self.is_binary_compatible():
            return False
        d = self.get_binary_description()
        if dtype is not None and np.dtype(dtype) != np.dtype(d["dtype"]):
            return False
        if time_axis is not None and time_axis != d["time_axis"]:
            return False
        if file_paths_length is not None and file_paths_length != len(d["file_paths"]):
            return False
        if file_offset is not None and file_offset != d["file_offset"]:
            return False
        return file_suffix is None or all(Path(p).suffix == file_suffix for p in d["file_paths"])
