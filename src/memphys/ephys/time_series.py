"""Time of recordings: each segment's times are a start time or a time vector.

A :class:`TimeSeriesSegment` keeps SpikeInterface's three pieces of time information,
``_sampling_frequency``, ``_t_start`` and ``_time_vector``, and answers every question
through memphys's time index (:mod:`memphys.core.time_index`): a
:class:`~memphys.core.time_index.RegularTimeIndex` ``(t_start, rate, n)`` when there is no
time vector (a few bytes, whatever the duration: no float64 vector per sample is ever made
unless asked for), otherwise the vector itself, which may stay on disk (memmap, zarr) and is
searched without being read whole.

:class:`TimeSeries` adds the extractor-level methods (``get_times``, ``set_times``,
``shift_times``, ``time_to_sample_index``, ``get_duration`` ...) to recordings.

Examples
--------
>>> from memphys.ephys import generate_recording
>>> rec = generate_recording(num_channels=2, durations=[2.0], seed=0)
>>> rec.shift_times(10.0)
>>> rec.get_start_time(), rec.get_end_time(), rec.has_time_vector()
(10.0, 11.999966666666667, False)
>>> int(rec.time_to_sample_index(10.5))
15000
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from memphys.arrays import LazyArray
from memphys.ephys._check import check_sampling_frequency, ext_error
from memphys.ephys.base import BaseSegment
from memphys.errors import ExtractorValueError, MemphysFutureWarning, SourceError

__all__ = ["TimeSeries", "TimeSeriesSegment", "ShiftedTimes"]


class ShiftedTimes(LazyArray):
    """A time vector plus a constant, computed per read (``shift_times`` on a vector that
    lives on disk costs nothing until read)."""

    kind = "ephys_shifted_times"
    source: Any
    shift: float

    def __init__(self, source: Any, shift: float) -> None:
        if isinstance(source, ShiftedTimes):
            shift += source.shift
            source = source.source
        self.source = source
        self.shift = float(shift)
        self.shape = (int(source.shape[0]),)
        self.dtype = np.dtype(np.float64)

    def _read(self, start: int, stop: int, channels: Any) -> np.ndarray:
        block = _read_vector(self.source, start, stop)
        return np.asarray(block, dtype=np.float64) + self.shift

    def recipe(self) -> dict[str, Any]:
        raise SourceError("shifted times are pickled whole (with their source)")

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> ShiftedTimes:  # pragma: no cover
        raise SourceError("shifted times have no recipe")

    def __reduce__(self) -> tuple[Any, tuple[Any, float]]:  # type: ignore[override]
        return (ShiftedTimes, (self.source, self.shift))


def _read_vector(vector: Any, start: int, stop: int | None) -> np.ndarray:
    if isinstance(vector, LazyArray):
        return vector.read(start, stop)
    return np.asarray(vector[start:stop])


def _as_lazy_vector(vector: Any) -> LazyArray | None:
    """The vector as a lazy adapter when it is not plain memory (zarr, h5py, adapters)."""
    if isinstance(vector, LazyArray):
        return vector
    if isinstance(vector, np.ndarray):
        return None
    from memphys.arrays import as_lazy

    return as_lazy(vector)


class TimeSeriesSegment(BaseSegment):
    """Time handling of one segment (see the module docstring).

    Parameters
    ----------
    sampling_frequency : float, optional
        Hz (finite, > 0). Required unless ``time_vector`` is given.
    t_start : float, optional
        Time of the first sample, in seconds (None: 0).
    time_vector : array-like, optional
        One time per sample (numpy, memmap, zarr or a lazy adapter).
    """

    def __init__(
        self,
        sampling_frequency: float | None = None,
        t_start: float | None = None,
        time_vector: Any = None,
    ) -> None:
        BaseSegment.__init__(self)
        if sampling_frequency is None and time_vector is None:
            raise ExtractorValueError("Pass either 'sampling_frequency' or 'time_vector'.")
        if time_vector is not None and len(getattr(time_vector, "shape", (0,))) != 1:
            raise ext_error("time_vector", "a 1-D array", time_vector)
        self._sampling_frequency = (
            None if sampling_frequency is None else check_sampling_frequency(sampling_frequency)
        )
        self._t_start_value: float | None = None if t_start is None else float(t_start)
        self._time_vector_value: Any = time_vector
        self._times_modified = False

    # SpikeInterface's attributes, writable; writing them marks the times as modified
    @property
    def _t_start(self) -> float | None:
        return self._t_start_value

    @_t_start.setter
    def _t_start(self, value: float | None) -> None:
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                raise ext_error("t_start", "a finite number of seconds or None", value)
            if not np.isfinite(float(value)):
                raise ext_error("t_start", "a finite number of seconds or None", value)
            value = float(value)
        self._t_start_value = value
        self._times_modified = True

    @property
    def _time_vector(self) -> Any:
        return self._time_vector_value

    @_time_vector.setter
    def _time_vector(self, value: Any) -> None:
        self._time_vector_value = value
        self._times_modified = True

    # ------------------------------------------------------------------ the index
    def get_num_samples(self) -> int:
        """Number of samples of the segment."""
        raise NotImplementedError

    @property
    def time_index(self) -> Any:
        """The segment's :mod:`memphys.core.time_index` index (regular: O(1) memory)."""
        from memphys.core.time_index import ExplicitTimeIndex, RegularTimeIndex

        tv = self._time_vector_value
        if tv is None:
            t0 = 0.0 if self._t_start_value is None else self._t_start_value
            assert self._sampling_frequency is not None
            return RegularTimeIndex(
                start=t0, rate=self._sampling_frequency, n=self.get_num_samples()
            )
        lazy = _as_lazy_vector(tv)
        return ExplicitTimeIndex(lazy if lazy is not None else tv, check=False)

    def _frames(self, start_frame: Any, end_frame: Any) -> tuple[int, int]:
        n = self.get_num_samples()
        a = 0 if start_frame is None else int(start_frame)
        b = n if end_frame is None else int(end_frame)
        if not 0 <= a <= b <= n:
            raise ExtractorValueError(
                f"Invalid frames: expected 0 <= start_frame <= end_frame <= {n}, but got "
                f"start_frame={start_frame}, end_frame={end_frame}."
            )
        return a, b

    def get_times(self, start_frame: int | None = None, end_frame: int | None = None) -> np.ndarray:
        """Times of samples ``[start_frame, end_frame)`` in seconds (float64)."""
        a, b = self._frames(start_frame, end_frame)
        tv = self._time_vector_value
        if tv is None:
            t0 = 0.0 if self._t_start_value is None else self._t_start_value
            assert self._sampling_frequency is not None
            # np.arange(a, b) / fs + t0, bit for bit: the regular index's formula
            from memphys.core.time_index import RegularTimeIndex

            idx = RegularTimeIndex(start=t0, rate=self._sampling_frequency, n=b)
            return np.asarray(idx[a:b].values)
        if isinstance(tv, np.ndarray):
            return np.asarray(tv[a:b])
        return _read_vector(tv if isinstance(tv, LazyArray) else _as_lazy_vector(tv), a, b)

    def get_start_time(self) -> float:
        """Time of the first sample."""
        tv = self._time_vector_value
        if tv is not None:
            return float(_read_vector(tv, 0, 1)[0])
        return self._t_start_value if self._t_start_value is not None else 0.0

    def get_end_time(self) -> float:
        """Time of the last sample."""
        tv = self._time_vector_value
        n = self.get_num_samples()
        if tv is not None:
            return float(_read_vector(tv, n - 1, n)[0])
        assert self._sampling_frequency is not None
        t_stop = (n - 1) / self._sampling_frequency
        if self._t_start_value is not None:
            t_stop += self._t_start_value
        return float(t_stop)

    def get_times_kwargs(self) -> dict[str, Any]:
        """``{"sampling_frequency", "t_start", "time_vector"}`` (values may be None)."""
        return dict(
            sampling_frequency=self._sampling_frequency,
            t_start=self._t_start_value,
            time_vector=self._time_vector_value,
        )

    def sample_index_to_time(self, sample_ind: Any) -> Any:
        """Time of sample ``sample_ind`` (int or array)."""
        tv = self._time_vector_value
        if tv is None:
            assert self._sampling_frequency is not None
            t = sample_ind / self._sampling_frequency
            if self._t_start_value is not None:
                t = t + self._t_start_value
            return t
        if np.ndim(sample_ind) == 0:
            i = int(sample_ind)
            return _read_vector(tv, i, i + 1)[0] if i >= 0 else _read_vector(tv, i, None)[0]
        if isinstance(tv, np.ndarray):
            return tv[np.asarray(sample_ind)]
        return self.time_index.take(np.asarray(sample_ind))

    def time_to_sample_index(self, time_s: Any) -> Any:
        """Sample at time ``time_s``: the nearest sample for regular times, the last sample
        at or before ``time_s`` with a time vector (as in SpikeInterface)."""
        tv = self._time_vector_value
        if tv is None:
            assert self._sampling_frequency is not None
            t = np.asarray(time_s, dtype=np.float64)
            if self._t_start_value is not None:
                t = t - self._t_start_value
            out = np.round(t * self._sampling_frequency).astype(np.int64)
            return out if out.ndim else np.int64(out)
        if isinstance(tv, np.ndarray):
            return np.searchsorted(tv, time_s, side="right") - 1
        found = self.time_index.searchsorted(time_s, side="right")
        return np.asarray(found) - 1 if np.ndim(found) else np.int64(found - 1)

    def has_time_vector(self) -> bool:
        """True if the segment has one time per sample."""
        return self._time_vector_value is not None


class TimeSeries:
    """Extractor-level time methods (a mixin of :class:`~memphys.ephys.BaseRecording`)."""

    _segments: list[Any]
    _time_info_modified: bool

    def _check_segment_index(self, segment_index: int | None = None) -> int:  # pragma: no cover
        raise NotImplementedError

    def get_sampling_frequency(self) -> float:  # pragma: no cover
        raise NotImplementedError

    def get_num_samples(self, segment_index: int | None = None) -> int:  # pragma: no cover
        raise NotImplementedError

    def get_sample_size_in_bytes(self, dtype: Any = None) -> int:  # pragma: no cover
        raise NotImplementedError

    def get_num_segments(self) -> int:  # pragma: no cover
        raise NotImplementedError

    @property
    def segments(self) -> list[Any]:  # pragma: no cover
        raise NotImplementedError

    def get_memory_size(self, segment_index: int | None = None) -> int:
        """Bytes of one segment's traces."""
        segment_index = self._check_segment_index(segment_index)
        return int(self.get_num_samples(segment_index) * self.get_sample_size_in_bytes())

    def get_total_memory_size(self) -> int:
        """Bytes of all segments' traces."""
        return sum(self.get_memory_size(s) for s in range(self.get_num_segments()))

    def get_time_info(self, segment_index: int | None = None) -> dict[str, Any]:
        """``{"sampling_frequency", "t_start", "time_vector"}`` of a segment."""
        return dict(self.segments[self._check_segment_index(segment_index)].get_times_kwargs())

    def get_times(
        self,
        segment_index: int | None = None,
        start_frame: int | None = None,
        end_frame: int | None = None,
    ) -> np.ndarray:
        """Times (s) of a segment's samples ``[start_frame, end_frame)``."""
        rs = self.segments[self._check_segment_index(segment_index)]
        return np.asarray(rs.get_times(start_frame=start_frame, end_frame=end_frame))

    def get_start_time(self, segment_index: int | None = None) -> float:
        """Time (s) of a segment's first sample."""
        return float(self.segments[self._check_segment_index(segment_index)].get_start_time())

    def get_end_time(self, segment_index: int | None = None) -> float:
        """Time (s) of a segment's last sample."""
        return float(self.segments[self._check_segment_index(segment_index)].get_end_time())

    def has_time_vector(self, segment_index: int | None = None) -> bool:
        """True if the segment has one time per sample."""
        return bool(self.segments[self._check_segment_index(segment_index)].has_time_vector())

    def set_times(
        self, times: Any, segment_index: int | None = None, with_warning: Any = None
    ) -> None:
        """Set one time per sample for a segment.

        The times are checked (1-D, one per sample, finite, non-decreasing) in blocks; a
        float64 ``np.memmap`` stays on disk, other inputs are stored as float64 arrays.

        Raises
        ------
        memphys.errors.ExtractorValueError
            On a wrong shape or length.
        memphys.errors.TimeIndexError
            On NaN or unsorted times (naming the first offending position).
        """
        if with_warning is not None:
            import warnings

            warnings.warn(
                "The 'with_warning' parameter is deprecated and will be removed in 0.106.0.",
                MemphysFutureWarning,
                stacklevel=2,
            )
        segment_index = self._check_segment_index(segment_index)
        rs = self.segments[segment_index]
        n = rs.get_num_samples()
        shape = getattr(times, "shape", None)
        if shape is None:
            times = np.asarray(times)
            shape = times.shape
        if len(shape) != 1:
            raise ext_error("times", "a 1-D array of times", times, "(Time must have ndim=1.)")
        if shape[0] != n:
            raise ExtractorValueError(
                f"Invalid value for `times`: expected {n} times (one per sample of segment "
                f"{segment_index}), but got {shape[0]} (times have wrong shape)."
            )
        from memphys.core.time_index import ExplicitTimeIndex

        if isinstance(times, np.memmap) and times.dtype == np.float64:
            vector: Any = times
        elif isinstance(times, np.ndarray):
            vector = times.astype("float64", copy=False)
        else:
            vector = np.asarray(times, dtype=np.float64)
        ExplicitTimeIndex(vector, check=True)  # finite and sorted, checked in blocks
        rs._t_start = None
        rs._time_vector = vector
        self._time_info_modified = True

    def reset_times(self) -> None:
        """Forget time vectors and start times (the files are not touched)."""
        for rs in self.segments:
            rs._time_vector = None
            rs._t_start = None
            rs._sampling_frequency = self.get_sampling_frequency()
        self._time_info_modified = True

    def shift_times(self, shift: float, segment_index: int | None = None) -> None:
        """Add ``shift`` seconds to the times of one segment (or of all)."""
        if isinstance(shift, bool) or not isinstance(shift, numbers.Real) or not np.isfinite(shift):
            raise ext_error("shift", "a finite number of seconds", shift)
        indices = range(self.get_num_segments()) if segment_index is None else (segment_index,)
        for i in indices:
            rs = self.segments[self._check_segment_index(i)]
            tv = rs._time_vector
            if tv is None:
                rs._t_start = (0.0 if rs._t_start is None else rs._t_start) + float(shift)
            elif (
                isinstance(tv, np.ndarray) and not isinstance(tv, np.memmap) and tv.flags.writeable
            ):
                # in memory: in place, as SpikeInterface does (set_times keeps a reference
                # to a float64 array, so the caller's array moves too)
                tv += shift
                rs._time_vector = tv
            else:
                # on disk or read-only: the shift is added when times are read (no copy)
                lazy = _as_lazy_vector(tv)
                rs._time_vector = ShiftedTimes(lazy if lazy is not None else tv, shift)
        self._time_info_modified = True

    def sample_index_to_time(self, sample_ind: Any, segment_index: int | None = None) -> Any:
        """Time (s) of a sample index."""
        return self.segments[self._check_segment_index(segment_index)].sample_index_to_time(
            sample_ind
        )

    def time_to_sample_index(self, time_s: Any, segment_index: int | None = None) -> Any:
        """Sample index at a time (s)."""
        return self.segments[self._check_segment_index(segment_index)].time_to_sample_index(time_s)

    def get_total_samples(self) -> int:
        """Samples over all segments."""
        return sum(self.get_num_samples(s) for s in range(self.get_num_segments()))

    def get_duration(self, segment_index: int | None = None) -> float:
        """Duration of a segment: last time - first time + one sampling period."""
        return (
            self.get_end_time(segment_index)
            - self.get_start_time(segment_index)
            + 1.0 / self.get_sampling_frequency()
        )

    def get_total_duration(self) -> float:
        """Sum of the segments' durations."""
        return float(sum(self.get_duration(s) for s in range(self.get_num_segments())))

    def get_segment_t_starts(self) -> list[float | None] | None:
        """Each segment's ``t_start`` (None when no segment has one)."""
        t_starts = [rs.get_times_kwargs()["t_start"] for rs in self.segments]
        return None if all(t is None for t in t_starts) else t_starts

    def has_any_time_vector(self) -> bool:
        """True if some segment has a time vector."""
        return any(rs.has_time_vector() for rs in self.segments)
