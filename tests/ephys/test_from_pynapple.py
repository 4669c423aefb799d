"""pynapple objects as recordings, sortings and events: no copy, exact round trips."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memphys as nap
import memphys.ephys as si
from memphys.errors import ExtractorValueError, MemphysTypeError


def _recording(ids=("a", "b", "c")):
    rng = np.random.default_rng(0)
    traces = rng.integers(-1000, 1000, size=(800, 3)).astype("int16")
    rec = si.NumpyRecording(traces, 2000.0, channel_ids=list(ids))
    rec.set_channel_gains([0.195, 0.5, 2.0])
    rec.set_channel_offsets([0.0, -3.0, 1.5])
    rec.set_dummy_probe_from_locations(np.column_stack([np.zeros(3), [0.0, 20.0, 40.0]]))
    rec.set_property("brain_area", np.array(["CA1", "CA3", "DG"]))
    rec.shift_times(3.25)
    return rec, traces


def _same_properties(a, b, keys):
    for k in keys:
        x, y = a.get_property(k), b.get_property(k)
        assert x.dtype.kind == y.dtype.kind, k
        np.testing.assert_array_equal(x, y, err_msg=k)


class TestTsdFrameRecording:
    def test_round_trip_is_exact_and_shares_the_adapter(self):
        rec, traces = _recording()
        back = si.from_tsdframe(rec.to_tsdframe())
        assert back.segments[0].array is rec.segments[0].array
        np.testing.assert_array_equal(back.get_traces(), traces)
        np.testing.assert_array_equal(back.get_times(), rec.get_times())
        assert back.get_sampling_frequency() == rec.get_sampling_frequency()
        assert back.channel_ids.tolist() == ["a", "b", "c"]
        _same_properties(rec, back, ["gain_to_uV", "offset_to_uV", "location", "brain_area"])
        np.testing.assert_array_equal(
            back.get_traces(return_in_uV=True), rec.get_traces(return_in_uV=True)
        )

    def test_memmap_frame_is_not_copied(self, tmp_path):
        data = np.arange(600, dtype="int16").reshape(200, 3)
        data.tofile(tmp_path / "x.dat")
        mm = np.memmap(tmp_path / "x.dat", dtype="int16", mode="r", shape=(200, 3))
        frame = nap.TsdFrame(d=mm, rate=100.0, columns=[10, 11, 12])
        rec = si.NumpyRecording(frame, 100.0)
        assert rec.channel_ids.tolist() == [10, 11, 12]
        block = rec.get_traces(start_frame=5, end_frame=9)
        assert np.shares_memory(block, mm)
        rec2 = si.from_tsdframe(frame)
        np.testing.assert_array_equal(rec2.get_traces(start_frame=5, end_frame=9), data[5:9])

    def test_irregular_frame_gets_a_time_vector(self):
        t = np.cumsum(np.full(300, 0.001)) + np.r_[np.zeros(150), np.full(150, 0.5)]
        frame = nap.TsdFrame(t=t, d=np.ones((300, 2), "float32"))
        rec = si.from_tsdframe(frame)
        assert rec.has_time_vector()
        np.testing.assert_array_equal(rec.get_times(), t)
        assert rec.get_sampling_frequency() == pytest.approx(1000.0)
        rec = si.from_tsdframe(frame, sampling_frequency=999.0)
        assert rec.get_sampling_frequency() == 999.0

    def test_rate_that_disagrees_is_refused(self):
        frame = nap.TsdFrame(d=np.ones((10, 2)), rate=100.0)
        with pytest.raises(ExtractorValueError, match=r"100\.0 Hz"):
            si.from_tsdframe(frame, sampling_frequency=250.0)

    def test_not_a_frame(self):
        with pytest.raises(MemphysTypeError, match="TsdFrame"):
            si.from_tsdframe(np.zeros((10, 2)))

    def test_pickles_lazily_through_the_frame(self, tmp_path):
        import pickle

        data = np.arange(60, dtype="int16").reshape(20, 3)
        np.save(tmp_path / "x.npy", data)
        frame = nap.TsdFrame(d=np.load(tmp_path / "x.npy", mmap_mode="r"), rate=10.0)
        rec = si.from_tsdframe(frame)
        blob = pickle.dumps(rec)
        assert len(blob) < 20_000
        np.testing.assert_array_equal(pickle.loads(blob).get_traces(), data)


class TestTsGroupSorting:
    def test_round_trip_with_string_ids_and_properties(self):
        samples = np.array([5, 10, 20, 30, 35, 90])
        labels = np.array(["x", "y", "x", "z", "y", "x"])
        sorting = si.NumpySorting.from_samples_and_labels([samples], [labels], 100.0)
        sorting.set_property("quality", np.array(["good", "mua", "good"]))
        sorting.set_property("rate", np.array([1.5, 2.0, 3.0]))
        sorting.set_property("position", np.arange(6.0).reshape(3, 2))
        back = si.from_tsgroup(sorting.to_tsgroup(), sampling_frequency=100.0)
        assert back.unit_ids.tolist() == ["x", "y", "z"]
        for u in ["x", "y", "z"]:
            np.testing.assert_array_equal(
                back.get_unit_spike_train(u), sorting.get_unit_spike_train(u)
            )
        _same_properties(sorting, back, ["quality", "rate", "position"])

    def test_times_keep_their_start(self):
        support = nap.IntervalSet(10.0, 12.0)  # (a Ts of one spike has no span of its own)
        group = nap.TsGroup(
            {0: nap.Ts(t=[10.5, 11.0]), 4: nap.Ts(t=[10.25], time_support=support)},
            time_support=support,
        )
        sorting = si.from_tsgroup(group, sampling_frequency=1000.0)
        assert sorting.get_unit_spike_train(0).tolist() == [500, 1000]
        np.testing.assert_array_equal(
            sorting.get_unit_spike_train(0, return_times=True), group[0].t
        )
        back = sorting.to_tsgroup()
        for k in (0, 4):
            np.testing.assert_array_equal(back[k].t, group[k].t)

    def test_spike_before_t_start(self):
        group = nap.TsGroup({0: nap.Ts(t=[1.0, 2.0])})
        with pytest.raises(ExtractorValueError, match="before"):
            si.from_tsgroup(group, 100.0, t_start=1.5)

    @settings(max_examples=30, deadline=None)
    @given(
        st.lists(st.lists(st.integers(0, 10**7), max_size=40), min_size=1, max_size=6),
        st.sampled_from([1000.0, 20000.0, 30000.0, 32000.5]),
        st.floats(-100.0, 100.0),
    )
    def test_round_trip_property(self, trains, fs, t0):
        units = {k: np.sort(np.asarray(t, dtype=np.int64)) for k, t in enumerate(trains)}
        sorting = si.NumpySorting.from_unit_dict(units, fs)
        sorting.shift_times(t0)
        back = si.from_tsgroup(sorting.to_tsgroup(), fs, t_start=t0)
        for k, train in units.items():
            np.testing.assert_array_equal(back.get_unit_spike_train(k), train)


class TestEvents:
    def test_round_trip(self):
        ts = nap.Ts(t=[0.5, 1.5, 3.0])
        iset = nap.IntervalSet(start=[0.0, 5.0], end=[1.0, 7.5], metadata={"kind": ["a", "b"]})
        event = si.from_events({"ttl": ts, "trials": iset})
        np.testing.assert_array_equal(event.to_ts("ttl").t, ts.t)
        back = event.to_interval_set("trials")
        np.testing.assert_array_equal(back.values, iset.values)
        assert list(back.get_info("kind")) == ["a", "b"]
        assert si.from_ts(ts).channel_ids.tolist() == ["events"]
        assert si.from_interval_set(iset).get_events("epochs")["kind"].tolist() == ["a", "b"]

    def test_bad_object(self):
        with pytest.raises(MemphysTypeError, match="IntervalSet"):
            si.from_events({"x": [1.0, 2.0]})
