"""Recordings, sortings, events and an analyzer's waveforms as pynapple objects.

The bridges must be exact (values, times, ids, metadata) and lazy: a TsdFrame made from a
recording holds the recording's own adapter, and analyses on it read only what they need
(counted here on a ground-truth recording).
"""

from __future__ import annotations

import numpy as np
import pytest
from tests.ephys._analyzer_standin import StandInAnalyzer

import memphys as nap
import memphys.ephys as si
from memphys.errors import ExtractorValueError


def _recording(n=1000, n_ch=3, fs=1000.0, dtype="int16", ids=None):
    rng = np.random.default_rng(0)
    traces = rng.integers(-1000, 1000, size=(n, n_ch)).astype(dtype)
    rec = si.NumpyRecording(traces, fs, channel_ids=ids)
    rec.set_channel_gains(np.array([0.195, 0.5, 2.0])[:n_ch])
    rec.set_channel_offsets(np.array([0.0, -3.0, 1.5])[:n_ch])
    rec.set_dummy_probe_from_locations(np.column_stack([np.zeros(n_ch), np.arange(n_ch) * 20.0]))
    rec.set_channel_groups(np.arange(n_ch) % 2)
    rec.set_property("brain_area", np.array(["CA1", "CA3", "DG"])[:n_ch])
    return rec, traces


class TestRecordingToTsdFrame:
    def test_same_adapter_values_times_metadata(self):
        rec, traces = _recording(ids=["a", "b", "c"])
        frame = rec.to_tsdframe()
        assert frame.values is rec.segments[0].array
        np.testing.assert_array_equal(frame.values[:], traces)
        np.testing.assert_array_equal(frame.t, rec.get_times())
        assert list(frame.columns) == ["a", "b", "c"]
        np.testing.assert_array_equal(frame.get_info("gain_to_uV"), rec.get_channel_gains())
        np.testing.assert_array_equal(frame.get_info("y"), [0.0, 20.0, 40.0])
        assert list(frame.get_info("brain_area")) == ["CA1", "CA3", "DG"]
        assert list(frame.get_info("group")) == [0, 1, 0]

    def test_scaled_view_is_bit_identical_to_get_traces(self):
        rec, _ = _recording()
        frame = rec.to_tsdframe(return_in_uV=True)
        assert frame.dtype == np.float32
        for a, b in [(0, 1000), (17, 401), (999, 1000)]:
            np.testing.assert_array_equal(
                frame.values[a:b], rec.get_traces(start_frame=a, end_frame=b, return_in_uV=True)
            )

    def test_scaled_without_gains_on_integers_is_refused(self):
        rec = si.NumpyRecording(np.zeros((10, 2), "int16"), 100.0)
        with pytest.raises(ExtractorValueError, match="return_in_uV"):
            rec.to_tsdframe(return_in_uV=True)

    def test_start_time_and_time_vector(self):
        rec, _ = _recording()
        rec.shift_times(12.5)
        frame = rec.to_tsdframe()
        assert frame._ti.is_regular
        np.testing.assert_array_equal(frame.t, rec.get_times())
        times = np.cumsum(np.full(1000, 1e-3)) + np.linspace(0, 0.01, 1000)
        rec.set_times(times)
        frame = rec.to_tsdframe()
        np.testing.assert_array_equal(frame.t, times)

    def test_time_vector_on_disk_stays_on_disk(self, tmp_path):
        n = 500
        rec = si.NumpyRecording(np.arange(n * 2, dtype="int16").reshape(n, 2), 50.0)
        times = np.sort(np.random.default_rng(1).uniform(0, 10, n))
        times.tofile(tmp_path / "t.raw")
        on_disk = np.memmap(tmp_path / "t.raw", dtype="float64", mode="r")
        rec.set_times(on_disk)
        frame = rec.to_tsdframe()
        assert frame._ti.is_lazy  # searched on disk, never loaded whole
        np.testing.assert_array_equal(frame.t, times)
        assert frame.get(times[10], times[20]).shape == (11, 2)

    def test_multi_segment_needs_segment_index(self):
        rec = si.NumpyRecording([np.zeros((10, 2)), np.ones((20, 2))], 100.0)
        with pytest.raises(ExtractorValueError, match="segment_index"):
            rec.to_tsdframe()
        frame = rec.to_tsdframe(segment_index=1)
        assert frame.shape == (20, 2)
        assert float(frame.values[5, 1]) == 1.0

    def test_derived_recording_reads_through_its_parent(self):
        rec, traces = _recording()
        sub = rec.frame_slice(100, 300).select_channels([2, 0])
        frame = sub.to_tsdframe()
        np.testing.assert_array_equal(frame.values[:], traces[100:300][:, [2, 0]])
        np.testing.assert_array_equal(frame.t, sub.get_times())


def _sorting():
    samples = np.array([5, 10, 20, 30, 35, 90])
    labels = np.array(["x", "y", "x", "z", "y", "x"])
    return si.NumpySorting.from_samples_and_labels([samples], [labels], sampling_frequency=100.0)


class TestSortingToTsGroup:
    def test_times_ids_and_properties(self):
        sorting = _sorting()
        sorting.set_property("quality", np.array(["good", "mua", "good"]))
        sorting.set_property("rate", np.array([1.0, 2.0, 3.0]))
        sorting.set_property("loc", np.arange(6.0).reshape(3, 2))
        group = sorting.to_tsgroup()
        assert list(group.keys()) == [0, 1, 2]
        assert list(group.get_info("unit_id")) == ["x", "y", "z"]
        for k, u in enumerate(["x", "y", "z"]):
            np.testing.assert_array_equal(
                group[k].t, sorting.get_unit_spike_train(u, return_times=True)
            )
        assert list(group.get_info("quality")) == ["good", "mua", "good"]
        np.testing.assert_array_equal(group.get_info("si_rate"), [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(group.get_info("loc__1"), [1.0, 3.0, 5.0])
        assert group.time_support.start[0] == 0.0
        assert group.time_support.end[0] == pytest.approx(0.91)

    def test_integer_ids_are_keys(self):
        sorting = si.NumpySorting.from_unit_dict(
            {3: np.array([1, 2]), 8: np.array([4])}, sampling_frequency=10.0
        )
        group = sorting.to_tsgroup()
        assert list(group.keys()) == [3, 8]
        assert "unit_id" not in group.metadata_columns

    def test_times_come_from_the_registered_recording(self):
        rec, _ = _recording(n=100)
        times = 100.0 + np.arange(100) * 1e-3 + np.linspace(0.0, 1e-4, 100)
        rec.set_times(times)
        sorting = si.NumpySorting.from_unit_dict(
            {0: np.array([3, 50, 99]), 1: np.array([10])}, sampling_frequency=1000.0
        )
        sorting.register_recording(rec)
        group = sorting.to_tsgroup()
        np.testing.assert_array_equal(group[0].t, times[[3, 50, 99]])
        assert group.time_support.start[0] == times[0]
        assert group.time_support.end[0] == times[-1]

    def test_support_covers_the_recording(self):
        rec, _ = _recording(n=1000)
        sorting = si.NumpySorting.from_unit_dict({0: np.array([3, 500])}, 1000.0)
        sorting.register_recording(rec)
        np.testing.assert_array_equal(
            sorting.to_tsgroup().time_support.values, rec.to_tsdframe().time_support.values
        )


class TestEvents:
    def test_to_ts_and_interval_set(self):
        dt = [("time", "float64"), ("duration", "float64"), ("label", "<U5")]
        trials = np.array([(2.0, 0.5, "right"), (1.0, 0.25, "left")], dtype=dt)
        event = si.NumpyEvent.from_dict({"trials": trials, "ttl": np.array([0.5, 0.1])})
        np.testing.assert_array_equal(event.to_ts("ttl").t, [0.1, 0.5])
        iset = event.to_interval_set("trials")
        np.testing.assert_array_equal(iset.start, [1.0, 2.0])
        np.testing.assert_array_equal(iset.end, [1.25, 2.5])
        assert list(iset.get_info("label")) == ["left", "right"]
        with pytest.raises(ExtractorValueError, match="duration"):
            event.to_interval_set("ttl")


@pytest.fixture(scope="module")
def analyzer():
    rec, sorting = si.generate_ground_truth_recording(
        durations=[5.0], num_channels=4, num_units=3, seed=3
    )
    return StandInAnalyzer(rec, sorting, nbefore=8, nafter=16)


class TestAnalyzerStandIn:
    def test_templates(self, analyzer):
        tensor = si.templates_to_tsdtensor(analyzer)
        templates = analyzer.get_extension("templates").get_data()
        assert tensor.shape == (24, 3, 4)
        np.testing.assert_array_equal(tensor.values, np.moveaxis(templates, 1, 0))
        np.testing.assert_allclose(tensor.t, (np.arange(24) - 8) / analyzer.sampling_frequency)
        std = si.templates_to_tsdtensor(analyzer, operator="std", unit_ids=[analyzer.unit_ids[2]])
        np.testing.assert_array_equal(
            std.values[:, 0], analyzer.get_extension("templates").get_data("std")[2]
        )
        with pytest.raises(ExtractorValueError, match="unit_ids"):
            si.templates_to_tsdtensor(analyzer, unit_ids=["nope"])

    def test_waveforms_at_spike_times(self, analyzer):
        u = analyzer.unit_ids[1]
        tensor = si.waveforms_to_tsdtensor(analyzer, u)
        spikes = analyzer.get_extension("random_spikes").get_random_spikes()
        mine = spikes[spikes["unit_index"] == 1]
        np.testing.assert_array_equal(
            tensor.t, analyzer.sorting.sample_index_to_time(mine["sample_index"], 0)
        )
        s = int(mine["sample_index"][0])
        np.testing.assert_array_equal(
            tensor.values[0],
            analyzer.recording.get_traces(start_frame=s - 8, end_frame=s + 16),
        )

    def test_sparse_waveforms(self):
        rec, sorting = si.generate_ground_truth_recording(
            durations=[3.0], num_channels=4, num_units=2, seed=5
        )
        chans = {u: np.array([3, 1]) for u in sorting.unit_ids.tolist()}
        an = StandInAnalyzer(rec, sorting, sparse_channels=chans)
        u = sorting.unit_ids[0]
        assert si.waveforms_to_tsdtensor(an, u).shape[2] == 2
        dense = si.waveforms_to_tsdtensor(an, u, force_dense=True)
        assert dense.shape[2] == 4
        assert not dense.values[:, :, [0, 2]].any()

    def test_missing_extension(self):
        class Empty:
            def get_extension(self, name):
                return None

        with pytest.raises(ExtractorValueError, match="templates"):
            si.templates_to_tsdtensor(Empty())


class _CountReads:
    """Counts the frames read from a recording's segments (patched ``get_traces``)."""

    def __init__(self, monkeypatch, segment):
        self.calls = 0
        self.frames = 0
        original = segment.get_traces

        def counting(start_frame=None, end_frame=None, channel_indices=None):
            self.calls += 1
            self.frames += int(end_frame) - int(start_frame)
            return original(start_frame, end_frame, channel_indices)

        monkeypatch.setattr(segment, "get_traces", counting)


def test_pynapple_analyses_on_a_ground_truth_recording_read_only_windows(monkeypatch):
    """compute_perievent and compute_tuning_curves (pynapple's, as `nap`) on a recording and
    its sorting: only the windows around the events are read."""
    rec, sorting = si.generate_ground_truth_recording(
        durations=[60.0], num_channels=4, num_units=5, seed=11
    )
    sorting.register_recording(rec)
    frame = rec.to_tsdframe()
    group = sorting.to_tsgroup()
    counter = _CountReads(monkeypatch, rec.segments[0])
    rng = np.random.default_rng(0)
    events = nap.Ts(t=np.sort(rng.uniform(1.0, 59.0, 40)))
    window = 0.005
    peri = nap.compute_perievent(frame, events, window=window)
    n_win = round(window * rec.get_sampling_frequency()) * 2 + 1
    assert peri.shape == (n_win, 40, 4)
    # every read is near an event and the total is at most one window per event
    assert 0 < counter.frames <= 40 * n_win
    pos = rec.time_to_sample_index(events.t[7])
    np.testing.assert_array_equal(
        peri.values[:, 7],
        rec.get_traces(start_frame=pos - n_win // 2, end_frame=pos + n_win // 2 + 1),
    )
    # spikes around the same events, and tuning curves over a feature from the recording
    spikes_peri = nap.compute_perievent(group, events, window=0.5)
    unit = next(iter(group.keys()))
    t_unit = group[unit].t
    n_expected = int(np.sum(np.abs(t_unit[:, None] - events.t[None, :]) <= 0.5))
    assert sum(len(spikes_peri[unit][k]) for k in spikes_peri[unit]) == n_expected
    counter.frames = 0
    position = nap.Tsd(t=np.arange(0.0, 60.0, 0.01), d=np.linspace(0.0, 1.0, 6000) ** 2)
    tc = nap.compute_tuning_curves(group, position, bins=10)
    assert tc.shape == (5, 10)
    assert counter.frames == 0  # spikes only: the traces are not touched
    counts = nap.compute_tuning_curves(group, position, bins=10, return_counts=True)
    assert int(np.asarray(counts).sum()) == sum(
        int(np.sum((group[k].t >= 0.0) & (group[k].t <= position.t[-1]))) for k in group
    )
