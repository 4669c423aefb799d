"""aggregate_units: lazy unit aggregation."""

from __future__ import annotations

import numpy as np
import pytest

import memphys.ephys as si
from memphys.errors import ExtractorValueError


def _three():
    return [
        si.generate_sorting(num_units=3, durations=[2.0, 1.0], firing_rates=20.0, seed=s)
        for s in (1, 2, 3)
    ]


def test_trains_come_from_their_sorting_and_the_vector_merges():
    sortings = _three()
    agg = si.aggregate_units(sortings)
    assert agg.get_num_units() == 9
    assert agg.unit_ids.tolist() == [str(i) for i in range(9)]
    assert np.array_equal(
        agg.get_unit_spike_train("4", segment_index=1),
        sortings[1].get_unit_spike_train("1", segment_index=1),
    )
    v = agg.to_spike_vector()
    pieces = []
    for k, s in enumerate(sortings):
        p = s.to_spike_vector().copy()
        p["unit_index"] += 3 * k
        pieces.append(p)
    ref = np.concatenate(pieces)
    ref = ref[np.lexsort((ref["unit_index"], ref["sample_index"], ref["segment_index"]))]
    assert np.array_equal(v, ref)
    assert np.array_equal(
        agg.count_num_spikes_per_unit(outputs="array"),
        np.concatenate([s.count_num_spikes_per_unit(outputs="array") for s in sortings]),
    )


def test_ids_kept_when_unique_else_renumbered():
    a = si.NumpySorting.from_unit_dict({"u1": [1]}, 10.0)
    b = si.NumpySorting.from_unit_dict({"u2": [2]}, 10.0)
    assert si.aggregate_units([a, b]).unit_ids.tolist() == ["u1", "u2"]
    assert si.aggregate_units([a, a]).unit_ids.tolist() == ["0", "1"]
    c = si.NumpySorting.from_unit_dict({5: [1]}, 10.0)
    assert si.aggregate_units([c, c]).unit_ids.tolist() == [0, 1]
    keyed = si.aggregate_units({"x": a, "y": b})
    assert keyed.get_property("aggregation_key").tolist() == ["x", "y"]


def test_aggregation_errors():
    a = si.NumpySorting.from_unit_dict({0: [1]}, 30000.0)
    b = si.NumpySorting.from_unit_dict({0: [1]}, 30000.5)
    with pytest.raises(ValueError, match=r"differ by `0.5`Hz"):
        si.aggregate_units([a, b])
    with pytest.warns(UserWarning, match="Inconsistent sampling frequency"):
        si.aggregate_units([a, b], sampling_frequency_max_diff=1.0)
    two = si.NumpySorting.from_unit_dict([{0: [1]}, {0: [1]}], 30000.0)
    with pytest.raises(ExtractorValueError, match="num_segments"):
        si.aggregate_units([a, two])
    with pytest.raises(ExtractorValueError, match="right size or has duplicates"):
        si.aggregate_units([a, a], renamed_unit_ids=["x", "x"])


def test_annotations_and_properties_rules():
    s1, s2, s3 = _three()
    for s, area in zip((s1, s2, s3), ("CA1", "CA2", "CA3"), strict=True):
        s.annotate(organ="brain", area=area)
        s.set_property("area", [area] * 3)
    s1.set_property("rand", np.ones(3))
    s1.set_property("mixed", ["a"] * 3)
    s2.set_property("mixed", [1] * 3)
    with pytest.warns(UserWarning, match="Skipping property 'mixed'"):
        agg = si.aggregate_units([s1, s2, s3])
    assert agg.get_annotation("organ") == "brain"
    assert "area" not in agg.get_annotation_keys()
    assert agg.get_property("area").tolist() == ["CA1"] * 3 + ["CA2"] * 3 + ["CA3"] * 3
    assert np.isnan(agg.get_property("rand")[3:]).all()
