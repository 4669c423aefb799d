"""NumpySorting and SharedMemorySorting: constructors, their checks, shared memory."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

import memphys.ephys as si
from memphys.ephys.sorting_tools import SPIKE_DTYPE
from memphys.errors import ExtractorValueError, MemphysTypeError, ShapeMismatchError


def test_from_samples_and_labels_sorts_spikes_with_their_labels():
    samples = np.array([30, 10, 20, 10])
    labels = np.array(["b", "a", "b", "c"])
    s = si.NumpySorting.from_samples_and_labels(samples, labels, 1000.0)
    assert s.unit_ids.tolist() == ["a", "b", "c"]
    v = s.to_spike_vector()
    assert v["sample_index"].tolist() == [10, 10, 20, 30]
    assert v["unit_index"].tolist() == [0, 2, 1, 1]  # ties ordered by unit
    assert s.get_unit_spike_train("b").tolist() == [20, 30]


def test_unit_ids_select_and_order_units_and_drop_other_labels():
    s = si.NumpySorting.from_samples_and_labels(
        [np.array([1, 2, 3, 4])], [np.array([5, 6, 7, 5])], 100.0, unit_ids=[7, 5]
    )
    assert s.unit_ids.tolist() == [7, 5]
    assert s.count_num_spikes_per_unit() == {7: 1, 5: 2}
    assert s.to_spike_vector().size == 3  # the spike of unit 6 is not kept


def test_bad_samples_and_labels_get_clear_errors():
    with pytest.raises(ShapeMismatchError, match="expected 2 labels"):
        si.NumpySorting.from_samples_and_labels(np.array([1, 2]), np.array([0]), 1000.0)
    with pytest.raises(ExtractorValueError, match="sample indices >= 0"):
        si.NumpySorting.from_samples_and_labels(np.array([1, -2]), np.array([0, 0]), 1000.0)
    with pytest.raises(ExtractorValueError, match="frames, not seconds"):
        si.NumpySorting.from_samples_and_labels(np.array([0.25]), np.array([0]), 1000.0)
    with pytest.raises(ExtractorValueError, match="sampling_frequency"):
        si.NumpySorting.from_samples_and_labels(np.array([1]), np.array([0]), float("nan"))


def test_from_times_and_labels_rounds_to_samples_and_older_spellings():
    s = si.NumpySorting.from_times_and_labels(np.array([0.0101, 0.02]), np.array([1, 1]), 1000.0)
    assert s.get_unit_spike_train(1).tolist() == [10, 20]
    old = si.NumpySorting.from_times_labels([np.array([5, 3])], [np.array([0, 0])], 1000.0)
    assert old.get_unit_spike_train(0).tolist() == [3, 5]  # samples, as SpikeInterface < 0.100


def test_from_unit_dict_accepts_lists_sorts_trains_and_keeps_empty_segments():
    s = si.NumpySorting.from_unit_dict(
        [{"a": [5, 1], "b": np.array([2])}, {"a": [], "b": []}], 10.0
    )
    assert s.get_num_segments() == 2
    assert s.get_unit_spike_train("a", segment_index=0).tolist() == [1, 5]
    assert s.get_unit_spike_train("a", segment_index=1).size == 0
    with pytest.raises(ExtractorValueError, match="unit ids of segment 0"):
        si.NumpySorting.from_unit_dict([{"a": [1]}, {"b": [1]}], 10.0)
    empty = si.NumpySorting.from_unit_dict({}, 30000)
    assert empty.get_num_units() == 0
    assert empty.to_spike_vector().shape == (0,)


def test_direct_constructor_refuses_unsorted_or_out_of_range_vectors():
    spikes = np.zeros(3, dtype=SPIKE_DTYPE)
    spikes["sample_index"] = [3, 1, 2]
    with pytest.raises(ExtractorValueError, match="sorted by sample_index"):
        si.NumpySorting(spikes, 1000.0, [0])
    spikes["sample_index"] = [1, 2, 3]
    spikes["unit_index"] = [0, 1, 0]
    with pytest.raises(ExtractorValueError, match=r"unit indices in \[0, 1\)"):
        si.NumpySorting(spikes, 1000.0, [0])
    with pytest.raises(MemphysTypeError, match="spike vector"):
        si.NumpySorting(np.arange(3), 1000.0, [0])
    s = si.NumpySorting(spikes, 1000.0, ["x", "y"], num_segments=3)
    assert s.get_num_segments() == 3


def test_the_spike_vector_is_referenced_not_copied():
    s = si.generate_sorting(num_units=3, durations=[1.0], seed=0)
    clone = si.load(s.to_dict())
    assert np.shares_memory(clone._cached_spike_vector, s._cached_spike_vector)
    again = pickle.loads(pickle.dumps(s))  # a copy, for other processes
    assert np.array_equal(again.to_spike_vector(), s.to_spike_vector())


def test_from_neo_spiketrains():
    neo = pytest.importorskip("neo")
    import quantities as pq

    trains = [
        neo.SpikeTrain([0.1, 0.2] * pq.s, t_stop=1.0),
        neo.SpikeTrain([0.15] * pq.s, t_stop=1.0),
    ]
    s = si.NumpySorting.from_neo_spiketrain_list(trains, sampling_frequency=100.0)
    assert s.get_unit_spike_train(0).tolist() == [10, 20]
    assert s.get_unit_spike_train(1).tolist() == [15]


def test_shared_memory_sorting_is_shared_by_rebuilt_copies():
    s = si.generate_sorting(num_units=4, durations=[1.0, 0.5], seed=3)
    shm = si.SharedMemorySorting.from_sorting(s)
    copy = si.load(shm.to_dict())
    assert copy.shm.name == shm.shm.name
    assert not copy.main_shm_owner
    assert np.array_equal(copy.to_spike_vector(), s.to_spike_vector())
    assert (
        copy.get_unit_spike_train("2", segment_index=1).tolist()
        == s.get_unit_spike_train("2", segment_index=1).tolist()
    )
    empty = si.SharedMemorySorting.from_sorting(si.NumpySorting.from_unit_dict({0: []}, 10.0))
    assert empty.to_spike_vector().size == 0  # SpikeInterface refuses empty sortings
    del copy, shm, empty


def test_from_peaks_and_to_numpy_sorting_keep_metadata():
    peaks = np.zeros(
        3, dtype=[("sample_index", "int64"), ("channel_index", "int64"), ("segment_index", "int64")]
    )
    peaks["sample_index"] = [5, 1, 5]
    peaks["channel_index"] = [1, 0, 0]
    s = si.NumpySorting.from_peaks(peaks, 1000.0, unit_ids=["c0", "c1"])
    assert s.to_spike_vector()["unit_index"].tolist() == [0, 0, 1]
    s.set_property("quality", ["good", "bad"])
    s.annotate(lab="x")
    copy = si.NumpySorting.from_sorting(s, with_metadata=True, copy_spike_vector=True)
    assert copy.get_property("quality").tolist() == ["good", "bad"]
    assert copy.get_annotation("lab") == "x"
    assert not np.shares_memory(copy.to_spike_vector(), s.to_spike_vector())
