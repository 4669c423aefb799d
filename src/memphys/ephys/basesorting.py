"""Sortings: the spike trains of units, in segments, with SpikeInterface's API.

:class:`BaseSorting` holds unit ids (with properties and annotations, from
:class:`~memphys.ephys.base.BaseExtractor`), a sampling frequency and segments. It answers
every question from one of three representations, the cheapest available:

- the *spike vector* (``to_spike_vector()``): one structured array ``sample_index``,
  ``unit_index``, ``segment_index`` sorted by segment, sample and unit, cached once
  computed (in-memory and folder sortings hold it from the start);
- the *unit-compact trains*: the sample indices grouped by unit then segment (8 bytes per
  spike, built from the spike vector by a counting sort on the first
  ``get_unit_spike_train`` call, then every train is a slice of it, read-only);
- the *segments*: ``segment.get_unit_spike_train(unit_id, start_frame, end_frame)``, used
  when nothing is cached and the sorting is backed by files (NWB, Neuroscope, npz):
  asking for one unit's train then reads that train only, never the whole file.

Derived sortings (unit selections, frame slices, aggregations, segment utilities) are
lazy: their segments ask their parent for trains, and their spike vector is computed
from the parent's with array operations (no Python loop over units or spikes).

Times: a spike's time is its sample's time in the registered recording (when one is
registered), else ``sample / sampling_frequency + t_start`` of its segment.

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import NumpySorting
>>> sorting = NumpySorting.from_samples_and_labels(
...     [np.array([5, 10, 20, 30])], [np.array([0, 1, 0, 1])], sampling_frequency=10.0)
>>> sorting.get_unit_spike_train(unit_id=1)
array([10, 30])
>>> sorting.get_unit_spike_train(unit_id=0, return_times=True)
array([0.5, 2. ])
>>> sorting.count_num_spikes_per_unit(outputs="array")
array([2, 2])
>>> sorting.to_spike_vector()["sample_index"]
array([ 5, 10, 20, 30])
"""

from __future__ import annotations

import warnings
from copy import deepcopy
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from memphys.ephys._check import check_in, check_sampling_frequency, ext_error
from memphys.ephys._roles import role
from memphys.ephys.base import BaseExtractor
from memphys.ephys.sorting_segments import (
    BaseSortingSegment,
    SpikeVectorSortingSegment,
    UnitTrains,
)
from memphys.ephys.sorting_times import SortingTimes
from memphys.ephys.sorting_tools import (
    SPIKE_DTYPE,
    count_spikes_per_unit,
    empty_spike_vector,
    reorder_spike_vector_by_unit_and_segment,
    segment_slices,
)
from memphys.errors import ExtractorValueError, ExtractorWarning, MemphysFutureWarning

__all__ = [
    "BaseSorting",
    "BaseSortingSegment",
    "SpikeVectorSortingSegment",
    "UnitTrains",
    "LEXSORT_UNIT_COMPACT",
    "LEXSORT_SEGMENT_COMPACT",
]

#: each unit's train compact (unit, then segment, then sample)
LEXSORT_UNIT_COMPACT = ("sample_index", "segment_index", "unit_index")
#: each segment compact, then each unit within it (segment, then unit, then sample)
LEXSORT_SEGMENT_COMPACT = ("sample_index", "unit_index", "segment_index")
_ALLOWED_LEXSORTS = (LEXSORT_UNIT_COMPACT, LEXSORT_SEGMENT_COMPACT)


class BaseSorting(BaseExtractor, SortingTimes):
    """Units and their spike trains in segments (see the module docstring)."""

    _main_properties: ClassVar[list[str]] = ["main_channel_id"]
    #: True for file-backed sortings whose segments can only scan the whole file for one
    #: unit: the first train asked for builds (and caches) the spike vector instead
    _build_trains_on_access: ClassVar[bool] = False
    #: what :meth:`to_multiprocessing` may hand on as it is: a sorting held in memory (one
    #: job), or one that workers can reach (shared memory, a folder of .npy files)
    _ready_for_one_job: ClassVar[bool] = False
    _ready_for_processes: ClassVar[bool] = False

    def __init__(self, sampling_frequency: float, unit_ids: Any) -> None:
        BaseExtractor.__init__(self, unit_ids)
        self._sampling_frequency = check_sampling_frequency(sampling_frequency)
        self._recording: Any = None
        self._sorting_info: Any = None
        self._cached_spike_vector: np.ndarray | None = None
        self._cached_spike_vector_segment_slices: np.ndarray | None = None
        self._cached_spike_vector_to_indices: Any = None
        self._cached_lexsorted_spike_vector: dict[tuple[str, ...], dict[str, np.ndarray]] = {}
        self._cached_unit_trains: UnitTrains | None = None

    # ---------------------------------------------------------------------- repr
    def _repr_header(self, display_name: bool = True) -> str:
        cls = type(self).__name__
        name = f"{self.name} ({cls})" if display_name and self.name != cls else cls
        txt = (
            f"{name}: {self.get_num_units()} units - {self.get_num_segments()} segments - "
            f"{self.get_sampling_frequency() / 1000.0:0.1f}kHz"
        )
        if "file_path" in self._kwargs:
            txt += f"\n  file_path: {self._kwargs['file_path']}"
        return txt

    def __repr__(self) -> str:
        return self._repr_header()

    # --------------------------------------------------------------------- basics
    @property
    def unit_ids(self) -> np.ndarray:
        return self._main_ids

    @property
    def sampling_frequency(self) -> float:
        return self._sampling_frequency

    @property
    def _sorting_segments(self) -> list[Any]:
        return self._segments

    def get_unit_ids(self) -> np.ndarray:
        return self._main_ids

    def get_num_units(self) -> int:
        return int(self._main_ids.size)

    def get_sampling_frequency(self) -> float:
        return self._sampling_frequency

    def add_sorting_segment(self, sorting_segment: BaseSortingSegment) -> None:
        """Append a segment."""
        self.add_segment(sorting_segment)

    def get_unit_property(self, unit_id: Any, key: str) -> Any:
        """The value of property ``key`` for one unit."""
        values = self.get_property(key)
        if values is None:
            raise ext_error("key", f"a property of this sorting {self.get_property_keys()}", key)
        return values[self._unit_index(unit_id)]

    def _unit_index(self, unit_id: Any) -> int:
        try:
            return self._positions()[unit_id]
        except (KeyError, TypeError):
            ids = self.unit_ids[:20].tolist()
            more = "" if self.get_num_units() <= 20 else f" ... ({self.get_num_units()} in all)"
            raise ExtractorValueError(
                f"Invalid value for `unit_id`: {unit_id!r} is not a unit of this sorting; "
                f"unit ids are {ids}{more}."
            ) from None

    # ------------------------------------------------------------ spike counts per segment
    def get_last_spike_frame(self, segment_index: int | None = None) -> int:
        """Sample index of a segment's last spike (0 if it has none)."""
        segment_index = self._check_segment_index(segment_index)
        last = self._last_spike_frame_fast(segment_index)
        if last is not None:
            return last
        a, b = self._get_spike_vector_segment_slices()[segment_index]
        if b <= a:
            return 0
        assert self._cached_spike_vector is not None
        return int(self._cached_spike_vector["sample_index"][b - 1])

    def _last_spike_frame_fast(self, segment_index: int) -> int | None:
        """The last spike frame without building a spike vector, if a cheap way exists."""
        if self._cached_spike_vector is not None:
            return None
        seg = self.segments[segment_index]
        fn = getattr(seg, "_last_spike_frame", None)
        return None if fn is None else int(fn())

    def count_total_num_spikes_in_segment(self, segment_index: int) -> int:
        """Spikes of one segment."""
        counts = self._segment_counts(segment_index)
        if counts is not None:
            return int(counts.sum())
        a, b = self._get_spike_vector_segment_slices()[segment_index]
        return int(b - a)

    # ---------------------------------------------------------------- spike trains
    def get_unit_spike_train(
        self,
        unit_id: Any,
        segment_index: int | None = None,
        start_frame: int | None = None,
        end_frame: int | None = None,
        return_times: bool = False,
        use_cache: bool = True,
    ) -> np.ndarray:
        """Sample indices (or times in s, ``return_times=True``) of a unit's spikes in
        ``[start_frame, end_frame)`` of a segment.

        With ``use_cache`` (default) an in-memory sorting groups every unit's train once
        (a counting sort of its spike vector) and returns slices of it (read-only arrays);
        a file-backed sorting without a spike vector reads this unit's spikes only.

        Raises
        ------
        memphys.errors.ExtractorValueError
            On an unknown unit id or a missing ``segment_index`` (multi-segment).
        """
        if return_times:
            segment_index = self._check_segment_index(segment_index)
            native = hasattr(self.segments[segment_index], "get_unit_spike_train_in_seconds")
            if native and self._recording is None and self._cached_unit_trains is None:
                # a format storing seconds (NWB): its own times, in [start, end) of the frames
                t0 = (
                    None
                    if start_frame is None
                    else self.sample_index_to_time(start_frame, segment_index)
                )
                t1 = (
                    None
                    if end_frame is None
                    else self.sample_index_to_time(end_frame, segment_index)
                )
                times = self.get_unit_spike_train_in_seconds(unit_id, segment_index, t0, t1)
                return times if t1 is None else times[times < t1]
            frames = self.get_unit_spike_train(
                unit_id, segment_index, start_frame, end_frame, False, use_cache
            )
            return self._frames_to_times(frames, segment_index)
        segment_index = self._check_segment_index(segment_index)
        u = self._unit_index(unit_id)
        trains = self._unit_trains(build=use_cache)
        if trains is None and use_cache and self._build_trains_on_access:
            self._compute_and_cache_spike_vector()
            trains = self._unit_trains(build=True)
        if trains is not None:
            return trains.train(u, segment_index, start_frame, end_frame)
        st = self.segments[segment_index].get_unit_spike_train(
            unit_id=unit_id, start_frame=start_frame, end_frame=end_frame
        )
        return np.asarray(st).astype(np.int64, copy=False)

    def get_unit_spike_train_in_seconds(
        self,
        unit_id: Any,
        segment_index: int | None = None,
        start_time: float | None = None,
        end_time: float | None = None,
        use_cache: bool = True,
    ) -> np.ndarray:
        """Times (s) of a unit's spikes with ``start_time <= t <= end_time``.

        Times come from the registered recording, else from the segment's own times
        (NWB stores seconds), else ``sample / sampling_frequency + t_start``.
        """
        segment_index = self._check_segment_index(segment_index)
        self._unit_index(unit_id)
        segment = self.segments[segment_index]
        native = getattr(segment, "get_unit_spike_train_in_seconds", None)
        if self._recording is None and native is not None and self._cached_unit_trains is None:
            times = np.asarray(native(unit_id=unit_id, start_time=start_time, end_time=end_time))
            native_t0 = segment._native_t_start or 0.0
            shift = self._t_start(segment_index) - native_t0
            return times + shift if shift != 0 else times
        frames = self.get_unit_spike_train(unit_id, segment_index, use_cache=use_cache)
        times = self._frames_to_times(frames, segment_index)
        keep = np.ones(times.size, dtype=bool)
        if start_time is not None:
            keep &= times >= start_time
        if end_time is not None:
            keep &= times <= end_time
        return times if keep.all() else times[keep]

    def _unit_trains(self, build: bool = True) -> UnitTrains | None:
        """The unit-compact trains if cached, or built from a cached spike vector."""
        if self._cached_unit_trains is not None:
            return self._cached_unit_trains
        cached = self._cached_lexsorted_spike_vector.get(LEXSORT_UNIT_COMPACT)
        if cached is not None:
            samples = np.ascontiguousarray(cached["ordered_spikes"]["sample_index"])
            slices = np.asarray(cached["slices"])
            n_u, n_s = self.get_num_units(), self.get_num_segments()
            flat = slices.reshape(n_u * n_s, 2)
            self._cached_unit_trains = UnitTrains.from_arrays(samples, flat.reshape(n_u, n_s, 2))
            return self._cached_unit_trains
        if build and self._cached_spike_vector is not None:
            self._cached_unit_trains = self._make_unit_trains(self._cached_spike_vector)
            return self._cached_unit_trains
        return None

    def _make_unit_trains(self, spikes: np.ndarray) -> UnitTrains:
        for seg in self.segments:
            trains = getattr(seg, "_trains", None)
            if isinstance(trains, UnitTrains) and trains.spikes is spikes:
                return trains  # share the segments' trains (one build for both)
        return UnitTrains(spikes, self.get_num_units(), self.get_num_segments())

    def precompute_spike_trains(self) -> None:
        """Group every unit's spike train now (see :meth:`get_unit_spike_train`)."""
        if self._cached_spike_vector is None:
            self._compute_and_cache_spike_vector()
        trains = self._unit_trains(build=True)
        assert trains is not None
        trains.slices  # noqa: B018  (builds)

    # ---------------------------------------------------------------- spike vector
    def _compute_spike_vector(self) -> np.ndarray:
        """The spike vector from the segments (subclasses override with array code)."""
        pieces = []
        num_units = self.get_num_units()
        for s, seg in enumerate(self.segments):
            make_piece = getattr(seg, "_spike_piece", None)
            if make_piece is not None:
                piece = make_piece()
            else:
                # a segment that only knows trains: one read per unit, merged by time
                trains = [
                    np.asarray(
                        seg.get_unit_spike_train(unit_id=u, start_frame=None, end_frame=None)
                    )
                    for u in self.unit_ids
                ]
                counts = np.array([t.size for t in trains], dtype=np.int64)
                samples = (
                    np.concatenate(trains).astype(np.int64, copy=False)
                    if num_units
                    else np.zeros(0, np.int64)
                )
                order = np.argsort(samples, kind="stable")
                piece = np.empty(samples.size, dtype=SPIKE_DTYPE)
                piece["sample_index"] = samples[order]
                piece["unit_index"] = np.repeat(np.arange(num_units, dtype=np.int64), counts)[order]
            piece["segment_index"] = s
            pieces.append(piece)
        if not pieces:
            return empty_spike_vector(0)
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)

    def _compute_and_cache_spike_vector(self) -> None:
        spikes = self._compute_spike_vector()
        self._cached_spike_vector = spikes
        self._cached_spike_vector_segment_slices = segment_slices(spikes, self.get_num_segments())

    def _get_spike_vector_segment_slices(self) -> np.ndarray:
        if self._cached_spike_vector is None:
            self._compute_and_cache_spike_vector()
        if self._cached_spike_vector_segment_slices is None:
            assert self._cached_spike_vector is not None
            self._cached_spike_vector_segment_slices = segment_slices(
                self._cached_spike_vector, self.get_num_segments()
            )
        return self._cached_spike_vector_segment_slices

    def to_spike_vector(
        self,
        concatenated: bool = True,
        extremum_channel_inds: dict[Any, int] | None = None,
        main_channel_indices: Any = None,
        use_cache: bool = True,
        return_slices: bool = False,
    ) -> Any:
        """All spikes in one structured array (``sample_index``, ``unit_index``,
        ``segment_index``), sorted by segment, sample and unit; cached.

        Parameters
        ----------
        concatenated : bool, default True
            False: a list with one array per segment (views).
        extremum_channel_inds : dict, optional
            Deprecated: ``{unit_id: channel_index}``; use ``main_channel_indices``.
        main_channel_indices : array, optional
            One channel index per unit: adds a ``channel_index`` field (a new array).
        use_cache : bool, default True
            False: compute the vector again (from the segments), without caching it.
        return_slices : bool, default False
            Also return the ``(num_segments, 2)`` start/stop of each segment.
        """
        if use_cache or (self._cached_spike_vector is not None and type(self)._holds_vector()):
            if self._cached_spike_vector is None:
                self._compute_and_cache_spike_vector()
            spikes = self._cached_spike_vector
            slices = self._get_spike_vector_segment_slices()
        else:
            spikes = self._compute_spike_vector()
            slices = segment_slices(spikes, self.get_num_segments())
        assert spikes is not None
        if extremum_channel_inds is not None:
            warnings.warn(
                "Sorting.to_spike_vector() with extremum_channel_inds is deprecated. Use "
                "main_channel_indices instead. This will be removed in 0.106.0",
                MemphysFutureWarning,
                stacklevel=2,
            )
            main_channel_indices = np.array([extremum_channel_inds[u] for u in self.unit_ids])
        if main_channel_indices is not None and "channel_index" not in (spikes.dtype.names or ()):
            main = np.asarray(main_channel_indices)
            if main.shape != (self.get_num_units(),):
                raise ext_error(
                    "main_channel_indices",
                    f"one channel index per unit ({self.get_num_units()})",
                    main,
                )
            out = np.empty(spikes.size, dtype=[*SPIKE_DTYPE.descr, ("channel_index", "int64")])
            for f in ("sample_index", "unit_index", "segment_index"):
                out[f] = spikes[f]
            out["channel_index"] = main[spikes["unit_index"]]
            spikes = out
        result: Any = spikes
        if not concatenated:
            result = [spikes[a:b] for a, b in slices]
        return (result, slices) if return_slices else result

    @classmethod
    def _holds_vector(cls) -> bool:
        """True for classes whose spike vector is their data (never recomputed)."""
        return False

    def get_spike_vector_to_indices(self) -> Any:
        """``{segment: {unit_id: positions in the spike vector}}`` (absolute), cached."""
        if self._cached_spike_vector_to_indices is None:
            from memphys.ephys.sorting_tools import spike_vector_to_indices

            self._cached_spike_vector_to_indices = spike_vector_to_indices(
                self.to_spike_vector(concatenated=False), self.unit_ids, absolute_index=True
            )
        return self._cached_spike_vector_to_indices

    def search_cached_spikes_sorted(self, indices: Any, segment_index: int | None = None) -> Any:
        """``np.searchsorted`` of sample indices in a segment of the spike vector
        (positions relative to the segment's start)."""
        segment_index = self._check_segment_index(segment_index)
        spikes = self.to_spike_vector()
        a, b = self._get_spike_vector_segment_slices()[segment_index]
        return np.searchsorted(spikes["sample_index"][a:b], indices)

    def to_reordered_spike_vector(
        self,
        lexsort: tuple[str, ...] = LEXSORT_UNIT_COMPACT,
        return_order: bool = True,
        return_slices: bool = True,
    ) -> Any:
        """The spike vector reordered so that each unit (``LEXSORT_UNIT_COMPACT``) or each
        segment then unit (``LEXSORT_SEGMENT_COMPACT``) is contiguous; cached.

        Returns ``ordered_spikes``, and optionally ``order`` (``spikes[order] ==
        ordered_spikes``) and ``slices`` (``(units, segments, 2)`` or ``(segments, units,
        2)`` start/stop).
        """
        lexsort = tuple(lexsort)
        if lexsort not in _ALLOWED_LEXSORTS:
            raise ExtractorValueError(
                f"Invalid value for `lexsort`: allowed values are {_ALLOWED_LEXSORTS} (use "
                f"to_spike_vector() for the default order), but got {lexsort}."
            )
        if lexsort not in self._cached_lexsorted_spike_vector:
            n_u, n_s = self.get_num_units(), self.get_num_segments()
            unit_major = lexsort == LEXSORT_UNIT_COMPACT
            ordered, order, counts = reorder_spike_vector_by_unit_and_segment(
                self.to_spike_vector(), n_u, n_s, unit_major=unit_major
            )
            shape = (n_u, n_s) if unit_major else (n_s, n_u)
            stops = np.cumsum(counts).reshape(shape)
            starts = stops - counts.reshape(shape)
            self._cached_lexsorted_spike_vector[lexsort] = {
                "ordered_spikes": ordered,
                "order": order,
                "slices": np.stack([starts, stops], axis=-1).astype(np.int64),
            }
        c = self._cached_lexsorted_spike_vector[lexsort]
        out: list[Any] = [c["ordered_spikes"]]
        if return_order:
            out.append(c["order"])
        if return_slices:
            out.append(c["slices"])
        return tuple(out) if len(out) > 1 else out[0]

    # --------------------------------------------------------------------- counts
    def _segment_counts(self, segment_index: int) -> np.ndarray | None:
        """Spikes per unit of one segment without a spike vector, if cheap."""
        trains = self._cached_unit_trains
        if trains is not None and trains.built:
            sl = trains.slices[:, segment_index]
            return sl[:, 1] - sl[:, 0]
        if self._cached_spike_vector is not None:
            return None
        fn = getattr(self.segments[segment_index], "_spike_counts", None)
        counts = None if fn is None else fn()
        return None if counts is None else np.asarray(counts, dtype=np.int64)

    def _counts(self) -> np.ndarray:
        trains = self._cached_unit_trains
        if trains is not None and trains.built:
            return trains.counts()
        cached = self._cached_lexsorted_spike_vector.get(LEXSORT_UNIT_COMPACT)
        if cached is not None:
            sl = cached["slices"]
            return (sl[:, :, 1] - sl[:, :, 0]).sum(axis=1)
        if self._cached_spike_vector is None:
            per_seg = [self._segment_counts(s) for s in range(self.get_num_segments())]
            if per_seg and all(c is not None for c in per_seg):
                return np.sum([c for c in per_seg if c is not None], axis=0).astype(np.int64)
        return count_spikes_per_unit(self.to_spike_vector(), self.get_num_units())

    def count_num_spikes_per_unit(self, outputs: str = "dict", unit_ids: Any = None) -> Any:
        """Spikes of each unit over all segments: a dict ``{unit_id: count}`` or an array
        (in the order of ``unit_ids``, default all units)."""
        check_in("outputs", outputs, ("dict", "array"))
        counts = self._counts()
        ids = self.unit_ids
        if unit_ids is not None:
            keep = np.isin(self.unit_ids, np.asarray(unit_ids))
            ids = self.unit_ids[keep]
            counts = counts[keep]
        if outputs == "array":
            return counts
        return dict(zip(ids.tolist(), counts.tolist(), strict=True))

    def count_total_num_spikes(self) -> int:
        """Spikes of all units in all segments."""
        if self._cached_spike_vector is not None:
            return int(self._cached_spike_vector.size)
        return int(self._counts().sum())

    def get_total_num_spikes(self) -> dict[Any, int]:
        """Deprecated: ``count_num_spikes_per_unit()`` (a dict of counts)."""
        warnings.warn(
            "Sorting.get_total_num_spikes() is deprecated, use sorting.count_num_spikes_per_unit()",
            MemphysFutureWarning,
            stacklevel=2,
        )
        return dict(self.count_num_spikes_per_unit(outputs="dict"))

    def get_non_empty_unit_ids(self) -> np.ndarray:
        """Units with at least one spike."""
        return self.unit_ids[self._counts() > 0]

    def get_empty_unit_ids(self) -> np.ndarray:
        """Units without spikes."""
        return self.unit_ids[self._counts() == 0]

    # ------------------------------------------------------------------- slicing
    def _check_unit_ids(self, unit_ids: Any, name: str) -> np.ndarray:
        ids = np.asarray(unit_ids)
        if ids.ndim != 1:
            raise ext_error(name, "a 1-D list of unit ids", unit_ids)
        self.ids_to_indices(ids)  # unknown ids -> a clear error
        return ids

    def select_units(self, unit_ids: Any, renamed_unit_ids: Any = None) -> BaseSorting:
        """A lazy sorting with the given units, in this order (optionally renamed)."""
        return role("sorting.units_selection")(self, unit_ids, renamed_unit_ids=renamed_unit_ids)

    def rename_units(self, new_unit_ids: Any) -> BaseSorting:
        """A lazy sorting whose units are renamed positionally."""
        return role("sorting.units_selection")(self, renamed_unit_ids=new_unit_ids)

    def remove_units(self, remove_unit_ids: Any) -> BaseSorting:
        """A lazy sorting without the given units.

        Raises
        ------
        memphys.errors.ExtractorValueError
            If some ids are not units of this sorting (SpikeInterface ignores them).
        """
        ids = self._check_unit_ids(remove_unit_ids, "remove_unit_ids")
        return self.select_units(self.unit_ids[~np.isin(self.unit_ids, ids)])

    def remove_empty_units(self) -> BaseSorting:
        """A lazy sorting with the units that have spikes."""
        return self.select_units(self.get_non_empty_unit_ids())

    def frame_slice(
        self, start_frame: int | None, end_frame: int | None, check_spike_frames: bool = True
    ) -> BaseSorting:
        """A lazy sorting of frames ``[start_frame, end_frame)`` (one segment only), spike
        frames counted from ``start_frame``."""
        return role("sorting.frame_slice")(
            self,
            start_frame=start_frame,
            end_frame=end_frame,
            check_spike_frames=check_spike_frames,
        )

    def time_slice(self, start_time: float | None, end_time: float | None) -> BaseSorting:
        """A lazy sorting of times ``[start_time, end_time)`` (one segment only)."""
        if self.get_num_segments() != 1:
            raise ExtractorValueError(
                "Time slicing is only supported for single segment sortings: this one has "
                f"{self.get_num_segments()}; use select_segment_sorting() first."
            )
        start = None if start_time is None else int(self.time_to_sample_index(start_time, 0))
        end = None if end_time is None else int(self.time_to_sample_index(end_time, 0))
        return self.frame_slice(start_frame=start, end_frame=end)

    def select_periods(self, periods: Any) -> BaseSorting:
        """A :class:`~memphys.ephys.NumpySorting` with the spikes inside ``periods``
        (``unit_period_dtype``: segment, start, end, unit)."""
        from memphys.ephys.sorting_tools import select_sorting_periods

        return select_sorting_periods(self, periods)

    def select_segments(self, segment_indices: Any) -> BaseSorting:
        """A lazy sorting with the given segments."""
        return role("sorting.select_segments")(self, segment_indices=segment_indices)

    def split_by(self, property: str = "group", outputs: str = "dict") -> Any:
        """One lazy sorting per value of a unit property (a dict or a list)."""
        check_in("outputs", outputs, ("dict", "list"))
        values = self.get_property(property)
        if values is None:
            raise ExtractorValueError(
                f"property {property} is not set: properties are {self.get_property_keys()}."
            )
        out: Any = {} if outputs == "dict" else []
        for value in np.unique(values).tolist():
            sub = self.select_units(self.unit_ids[values == value])
            sub.set_annotation("split_by_property", value=property)
            if outputs == "dict":
                out[value] = sub
            else:
                out.append(sub)
        return out

    # ------------------------------------------------------------------- pynapple
    def to_tsgroup(self, segment_index: int | None = None) -> Any:
        """One segment as a :class:`~memphys.TsGroup` of spike times in seconds, unit
        properties as metadata: see :func:`memphys.ephys.to_pynapple.sorting_to_tsgroup`."""
        from memphys.ephys.to_pynapple import sorting_to_tsgroup

        return sorting_to_tsgroup(self, segment_index)

    # ------------------------------------------------------------------ in memory
    def to_numpy_sorting(self, propagate_cache: bool = True) -> Any:
        """An in-memory :class:`~memphys.ephys.NumpySorting` with the same spikes."""
        sorting = role("sorting.numpy").from_sorting(self)
        if propagate_cache:
            if self._cached_lexsorted_spike_vector:
                sorting._cached_lexsorted_spike_vector = deepcopy(
                    self._cached_lexsorted_spike_vector
                )
            if self._cached_spike_vector_to_indices is not None:
                sorting._cached_spike_vector_to_indices = deepcopy(
                    self._cached_spike_vector_to_indices
                )
        return sorting

    def to_shared_memory_sorting(self) -> Any:
        """A :class:`~memphys.ephys.SharedMemorySorting` with the same spikes."""
        return role("sorting.shared_memory").from_sorting(self)

    def to_multiprocessing(self, n_jobs: int) -> Any:
        """This sorting if it can go to other processes as it is, else an in-memory copy
        (numpy for ``n_jobs=1``, shared memory otherwise)."""
        if n_jobs == 1:
            if self._ready_for_one_job:
                return self
            return role("sorting.numpy").from_sorting(self)
        if self._ready_for_processes:
            return self
        return role("sorting.shared_memory").from_sorting(self)

    # ----------------------------------------------------------------------- save
    def save(self, format: str = "numpy_folder", **save_kwargs: Any) -> Any:
        """Save the spikes, properties and annotations.

        ``format="numpy_folder"`` (default) writes SpikeInterface's folder (``spikes.npy``,
        ``numpysorting_info.json``, ``properties/``, ``si_folder.json``; ``folder=``,
        ``overwrite``); ``"zarr"`` a zarr store (``.zarr`` appended); ``"memory"`` a
        (shared-memory, ``sharedmem=True``) copy; ``"npz_folder"`` the deprecated npz folder.
        Files appear only once complete. A registered recording is registered again to the
        saved sorting (it is not saved).
        """
        check_in("format", format, ("numpy_folder", "zarr", "memory", "npz_folder"))
        save_kwargs.pop("verbose", None)
        cached: Any
        if format in ("numpy_folder", "zarr", "npz_folder") and save_kwargs.get("folder") is None:
            raise ExtractorValueError(
                f"For the {format!r} format, `folder` must be given (sorting.save(folder=...))."
            )
        if format == "numpy_folder":
            folder = save_kwargs.pop("folder")
            cached = role("sorting.numpy_folder").write_sorting(
                self, folder_path=folder, **save_kwargs
            )
        elif format == "zarr":
            folder = save_kwargs.pop("folder")
            cached = role("sorting.zarr").write_sorting(self, folder, **save_kwargs)
        elif format == "memory":
            shared = save_kwargs.get("sharedmem", True)
            cls = role("sorting.shared_memory" if shared else "sorting.numpy")
            cached = cls.from_sorting(self, with_metadata=True)
        else:
            warnings.warn(
                "The 'npz_folder' format is deprecated and will be removed in 0.106.0. Please "
                "use 'numpy_folder' instead.",
                MemphysFutureWarning,
                stacklevel=2,
            )
            folder = Path(save_kwargs.pop("folder"))
            with warnings.catch_warnings():  # one deprecation warning is enough
                warnings.simplefilter("ignore", FutureWarning)
                cached = role("sorting.npz_folder").write_sorting(
                    self, folder, overwrite=save_kwargs.get("overwrite", False)
                )
        if self._recording is not None and format != "memory":
            warnings.warn(
                "The recording registered to this sorting object will not be saved to disk. "
                "Reloading the sorting later will not include the recording",
                ExtractorWarning,
                stacklevel=2,
            )
            cached.register_recording(self._recording, check_spike_frames=False)
        elif self._recording is not None:
            cached._recording = self._recording
        return cached
