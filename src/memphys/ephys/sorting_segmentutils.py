"""Segment utilities of sortings: append, concatenate, split, select. All lazy.

- :func:`append_sortings`: the segments of several sortings, one after the other.
- :func:`concatenate_sortings`: all segments joined into one (spike frames shifted by
  the lengths of the segments before them, from the registered recordings or
  ``total_samples_list``).
- :func:`split_sorting`: a one-segment sorting cut back into segments at the lengths of
  recordings (e.g. after sorting a concatenated recording).
- :func:`select_segment_sorting`: some segments.

Trains are asked of the parent sortings; spike vectors are assembled from the parents'
vectors with array operations.

Examples
--------
>>> from memphys.ephys import NumpySorting, append_sortings, concatenate_sortings
>>> a = NumpySorting.from_unit_dict({0: [1, 5]}, 1000.0)
>>> b = NumpySorting.from_unit_dict({0: [2]}, 1000.0)
>>> append_sortings([a, b]).get_num_segments()
2
>>> concatenate_sortings([a, b], total_samples_list=[10, 10]).get_unit_spike_train(0).tolist()
[1, 5, 12]
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from memphys.ephys._check import check_int, ext_error
from memphys.ephys._roles import register_role
from memphys.ephys.basesorting import BaseSorting, BaseSortingSegment
from memphys.ephys.core_tools import define_function_from_class
from memphys.ephys.sorting_tools import empty_spike_vector
from memphys.errors import ExtractorValueError, ExtractorWarning, MemphysTypeError

__all__ = [
    "check_sampling_frequencies",
    "AppendSegmentSorting",
    "append_sortings",
    "ConcatenateSegmentSorting",
    "concatenate_sortings",
    "SplitSegmentSorting",
    "split_sorting",
    "SelectSegmentSorting",
    "select_segment_sorting",
    "ProxySortingSegment",
]


def check_sampling_frequencies(
    sampling_frequencies: list[float], sampling_frequency_max_diff: float
) -> None:
    """Raise if the frequencies differ by more than ``sampling_frequency_max_diff`` Hz;
    warn (with the drift over 24 h) if they differ by less.

    Raises
    ------
    memphys.errors.ExtractorValueError
        On a larger difference, or a negative ``sampling_frequency_max_diff``.
    """
    if not np.isfinite(sampling_frequency_max_diff) or sampling_frequency_max_diff < 0:
        raise ext_error(
            "sampling_frequency_max_diff", "a number of Hz >= 0", sampling_frequency_max_diff
        )
    f0 = float(sampling_frequencies[0])
    max_diff = max(abs(float(f) - f0) for f in sampling_frequencies)
    if max_diff > sampling_frequency_max_diff:
        raise ExtractorValueError(
            f"Sampling frequencies across datasets differ by `{max_diff}`Hz which is more than "
            f"`sampling_frequency_max_diff`={sampling_frequency_max_diff}Hz (frequencies: "
            f"{[float(f) for f in sampling_frequencies]})."
        )
    if max_diff > 0:
        diff_ms = 24 * 3600000 * max_diff / f0
        warnings.warn(
            "Inconsistent sampling frequency across datasets. Diff is below hard bound="
            f"{sampling_frequency_max_diff}Hz: concatenating anyway. Expect ~{round(diff_ms, 5)}ms "
            "shift over 24h dataset",
            ExtractorWarning,
            stacklevel=3,
        )


def _check_sortings(sorting_list: Any) -> list[BaseSorting]:
    if not isinstance(sorting_list, list | tuple) or not sorting_list:
        raise ext_error("sorting_list", "a non-empty list of sortings", sorting_list)
    for k, s in enumerate(sorting_list):
        if not isinstance(s, BaseSorting):
            raise MemphysTypeError(
                f"Invalid type for `sorting_list[{k}]`: expected a sorting, but got "
                f"{type(s).__name__}."
            )
    return list(sorting_list)


class ProxySortingSegment(BaseSortingSegment):
    """Segment ``segment_index`` of another sorting, under a new position."""

    def __init__(self, parent_sorting: BaseSorting, segment_index: int) -> None:
        BaseSortingSegment.__init__(self)
        parent_segment = parent_sorting.segments[segment_index]
        self._t_start = parent_segment._t_start
        self._native_t_start = parent_segment._native_t_start
        self.parent_sorting = parent_sorting
        self.segment_index = int(segment_index)

    def get_unit_spike_train(
        self, unit_id: Any, start_frame: int | None = None, end_frame: int | None = None
    ) -> np.ndarray:
        return self.parent_sorting.get_unit_spike_train(
            unit_id, segment_index=self.segment_index, start_frame=start_frame, end_frame=end_frame
        )

    def _spike_counts(self) -> np.ndarray | None:
        return self.parent_sorting._segment_counts(self.segment_index)


def _vector_of_segments(pairs: list[tuple[BaseSorting, int]]) -> np.ndarray:
    """The spikes of ``(sorting, segment)`` pairs, renumbered as segments 0, 1, ..."""
    pieces = []
    for new, (sorting, seg) in enumerate(pairs):
        part = sorting.to_spike_vector(concatenated=False)[seg]
        piece = np.array(part, copy=True)
        piece["segment_index"] = new
        pieces.append(piece)
    if not pieces:
        return empty_spike_vector(0)
    return np.concatenate(pieces)


class AppendSegmentSorting(BaseSorting):
    """The segments of ``sorting_list``, one after the other (same unit ids required).

    Raises
    ------
    memphys.errors.ExtractorValueError
        If the unit ids differ, or the sampling frequencies differ by more than
        ``sampling_frequency_max_diff``.
    """

    _si_class_path = "spikeinterface.core.segmentutils.AppendSegmentSorting"

    def __init__(self, sorting_list: Any, sampling_frequency_max_diff: float = 0) -> None:
        sorting_list = _check_sortings(sorting_list)
        unit_ids = sorting_list[0].unit_ids
        for k, s in enumerate(sorting_list):
            if not np.array_equal(unit_ids, s.unit_ids):
                raise ExtractorValueError(
                    "Sortings don't have the same unit_ids: sorting 0 has "
                    f"{unit_ids.tolist()[:20]}, "
                    f"sorting {k} has {s.unit_ids.tolist()[:20]}."
                )
        check_sampling_frequencies(
            [s.get_sampling_frequency() for s in sorting_list], sampling_frequency_max_diff
        )
        BaseSorting.__init__(self, sorting_list[0].get_sampling_frequency(), unit_ids)
        sorting_list[0].copy_metadata(self)
        self.sorting_list = sorting_list
        self._pairs = [(s, seg) for s in sorting_list for seg in range(s.get_num_segments())]
        for s, seg in self._pairs:
            self.add_sorting_segment(ProxySortingSegment(s, seg))
        self._kwargs = {
            "sorting_list": sorting_list,
            "sampling_frequency_max_diff": sampling_frequency_max_diff,
        }

    def _compute_spike_vector(self) -> np.ndarray:
        return _vector_of_segments(self._pairs)

    def _counts(self) -> np.ndarray:
        if self._cached_spike_vector is None and self._cached_unit_trains is None:
            return np.sum([s._counts() for s in self.sorting_list], axis=0).astype(np.int64)
        return super()._counts()


append_sortings = define_function_from_class(AppendSegmentSorting, "append_sortings")


class ConcatenateSegmentSorting(BaseSorting):
    """All segments of ``sorting_list`` joined into one segment.

    The length of each segment comes from the registered recordings (all sortings must
    have one; the concatenated recording is registered to the result), or, for
    one-segment sortings without recordings, from ``total_samples_list``.

    Raises
    ------
    memphys.errors.ExtractorValueError
        If lengths are missing or given twice, a spike lies past its segment's length,
        or (``ignore_times=False``) a segment has a start time.
    """

    _si_class_path = "spikeinterface.core.segmentutils.ConcatenateSegmentSorting"

    def __init__(
        self,
        sorting_list: Any,
        total_samples_list: Any = None,
        ignore_times: bool = True,
        sampling_frequency_max_diff: float = 0,
    ) -> None:
        sorting_list = _check_sortings(sorting_list)
        all_rec = all(s.has_recording() for s in sorting_list)
        if not all_rec:
            if total_samples_list is None:
                raise ExtractorValueError(
                    "Some concatenated sortings don't have a registered recording. Call "
                    "sorting.register_recording() or set `total_samples_list`."
                )
            if not isinstance(total_samples_list, list | tuple | np.ndarray) or len(
                total_samples_list
            ) != len(sorting_list):
                raise ext_error(
                    "total_samples_list",
                    f"one number of samples per sorting ({len(sorting_list)})",
                    total_samples_list,
                )
            if any(s.get_num_segments() != 1 for s in sorting_list):
                raise ExtractorValueError(
                    "All sortings are expected to be monosegment when `total_samples_list` is used."
                )
            if not ignore_times:
                raise ExtractorValueError(
                    "Concatenating sortings without registered recordings: use ignore_times=True "
                    "to ignore time information."
                )
        elif total_samples_list is not None:
            raise ExtractorValueError(
                "Sortings have registered recordings: use `total_samples_list=None`."
            )
        one = AppendSegmentSorting(
            sorting_list, sampling_frequency_max_diff=sampling_frequency_max_diff
        )
        BaseSorting.__init__(self, one.get_sampling_frequency(), one.unit_ids)
        one.copy_metadata(self)
        pairs: list[tuple[BaseSorting, int]] = []
        lengths: list[int] = []
        for k, s in enumerate(sorting_list):
            for seg in range(s.get_num_segments()):
                if not ignore_times and s.segments[seg]._t_start is not None:
                    raise ExtractorValueError(
                        "ConcatenateSegmentSorting does not handle Sorting t_start. Set time "
                        "information only in the sortings' assigned recordings, or use "
                        "ignore_times=True to ignore time information."
                    )
                if s.has_recording():
                    n = s.get_num_samples(segment_index=seg)
                else:
                    n = check_int(f"total_samples_list[{k}]", total_samples_list[k], minimum=0)
                if s.count_total_num_spikes_in_segment(seg) and s.get_last_spike_frame(seg) >= n:
                    raise ExtractorValueError(
                        f"Sortings' spike frames exceed the provided number of samples for some "
                        f"segment: sorting {k}, segment {seg} has a spike at sample "
                        f"{s.get_last_spike_frame(seg)} but {n} samples. Remove the excess spikes "
                        "or fix `total_samples_list`."
                    )
                pairs.append((s, seg))
                lengths.append(int(n))
        self.parent_num_samples = lengths
        self._pairs = pairs
        self.add_sorting_segment(ProxyConcatenateSortingSegment(pairs, lengths))
        if all_rec:
            from memphys.ephys.segmentutils import concatenate_recordings

            self.register_recording(
                concatenate_recordings(
                    [s._recording for s in sorting_list], ignore_times=ignore_times
                ),
                check_spike_frames=False,
            )
        self._kwargs = {
            "sorting_list": sorting_list,
            "ignore_times": ignore_times,
            "total_samples_list": total_samples_list,
            "sampling_frequency_max_diff": sampling_frequency_max_diff,
        }

    def get_num_samples(self, segment_index: int | None = None) -> int:
        """Samples of the concatenated segment (known without a recording)."""
        self._check_segment_index(segment_index)
        return int(sum(self.parent_num_samples))

    def get_total_samples(self) -> int:
        return self.get_num_samples(0)

    def _compute_spike_vector(self) -> np.ndarray:
        pieces = []
        offset = 0
        for (s, seg), n in zip(self._pairs, self.parent_num_samples, strict=True):
            part = np.array(s.to_spike_vector(concatenated=False)[seg], copy=True)
            part["sample_index"] += offset
            part["segment_index"] = 0
            pieces.append(part)
            offset += n
        return np.concatenate(pieces) if pieces else empty_spike_vector(0)

    def _counts(self) -> np.ndarray:
        if self._cached_spike_vector is None and self._cached_unit_trains is None:
            per = [s._segment_counts(seg) for s, seg in self._pairs]
            if all(c is not None for c in per):
                return np.sum([c for c in per if c is not None], axis=0).astype(np.int64)
        return super()._counts()


class ProxyConcatenateSortingSegment(BaseSortingSegment):
    """One segment made of several parent segments, frames shifted by the lengths before."""

    def __init__(self, pairs: list[tuple[BaseSorting, int]], lengths: list[int]) -> None:
        BaseSortingSegment.__init__(self)
        self._pairs = pairs
        self.parent_num_samples = lengths
        self.cumsum_length = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        self.total_num_samples = int(self.cumsum_length[-1])

    def get_num_samples(self) -> int:
        return self.total_num_samples

    def get_unit_spike_train(
        self, unit_id: Any, start_frame: int | None = None, end_frame: int | None = None
    ) -> np.ndarray:
        a = 0 if start_frame is None else int(start_frame)
        b = self.total_num_samples if end_frame is None else int(end_frame)
        parts = []
        for k, (s, seg) in enumerate(self._pairs):
            lo, hi = int(self.cumsum_length[k]), int(self.cumsum_length[k + 1])
            if hi <= a or lo >= b or hi == lo:
                continue
            st = s.get_unit_spike_train(
                unit_id, segment_index=seg, start_frame=max(a - lo, 0), end_frame=min(b, hi) - lo
            )
            parts.append(st + lo)
        if not parts:
            return np.zeros(0, dtype=np.int64)
        return parts[0] if len(parts) == 1 else np.concatenate(parts)

    def _spike_counts(self) -> np.ndarray | None:
        per = [s._segment_counts(seg) for s, seg in self._pairs]
        if any(c is None for c in per):
            return None
        return np.sum(per, axis=0)  # type: ignore[arg-type]


concatenate_sortings = define_function_from_class(ConcatenateSegmentSorting, "concatenate_sortings")


class SplitSegmentSorting(BaseSorting):
    """A one-segment sorting cut into segments at the lengths of recordings.

    ``recording_or_recording_list``: a list of recordings (their segments' lengths), a
    concatenated recording (its parts), or None (the registered recording).
    """

    _si_class_path = "spikeinterface.core.segmentutils.SplitSegmentSorting"

    def __init__(
        self, parent_sorting: BaseSorting, recording_or_recording_list: Any = None
    ) -> None:
        if parent_sorting.get_num_segments() != 1:
            raise ExtractorValueError(
                "The sorting must have only one segment, but it has "
                f"{parent_sorting.get_num_segments()}."
            )
        BaseSorting.__init__(self, parent_sorting.get_sampling_frequency(), parent_sorting.unit_ids)
        parent_sorting.copy_metadata(self)
        rec = recording_or_recording_list
        if rec is None:
            if not parent_sorting.has_recording():
                raise ExtractorValueError(
                    "There is no recording registered to the sorting object. Please specify the "
                    "'recording_or_recording_list' argument."
                )
            recording_list = [parent_sorting._recording]
        elif isinstance(rec, list | tuple):
            recording_list = list(rec)
        elif hasattr(rec, "recording_list") and type(rec).__name__ == "ConcatenateSegmentRecording":
            recording_list = list(rec.recording_list)
        else:
            raise MemphysTypeError(
                "'recording_or_recording_list' must be a list of recordings, a "
                f"ConcatenateSegmentRecording, or None, but got {type(rec).__name__}."
            )
        lengths = [
            int(r.get_num_samples(segment_index=s))
            for r in recording_list
            for s in range(r.get_num_segments())
        ]
        edges = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        self._edges = edges
        self._parent_sorting = parent_sorting
        from memphys.ephys.frameslicesorting import FrameSliceSortingSegment

        fs = parent_sorting.get_sampling_frequency()
        for k in range(len(lengths)):
            self.add_sorting_segment(
                FrameSliceSortingSegment(parent_sorting, int(edges[k]), int(edges[k + 1]), fs)
            )
        self._parent = parent_sorting
        self._kwargs = {
            "parent_sorting": parent_sorting,
            "recording_or_recording_list": recording_list,
        }

    def _compute_spike_vector(self) -> np.ndarray:
        spikes = self._parent_sorting.to_spike_vector()
        cuts = np.searchsorted(spikes["sample_index"], self._edges, side="left")
        pieces = []
        for k in range(self._edges.size - 1):
            part = np.array(spikes[cuts[k] : cuts[k + 1]], copy=True)
            part["sample_index"] -= self._edges[k]
            part["segment_index"] = k
            pieces.append(part)
        return np.concatenate(pieces) if pieces else empty_spike_vector(0)


split_sorting = define_function_from_class(SplitSegmentSorting, "split_sorting")


@register_role("sorting.select_segments")
class SelectSegmentSorting(BaseSorting):
    """The segments ``segment_indices`` (an int or a list) of ``sorting``."""

    _si_class_path = "spikeinterface.core.segmentutils.SelectSegmentSorting"

    def __init__(self, sorting: BaseSorting, segment_indices: Any) -> None:
        if isinstance(segment_indices, int | np.integer):
            segment_indices = [int(segment_indices)]
        n = sorting.get_num_segments()
        indices = (
            list(segment_indices)
            if isinstance(segment_indices, list | tuple | np.ndarray)
            else None
        )
        if not indices or not all(
            isinstance(s, int | np.integer) and not isinstance(s, bool) and 0 <= s < n
            for s in indices
        ):
            raise ext_error(
                "segment_indices", f"segment indices between 0 and {n - 1}", segment_indices
            )
        BaseSorting.__init__(self, sorting.get_sampling_frequency(), sorting.unit_ids)
        sorting.copy_metadata(self)
        self._pairs = [(sorting, int(s)) for s in indices]
        for s in indices:
            self.add_sorting_segment(ProxySortingSegment(sorting, int(s)))
        self._parent = sorting
        self._kwargs = {"sorting": sorting, "segment_indices": [int(s) for s in indices]}

    def _compute_spike_vector(self) -> np.ndarray:
        return _vector_of_segments(self._pairs)


select_segment_sorting = define_function_from_class(SelectSegmentSorting, "select_segment_sorting")
