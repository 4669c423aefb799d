"""Channel slices, frame slices, channel aggregation and segment utilities against numpy,
including random reads (hypothesis), and their laziness (no read at construction)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memphys.ephys as si
from memphys.errors import ExtractorValueError

RNG = np.random.default_rng(7)
SEGS = [RNG.integers(-100, 100, size=(n, 5), dtype=np.int16) for n in (37, 50, 11)]


class CountingRecording(si.NumpyRecording):
    """Counts the traces read from its segments (to check laziness)."""

    def __init__(self, traces_list, sampling_frequency):
        super().__init__(traces_list, sampling_frequency)
        self.reads = 0
        for seg in self.segments:
            original = seg.get_traces

            def counted(*a, _o=original, **k):
                self.reads += 1
                return _o(*a, **k)

            seg.get_traces = counted


def test_construction_reads_nothing():
    rec = CountingRecording(SEGS, 1000.0)
    rec.set_probe(_probe(5))
    one = si.select_segment_recording(rec, [1])
    objects = [
        rec.select_channels([4, 0]),
        rec.rename_channels(list("abcde")),
        rec.remove_channels([2]),
        one.frame_slice(3, 40),
        one.time_slice(0.003, 0.04),
        si.aggregate_channels([rec, rec.rename_channels(list("vwxyz"))]),
        si.append_recordings([rec, rec]),
        si.concatenate_recordings([rec, rec]),
        si.split_recording(rec)[2],
        rec.astype("float32"),
        rec.split_by("group")[0],
    ]
    assert rec.reads == 0
    assert len(objects) == 11


def _probe(n):
    from probeinterface import generate_linear_probe

    p = generate_linear_probe(num_elec=n)
    p.set_device_channel_indices(np.arange(n))
    return p


@settings(max_examples=50, deadline=None)
@given(
    a=st.integers(0, 98),
    n=st.integers(0, 98),
    ch=st.lists(st.integers(0, 9), min_size=1, max_size=10, unique=True),
)
def test_concatenated_aggregation_reads_match_numpy(a, n, ch):
    left = si.NumpyRecording(SEGS, 1000.0)
    right = si.NumpyRecording([-s for s in SEGS], 1000.0).rename_channels([5, 6, 7, 8, 9])
    agg = si.aggregate_channels([left, right])
    cat = si.concatenate_recordings([agg])
    whole = np.concatenate([np.hstack([s, -s]) for s in SEGS])
    b = min(a + n, 98)
    got = cat.get_traces(start_frame=a, end_frame=b, channel_ids=ch)
    assert np.array_equal(got, whole[a:b][:, ch])  # channels in the requested order


def test_channel_slice_and_rename():
    rec = si.NumpyRecording(SEGS, 1000.0)
    sub = rec.channel_slice([3, 1], renamed_channel_ids=["x", "y"])
    assert sub.channel_ids.tolist() == ["x", "y"]
    assert np.array_equal(sub.get_traces(segment_index=1, channel_ids=["y"]), SEGS[1][:, [1]])
    with pytest.raises(ExtractorValueError, match=r"IDs \[9\]"):
        rec.select_channels([9])
    with pytest.raises(AssertionError):  # SpikeInterface raises AssertionError here
        rec.channel_slice([0, 1], renamed_channel_ids=[5, 5])
    with pytest.raises(ExtractorValueError, match="same size"):
        rec.channel_slice([0, 1], renamed_channel_ids=[5])


def test_frame_slice_errors():
    one = si.NumpyRecording(SEGS[0], 1000.0)
    assert np.array_equal(one.frame_slice(None, 10).get_traces(), SEGS[0][:10])
    for a, b, msg in (
        (5, 5, "smaller than 'end_frame'"),
        (-1, 5, "positive"),
        (0, 38, "smaller than or equal"),
    ):
        with pytest.raises(ExtractorValueError, match=msg):
            one.frame_slice(a, b)
    with pytest.raises(ExtractorValueError, match="one segment"):
        si.NumpyRecording(SEGS, 1000.0).frame_slice(0, 5)


def test_aggregation_checks_and_metadata():
    a = si.NumpyRecording(SEGS[0], 1000.0, channel_ids=["a", "b", "c", "d", "e"])
    b = si.NumpyRecording(SEGS[0], 2000.0)
    with pytest.raises(ExtractorValueError, match="sampling frequency"):
        si.aggregate_channels([a, b])
    c = si.NumpyRecording(SEGS[1], 1000.0)
    with pytest.raises(ExtractorValueError, match="number of samples"):
        si.aggregate_channels([a, c])
    with pytest.raises(TypeError, match="list of recordings"):
        si.aggregate_channels(a)
    a.annotate(shared=1, own="a")
    d = si.NumpyRecording(SEGS[0], 1000.0)
    d.annotate(shared=1, own="d")
    agg = si.aggregate_channels({"left": a, "right": d})
    assert agg.channel_ids.tolist() == [str(i) for i in range(10)]  # mixed types: renamed
    assert agg.get_annotation("shared") == 1
    assert agg.get_annotation("own") is None
    assert agg.get_property("aggregation_key").tolist() == ["left"] * 5 + ["right"] * 5


def test_append_and_concatenate_checks():
    a = si.NumpyRecording(SEGS, 1000.0)
    with pytest.raises(ExtractorValueError, match="same dtype or channel_ids"):
        si.append_recordings([a, a.rename_channels(list("abcde"))])
    b = si.NumpyRecording(SEGS, 1000.5)
    with pytest.raises(ExtractorValueError, match="differ by"):
        si.append_recordings([a, b])
    with pytest.warns(UserWarning, match="Inconsistent sampling frequency"):
        si.append_recordings([a, b], sampling_frequency_max_diff=1.0)
    timed = si.NumpyRecording(SEGS, 1000.0, t_starts=[1.0, 2.0, 3.0])
    with pytest.raises(ExtractorValueError, match="ignore_times"):
        si.concatenate_recordings([timed], ignore_times=False)
    assert si.concatenate_recordings([timed]).get_start_time() == 0.0
    with pytest.raises(ExtractorValueError, match="between 0 and 2"):
        si.select_segment_recording(a, [3])


def test_select_segments_keeps_times_and_parent_segments():
    rec = si.NumpyRecording(SEGS, 1000.0, t_starts=[0.0, 10.0, 20.0])
    sel = rec.select_segments([2, 0])
    assert sel.get_start_time(0) == 20.0
    assert sel.get_start_time(1) == 0.0
    assert np.array_equal(sel.get_traces(segment_index=0), SEGS[2])
    sel.shift_times(1.0)
    assert sel.get_start_time(0) == 21.0
    assert rec.get_start_time(2) == 20.0
    assert rec.segments[0].parent_extractor is rec  # the parent's segments are not taken
