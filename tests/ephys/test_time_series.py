"""Times of recordings: start times through the regular time index, time vectors (in
memory, memmap, zarr), their checks, shifts and conversions."""

from __future__ import annotations

import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memphys.ephys as si
from memphys.errors import ExtractorValueError, TimeIndexError


@settings(max_examples=40, deadline=None)
@given(
    t0=st.one_of(st.none(), st.floats(-1e4, 1e4, allow_nan=False)),
    fs=st.sampled_from([1000.0, 20000.0, 30000.0, 1250.0, 32768.0]),
    a=st.integers(0, 2000),
    length=st.integers(0, 3000),
)
def test_regular_times_are_spikeinterface_formula(t0, fs, a, length):
    rec = si.NumpyRecording(np.zeros((5000, 1)), fs, t_starts=None if t0 is None else [t0])
    b = min(5000, a + length)
    got = rec.get_times(start_frame=a, end_frame=b)
    expected = np.arange(a, b, dtype="float64") / fs
    if t0 is not None:
        expected += t0
    assert np.array_equal(got, expected)  # bit for bit
    if b > a:
        i = (a + b) // 2
        assert rec.sample_index_to_time(i) == expected[i - a]
        assert rec.time_to_sample_index(expected[i - a]) == i


def test_regular_index_is_o1_memory():
    rec = si.generate_recording(num_channels=2, durations=[3600.0], seed=0)
    idx = rec.segments[0].time_index
    assert type(idx).__name__ == "RegularTimeIndex"
    assert idx.nbytes < 100
    assert rec.segments[0]._time_vector is None  # no float64 vector was made


def test_set_times_checks():
    rec = si.generate_recording(num_channels=2, durations=[0.01], seed=0)  # 300 samples
    with pytest.raises(ExtractorValueError, match="expected 300 times"):
        rec.set_times(np.arange(299) / 1e3)
    with pytest.raises(ExtractorValueError, match="1-D"):
        rec.set_times(np.zeros((300, 1)))
    bad = np.arange(300) / 1e3
    bad[[10, 11]] = bad[[11, 10]]
    with pytest.raises(TimeIndexError, match="sorted"):
        rec.set_times(bad)
    bad = np.arange(300) / 1e3
    bad[5] = np.nan
    with pytest.raises(TimeIndexError):
        rec.set_times(bad)
    assert not rec.has_time_vector()  # nothing was set by the failed calls


def test_time_vector_in_memory_and_conversions():
    rec = si.generate_recording(num_channels=2, durations=[0.01], seed=0)
    times = 50.0 + np.cumsum(np.full(300, 1e-3))
    rec.set_times(times)
    assert rec.has_time_vector()
    assert rec.get_start_time() == times[0]
    assert rec.get_end_time() == times[-1]
    assert rec.time_to_sample_index(times[42]) == 42
    assert rec.time_to_sample_index(times[42] + 1e-4) == 42  # last sample at or before
    assert rec.sample_index_to_time(7) == times[7]
    assert rec.get_duration() == times[-1] - times[0] + 1 / 30000.0
    original = times.copy()
    rec.shift_times(2.0)  # in place, as in SpikeInterface: the caller's array moves too
    assert np.array_equal(rec.get_times(), original + 2.0)
    assert times is rec.segments[0]._time_vector
    rec.reset_times()
    assert not rec.has_time_vector()
    assert rec.get_time_info()["t_start"] is None


def test_time_vector_on_disk_stays_on_disk(tmp_path):
    rec = si.generate_recording(num_channels=2, durations=[1.0], seed=0)
    times = 3.0 + np.arange(30000) / 30000.0
    rec.set_times(times)
    saved = rec.save(folder=tmp_path / "b", progress_bar=False)
    tv = saved.segments[0]._time_vector
    assert isinstance(tv, np.memmap)
    assert not tv.flags.writeable
    saved.shift_times(1.5)  # lazily shifted: no copy of the vector
    assert type(saved.segments[0]._time_vector).__name__ == "ShiftedTimes"
    assert np.array_equal(saved.get_times(start_frame=10, end_frame=20), times[10:20] + 1.5)
    assert saved.time_to_sample_index(times[100] + 1.5) == 100
    z = rec.save(format="zarr", folder=tmp_path / "z", progress_bar=False)
    assert type(z.segments[0]._time_vector).__name__ == "ZarrArray"
    assert z.time_to_sample_index(times[20000]) == 20000
    assert np.array_equal(z.get_times(), times)


def test_frame_slice_reads_times_through_parent():
    rec = si.generate_recording(num_channels=2, durations=[1.0], seed=0)
    times = 10.0 + np.arange(30000) / 30000.0
    rec.set_times(times)
    sub = rec.frame_slice(1000, 2000)
    assert sub.has_time_vector()
    assert np.array_equal(sub.get_times(), times[1000:2000])
    assert sub.time_to_sample_index(times[1500]) == 500
    assert sub.sample_index_to_time(3) == times[1003]


def test_set_times_keeps_a_float64_memmap(tmp_path):
    path = tmp_path / "t.f8"
    (np.arange(300) / 1e3).tofile(path)
    rec = si.generate_recording(num_channels=2, durations=[0.01], seed=0)
    rec.set_times(np.memmap(path, dtype="float64", mode="r"))
    assert isinstance(rec.segments[0]._time_vector, np.memmap)


def test_t_starts_of_generated_recordings():
    rec = si.generate_recording(durations=[1.0, 1.0], t_starts=[5.0, 100.0], seed=0)
    assert rec.get_start_time(1) == 100.0
    assert rec.get_segment_t_starts() == [5.0, 100.0]
    with pytest.raises(ExtractorValueError, match="t_start"):
        rec.segments[0]._t_start = float("nan")


def test_memphys_core_not_imported_by_sample_to_time():
    # sample_index_to_time on regular times is arithmetic (no time-index import needed)
    rec = si.generate_recording(durations=[1.0], seed=0)
    assert rec.sample_index_to_time(30000) == 1.0
    assert "memphys.ephys" in sys.modules
