"""Spike-vector tools against plain-numpy references (hypothesis), and their errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.ephys._sorting_helpers import reference_vector

from memphys.ephys.sorting_tools import (
    SPIKE_DTYPE,
    check_sample_array,
    check_spike_vector,
    count_spikes_per_unit,
    remap_unit_indices_in_vector,
    reorder_spike_vector_by_unit_and_segment,
    sort_spike_vector,
    spike_vector_to_indices,
    spike_vector_to_spike_trains,
    spikes_from_samples_and_labels,
    unit_compact_trains,
)
from memphys.errors import ExtractorValueError, MemphysTypeError, ShapeMismatchError


@st.composite
def segments(draw, max_units=6, max_segments=3, max_spikes=60):
    n_units = draw(st.integers(1, max_units))
    n_seg = draw(st.integers(1, max_segments))
    samples, labels = [], []
    for _ in range(n_seg):
        n = draw(st.integers(0, max_spikes))
        samples.append(
            np.array(draw(st.lists(st.integers(0, 50), min_size=n, max_size=n)), dtype=np.int64)
        )
        labels.append(
            np.array(
                draw(st.lists(st.integers(0, n_units - 1), min_size=n, max_size=n)), dtype=np.int64
            )
        )
    return n_units, samples, labels


def _vector(samples, labels, n_units):
    return spikes_from_samples_and_labels(samples, labels, np.arange(n_units))[0]


@settings(max_examples=60, deadline=None)
@given(segments())
def test_spikes_from_samples_and_labels_matches_a_lexsort(data):
    n_units, samples, labels = data
    spikes, _ids = spikes_from_samples_and_labels(samples, labels, np.arange(n_units))
    assert np.array_equal(spikes, reference_vector(samples, labels, np.arange(n_units)))
    check_spike_vector(spikes, n_units, len(samples))


@settings(max_examples=40, deadline=None)
@given(segments(), st.sampled_from(["int", "str", "subset"]))
def test_labels_of_any_kind_and_unit_id_subsets(data, kind):
    n_units, samples, labels = data
    if kind == "str":
        labels = [np.array([f"u{x}" for x in lab.tolist()], dtype="U4") for lab in labels]
        ids = np.array([f"u{i}" for i in range(n_units)])
    elif kind == "subset":
        ids = np.arange(n_units)[::2][::-1]  # a subset, in another order
    else:
        ids = None
    spikes, got_ids = spikes_from_samples_and_labels(samples, labels, ids)
    ref_ids = (
        got_ids
        if ids is not None
        else np.unique(np.concatenate(labels))
        if sum(x.size for x in labels)
        else got_ids
    )
    assert np.array_equal(got_ids, ref_ids)
    assert np.array_equal(spikes, reference_vector(samples, labels, got_ids))


@settings(max_examples=60, deadline=None)
@given(segments())
def test_unit_compact_trains_equal_boolean_masks(data):
    n_units, samples, labels = data
    spikes = _vector(samples, labels, n_units)
    values, slices = unit_compact_trains(spikes, n_units, len(samples))
    for u in range(n_units):
        for s in range(len(samples)):
            ref = spikes["sample_index"][
                (spikes["unit_index"] == u) & (spikes["segment_index"] == s)
            ]
            a, b = slices[u, s]
            assert np.array_equal(values[a:b], ref)
    assert np.array_equal(
        count_spikes_per_unit(spikes, n_units), np.bincount(spikes["unit_index"], minlength=n_units)
    )


@settings(max_examples=60, deadline=None)
@given(segments(), st.booleans())
def test_reorder_equals_a_stable_argsort(data, unit_major):
    n_units, samples, labels = data
    n_seg = len(samples)
    spikes = _vector(samples, labels, n_units)
    ordered, order, counts = reorder_spike_vector_by_unit_and_segment(
        spikes, n_units, n_seg, unit_major
    )
    key = (
        spikes["unit_index"] * n_seg + spikes["segment_index"]
        if unit_major
        else spikes["segment_index"] * n_units + spikes["unit_index"]
    )
    ref_order = np.argsort(key, kind="stable")
    assert np.array_equal(order, ref_order)
    assert np.array_equal(ordered, spikes[ref_order])
    assert np.array_equal(counts, np.bincount(key, minlength=n_units * n_seg))


def test_reorder_of_a_vector_with_an_extra_field_and_of_a_non_flat_layout():
    spikes = _vector([np.array([3, 1, 2])], [np.array([1, 0, 1])], 2)
    extra = np.zeros(3, dtype=[*SPIKE_DTYPE.descr, ("channel_index", "int64")])
    for f in SPIKE_DTYPE.names:
        extra[f] = spikes[f]
    extra["channel_index"] = [7, 8, 9]
    ordered, order, _ = reorder_spike_vector_by_unit_and_segment(extra, 2, 1)
    assert ordered["channel_index"].tolist() == [*[7, 8, 9][0:1], 8, 9]
    assert order.tolist() == [
        0,
        1,
        2,
    ]
    odd = np.zeros(
        3, dtype=[("unit_index", "int32"), ("sample_index", "int64"), ("segment_index", "int16")]
    )
    odd["unit_index"] = [1, 0, 1]
    odd["sample_index"] = [1, 2, 3]
    ordered, order, counts = reorder_spike_vector_by_unit_and_segment(odd, 2, 1)
    assert order.tolist() == [1, 0, 2]
    assert counts.tolist() == [1, 2]


def test_check_spike_vector_names_the_first_bad_spike():
    good = _vector([np.array([1, 2, 3])], [np.array([0, 1, 0])], 2)
    assert check_spike_vector(good, 2) == 1
    for field, value, words in [
        ("sample_index", -1, "sample indices >= 0"),
        ("unit_index", 5, "unit indices in [0, 2)"),
    ]:
        bad = good.copy()
        bad[field][1] = value
        with pytest.raises(ExtractorValueError, match=r"spike 1 .*") as info:
            check_spike_vector(bad, 2)
        assert words in str(info.value)
    unsorted = good.copy()
    unsorted["sample_index"] = [3, 2, 1]
    with pytest.raises(ExtractorValueError, match=r"sorted by sample_index.*sort_spike_vector"):
        check_spike_vector(unsorted, 2)
    assert check_spike_vector(sort_spike_vector(unsorted), 2) == 1
    with pytest.raises(MemphysTypeError, match="spike vector"):
        check_spike_vector(np.zeros(3), 2)


def test_sample_checks_refuse_negative_fractional_and_non_numeric_samples():
    assert check_sample_array(np.array([3.0, 4.0])).dtype == np.int64
    with pytest.raises(ExtractorValueError, match=r"sample indices >= 0.*-2 at position 1"):
        check_sample_array([1, -2])
    with pytest.raises(
        ExtractorValueError, match=r"frames, not seconds.*0.5 at position 0.*from_times_and_labels"
    ):
        check_sample_array([0.5, 1.0])
    with pytest.raises(ExtractorValueError, match="integer sample indices"):
        check_sample_array(np.array(["a"]))
    with pytest.raises(ExtractorValueError, match="integer sample indices"):
        check_sample_array(np.array([True]))


def test_length_and_segment_mismatches_are_shape_errors():
    with pytest.raises(ShapeMismatchError, match=r"labels_list\[0\]`: expected 3 labels"):
        spikes_from_samples_and_labels([np.arange(3)], [np.arange(2)])
    with pytest.raises(ShapeMismatchError, match="one labels array per samples array"):
        spikes_from_samples_and_labels([np.arange(3)], [np.arange(3), np.arange(3)])


def test_remap_and_per_unit_views():
    spikes = _vector([np.array([1, 2, 3, 4])], [np.array([0, 1, 2, 1])], 3)
    new, keep = remap_unit_indices_in_vector(
        spikes, np.array(["a", "b", "c"]), np.array(["c", "b"])
    )
    assert keep.tolist() == [False, True, True, True]
    assert new["unit_index"].tolist() == [1, 0, 1]
    trains = spike_vector_to_spike_trains([spikes], np.array(["a", "b", "c"]))
    assert trains[0]["b"].tolist() == [2, 4]
    idx = spike_vector_to_indices([spikes, spikes], np.array(["a", "b", "c"]), absolute_index=True)
    assert idx[1]["b"].tolist() == [5, 7]
