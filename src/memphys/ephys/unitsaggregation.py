"""``aggregate_units``: the units of several sortings side by side, lazily.

The unit ids are kept when they are unique and of one type, else renumbered (``"0"``,
``"1"``, ... or integers), as in SpikeInterface. Properties present in every sorting with
the same kind are concatenated (a missing one takes the default missing value), shared
annotations with equal values are kept. A train is read from the sorting the unit comes
from; the spike vector merges the sortings' vectors (one stable sort per segment).

Examples
--------
>>> from memphys.ephys import NumpySorting, aggregate_units
>>> a = NumpySorting.from_unit_dict({"a": [1, 5]}, 1000.0)
>>> b = NumpySorting.from_unit_dict({"b": [3]}, 1000.0)
>>> agg = aggregate_units([a, b])
>>> agg.unit_ids.tolist(), agg.to_spike_vector()["unit_index"].tolist()
(['a', 'b'], [0, 1, 0])
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np

from memphys.ephys._check import ext_error
from memphys.ephys.base import BaseExtractor
from memphys.ephys.basesorting import BaseSorting, BaseSortingSegment
from memphys.ephys.core_tools import define_function_from_class
from memphys.ephys.sorting_segmentutils import check_sampling_frequencies
from memphys.ephys.sorting_tools import SPIKE_DTYPE, empty_spike_vector
from memphys.errors import ExtractorValueError, ExtractorWarning, MemphysTypeError

__all__ = ["UnitsAggregationSorting", "UnitsAggregationSortingSegment", "aggregate_units"]


def _equal(a: Any, b: Any) -> bool:
    try:
        return bool(np.all(np.asarray(a == b)))
    except (ValueError, TypeError):  # arrays of different shapes, incomparable objects
        return False


class UnitsAggregationSorting(BaseSorting):
    """All units of ``sorting_list`` (a list, or a dict whose keys become the
    ``aggregation_key`` property).

    Parameters
    ----------
    sorting_list : list or dict of BaseSorting
    renamed_unit_ids : sequence, optional
        New unit ids (unique, one per unit of all sortings).
    sampling_frequency_max_diff : float, default 0
        Largest allowed difference (Hz) between the sortings' sampling frequencies.

    Raises
    ------
    memphys.errors.ExtractorValueError
        If the sampling frequencies differ by more than ``sampling_frequency_max_diff``,
        the segment counts differ, ``renamed_unit_ids`` has a wrong size or repeats, or
        only some sortings have the ``main_channel_id`` property.
    """

    _si_class_path = "spikeinterface.core.unitsaggregationsorting.UnitsAggregationSorting"

    def __init__(
        self,
        sorting_list: Any,
        renamed_unit_ids: Any = None,
        sampling_frequency_max_diff: float = 0,
    ) -> None:
        keys: list[Any] = []
        if isinstance(sorting_list, Mapping):
            keys = list(sorting_list.keys())
            sorting_list = list(sorting_list.values())
        if not isinstance(sorting_list, list | tuple) or not sorting_list:
            raise ext_error("sorting_list", "a non-empty list (or dict) of sortings", sorting_list)
        for k, s in enumerate(sorting_list):
            if not isinstance(s, BaseSorting):
                raise MemphysTypeError(
                    f"Invalid type for `sorting_list[{k}]`: expected a sorting, but got "
                    f"{type(s).__name__}."
                )
        sorting_list = list(sorting_list)
        num_all = sum(s.get_num_units() for s in sorting_list)
        if renamed_unit_ids is not None:
            renamed = np.asarray(renamed_unit_ids)
            if renamed.size != num_all or np.unique(renamed).size != num_all:
                raise ExtractorValueError(
                    f"Invalid value for `renamed_unit_ids`: expected {num_all} unique ids (one per "
                    f"unit of all sortings), but got {renamed.size} with "
                    f"{np.unique(renamed).size} distinct: 'renamed_unit_ids' doesn't have the "
                    "right size or has duplicates!"
                )
            unit_ids: Any = list(renamed.tolist())
        else:
            dtypes = [s.unit_ids.dtype for s in sorting_list if s.get_num_units()]
            same_type = len({d.kind for d in dtypes}) <= 1 and len({str(d) for d in dtypes}) <= 1
            combined = (
                np.concatenate([s.unit_ids for s in sorting_list])
                if same_type and num_all
                else None
            )
            if combined is not None and np.unique(combined).size == num_all:
                unit_ids = combined
            elif same_type and dtypes and np.issubdtype(dtypes[0], np.integer):
                unit_ids = np.arange(num_all, dtype=np.uint64)
            else:
                unit_ids = [str(i) for i in range(num_all)]
        check_sampling_frequencies(
            [s.get_sampling_frequency() for s in sorting_list], sampling_frequency_max_diff
        )
        num_segments = sorting_list[0].get_num_segments()
        if any(s.get_num_segments() != num_segments for s in sorting_list):
            raise ExtractorValueError(
                "Sortings don't have the same num_segments: "
                f"{[s.get_num_segments() for s in sorting_list]}."
            )
        BaseSorting.__init__(self, sorting_list[0].get_sampling_frequency(), unit_ids)
        self._sortings = sorting_list
        self._aggregate_annotations(sorting_list)
        self._aggregate_properties(sorting_list)
        if keys:
            labels = [
                k for k, s in zip(keys, sorting_list, strict=True) for _ in range(s.get_num_units())
            ]
            self.set_property("aggregation_key", labels)
        offsets = np.cumsum([0] + [s.get_num_units() for s in sorting_list])
        self._unit_offsets = offsets
        unit_map: dict[Any, tuple[int, Any]] = {}
        for k, s in enumerate(sorting_list):
            for j, uid in enumerate(s.unit_ids.tolist()):
                unit_map[self.unit_ids[offsets[k] + j].item()] = (k, uid)
        for seg in range(num_segments):
            segment = UnitsAggregationSortingSegment(unit_map, sorting_list, seg)
            segment._t_start = sorting_list[0].segments[seg]._t_start
            segment._native_t_start = sorting_list[0].segments[seg]._native_t_start
            self.add_sorting_segment(segment)
        self._kwargs = {"sorting_list": sorting_list, "renamed_unit_ids": renamed_unit_ids}
        if sampling_frequency_max_diff:
            self._kwargs["sampling_frequency_max_diff"] = sampling_frequency_max_diff

    @property
    def sortings(self) -> list[BaseSorting]:
        return self._sortings

    def _aggregate_annotations(self, sorting_list: list[BaseSorting]) -> None:
        for key in sorting_list[0].get_annotation_keys():
            if not all(key in s.get_annotation_keys() for s in sorting_list):
                continue
            first = sorting_list[0].get_annotation(key, copy=False)
            if all(_equal(s.get_annotation(key, copy=False), first) for s in sorting_list[1:]):
                self.set_annotation(key, sorting_list[0].get_annotation(key), overwrite=True)

    def _aggregate_properties(self, sorting_list: list[BaseSorting]) -> None:
        has_main = {"main_channel_id" in s.get_property_keys() for s in sorting_list}
        if len(has_main) != 1:
            raise ExtractorValueError(
                "Either all sorters must have `main_channel_id` as a property or all sorter "
                "must not have `main_channel_id` as a property."
            )
        keys: list[str] = []
        for s in sorting_list:
            keys += [k for k in s.get_property_keys() if k not in keys]
        for key in keys:
            kinds = [
                s.get_property(key).dtype.kind for s in sorting_list if key in s.get_property_keys()
            ]
            if len(set(kinds)) != 1:
                warnings.warn(
                    f"Skipping property '{key}'. Difference in dtype.kind between sortings: "
                    f"{kinds}",
                    ExtractorWarning,
                    stacklevel=3,
                )
                continue
            values = []
            for s in sorting_list:
                if key in s.get_property_keys():
                    values.append(s.get_property(key))
                    continue
                missing = BaseExtractor.default_missing_property_values.get(kinds[0], "__none__")
                if isinstance(missing, str) and missing == "__none__":
                    warnings.warn(
                        f"Skipping property '{key}': cannot impute missing property values.",
                        ExtractorWarning,
                        stacklevel=3,
                    )
                    values = []
                    break
                values.append(np.full(s.get_num_units(), missing))
            if not values:
                continue
            try:
                self.set_property(key, np.concatenate(values))
            except (ValueError, TypeError) as exc:
                warnings.warn(
                    f"Skipping property '{key}' as numpy cannot concatenate it ({exc}).",
                    ExtractorWarning,
                    stacklevel=3,
                )

    def _compute_spike_vector(self) -> np.ndarray:
        vectors = [s.to_spike_vector(concatenated=False) for s in self._sortings]
        pieces = []
        for seg in range(self.get_num_segments()):
            parts = [v[seg] for v in vectors]
            n = sum(p.size for p in parts)
            piece = np.empty(n, dtype=SPIKE_DTYPE)
            pos = 0
            for k, p in enumerate(parts):
                piece["sample_index"][pos : pos + p.size] = p["sample_index"]
                piece["unit_index"][pos : pos + p.size] = p["unit_index"] + self._unit_offsets[k]
                pos += p.size
            piece["segment_index"] = seg
            if len([p for p in parts if p.size]) > 1:
                # each part is sorted by (sample, unit) and the unit offsets increase: a
                # stable sort on samples (a merge of the runs) gives (sample, unit) order
                order = np.argsort(piece["sample_index"], kind="stable")
                piece = piece[order]
            pieces.append(piece)
        if not pieces:
            return empty_spike_vector(0)
        return pieces[0] if len(pieces) == 1 else np.concatenate(pieces)

    def _counts(self) -> np.ndarray:
        if self._cached_spike_vector is None and self._cached_unit_trains is None:
            return np.concatenate([s._counts() for s in self._sortings]).astype(np.int64)
        return super()._counts()


class UnitsAggregationSortingSegment(BaseSortingSegment):
    """A segment reading each unit's train from the sorting it comes from."""

    def __init__(
        self, unit_map: dict[Any, tuple[int, Any]], sortings: list[BaseSorting], segment_index: int
    ) -> None:
        BaseSortingSegment.__init__(self)
        self._unit_map = unit_map
        self._sortings = sortings
        self._segment_index = int(segment_index)

    def get_unit_spike_train(
        self, unit_id: Any, start_frame: int | None = None, end_frame: int | None = None
    ) -> np.ndarray:
        try:
            k, parent_id = self._unit_map[unit_id]
        except (KeyError, TypeError):
            raise ExtractorValueError(
                f"Unit id {unit_id!r} is not a unit of this sorting."
            ) from None
        return self._sortings[k].get_unit_spike_train(
            parent_id,
            segment_index=self._segment_index,
            start_frame=start_frame,
            end_frame=end_frame,
        )

    def _spike_counts(self) -> np.ndarray | None:
        counts = [s._segment_counts(self._segment_index) for s in self._sortings]
        if any(c is None for c in counts):
            return None
        return np.concatenate(counts)  # type: ignore[arg-type]


aggregate_units = define_function_from_class(UnitsAggregationSorting, "aggregate_units")
