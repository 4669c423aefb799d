"""Full passes over a recording through :mod:`memphys.engine`: raw binary files, memory,
random chunks and chunks with margins.

Every pass builds a plan of ``(segment, start, stop)`` blocks, reads each block through a
:class:`~memphys.ephys._traces.RecordingTraces` adapter and hands it to a sink:

- :class:`RawFilesSink` writes raw binary files (one per segment) with ``os.pwrite`` at the
  block's byte offset, from serial, thread or process workers alike. The files are written
  as ``<name>.partial`` and renamed when every block is written, so a file under its final
  name is always complete.
- :class:`SegmentArraysSink` fills one in-memory array per segment (shared memory when the
  workers are processes).

Examples
--------
>>> import os, tempfile
>>> import numpy as np
>>> from memphys.ephys import NumpyRecording, read_binary
>>> rec = NumpyRecording(np.arange(40, dtype="int16").reshape(20, 2), 1000.0)
>>> path = os.path.join(tempfile.mkdtemp(), "traces.raw")
>>> write_binary(rec, path, chunk_size=7, n_jobs=2, pool_engine="thread", progress_bar=False)
>>> back = read_binary(path, sampling_frequency=1000.0, dtype="int16", num_channels=2)
>>> bool(np.array_equal(back.get_traces(), rec.get_traces()))
True
"""

from __future__ import annotations

import contextlib
import logging
import os
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from memphys.engine import Block, Sink, SinkContext, SinkWorker, plan_blocks, run_blocks
from memphys.ephys._check import ext_error
from memphys.ephys._traces import RecordingTimes, RecordingTraces
from memphys.ephys.core_tools import add_suffix, convert_bytes_to_str, make_shared_array
from memphys.ephys.job_tools import (
    chunk_duration_to_chunk_size,
    engine_chunk_size,
    ensure_n_jobs,
    fix_job_kwargs,
    to_engine_job,
)
from memphys.errors import ExtractorValueError, ExtractorWarning

logger = logging.getLogger("memphys.ephys")

__all__ = [
    "RawFilesSink",
    "SegmentArraysSink",
    "run_recording_pass",
    "write_binary",
    "write_memory",
    "get_random_sample_slices",
    "get_chunks",
    "get_time_series_chunk_with_margin",
    "PARTIAL_SUFFIX",
]

PARTIAL_SUFFIX = ".partial"


# ------------------------------------------------------------------------ raw files
class _RawFilesWorker(SinkWorker):
    """Writes a block's bytes at its offset in its segment's file (one fd per process)."""

    trims = True

    def __init__(self, paths: list[str], dtype: Any, row_nbytes: int, byte_offset: int) -> None:
        self.paths = paths
        self.dtype = np.dtype(dtype)
        self.row_nbytes = int(row_nbytes)
        self.byte_offset = int(byte_offset)
        self._fds: dict[int, int] = {}
        self._pid = os.getpid()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_fds"] = {}
        state["_pid"] = -1
        return state

    def _fd(self, segment: int) -> int:
        if self._pid != os.getpid():
            self._fds = {}
            self._pid = os.getpid()
        fd = self._fds.get(segment)
        if fd is None:
            fd = os.open(self.paths[segment], os.O_WRONLY)
            self._fds[segment] = fd
        return fd

    def process(self, block: Block, output: Any) -> None:
        arr = np.asarray(output)
        if arr.shape[0] != block.length:
            raise ExtractorValueError(
                f"{block.describe()}: expected {block.length} samples, got {arr.shape[0]}."
            )
        if arr.dtype != self.dtype or not arr.flags.c_contiguous:
            arr = np.ascontiguousarray(arr, dtype=self.dtype)
        if arr.nbytes != block.length * self.row_nbytes:
            raise ExtractorValueError(
                f"{block.describe()}: expected {block.length * self.row_nbytes} bytes "
                f"(samples of {self.row_nbytes} bytes), got {arr.nbytes}."
            )
        fd = self._fd(block.segment)
        view = arr.data.cast("B")
        pos = self.byte_offset + block.start * self.row_nbytes
        done = 0
        while done < len(view):
            done += os.pwrite(fd, view[done:], pos + done)

    def close(self) -> None:
        for fd in self._fds.values():
            with contextlib.suppress(OSError):
                os.close(fd)
        self._fds = {}


class RawFilesSink(Sink):
    """Write each segment's blocks into a raw binary file, crash-safely.

    Parameters
    ----------
    paths : sequence of path
        One final file per segment of the plan.
    dtype : dtype_like
        Element type written (blocks are cast to it).
    row_nbytes : int
        Bytes of one sample (all channels).
    byte_offset : int
        Bytes before the first sample (a header area, left zeroed).
    overwrite : bool
        Replace existing files (once the new ones are complete).
    """

    def __init__(
        self,
        paths: Sequence[str | Path],
        dtype: Any,
        row_nbytes: int,
        byte_offset: int = 0,
        overwrite: bool = True,
    ) -> None:
        self.paths = [os.path.abspath(os.fspath(p)) for p in paths]
        self.partials = [p + PARTIAL_SUFFIX for p in self.paths]
        self.dtype = np.dtype(dtype)
        self.row_nbytes = int(row_nbytes)
        self.byte_offset = int(byte_offset)
        self.overwrite = overwrite
        self._worker: _RawFilesWorker | None = None

    def open(self, ctx: SinkContext) -> None:
        if len(ctx.plan.segments) != len(self.paths):
            raise ext_error(
                "file_paths", f"{len(ctx.plan.segments)} paths (one per segment)", self.paths
            )
        for path, partial, (start, stop) in zip(
            self.paths, self.partials, ctx.plan.segments, strict=True
        ):
            if os.path.exists(path) and not self.overwrite:
                raise ExtractorValueError(
                    f"{path} already exists. Use overwrite=True to overwrite it."
                )
            parent = os.path.dirname(path)
            if not os.path.isdir(parent):
                raise ext_error("file_paths", "paths in existing folders", path)
            with open(partial, "wb") as fh:
                fh.truncate(self.byte_offset + (stop - start) * self.row_nbytes)
        self._worker = _RawFilesWorker(self.partials, self.dtype, self.row_nbytes, self.byte_offset)

    def worker(self) -> SinkWorker:
        assert self._worker is not None, "open() the sink first"
        return self._worker

    def consume(self, block: Block, payload: Any) -> None:
        return None

    def finalize(self) -> list[str]:
        if self._worker is not None:
            self._worker.close()
        for partial, path in zip(self.partials, self.paths, strict=True):
            os.replace(partial, path)
        return self.paths

    def abort(self) -> None:
        if self._worker is not None:
            self._worker.close()
        for partial in self.partials:
            with contextlib.suppress(OSError):
                os.remove(partial)


# --------------------------------------------------------------------- memory arrays
class _ArraysWorker(SinkWorker):
    trims = True

    def __init__(
        self, arrays: list[np.ndarray] | None, shm_names: list[str] | None, shapes: Any, dtype: Any
    ) -> None:
        self.arrays = arrays
        self.shm_names = shm_names
        self.shapes = shapes
        self.dtype = np.dtype(dtype)
        self._attached: list[Any] = []
        self._pid = os.getpid()

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["arrays"] = None  # other processes attach the shared memory (or send back)
        state["_attached"] = []
        state["_pid"] = -1
        return state

    def _target(self, segment: int) -> np.ndarray | None:
        if self.arrays is not None and self._pid == os.getpid():
            return self.arrays[segment]
        if self.shm_names is None:
            return None  # plain memory in another process: send the block back
        if self._pid != os.getpid() or self.arrays is None:
            from multiprocessing.shared_memory import SharedMemory

            self._attached = [SharedMemory(n, create=False) for n in self.shm_names]
            self.arrays = [
                np.ndarray(shape=s, dtype=self.dtype, buffer=shm.buf)
                for s, shm in zip(self.shapes, self._attached, strict=True)
            ]
            self._pid = os.getpid()
        return self.arrays[segment]

    def process(self, block: Block, output: Any) -> Any:
        target = self._target(block.segment)
        if target is None:
            return np.asarray(output)
        target[block.start : block.stop] = output
        return None


class SegmentArraysSink(Sink):
    """Fill one array per segment (given arrays, or shared-memory blocks by name)."""

    def __init__(
        self,
        arrays: list[np.ndarray],
        dtype: Any,
        shm_names: list[str] | None = None,
    ) -> None:
        self.arrays = arrays
        self.dtype = np.dtype(dtype)
        self.shm_names = shm_names

    def worker(self) -> SinkWorker:
        return _ArraysWorker(
            self.arrays, self.shm_names, [a.shape for a in self.arrays], self.dtype
        )

    def consume(self, block: Block, payload: Any) -> None:
        if payload is not None:
            self.arrays[block.segment][block.start : block.stop] = payload

    def finalize(self) -> list[np.ndarray]:
        return self.arrays


# --------------------------------------------------------------------------- passes
class _Cast:
    """Block function: cast to the output dtype (picklable)."""

    def __init__(self, dtype: Any) -> None:
        self.dtype = np.dtype(dtype)

    def __call__(self, data: np.ndarray, block: Block) -> np.ndarray:
        return data.astype(self.dtype, copy=False)


def run_recording_pass(
    recording: Any,
    sink: Sink,
    job_kwargs: dict[str, Any],
    factor: float,
    desc: str,
    func: Any = None,
    sources: list[Any] | None = None,
    chunk_align: int | None = None,
    verbose: bool = False,
) -> Any:
    """Run ``func`` (None: pass-through) over every segment of ``recording`` into ``sink``.

    ``job_kwargs`` are SpikeInterface job kwargs (already fixed); the block length follows
    :func:`~memphys.ephys.job_tools.engine_chunk_size` with the pass's memory ``factor``.
    """
    job = dict(job_kwargs)
    if job.get("pool_engine", "process") in ("process", "dask") and job["n_jobs"] > 1:
        ensure_n_jobs(recording, n_jobs=job["n_jobs"])
        preferred = recording.get_preferred_mp_context()
        if preferred is not None:
            job["mp_context"] = preferred
    if sources is None:
        sources = [RecordingTraces(recording, s) for s in range(recording.get_num_segments())]
    row = int(np.prod(sources[0].shape[1:], dtype=np.int64)) * sources[0].dtype.itemsize
    chunk = engine_chunk_size(recording, job, factor, row_nbytes=row)
    if chunk_align:
        chunk = chunk_align
    lengths = [int(s.shape[0]) for s in sources]
    plan = plan_blocks(lengths, max(1, int(chunk)))
    if verbose:
        logger.info(
            f"{desc}\nengine={job.get('pool_engine')} - n_jobs={job['n_jobs']} - "
            f"samples_per_chunk={plan.chunk_size:,} - "
            f"chunk_memory={convert_bytes_to_str(plan.chunk_size * row)}"
        )
    return run_blocks(func, sources, plan, sink, desc=desc, job=to_engine_job(job))


def _path_list(paths: Any, n: int, name: str) -> list[Path]:
    out = [Path(p) for p in (paths if isinstance(paths, list | tuple) else [paths])]
    if len(out) != n:
        raise ExtractorValueError(
            f"'{name}' must be a list of the same size as the number of segments ({n}), but got "
            f"{len(out)}."
        )
    return out


def write_binary(
    time_series: Any,
    file_paths: Any,
    file_timestamps_paths: Any = None,
    dtype: Any = None,
    add_file_extension: bool = True,
    byte_offset: int = 0,
    verbose: bool = False,
    **job_kwargs: Any,
) -> None:
    """Write each segment's traces to a raw binary file (time axis first), through the
    engine; times too when ``file_timestamps_paths`` is given and a segment has a vector.

    Files are written under a temporary name and renamed when complete.
    """
    job = fix_job_kwargs(job_kwargs)
    n_seg = time_series.get_num_segments()
    paths = _path_list(file_paths, n_seg, "file_paths")
    if add_file_extension:
        paths = [add_suffix(p, ["raw", "bin", "dat"]) for p in paths]
    dt = np.dtype(time_series.get_dtype() if dtype is None else dtype)
    if (
        isinstance(byte_offset, bool)
        or not isinstance(byte_offset, int | np.integer)
        or byte_offset < 0
    ):
        raise ext_error("byte_offset", "a non-negative integer number of bytes", byte_offset)
    row = time_series.get_sample_size_in_bytes(dtype=dt)
    func = None if dt == np.dtype(time_series.get_dtype()) else _Cast(dt)
    sink = RawFilesSink(paths, dt, row, byte_offset=int(byte_offset))
    factor = 2.0 if func is None else 3.0
    run_recording_pass(time_series, sink, job, factor, "write_binary", func=func, verbose=verbose)
    if file_timestamps_paths is not None:
        tpaths = _path_list(file_timestamps_paths, n_seg, "file_timestamps_paths")
        for s in range(n_seg):
            if time_series.has_time_vector(segment_index=s):
                write_times(time_series, s, tpaths[s], job)


def write_times(recording: Any, segment_index: int, path: Path, job: dict[str, Any]) -> None:
    """Write a segment's times as raw float64 (a pass through the engine)."""
    src = RecordingTimes(recording, segment_index)
    sink = RawFilesSink([path], np.float64, 8)
    run_recording_pass(recording, sink, {**job, "n_jobs": 1}, 2.0, "write_times", sources=[src])


def write_memory(
    time_series: Any,
    dtype: Any = None,
    verbose: bool = False,
    buffer_type: str = "auto",
    job_name: str = "write_memory",
    **job_kwargs: Any,
) -> tuple[list[np.ndarray], list[Any]]:
    """Copy each segment's traces into memory (shared memory with several process
    workers, or when ``buffer_type="sharedmem"``); returns ``(arrays, shms)``."""
    job = fix_job_kwargs(job_kwargs)
    dt = np.dtype(time_series.get_dtype() if dtype is None else dtype)
    if buffer_type not in ("auto", "numpy", "sharedmem"):
        raise ext_error("buffer_type", "'auto', 'numpy' or 'sharedmem'", buffer_type)
    if buffer_type == "auto":
        buffer_type = "sharedmem" if job["n_jobs"] > 1 else "numpy"
    arrays: list[np.ndarray] = []
    shms: list[Any] = []
    for s in range(time_series.get_num_segments()):
        shape = (time_series.get_num_samples(s), time_series.get_num_channels())
        if buffer_type == "sharedmem":
            arr, shm = make_shared_array(shape, dt)
        else:
            arr, shm = np.zeros(shape, dtype=dt), None
        arrays.append(arr)
        shms.append(shm)
    names = [shm.name for shm in shms] if buffer_type == "sharedmem" else None
    sink = SegmentArraysSink(arrays, dt, shm_names=names)
    func = None if dt == np.dtype(time_series.get_dtype()) else _Cast(dt)
    try:
        run_recording_pass(time_series, sink, job, 2.0, job_name, func=func, verbose=verbose)
    except BaseException:
        for shm in shms:
            if shm is not None:
                shm.close()
                shm.unlink()
        raise
    return arrays, shms


# ------------------------------------------------------------------ random chunks
def get_random_sample_slices(
    time_series: Any,
    method: str = "full_random",
    num_chunks_per_segment: int = 20,
    chunk_duration: Any = "500ms",
    chunk_size: int | None = None,
    margin_frames: int = 0,
    seed: int | None = None,
) -> list[tuple[int, int, int]]:
    """Random ``(segment_index, start, stop)`` chunks, ``num_chunks_per_segment`` per
    segment (SpikeInterface's "full_random": chunks may overlap; starts are sorted)."""
    if method != "full_random":
        raise ext_error("method", "'full_random'", method)
    if chunk_size is None:
        if chunk_duration is None:
            raise ExtractorValueError(
                "get_random_sample_slices needs chunk_size or chunk_duration."
            )
        chunk_size = chunk_duration_to_chunk_size(chunk_duration, time_series)
    chunk_size = int(chunk_size)
    n_seg = time_series.get_num_segments()
    for s in range(n_seg):
        limit = time_series.get_num_samples(s) - 2 * margin_frames
        if chunk_size > limit:
            chunk_size = limit - 1
            warnings.warn(
                f"chunk_size is greater than the number of samples for segment index {s}. "
                f"Using {chunk_size}.",
                ExtractorWarning,
                stacklevel=2,
            )
    if chunk_size < 1:
        raise ExtractorValueError(
            "The segments are too short for random chunks: at least one has fewer than "
            f"{2 * margin_frames + 2} samples."
        )
    rng = np.random.default_rng(seed)
    slices: list[tuple[int, int, int]] = []
    for s in range(n_seg):
        high = time_series.get_num_samples(s) - chunk_size - margin_frames
        starts = np.sort(
            rng.integers(low=margin_frames, high=high, size=num_chunks_per_segment, endpoint=True)
        )
        slices += [(s, int(a), int(a) + chunk_size) for a in starts]
    return slices


def get_chunks(
    time_series: Any,
    concatenated: bool = True,
    get_data_kwargs: dict[str, Any] | None = None,
    **random_slices_kwargs: Any,
) -> Any:
    """Random chunks of traces (see :func:`get_random_sample_slices`), concatenated along
    time or as a list."""
    slices = get_random_sample_slices(time_series, **random_slices_kwargs)
    kwargs = get_data_kwargs or {}
    chunks = [
        time_series.get_data(start_frame=a, end_frame=b, segment_index=s, **kwargs)
        for s, a, b in slices
    ]
    return np.concatenate(chunks, axis=0) if concatenated else chunks


def get_time_series_chunk_with_margin(
    chunkable_segment: Any,
    start_frame: int | None,
    end_frame: int | None,
    last_dimension_indices: Any,
    margin: int,
    add_zeros: bool = False,
    add_reflect_padding: bool = False,
    window_on_margin: bool = False,
    dtype: Any = None,
) -> tuple[np.ndarray, int, int]:
    """Frames ``[start_frame, end_frame)`` of a segment with ``margin`` extra frames on each
    side; at the edges, fewer frames unless ``add_zeros`` (zero padding, optionally tapered
    with ``window_on_margin``) or ``add_reflect_padding``. Returns ``(data, left, right)``,
    the margins actually in ``data``."""
    length = int(chunkable_segment.get_num_samples())
    indices = slice(None) if last_dimension_indices is None else last_dimension_indices
    if not (add_zeros or add_reflect_padding):
        if window_on_margin:
            raise ExtractorValueError("window_on_margin requires add_zeros=True")
        if start_frame is None:
            left, start_frame = 0, 0
        else:
            left = min(margin, int(start_frame))
        if end_frame is None:
            right, end_frame = 0, length
        else:
            right = min(margin, length - int(end_frame))
        data = chunkable_segment.get_data(int(start_frame) - left, int(end_frame) + right, indices)
        return data, left, right
    start = 0 if start_frame is None else int(start_frame)
    end = length if end_frame is None else int(end_frame)
    full = end - start + 2 * margin
    s2, left_pad = (0, margin - start) if start < margin else (start - margin, 0)
    e2, right_pad = (length, end + margin - length) if end > length - margin else (end + margin, 0)
    data = chunkable_segment.get_data(s2, e2, indices)
    left = right = margin
    if dtype is not None or window_on_margin or left_pad > 0 or right_pad > 0:
        dt = data.dtype if dtype is None else np.dtype(dtype)
        right = margin if end < length + margin else end + margin - length
        if add_zeros:
            out = np.zeros((full, data.shape[1]), dtype=dt)
            out[left_pad : left_pad + data.shape[0]] = data
            if window_on_margin:
                taper = ((1 - np.cos(np.arange(margin) / margin * np.pi)) / 2)[:, None]
                out[:margin] *= taper
                out[-margin:] *= taper[::-1]
            data = out
        elif add_reflect_padding:
            pad = [(left_pad, right_pad)] + [(0, 0)] * (data.ndim - 1)
            data = np.pad(data.astype(dt, copy=False), pad, mode="reflect")
        else:
            data = np.asarray(data, dtype=dt)
    return data, left, right
