"""In-memory sortings: :class:`NumpySorting` and :class:`SharedMemorySorting`.

Both hold one spike vector (SpikeInterface's representation) and nothing per spike
besides; their segments are views of it. Building one from samples and labels maps the
labels to unit indices in one compiled pass (a lookup table for integer labels), checks
the samples (integers >= 0, same length as the labels) and sorts spikes *with* their
labels when they are not in time order.

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import NumpySorting
>>> s = NumpySorting.from_unit_dict({"a": [3, 9], "b": np.array([1])}, sampling_frequency=1000.0)
>>> s.unit_ids.tolist(), s.get_unit_spike_train("a").tolist()
(['a', 'b'], [3, 9])
>>> NumpySorting.from_samples_and_labels(np.array([1, 2]), np.array([0]), 1000.0)
Traceback (most recent call last):
...
memphys.errors.ShapeMismatchError: Invalid value for `labels_list[0]`: expected 2 labels ...
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np

from memphys.ephys._check import check_int, ext_error
from memphys.ephys._roles import register_role
from memphys.ephys.basesorting import BaseSorting, SpikeVectorSortingSegment, UnitTrains
from memphys.ephys.core_tools import make_shared_array
from memphys.ephys.sorting_tools import (
    SPIKE_DTYPE,
    check_sample_array,
    check_spike_vector,
    empty_spike_vector,
    spikes_from_samples_and_labels,
)
from memphys.errors import ExtractorValueError, MemphysTypeError

__all__ = ["NumpySorting", "SharedMemorySorting"]


def _as_segment_list(values: Any, name: str) -> list[Any]:
    """A list of per-segment arrays from an array (one segment) or a list of arrays."""
    if isinstance(values, np.ndarray):
        return [values] if values.ndim <= 1 or values.dtype == object else list(values)
    if isinstance(values, list | tuple):
        if len(values) and all(np.ndim(v) == 0 for v in values):
            return [np.asarray(values)]  # a flat list of numbers: one segment
        return list(values)
    raise ext_error(name, "an array or a list of arrays (one per segment)", values)


def _add_vector_segments(sorting: BaseSorting, spikes: np.ndarray, num_segments: int) -> None:
    trains = UnitTrains(spikes, sorting.get_num_units(), num_segments)
    for s in range(num_segments):
        sorting.add_sorting_segment(
            SpikeVectorSortingSegment(spikes, s, sorting.unit_ids, trains=trains)
        )
    sorting._cached_spike_vector = spikes
    sorting._cached_unit_trains = trains


@register_role("sorting.numpy")
class NumpySorting(BaseSorting):
    """A sorting held in memory as one spike vector.

    Parameters
    ----------
    spikes : numpy.ndarray
        A spike vector (``sorting.to_spike_vector()``), sorted by segment, sample and unit.
        It is referenced, not copied.
    sampling_frequency : float
    unit_ids : sequence
        One id per unit; ``unit_index`` values are positions in it.
    num_segments : int, optional
        Number of segments (default: the last spike's segment + 1), so that trailing empty
        segments are kept.

    Raises
    ------
    memphys.errors.ExtractorValueError
        If the spike vector is not sorted, or has negative samples or indices out of range.
    """

    _si_class_path = "spikeinterface.core.numpyextractors.NumpySorting"
    _ready_for_one_job: ClassVar[bool] = True

    def __init__(
        self,
        spikes: np.ndarray,
        sampling_frequency: float,
        unit_ids: Any,
        num_segments: int | None = None,
    ) -> None:
        BaseSorting.__init__(self, sampling_frequency, unit_ids)
        if num_segments is not None:
            num_segments = check_int("num_segments", num_segments, minimum=1)
        n_seg = check_spike_vector(spikes, self.get_num_units(), num_segments)
        self._serializability["memory"] = True
        self._serializability["json"] = False
        self._serializability["pickle"] = False
        _add_vector_segments(self, spikes, n_seg)
        self._kwargs = dict(spikes=spikes, sampling_frequency=sampling_frequency, unit_ids=unit_ids)
        if num_segments is not None:
            self._kwargs["num_segments"] = num_segments

    @classmethod
    def _holds_vector(cls) -> bool:
        return True

    @staticmethod
    def from_sorting(
        source_sorting: BaseSorting, with_metadata: bool = False, copy_spike_vector: bool = False
    ) -> NumpySorting:
        """An in-memory copy of any sorting (its spike vector, computed if needed)."""
        if not isinstance(source_sorting, BaseSorting):
            raise MemphysTypeError(
                f"Invalid type for `source_sorting`: expected a sorting, but got "
                f"{type(source_sorting).__name__}."
            )
        spikes = source_sorting.to_spike_vector()
        if copy_spike_vector or not isinstance(spikes, np.ndarray) or isinstance(spikes, np.memmap):
            spikes = np.array(spikes, copy=True)
        sorting = NumpySorting(
            spikes,
            source_sorting.get_sampling_frequency(),
            source_sorting.unit_ids.copy(),
            num_segments=source_sorting.get_num_segments(),
        )
        if source_sorting.has_recording():
            sorting._recording = source_sorting._recording
        for src, dst in zip(source_sorting.segments, sorting.segments, strict=True):
            dst._t_start = src._t_start
            dst._native_t_start = src._native_t_start
        if with_metadata:
            source_sorting.copy_metadata(sorting)
        return sorting

    @staticmethod
    def from_samples_and_labels(
        samples_list: Any,
        labels_list: Any,
        sampling_frequency: float,
        unit_ids: Any = None,
    ) -> NumpySorting:
        """A sorting from spike sample indices and their unit labels (a list of arrays
        per segment, or arrays for one segment).

        Unsorted samples are sorted together with their labels. ``unit_ids`` (default:
        the sorted distinct labels) selects and orders the units; spikes of other labels
        are left out.

        Raises
        ------
        memphys.errors.ShapeMismatchError
            If samples and labels differ in length or in number of segments.
        memphys.errors.ExtractorValueError
            On negative or non-integer sample indices (times in seconds belong to
            :meth:`from_times_and_labels`).
        """
        samples = _as_segment_list(samples_list, "samples_list")
        labels = _as_segment_list(labels_list, "labels_list")
        spikes, ids, counts = spikes_from_samples_and_labels(
            samples, labels, unit_ids, return_counts=True
        )
        sorting = NumpySorting(spikes, sampling_frequency, ids, num_segments=len(samples) or 1)
        if sorting._cached_unit_trains is not None:
            sorting._cached_unit_trains.known_counts = counts
        return sorting

    @staticmethod
    def from_times_and_labels(
        times_list: Any, labels_list: Any, sampling_frequency: float, unit_ids: Any = None
    ) -> NumpySorting:
        """As :meth:`from_samples_and_labels`, with spike times in seconds (rounded to the
        nearest sample)."""
        times = _as_segment_list(times_list, "times_list")
        samples = []
        for seg, t in enumerate(times):
            arr = np.asarray(t, dtype=np.float64)
            if arr.size and not np.all(np.isfinite(arr)):
                raise ext_error(f"times_list[{seg}]", "finite spike times", t)
            samples.append(np.round(arr * float(sampling_frequency)).astype(np.int64))
        return NumpySorting.from_samples_and_labels(
            samples, labels_list, sampling_frequency, unit_ids
        )

    @staticmethod
    def from_times_labels(
        times_list: Any, labels_list: Any, sampling_frequency: float, unit_ids: Any = None
    ) -> NumpySorting:
        """Older spelling of :meth:`from_samples_and_labels` (sample indices, despite the
        name, as in SpikeInterface < 0.100)."""
        return NumpySorting.from_samples_and_labels(
            times_list, labels_list, sampling_frequency, unit_ids
        )

    @staticmethod
    def from_unit_dict(units_dict_list: Any, sampling_frequency: float) -> NumpySorting:
        """A sorting from ``{unit_id: sample indices}`` (a list of dicts for segments).

        Every segment must have the same unit ids. Each train is sorted."""
        if isinstance(units_dict_list, Mapping):
            units_dict_list = [units_dict_list]
        if not isinstance(units_dict_list, list | tuple) or not all(
            isinstance(d, Mapping) for d in units_dict_list
        ):
            raise ext_error(
                "units_dict_list",
                "a dict {unit_id: spike samples} or a list of them",
                units_dict_list,
            )
        if not units_dict_list:
            raise ext_error("units_dict_list", "at least one segment", units_dict_list)
        unit_ids = list(units_dict_list[0].keys())
        samples_list = []
        labels_list = []
        for seg, d in enumerate(units_dict_list):
            if set(d.keys()) != set(unit_ids):
                raise ExtractorValueError(
                    f"Invalid value for `units_dict_list[{seg}]`: expected the unit ids of segment "
                    f"0 {unit_ids}, but got {list(d.keys())}."
                )
            trains = [
                check_sample_array(np.asarray(d[u]).ravel(), f"units_dict_list[{seg}][{u!r}]")
                for u in unit_ids
            ]
            counts = np.array([t.size for t in trains], dtype=np.int64)
            samples_list.append(np.concatenate(trains) if trains else np.zeros(0, dtype=np.int64))
            labels_list.append(np.repeat(np.arange(len(unit_ids), dtype=np.int64), counts))
        positions = np.arange(len(unit_ids), dtype=np.int64)
        spikes, _ = spikes_from_samples_and_labels(samples_list, labels_list, positions)
        return NumpySorting(spikes, sampling_frequency, unit_ids, num_segments=len(samples_list))

    @staticmethod
    def from_neo_spiketrain_list(
        neo_spiketrains: Any, sampling_frequency: float, unit_ids: Any = None
    ) -> NumpySorting:
        """A sorting from ``neo.SpikeTrain`` objects (a list per segment for several)."""
        import neo

        if not isinstance(neo_spiketrains, list) or not neo_spiketrains:
            raise ext_error(
                "neo_spiketrains", "a non-empty list of neo.SpikeTrain", neo_spiketrains
            )
        segments = neo_spiketrains if isinstance(neo_spiketrains[0], list) else [neo_spiketrains]
        for seg in segments:
            if not all(isinstance(st, neo.SpikeTrain) for st in seg):
                raise ext_error("neo_spiketrains", "neo.SpikeTrain objects", seg)
        if unit_ids is None:
            unit_ids = np.arange(len(segments[0]), dtype="int64")
        dicts = []
        for seg in segments:
            dicts.append(
                {
                    u: np.round(st.rescale("s").magnitude * sampling_frequency).astype("int64")
                    for u, st in zip(unit_ids, seg, strict=True)
                }
            )
        return NumpySorting.from_unit_dict(dicts, sampling_frequency)

    @staticmethod
    def from_peaks(peaks: np.ndarray, sampling_frequency: float, unit_ids: Any) -> NumpySorting:
        """A sorting whose units are the channels of detected ``peaks`` (``sample_index``,
        ``channel_index``, ``segment_index``)."""
        spikes = empty_spike_vector(peaks.size)
        spikes["sample_index"] = peaks["sample_index"]
        spikes["unit_index"] = peaks["channel_index"]
        spikes["segment_index"] = peaks["segment_index"]
        order = np.lexsort((spikes["unit_index"], spikes["sample_index"], spikes["segment_index"]))
        return NumpySorting(spikes[order], sampling_frequency, unit_ids)


@register_role("sorting.shared_memory")
class SharedMemorySorting(BaseSorting):
    """A sorting whose spike vector lives in shared memory, so that worker processes
    rebuilt from its dict (``to_dict()``) read the same buffer without copying it.

    The instance that created the buffer unlinks it when garbage-collected.
    """

    _si_class_path = "spikeinterface.core.numpyextractors.SharedMemorySorting"
    _ready_for_one_job: ClassVar[bool] = True
    _ready_for_processes: ClassVar[bool] = True

    def __init__(
        self,
        shm_name: str,
        shape: Any,
        sampling_frequency: float,
        unit_ids: Any,
        dtype: Any = SPIKE_DTYPE,
        main_shm_owner: bool = True,
        num_segments: int | None = None,
    ) -> None:
        from multiprocessing.shared_memory import SharedMemory

        shape = tuple(int(s) for s in np.atleast_1d(shape))
        if len(shape) != 1:
            raise ext_error("shape", "a 1-D shape (num_spikes,)", shape)
        BaseSorting.__init__(self, sampling_frequency, unit_ids)
        self._serializability["memory"] = True
        self._serializability["json"] = False
        self._serializability["pickle"] = False
        self.main_shm_owner = bool(main_shm_owner)
        self.shm = SharedMemory(shm_name, create=False)
        self.shm_spikes: np.ndarray = np.ndarray(
            shape=shape, dtype=np.dtype(dtype), buffer=self.shm.buf
        )
        n_seg = check_spike_vector(self.shm_spikes, self.get_num_units(), num_segments)
        _add_vector_segments(self, self.shm_spikes, n_seg)
        self._kwargs = dict(
            shm_name=shm_name,
            shape=shape,
            sampling_frequency=sampling_frequency,
            unit_ids=unit_ids,
            dtype=np.dtype(dtype).descr,
            main_shm_owner=False,  # instances rebuilt from the dict never unlink
        )
        if num_segments is not None:
            self._kwargs["num_segments"] = int(num_segments)

    @classmethod
    def _holds_vector(cls) -> bool:
        return True

    def __del__(self) -> None:
        shm = getattr(self, "shm", None)
        if shm is None:
            return
        # drop the views on the buffer before closing it
        self._segments = []
        self._cached_spike_vector = None
        self._cached_unit_trains = None
        self.shm_spikes = np.zeros(0, dtype=SPIKE_DTYPE)
        try:
            shm.close()
            if self.main_shm_owner:
                shm.unlink()
        except (BufferError, FileNotFoundError):  # pragma: no cover - views still alive
            pass

    @staticmethod
    def from_sorting(
        source_sorting: BaseSorting, with_metadata: bool = False
    ) -> SharedMemorySorting:
        """A shared-memory copy of any sorting."""
        spikes = source_sorting.to_spike_vector()
        shm_spikes, shm = make_shared_array(spikes.shape, spikes.dtype)
        shm_spikes[:] = spikes
        sorting = SharedMemorySorting(
            shm.name,
            spikes.shape,
            source_sorting.get_sampling_frequency(),
            source_sorting.unit_ids,
            dtype=spikes.dtype,
            main_shm_owner=True,
            num_segments=source_sorting.get_num_segments(),
        )
        del shm_spikes
        shm.close()
        for src, dst in zip(source_sorting.segments, sorting.segments, strict=True):
            dst._t_start = src._t_start
            dst._native_t_start = src._native_t_start
        if with_metadata:
            source_sorting.copy_metadata(sorting)
        return sorting
