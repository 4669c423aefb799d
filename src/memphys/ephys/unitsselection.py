"""``UnitsSelectionSorting``: a lazy subset (and renaming) of a sorting's units.

Nothing is copied: a train is asked of the parent under the unit's parent id, spike
counts are the parent's counts of the selected units, and the spike vector, when asked
for, is the parent's vector with its ``unit_index`` renumbered (the parent's own vector,
unchanged, when all units are kept in order, e.g. after ``rename_units``).

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import NumpySorting
>>> s = NumpySorting.from_unit_dict({"a": [1, 4], "b": [2], "c": [3]}, 1000.0)
>>> sub = s.select_units(["c", "a"], renamed_unit_ids=["x", "y"])
>>> sub.unit_ids.tolist(), sub.get_unit_spike_train("y").tolist()
(['x', 'y'], [1, 4])
>>> sub.to_spike_vector()["unit_index"].tolist()
[1, 0, 1]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.ephys._check import as_id_array, ext_error
from memphys.ephys._roles import register_role
from memphys.ephys.basesorting import BaseSorting, BaseSortingSegment, UnitTrains
from memphys.ephys.sorting_tools import SPIKE_DTYPE, as_flat
from memphys.errors import ExtractorValueError, MemphysTypeError

__all__ = ["UnitsSelectionSorting", "UnitsSelectionSortingSegment"]


@register_role("sorting.units_selection")
class UnitsSelectionSorting(BaseSorting):
    """The units ``unit_ids`` of ``parent_sorting`` (default: all), in that order,
    optionally renamed to ``renamed_unit_ids``. Use ``sorting.select_units(...)``.

    Raises
    ------
    memphys.errors.ExtractorValueError
        If some ``unit_ids`` are not units of the parent, the renamed ids are not unique
        or not one per selected unit.
    """

    _si_class_path = "spikeinterface.core.unitsselectionsorting.UnitsSelectionSorting"

    def __init__(
        self, parent_sorting: BaseSorting, unit_ids: Any = None, renamed_unit_ids: Any = None
    ) -> None:
        if not isinstance(parent_sorting, BaseSorting):
            raise MemphysTypeError(
                f"Invalid type for `parent_sorting`: expected a sorting, but got "
                f"{type(parent_sorting).__name__}."
            )
        ids = parent_sorting.unit_ids if unit_ids is None else np.asarray(unit_ids)
        if ids.ndim != 1:
            raise ext_error("unit_ids", "a 1-D list of unit ids", unit_ids)
        parent_indices = np.asarray(parent_sorting.ids_to_indices(ids), dtype=np.int64)
        if np.unique(parent_indices).size != parent_indices.size:
            raise ext_error("unit_ids", "unique unit ids", ids.tolist())
        renamed = ids if renamed_unit_ids is None else np.asarray(renamed_unit_ids)
        if renamed.size != ids.size:
            raise ExtractorValueError(
                f"Invalid value for `renamed_unit_ids`: expected {ids.size} ids (one per "
                f"selected unit), but got {renamed.size}; renamed ids must be the same size."
            )
        if np.unique(renamed).size != renamed.size:
            raise ext_error(
                "renamed_unit_ids",
                "unique ids (renamed_unit_ids must be unique!)",
                renamed.tolist(),
            )
        renamed = as_id_array(renamed, "renamed_unit_ids")
        self._parent_sorting = parent_sorting
        self._unit_ids = ids
        self._renamed_unit_ids = renamed
        self._parent_indices = parent_indices
        BaseSorting.__init__(self, parent_sorting.get_sampling_frequency(), renamed)
        self._is_identity_selection = bool(
            parent_indices.size == parent_sorting.get_num_units()
            and np.array_equal(parent_indices, np.arange(parent_indices.size))
        )
        conversion = dict(zip(renamed.tolist(), ids.tolist(), strict=True))
        for s, parent_segment in enumerate(parent_sorting.segments):
            seg = UnitsSelectionSortingSegment(parent_sorting, s, conversion, parent_indices)
            seg._t_start = parent_segment._t_start
            seg._native_t_start = parent_segment._native_t_start
            self.add_sorting_segment(seg)
        parent_sorting.copy_metadata(self, only_main=False, ids=ids)
        self._parent = parent_sorting
        if parent_sorting.has_recording():
            self._recording = parent_sorting._recording
        self._kwargs = dict(
            parent_sorting=parent_sorting, unit_ids=unit_ids, renamed_unit_ids=renamed_unit_ids
        )

    def _compute_spike_vector(self) -> np.ndarray:
        parent = self._parent_sorting
        spikes = parent.to_spike_vector()
        if self._is_identity_selection:
            return spikes
        from memphys.ephys import _sorting_numba as k

        mapping = np.full(parent.get_num_units(), -1, dtype=np.int64)
        mapping[self._parent_indices] = np.arange(self._parent_indices.size)
        flat = as_flat(spikes)
        out = np.empty((k.count_kept(flat, mapping), flat.shape[1]), dtype=np.int64)
        ordered = k.remap_rows(flat, mapping, out)
        names = (
            (spikes.dtype.names or ())[: flat.shape[1]] if flat.shape[1] > 3 else SPIKE_DTYPE.names
        )
        new = out.view(np.dtype([(n, "int64") for n in names or ()])).reshape(-1)
        if not ordered:  # units at one sample came out of order after renumbering
            k.sort_ties_by_unit(out)
        return new

    def _unit_trains(self, build: bool = True) -> UnitTrains | None:
        own = super()._unit_trains(build=False)
        if own is not None or not self._is_identity_selection:
            return super()._unit_trains(build=build)
        return self._parent_sorting._unit_trains(build=build)

    def _counts(self) -> np.ndarray:
        if self._cached_spike_vector is None and self._cached_unit_trains is None:
            return self._parent_sorting._counts()[self._parent_indices]
        return super()._counts()

    def _last_spike_frame_fast(self, segment_index: int) -> int | None:
        if self._is_identity_selection and self._cached_spike_vector is None:
            return self._parent_sorting.get_last_spike_frame(segment_index)
        return super()._last_spike_frame_fast(segment_index)


class UnitsSelectionSortingSegment(BaseSortingSegment):
    """A segment asking the parent sorting for the trains of the selected units."""

    def __init__(
        self,
        parent_sorting: BaseSorting,
        segment_index: int,
        ids_conversion: dict[Any, Any],
        parent_indices: Any,
    ) -> None:
        BaseSortingSegment.__init__(self)
        self._parent_sorting = parent_sorting
        self._segment_index = int(segment_index)
        self._ids_conversion = ids_conversion
        self._parent_indices = np.asarray(parent_indices)

    def get_unit_spike_train(
        self, unit_id: Any, start_frame: int | None = None, end_frame: int | None = None
    ) -> np.ndarray:
        try:
            parent_id = self._ids_conversion[unit_id]
        except (KeyError, TypeError):
            raise ExtractorValueError(
                f"Unit id {unit_id!r} is not a unit of this sorting."
            ) from None
        return self._parent_sorting.get_unit_spike_train(
            parent_id,
            segment_index=self._segment_index,
            start_frame=start_frame,
            end_frame=end_frame,
        )

    def _spike_counts(self) -> np.ndarray | None:
        counts = self._parent_sorting._segment_counts(self._segment_index)
        return None if counts is None else counts[self._parent_indices]
