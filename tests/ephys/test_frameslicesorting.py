"""FrameSliceSorting: lazy frame slices, with and without a registered recording."""

from __future__ import annotations

import numpy as np
import pytest
from tests.ephys._sorting_helpers import recordings

import memphys.ephys as si
from memphys.errors import ExtractorValueError


@pytest.fixture
def sorting():
    return si.NumpySorting.from_unit_dict(
        {"a": np.arange(100, 900, 7), "b": np.arange(110, 880, 13)}, 10.0
    )


def test_slice_shifts_frames_and_start_time(sorting):
    sub = sorting.frame_slice(200, 500)
    a = sorting.get_unit_spike_train("a")
    assert np.array_equal(sub.get_unit_spike_train("a"), a[(a >= 200) & (a < 500)] - 200)
    assert np.array_equal(
        sub.get_unit_spike_train("a", start_frame=10, end_frame=50), a[(a >= 210) & (a < 250)] - 200
    )
    v = sub.to_spike_vector()
    ref = sorting.to_spike_vector()
    ref = ref[(ref["sample_index"] >= 200) & (ref["sample_index"] < 500)].copy()
    ref["sample_index"] -= 200
    assert np.array_equal(v, ref)
    assert sub.get_start_time() == 20.0
    assert sub.get_parent() is sorting
    shifted = sorting.frame_slice(0, None)
    assert shifted.to_spike_vector()[-1]["sample_index"] == sorting.get_last_spike_frame()


def test_slice_errors_without_recording(sorting):
    with pytest.raises(ExtractorValueError, match="start_frame` should be less"):
        sorting.frame_slice(100, 90)
    with pytest.raises(ExtractorValueError, match="start_frame` should be less"):
        sorting.frame_slice(900, None)  # past the last spike
    with pytest.raises(ExtractorValueError, match="start_frame"):
        sorting.frame_slice(-1, 10)
    two = si.NumpySorting.from_unit_dict([{"a": [1]}, {"a": [2]}], 10.0)
    with pytest.raises(ExtractorValueError, match="one segment"):
        two.frame_slice(0, 1)


def test_slice_with_a_registered_recording(sorting):
    rec_mod = recordings()
    rec = rec_mod.NumpyRecording(np.zeros((1000, 2)), sampling_frequency=10.0)
    sorting.register_recording(rec)
    sub = sorting.frame_slice(None, None)
    assert sub._recording.get_total_samples() == 1000
    assert sorting.frame_slice(950, None).get_unit_spike_train("a").size == 0
    with pytest.raises(ExtractorValueError, match="end_frame"):
        sorting.frame_slice(0, 1001)
