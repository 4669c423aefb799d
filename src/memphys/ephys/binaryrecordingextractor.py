"""Raw binary files as recordings: :class:`BinaryRecordingExtractor` / :func:`read_binary`.

Each file is one segment, memory-mapped lazily in each process (a
:class:`memphys.arrays.MemmapArray`: pickling sends the path, never the bytes). Reads of
consecutive channels return read-only views of the map (no copy), as in SpikeInterface;
``time_axis=1`` files (channels first) are read through a Fortran-ordered map.

The file is checked when opened: it must exist, ``file_offset`` must lie within it, and the
bytes after the offset must be a whole number of samples (``num_channels * itemsize``);
SpikeInterface silently drops a trailing partial sample and gives a negative length for an
offset past the end.

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "rec.raw")
>>> np.arange(30, dtype="int16").tofile(path)
>>> rec = read_binary(path, sampling_frequency=1000.0, dtype="int16", num_channels=3)
>>> rec.get_num_samples(), rec.get_traces(start_frame=1, end_frame=2)
(10, array([[3, 4, 5]], dtype=int16))
>>> read_binary(path, sampling_frequency=1000.0, dtype="int16", num_channels=4)
Traceback (most recent call last):
...
memphys.errors.FileFormatError: File ...rec.raw holds 60 bytes after the offset of 0, which is
not a whole number of samples of 4 channels x 2 bytes (8 bytes): 4 bytes remain. ...
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from memphys._validation import check_sample_dtype
from memphys.arrays import MemmapArray
from memphys.ephys._check import check_in, check_int, ext_error
from memphys.ephys.baserecording import ArrayRecordingSegment, BaseRecording
from memphys.errors import FileFormatError, MemphysFileNotFoundError

__all__ = [
    "BinaryRecordingExtractor",
    "BinaryRecordingSegment",
    "read_binary",
    "BinDatRecordingExtractor",
]


def _num_samples(path: Path, offset: int, row_nbytes: int, num_channels: int, itemsize: int) -> int:
    if not path.is_file():
        raise MemphysFileNotFoundError(
            f"Invalid value for `file_paths`: expected an existing file, but {str(path)!r} "
            "does not exist."
        )
    size = path.stat().st_size
    if offset > size:
        raise FileFormatError(
            f"Invalid value for `file_offset`: expected at most the size of {path} ({size} bytes), "
            f"but got {offset} (past the end of the file)."
        )
    data = size - offset
    rest = data % row_nbytes
    if rest:
        raise FileFormatError(
            f"File {path} holds {data} bytes after the offset of {offset}, which is not a whole "
            f"number of samples of {num_channels} channels x {itemsize} bytes ({row_nbytes} "
            f"bytes): {rest} bytes remain. Check `num_channels`, `dtype` and `file_offset`."
        )
    return data // row_nbytes


class BinaryRecordingSegment(ArrayRecordingSegment):
    """One raw binary file: a memory map read in contiguous frame ranges."""

    def __init__(
        self,
        file_path: str | Path,
        sampling_frequency: float,
        t_start: float | None,
        num_channels: int,
        dtype: Any,
        time_axis: int,
        file_offset: int,
        file_timestamps_path: str | Path | None = None,
    ) -> None:
        self.file_path = Path(file_path)
        self.dtype = np.dtype(dtype)
        self.time_axis = int(time_axis)
        self.file_offset = int(file_offset)
        self.bytes_per_sample = int(num_channels) * self.dtype.itemsize
        n = _num_samples(
            self.file_path,
            self.file_offset,
            self.bytes_per_sample,
            num_channels,
            self.dtype.itemsize,
        )
        order = "C" if self.time_axis == 0 else "F"
        array = MemmapArray(
            self.file_path, self.dtype, (n, int(num_channels)), self.file_offset, order
        )
        time_vector = None
        if file_timestamps_path is not None:
            tpath = Path(file_timestamps_path)
            n_times = _num_samples(tpath, 0, 8, 1, 8)
            if n_times != n:
                raise FileFormatError(
                    f"Timestamps file {tpath} holds {n_times} float64 times, but {self.file_path} "
                    f"holds {n} samples: expected one time per sample."
                )
            time_vector = (
                np.memmap(tpath, dtype="float64", mode="r", shape=(n,)) if n else np.zeros(0)
            )
        ArrayRecordingSegment.__init__(self, array, sampling_frequency, t_start, time_vector)
        self.file_timestamps_path = file_timestamps_path
        self.num_samples = n
        self._map: np.ndarray | None = None
        self._map_pid = -1

    def _view(self) -> np.ndarray:
        pid = os.getpid()
        if self._map is None or self._map_pid != pid:
            n, c = self._array.shape
            if n * c == 0:
                self._map = np.zeros((n, c), dtype=self.dtype)
            else:
                order: Any = "C" if self.time_axis == 0 else "F"
                self._map = np.memmap(
                    self.file_path,
                    dtype=self.dtype,
                    mode="r",
                    offset=self.file_offset,
                    shape=(n, c),
                    order=order,
                ).view(np.ndarray)
            self._map_pid = pid
        return self._map

    def get_traces(
        self,
        start_frame: int | None = None,
        end_frame: int | None = None,
        channel_indices: Any = None,
    ) -> np.ndarray:
        a = 0 if start_frame is None else int(start_frame)
        b = self.num_samples if end_frame is None else int(end_frame)
        rows = self._view()[a:b]
        if channel_indices is None:
            return rows
        if isinstance(channel_indices, slice):
            return rows[:, channel_indices]
        # positions: the rows are read anyway (memory map), the selection is a gather
        return rows[:, np.asarray(channel_indices, dtype=np.int64)]

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state["_map"] = None
        state["_map_pid"] = -1
        return state


class BinaryRecordingExtractor(BaseRecording):
    """A recording in raw binary files, one per segment.

    Parameters
    ----------
    file_paths : path or list of paths
        One file per segment.
    sampling_frequency : float
    dtype : dtype_like
        Element type of the files (byte order included, e.g. ``"<i2"``).
    num_channels : int
        Channels per sample (may be omitted when ``channel_ids`` is given).
    t_starts : list of float, optional
    channel_ids : list, optional
    time_axis : {0, 1}, default 0
        0: samples x channels in the file; 1: channels x samples.
    file_offset : int, default 0
        Bytes of header before the first sample.
    gain_to_uV, offset_to_uV : float or array, optional
        Scaling to µV.
    is_filtered : bool, optional
    file_timestamps_paths : path or list of paths, optional
        Raw float64 times, one file per segment.

    Raises
    ------
    memphys.errors.MemphysFileNotFoundError
        If a file does not exist.
    memphys.errors.FileFormatError
        If ``file_offset`` is past the end, or the data is not a whole number of samples.
    memphys.errors.ExtractorValueError
        On a bad ``num_channels``, ``channel_ids``, ``time_axis`` or sampling frequency.
    """

    _si_class_path = "spikeinterface.core.binaryrecordingextractor.BinaryRecordingExtractor"

    def __init__(
        self,
        file_paths: Any,
        sampling_frequency: float,
        dtype: Any,
        num_channels: int | None = None,
        t_starts: Any = None,
        channel_ids: Any = None,
        time_axis: int = 0,
        file_offset: int = 0,
        gain_to_uV: Any = None,
        offset_to_uV: Any = None,
        is_filtered: bool | None = None,
        file_timestamps_paths: Any = None,
    ) -> None:
        if num_channels is None:
            if channel_ids is None:
                raise ext_error("num_channels", "a positive integer (or channel_ids)", None)
            num_channels = len(channel_ids)
        num_channels = check_int("num_channels", num_channels, minimum=1)
        if channel_ids is None:
            channel_ids = list(range(num_channels))
        elif len(channel_ids) != num_channels:
            raise ext_error("channel_ids", f"{num_channels} ids (one per channel)", channel_ids)
        check_in("time_axis", time_axis, (0, 1))
        file_offset = check_int("file_offset", file_offset, minimum=0)
        try:
            dt = check_sample_dtype("dtype", dtype)
        except (TypeError, ValueError) as exc:  # strings, dates, booleans: not samples
            raise ext_error("dtype", "a numpy integer or float dtype", dtype) from exc
        BaseRecording.__init__(self, sampling_frequency, channel_ids, dt)
        paths = (
            [Path(p) for p in file_paths]
            if isinstance(file_paths, list | tuple)
            else [Path(file_paths)]
        )
        if t_starts is not None:
            if len(t_starts) != len(paths):
                raise ext_error("t_starts", f"{len(paths)} start times (one per file)", t_starts)
            t_starts = [None if t is None else float(t) for t in t_starts]
        tpaths: list[Path] | None = None
        if file_timestamps_paths is not None:
            tp = file_timestamps_paths
            tpaths = [Path(p) for p in tp] if isinstance(tp, list | tuple) else [Path(tp)]
            if len(tpaths) != len(paths):
                raise ext_error("file_timestamps_paths", f"{len(paths)} files (one per file)", tp)
        for i, path in enumerate(paths):
            self.add_recording_segment(
                BinaryRecordingSegment(
                    path,
                    self.sampling_frequency,
                    None if t_starts is None else t_starts[i],
                    num_channels,
                    dt,
                    time_axis,
                    file_offset,
                    None if tpaths is None else tpaths[i],
                )
            )
        if is_filtered is not None:
            self.annotate(is_filtered=bool(is_filtered))
        if gain_to_uV is not None:
            self.set_channel_gains(gain_to_uV)
        if offset_to_uV is not None:
            self.set_channel_offsets(offset_to_uV)
        self._kwargs = {
            "file_paths": [str(p.absolute()) for p in paths],
            "sampling_frequency": sampling_frequency,
            "t_starts": t_starts,
            "num_channels": num_channels,
            "dtype": dt.str,
            "channel_ids": channel_ids,
            "time_axis": time_axis,
            "file_offset": file_offset,
            "gain_to_uV": gain_to_uV,
            "offset_to_uV": offset_to_uV,
            "is_filtered": is_filtered,
            "file_timestamps_paths": None
            if tpaths is None
            else [str(p.absolute()) for p in tpaths],
        }

    @classmethod
    def _handle_kwargs_backward_compatibility(
        cls, old_kwargs: dict[str, Any], full_dict: Any
    ) -> dict[str, Any]:
        if "num_chan" in old_kwargs:
            new = dict(old_kwargs)
            new.setdefault("num_channels", new.pop("num_chan"))
            new.pop("num_chan", None)
            return new
        return old_kwargs

    @staticmethod
    def write_recording(
        recording: BaseRecording, file_paths: Any, dtype: Any = None, **job_kwargs: Any
    ) -> None:
        """Write a recording's traces to raw binary files (one per segment)."""
        from memphys.ephys.time_series_tools import write_binary

        write_binary(recording, file_paths=file_paths, dtype=dtype, **job_kwargs)

    def is_binary_compatible(self) -> bool:
        return True

    def get_binary_description(self) -> dict[str, Any]:
        """Files, dtype, channels, time axis and offset of the raw data."""
        return dict(
            file_paths=self._kwargs["file_paths"],
            dtype=np.dtype(self._kwargs["dtype"]),
            num_channels=self._kwargs["num_channels"],
            time_axis=self._kwargs["time_axis"],
            file_offset=self._kwargs["file_offset"],
        )


#: SpikeInterface's old name
BinDatRecordingExtractor = BinaryRecordingExtractor
#: SpikeInterface's function name for the class
read_binary = BinaryRecordingExtractor
