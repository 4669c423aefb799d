"""append, concatenate, split and select segments of sortings."""

from __future__ import annotations

import numpy as np
import pytest
from tests.ephys._sorting_helpers import recordings

import memphys.ephys as si
from memphys.errors import ExtractorValueError


@pytest.fixture
def two():
    a = si.generate_sorting(num_units=3, durations=[1.0, 0.5], firing_rates=30.0, seed=7)
    b = si.generate_sorting(num_units=3, durations=[0.8], firing_rates=30.0, seed=8)
    return a, b


def test_append(two):
    a, b = two
    app = si.append_sortings([a, b])
    assert app.get_num_segments() == 3
    assert np.array_equal(
        app.get_unit_spike_train("1", segment_index=2), b.get_unit_spike_train("1")
    )
    v = app.to_spike_vector(concatenated=False)
    assert np.array_equal(
        v[1]["sample_index"], a.to_spike_vector(concatenated=False)[1]["sample_index"]
    )
    assert (v[2]["segment_index"] == 2).all()
    assert np.array_equal(
        app.count_num_spikes_per_unit(outputs="array"),
        a.count_num_spikes_per_unit(outputs="array") + b.count_num_spikes_per_unit(outputs="array"),
    )
    with pytest.raises(ExtractorValueError, match="same unit_ids"):
        si.append_sortings([a, a.rename_units(list("xyz"))])


def test_concatenate_with_lengths(two):
    a, b = two
    mono_a = si.select_segment_sorting(a, 0)
    cat = si.concatenate_sortings([mono_a, b], total_samples_list=[30000, 24000])
    assert cat.get_num_segments() == 1
    assert cat.get_num_samples() == 54000
    ref = np.concatenate([mono_a.get_unit_spike_train("2"), b.get_unit_spike_train("2") + 30000])
    assert np.array_equal(cat.get_unit_spike_train("2"), ref)
    part = cat.get_unit_spike_train("2", start_frame=25000, end_frame=35000)
    assert np.array_equal(part, ref[(ref >= 25000) & (ref < 35000)])
    v = cat.to_spike_vector()
    assert np.array_equal(v["sample_index"][v["unit_index"] == 2], ref)
    with pytest.raises(ExtractorValueError, match="registered recording"):
        si.concatenate_sortings([mono_a, b])
    with pytest.raises(ExtractorValueError, match="monosegment"):
        si.concatenate_sortings([a, b], total_samples_list=[1, 2])
    with pytest.raises(ExtractorValueError, match="exceed the provided number of samples"):
        si.concatenate_sortings([mono_a, b], total_samples_list=[10, 24000])


def test_split_and_select(two):
    a, _ = two
    mono = si.concatenate_sortings(
        [si.select_segment_sorting(a, 0), si.select_segment_sorting(a, 1)],
        total_samples_list=[30000, 15000],
    )
    rec_mod = recordings()
    recs = [
        rec_mod.NumpyRecording(np.zeros((30000, 1)), 30000.0),
        rec_mod.NumpyRecording(np.zeros((15000, 1)), 30000.0),
    ]
    split = si.split_sorting(mono, recs)
    assert split.get_num_segments() == 2
    for seg in range(2):
        assert np.array_equal(
            split.get_unit_spike_train("0", segment_index=seg),
            a.get_unit_spike_train("0", segment_index=seg),
        )
    assert np.array_equal(split.to_spike_vector(), a.to_spike_vector())


def test_select_segments(two):
    a, _ = two
    sel = si.select_segment_sorting(a, [1, 0])
    assert np.array_equal(
        sel.get_unit_spike_train("0", segment_index=0), a.get_unit_spike_train("0", segment_index=1)
    )
    assert (sel.to_spike_vector(concatenated=False)[1]["segment_index"] == 1).all()
    assert a.select_segments([1]).get_num_segments() == 1
    with pytest.raises(ExtractorValueError, match="segment indices between 0 and 1"):
        si.select_segment_sorting(a, 5)


def test_concatenate_with_registered_recordings(two):
    rec_mod = recordings()
    a, b = two
    mono_a = si.select_segment_sorting(a, 0)
    rec_a = rec_mod.NumpyRecording(np.zeros((30000, 2), "float32"), 30000.0)
    rec_b = rec_mod.NumpyRecording(np.zeros((24000, 2), "float32"), 30000.0)
    mono_a.register_recording(rec_a)
    b.register_recording(rec_b)
    cat = si.concatenate_sortings([mono_a, b])
    assert cat.has_recording()
    assert cat._recording.get_num_samples() == 54000
    ref = np.concatenate([mono_a.get_unit_spike_train("1"), b.get_unit_spike_train("1") + 30000])
    assert np.array_equal(cat.get_unit_spike_train("1"), ref)
    assert np.allclose(cat.get_unit_spike_train("1", return_times=True), ref / 30000.0)
    with pytest.raises(ExtractorValueError, match="total_samples_list=None"):
        si.concatenate_sortings([mono_a, b], total_samples_list=[1, 2])
    with pytest.raises(ExtractorValueError, match="does not handle Sorting t_start"):
        si.concatenate_sortings([mono_a, b], ignore_times=False)
