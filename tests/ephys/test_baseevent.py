"""Events: structured dtypes with a time field, bounds, segments, errors."""

from __future__ import annotations

import numpy as np
import pytest

import memphys.ephys as si
from memphys.errors import ExtractorValueError

DT = [("time", "float64"), ("duration", "float64"), ("label", "<U100")]


@pytest.fixture
def event():
    ttl = np.array(
        [(0.5, 0.1, "on"), (1.5, 0.2, "off"), (2.5, 0.1, "on"), (3.5, 0.3, "off")], dtype=DT
    )
    sync = np.array([1.0, 2.0, 3.0])
    return si.NumpyEvent.from_dict(
        [{"ttl": ttl, "sync": sync}, {"ttl": ttl[:2], "sync": sync + 10}]
    )


def test_both_bounds_select_inclusively(event):
    ev = event.get_events("ttl", segment_index=0, start_time=1.5, end_time=3.5)
    assert ev["time"].tolist() == [1.5, 2.5, 3.5]  # SpikeInterface 0.105.3 raises IndexError here
    assert event.get_event_times(
        "sync", segment_index=1, start_time=11.0, end_time=12.0
    ).tolist() == [11.0, 12.0]
    assert event.get_events("ttl", segment_index=0, end_time=1.0)["label"].tolist() == ["on"]
    assert event.get_events("ttl", segment_index=1).size == 2


def test_dtypes_channels_and_segments(event):
    assert event.get_num_channels() == 2
    assert event.channel_ids.tolist() == ["ttl", "sync"]
    assert event.get_dtype("ttl").names == ("time", "duration", "label")
    assert event.get_num_segments() == 2
    sel = event.select_segment(1)
    assert sel.get_event_times("sync").tolist() == [11.0, 12.0, 13.0]
    assert repr(event) == "NumpyEvent: 2 channels - 2 segments"


def test_event_errors(event):
    with pytest.raises(ExtractorValueError, match="a 'time' field"):
        si.NumpyEvent.from_dict({"x": np.zeros(2, dtype=[("onset", "float64")])})
    with pytest.raises(ExtractorValueError, match="'nope' is not an event channel"):
        event.get_events("nope", segment_index=0)
    with pytest.raises(ExtractorValueError, match="give `channel_id`"):
        event.get_events(segment_index=0)
    with pytest.raises(ExtractorValueError, match="Multi-segment"):
        event.get_events("ttl")
    with pytest.raises(ExtractorValueError, match="channels of segment 0"):
        si.NumpyEvent.from_dict([{"a": np.zeros(1)}, {"b": np.zeros(1)}])
    with pytest.raises(ExtractorValueError, match="Missing some channel_ids"):
        si.BaseEvent(["a", "b"], {"a": np.dtype("float64")})


def test_timestamp_field_and_copies(event):
    ev = si.NumpyEvent.from_dict(
        {"x": np.array([(1.0,), (2.0,)], dtype=[("timestamp", "float64")])}
    )
    assert ev.get_event_times("x", end_time=1.5).tolist() == [1.0]
    clone = si.load(event.to_dict())
    assert clone.get_event_times("sync", segment_index=0).tolist() == [1.0, 2.0, 3.0]
