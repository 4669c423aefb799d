"""BaseRecording: get_traces (frames, channels, scaling), slicing errors, repr."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memphys.ephys as si
from memphys.ephys.baserecording import scale_traces
from memphys.errors import ExtractorValueError

TRACES = np.random.default_rng(5).integers(-3000, 3000, size=(500, 6), dtype=np.int16)


@pytest.fixture
def rec():
    r = si.NumpyRecording(TRACES, 1000.0)
    r.set_channel_gains(np.linspace(0.1, 0.6, 6))
    r.set_channel_offsets(np.linspace(-1, 1, 6))
    return r


@settings(max_examples=60, deadline=None)
@given(
    a=st.integers(0, 500),
    b=st.integers(0, 600),
    ch=st.lists(st.integers(0, 5), min_size=1, max_size=6, unique=True),
    scaled=st.booleans(),
)
def test_get_traces_matches_numpy(a, b, ch, scaled):
    rec = si.NumpyRecording(TRACES, 1000.0)
    rec.set_channel_gains(np.linspace(0.1, 0.6, 6))
    rec.set_channel_offsets(np.linspace(-1, 1, 6))
    b = min(b, 500)
    if a > b:
        with pytest.raises(ExtractorValueError, match="start_frame"):
            rec.get_traces(start_frame=a, end_frame=b)
        return
    got = rec.get_traces(start_frame=a, end_frame=b, channel_ids=ch, return_in_uV=scaled)
    expected = TRACES[a:b][:, ch]
    if scaled:  # SpikeInterface's formula, in float32
        g = np.linspace(0.1, 0.6, 6)[ch].astype("float32")
        o = np.linspace(-1, 1, 6)[ch].astype("float32")
        expected = expected.astype("float32") * g + o
        assert got.dtype == np.float32
    assert np.array_equal(got, expected)


def test_end_frame_is_clipped_and_order(rec):
    assert rec.get_traces(start_frame=490, end_frame=10_000).shape == (10, 6)
    f = rec.get_traces(order="F")
    assert f.flags.f_contiguous
    assert np.array_equal(f, TRACES)
    with pytest.raises(ExtractorValueError, match="order"):
        rec.get_traces(order="X")
    with pytest.raises(ExtractorValueError, match="start_frame"):
        rec.get_traces(start_frame=-1)


def test_return_in_uV_needs_gains_for_integer_traces():
    rec = si.NumpyRecording(TRACES, 1000.0)
    with pytest.raises(ValueError, match="return_in_uV"):
        rec.get_traces(return_in_uV=True)
    frec = si.NumpyRecording(TRACES.astype("float32"), 1000.0)
    assert frec.get_traces(return_in_uV=True).dtype == np.float32  # float: taken as scaled


def test_return_scaled_is_the_older_spelling(rec):
    with pytest.warns(FutureWarning, match="`return_scaled` is deprecated"):
        old = rec.get_traces(return_scaled=True)
    assert np.array_equal(old, rec.get_traces(return_in_uV=True))


def test_scale_traces_skips_zero_offsets():
    x = np.array([[1, -2]], dtype="int16")
    assert np.array_equal(scale_traces(x, [2.0, 3.0], [0, 0]), [[2.0, -6.0]])
    assert np.array_equal(scale_traces(x, [2.0, 3.0], [1, 0]), [[3.0, -6.0]])


def test_gains_of_the_wrong_length_are_refused(rec):
    with pytest.raises(ExtractorValueError, match=r"gains.*one scalar or 6 values"):
        rec.set_channel_gains([1.0, 2.0])
    with pytest.raises(ExtractorValueError, match="offsets"):
        rec.set_channel_offsets(np.ones((6, 2)))


def test_time_slice_errors_and_frames():
    rec = si.generate_recording(durations=[1.0], num_channels=2, seed=0)
    rec.shift_times(1.0)
    sub = rec.time_slice(1.1, 1.5)
    assert np.array_equal(sub.get_traces(), rec.get_traces(start_frame=3000, end_frame=15000))
    for args, msg in (
        ((0.5, None), "start_time 0.5 is before"),
        ((3.0, None), "start_time 3.0 is after"),
        ((None, 0.5), "end_time 0.5 is before"),
        ((None, 3.0), "end_time 3.0 is after"),
    ):
        with pytest.raises(ValueError, match=msg):
            rec.time_slice(*args)
    two = si.generate_recording(durations=[1.0, 1.0], seed=0)
    with pytest.raises(ExtractorValueError, match="single segment"):
        two.time_slice(0.1, 0.2)


def test_repr_and_sizes():
    rec = si.generate_recording(num_channels=4, durations=[1.0, 2.0], seed=0)
    text = repr(rec)
    assert "4 channels" in text
    assert "30.0kHz" in text
    assert "Segments:" in text
    assert rec.get_total_samples() == 90_000
    assert rec.get_memory_size(1) == 60_000 * 4 * 4
    assert rec.get_sample_size_in_bytes(dtype="int16") == 8


def test_astype_is_lazy_and_rounds():
    rec = si.NumpyRecording(np.array([[0.4], [1.6], [-2.6]] * 4, dtype="float32"), 1000.0)
    cast = rec.astype("int16")
    assert cast.get_dtype() == np.int16
    assert cast.get_traces()[:3, 0].tolist() == [0, 2, -3]


def test_remove_channels_older_spelling_and_errors():
    rec = si.generate_recording(num_channels=4, durations=[0.1], seed=0)
    assert rec.remove_channels(channel_ids=["0"]).channel_ids.tolist() == ["1", "2", "3"]
    with pytest.raises(ValueError, match="not in recording ids"):
        rec.remove_channels(["0", 1])
    with pytest.raises(ExtractorValueError, match="remove_channel_ids"):
        rec.remove_channels()
