"""The segments of sortings and the unit-compact trains they share.

:class:`BaseSortingSegment` is what a sorting format implements (``get_unit_spike_train``,
and optionally ``_spike_piece`` / ``_spike_counts``); :class:`SpikeVectorSortingSegment` is
a segment of an in-memory spike vector, whose trains are slices of one
:class:`UnitTrains` (every unit's samples grouped by unit then segment, built once by a
counting sort and kept read-only).

>>> import numpy as np
>>> from memphys.ephys.sorting_tools import spikes_from_samples_and_labels
>>> spikes, _ = spikes_from_samples_and_labels([np.array([3, 1, 2])], [np.array([1, 0, 1])])
>>> UnitTrains(spikes, 2, 1).train(1, 0).tolist()
[2, 3]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.ephys.base import BaseSegment
from memphys.ephys.sorting_tools import empty_spike_vector, unit_compact_trains
from memphys.errors import ExtractorValueError

__all__ = ["UnitTrains", "BaseSortingSegment", "SpikeVectorSortingSegment"]


class UnitTrains:
    """Every unit's spike train of a spike vector, built on first use (a counting sort)
    and kept read-only; ``train(u, s, a, b)`` is a slice of it."""

    def __init__(
        self, spikes: np.ndarray, num_units: int, num_segments: int, counts: Any = None
    ) -> None:
        self.spikes = spikes
        self.num_units = int(num_units)
        self.num_segments = int(num_segments)
        #: spikes per (unit, segment) when known (saves the counting pass of the build)
        self.known_counts = counts
        self._samples: np.ndarray | None = None
        self._slices: np.ndarray | None = None

    @classmethod
    def from_arrays(cls, samples: np.ndarray, slices: np.ndarray) -> UnitTrains:
        """Trains already grouped: ``samples`` and ``slices[u, s] = (start, stop)``."""
        out = cls(empty_spike_vector(0), slices.shape[0], slices.shape[1])
        out._samples = samples
        out._slices = slices
        return out

    @property
    def built(self) -> bool:
        return self._samples is not None

    def _build(self) -> tuple[np.ndarray, np.ndarray]:
        if self._samples is None or self._slices is None:
            samples, slices = unit_compact_trains(
                self.spikes, self.num_units, self.num_segments, counts=self.known_counts
            )
            samples.flags.writeable = False
            self._samples, self._slices = samples, slices
        return self._samples, self._slices

    @property
    def slices(self) -> np.ndarray:
        return self._build()[1]

    def counts(self) -> np.ndarray:
        """Spikes per unit (summed over segments)."""
        sl = self._build()[1]
        return (sl[:, :, 1] - sl[:, :, 0]).sum(axis=1)

    def train(
        self, unit_index: int, segment_index: int, start_frame: Any = None, end_frame: Any = None
    ) -> np.ndarray:
        samples, slices = self._build()
        a, b = slices[unit_index, segment_index]
        st = samples[a:b]
        if start_frame is not None:
            st = st[np.searchsorted(st, start_frame, side="left") :]
        if end_frame is not None:
            st = st[: np.searchsorted(st, end_frame, side="left")]
        return st


class BaseSortingSegment(BaseSegment):
    """One segment of a sorting: ``get_unit_spike_train`` and its start time.

    Subclasses implement ``get_unit_spike_train(unit_id, start_frame, end_frame)``
    (sample indices in ``[start_frame, end_frame)``, sorted). They may also implement
    ``_spike_piece()`` (all spikes of the segment as a spike vector sorted by sample then
    unit, its ``segment_index`` filled by the caller) and ``_spike_counts()`` (spikes per
    unit), which the sorting uses instead of a loop over units.
    """

    def __init__(self, t_start: float | None = None) -> None:
        BaseSegment.__init__(self)
        self._t_start = t_start
        self._native_t_start = t_start

    def get_unit_spike_train(
        self, unit_id: Any, start_frame: int | None = None, end_frame: int | None = None
    ) -> np.ndarray:
        raise NotImplementedError


class SpikeVectorSortingSegment(BaseSortingSegment):
    """A segment of a spike vector (the segments of in-memory and folder sortings).

    Trains are slices of the shared :class:`UnitTrains` of the vector (built once for all
    segments), so a train costs a slice, not a scan of the segment.
    """

    def __init__(
        self,
        spikes: np.ndarray,
        segment_index: int,
        unit_ids: Any,
        trains: UnitTrains | None = None,
    ) -> None:
        BaseSortingSegment.__init__(self)
        self.spikes = spikes
        self.segment_index = int(segment_index)
        self.unit_ids = list(np.asarray(unit_ids).tolist())
        self._positions = {u: i for i, u in enumerate(self.unit_ids)}
        n_seg = 1 if spikes.size == 0 else int(spikes["segment_index"][-1]) + 1
        self._trains = trains or UnitTrains(
            spikes, len(self.unit_ids), max(n_seg, segment_index + 1)
        )

    def get_unit_spike_train(
        self, unit_id: Any, start_frame: int | None = None, end_frame: int | None = None
    ) -> np.ndarray:
        try:
            u = self._positions[unit_id]
        except (KeyError, TypeError):
            raise ExtractorValueError(
                f"Unit id {unit_id!r} is not a unit of this sorting: unit ids are "
                f"{self.unit_ids[:20]}{' ...' if len(self.unit_ids) > 20 else ''}."
            ) from None
        return self._trains.train(u, self.segment_index, start_frame, end_frame)

    def _spike_counts(self) -> np.ndarray:
        sl = self._trains.slices[:, self.segment_index]
        return sl[:, 1] - sl[:, 0]
