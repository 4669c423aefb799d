"""Recordings and sortings to NWB and back (ephys/nwb.py, ephys/nwbrecording.py, the NWB
sorting's bad input): equal recordings and sortings, valid files, no CRITICAL
nwbinspector message, clear errors on inconsistent files."""

from __future__ import annotations

import warnings

import h5py
import numpy as np
import pytest
from pynwb import NWBHDF5IO, validate
from tests.ephys._analyzer_standin import StandInAnalyzer

import memphys
import memphys.ephys as si
from memphys.errors import FileFormatError, StreamNotFoundError


def check_nwb(path) -> None:
    from nwbinspector import Importance, inspect_nwbfile

    assert list(validate(path=str(path))) == []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        messages = list(inspect_nwbfile(nwbfile_path=str(path)))
    critical = [m for m in messages if m.importance == Importance.CRITICAL]
    assert critical == [], [(m.check_function_name, m.message) for m in critical]


def _recording(n=3000, n_ch=6, ids=None, gains=None, offsets=None, probe=True):
    import probeinterface as pi

    rng = np.random.default_rng(0)
    rec = si.NumpyRecording(
        rng.integers(-2000, 2000, size=(n, n_ch)).astype("int16"), 30000.0, channel_ids=ids
    )
    rec.set_channel_gains(0.195 if gains is None else gains)
    rec.set_channel_offsets(0.0 if offsets is None else offsets)
    if probe:
        p = pi.generate_multi_shank(num_shank=2, num_columns=1, num_contact_per_column=n_ch // 2)
        p.set_device_channel_indices(np.arange(n_ch))
        rec.set_probe(p, group_mode="by_shank")
    rec.set_property("brain_area", np.array(["CA1"] * (n_ch // 2) + ["CA3"] * (n_ch - n_ch // 2)))
    rec.set_property("quality", np.linspace(0.0, 1.0, n_ch))
    rec.set_property("label", np.array([f"c{i}" for i in range(n_ch)]))
    return rec


def _same(a, b, keys):
    np.testing.assert_array_equal(a.get_traces(), b.get_traces())
    np.testing.assert_array_equal(a.get_times(), b.get_times())
    assert a.get_sampling_frequency() == b.get_sampling_frequency()
    assert a.get_channel_ids().tolist() == b.get_channel_ids().tolist()
    np.testing.assert_allclose(a.get_channel_gains(), b.get_channel_gains(), rtol=1e-12)
    np.testing.assert_allclose(a.get_channel_offsets(), b.get_channel_offsets(), rtol=1e-12)
    np.testing.assert_array_equal(a.get_traces(return_in_uV=True), b.get_traces(return_in_uV=True))
    for k in keys:
        np.testing.assert_array_equal(a.get_property(k), b.get_property(k), err_msg=k)


class TestRecording:
    def test_round_trip_with_probe_and_properties(self, tmp_path):
        rec = _recording()
        rec.shift_times(12.5)
        path = memphys.write_nwb(rec, tmp_path / "r.nwb", progress_bar=False)
        check_nwb(path)
        back = si.read_nwb_recording(path)
        _same(rec, back, ["location", "group", "brain_area", "quality", "label"])
        assert back.get_channel_groups().tolist() == [0, 0, 0, 1, 1, 1]
        with NWBHDF5IO(str(path), "r") as io:
            nwb = io.read()
            es = nwb.acquisition["ElectricalSeries"]
            assert es.conversion == pytest.approx(0.195e-6)
            assert sorted(nwb.electrode_groups) == ["0", "1"]
            table = nwb.electrodes.to_dataframe()
            assert table["rel_y"].tolist() == rec.get_channel_locations()[:, 1].tolist()
            assert table["location"].tolist()[:3] == ["CA1"] * 3
            assert es.data.chunks is not None
            assert es.data.compression == "gzip"

    def test_per_channel_gains_offsets_and_string_ids(self, tmp_path):
        rec = _recording(
            ids=[f"ch{i}" for i in range(6)],
            gains=np.linspace(0.1, 0.6, 6),
            offsets=np.array([0.0, -1.0, 2.0, 0.5, 0.0, 1.0]),
            probe=False,
        )
        path = si.write_recording_to_nwb(rec, tmp_path / "r.nwb", progress_bar=False)
        check_nwb(path)
        _same(rec, si.read_nwb_recording(path), ["brain_area", "quality"])

    def test_time_vector_and_segments(self, tmp_path):
        rec = si.NumpyRecording(
            [np.ones((500, 2), "float32"), np.zeros((300, 2), "float32")], 1000.0
        )
        times = 5.0 + np.cumsum(np.full(300, 1e-3)) + np.linspace(0, 1e-4, 300)
        rec.set_times(times, segment_index=1)
        path = si.write_recording_to_nwb(rec, tmp_path / "r.nwb", progress_bar=False)
        check_nwb(path)
        with pytest.raises(StreamNotFoundError, match="ElectricalSeries_segment0"):
            si.read_nwb_recording(path)
        s1 = si.read_nwb_recording(
            path,
            electrical_series_path="acquisition/ElectricalSeries_segment1",
            load_time_vector=True,
        )
        np.testing.assert_array_equal(s1.get_times(), times)
        np.testing.assert_array_equal(s1.get_traces(), rec.get_traces(segment_index=1))
        s0 = si.read_nwb_recording(
            path, electrical_series_path="acquisition/ElectricalSeries_segment0"
        )
        np.testing.assert_array_equal(s0.get_traces(), rec.get_traces(segment_index=0))

    def test_small_chunks_stream_the_data(self, tmp_path):
        rec = _recording(n=20000)
        path = si.write_recording_to_nwb(
            rec, tmp_path / "r.nwb", compression="lzf", chunk_size=1000, progress_bar=False
        )
        np.testing.assert_array_equal(si.read_nwb_recording(path).get_traces(), rec.get_traces())

    def test_electrodes_region_past_the_table(self, tmp_path):
        path = si.write_recording_to_nwb(_recording(), tmp_path / "r.nwb", progress_bar=False)
        with h5py.File(path, "a") as f:
            f["acquisition/ElectricalSeries/electrodes"][2] = 17
        with pytest.raises(FileFormatError, match=r"row 17, past the electrodes table \(6 rows"):
            si.read_nwb_recording(path)

    def test_lazy_and_pickled_by_path(self, tmp_path):
        import pickle

        rec = _recording(n=5000)
        path = si.write_recording_to_nwb(rec, tmp_path / "r.nwb", progress_bar=False)
        back = si.read_nwb_recording(path)
        assert type(back.segments[0].array).__name__ == "HDF5Array"
        blob = pickle.dumps(back)
        assert len(blob) < 20_000
        np.testing.assert_array_equal(
            pickle.loads(blob).get_traces(start_frame=7, end_frame=9),
            rec.get_traces(start_frame=7, end_frame=9),
        )

    def test_write_nwb_of_io_dispatches(self, tmp_path):
        from memphys.io.nwb import write_nwb

        rec = _recording(probe=False)
        path = write_nwb(rec, tmp_path / "r.nwb", "raw", progress_bar=False)
        back = si.read_nwb_recording(path, electrical_series_path="acquisition/raw")
        np.testing.assert_array_equal(back.get_traces(), rec.get_traces())


class TestSorting:
    def test_round_trip_with_electrodes_and_templates(self, tmp_path):
        rec, sorting = si.generate_ground_truth_recording(
            durations=[4.0], num_channels=4, num_units=3, seed=2
        )
        sorting.set_property("quality", np.array(["good", "mua", "good"]))
        analyzer = StandInAnalyzer(rec, sorting, nbefore=5, nafter=10)
        path = memphys.write_nwb(rec, tmp_path / "s.nwb", progress_bar=False)
        si.write_sorting_to_nwb(sorting, path, sorting_analyzer=analyzer)
        check_nwb(path)
        back = si.read_nwb_sorting(path, electrical_series_path="acquisition/ElectricalSeries")
        assert back.unit_ids.tolist() == sorting.unit_ids.tolist()
        for u in sorting.unit_ids:
            np.testing.assert_array_equal(
                back.get_unit_spike_train(u), sorting.get_unit_spike_train(u)
            )
        assert back.get_property("quality").tolist() == ["good", "mua", "good"]
        with NWBHDF5IO(str(path), "r") as io:
            units = io.read().units
            mean = np.asarray(units["waveform_mean"].data[:])
            np.testing.assert_allclose(
                mean, analyzer.get_extension("templates").get_data() * 1e-6, rtol=1e-6
            )
            assert np.asarray(units["waveform_sd"].data[:]).shape == mean.shape
            main = sorting.get_property("main_channel_id").tolist()
            table = units.to_dataframe()
            rows = [list(e.index) for e in table["electrodes"]]
            assert rows == [[rec.channel_ids.tolist().index(m)] for m in main]

    def test_integer_ids_times_of_the_recording(self, tmp_path):
        rec = si.NumpyRecording(np.zeros((30000, 2), "int16"), 10000.0)
        rec.shift_times(100.0)
        sorting = si.NumpySorting.from_unit_dict(
            {3: np.array([10, 2000, 29999]), 9: np.array([5])}, 10000.0
        )
        sorting.register_recording(rec)
        path = si.write_recording_to_nwb(rec, tmp_path / "s.nwb", progress_bar=False)
        memphys.write_nwb(sorting, path)
        check_nwb(path)
        with NWBHDF5IO(str(path), "r") as io:
            units = io.read().units
            np.testing.assert_array_equal(
                units["spike_times"][0], 100.0 + np.array([10, 2000, 29999]) / 1e4
            )
            assert list(units.id[:]) == [3, 9]
        back = si.read_nwb_sorting(path, electrical_series_path="acquisition/ElectricalSeries")
        assert back.unit_ids.tolist() == [3, 9]
        np.testing.assert_array_equal(back.get_unit_spike_train(3), [10, 2000, 29999])

    def test_unsorted_spike_times_are_sorted_per_unit_with_a_warning(self, tmp_path):
        import datetime

        from pynwb import NWBFile

        nwb = NWBFile("d", "id", datetime.datetime.now(datetime.UTC))
        nwb.add_unit(spike_times=[0.5, 0.1, 0.3])
        nwb.add_unit(spike_times=[0.2, 0.4])
        with NWBHDF5IO(str(tmp_path / "u.nwb"), "w") as io:
            io.write(nwb)
        sorting = si.read_nwb_sorting(tmp_path / "u.nwb", sampling_frequency=1000.0)
        with pytest.warns(UserWarning, match="unsorted spike times for unit 0"):
            assert sorting.get_unit_spike_train(0).tolist() == [100, 300, 500]
        assert sorting.get_unit_spike_train(1).tolist() == [200, 400]
        sorting = si.read_nwb_sorting(tmp_path / "u.nwb", sampling_frequency=1000.0)
        with pytest.warns(UserWarning, match=r"1 unit\(s\) \(\[0\]\)"):
            vector = sorting.to_spike_vector()
        assert vector["sample_index"].tolist() == [100, 200, 300, 400, 500]
        assert vector["unit_index"].tolist() == [0, 1, 0, 1, 0]
        # the time-series face: each unit's times sorted, with a warning
        with pytest.warns(UserWarning, match="unsorted spike times"):
            group = memphys.load_file(tmp_path / "u.nwb")["units"]
        np.testing.assert_array_equal(group[0].t, [0.1, 0.3, 0.5])


def test_sorting_with_a_real_analyzer(tmp_path):
    rec, sorting = si.generate_ground_truth_recording(
        durations=[3.0], num_channels=4, num_units=3, seed=5
    )
    analyzer = si.create_sorting_analyzer(sorting, rec, sparse=False)
    analyzer.compute(["random_spikes", "templates"], progress_bar=False)
    path = si.write_recording_to_nwb(rec, tmp_path / "a.nwb", progress_bar=False)
    si.write_sorting_to_nwb(sorting, path, sorting_analyzer=analyzer)
    check_nwb(path)
    with NWBHDF5IO(str(path), "r") as io:
        units = io.read().units
        np.testing.assert_allclose(
            np.asarray(units["waveform_mean"].data[:]),
            analyzer.get_extension("templates").get_data() * 1e-6,
            rtol=1e-6,
        )
        rows = [list(e.index) for e in units.to_dataframe()["electrodes"]]
    # a dense analyzer has no sparsity: each unit's main channel (main_channel_id)
    main = sorting.get_property("main_channel_id").tolist()
    assert rows == [[rec.channel_ids.tolist().index(m)] for m in main]


def test_unknown_arguments_are_refused(tmp_path):
    rec = _recording(n=500, probe=False)
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['chunk_sise'\]"):
        si.write_recording_to_nwb(rec, tmp_path / "r.nwb", chunk_sise=100)
    sorting = si.NumpySorting.from_unit_dict({0: np.array([1, 5])}, 30000.0)
    with pytest.raises(TypeError, match="progres_bar"):
        memphys.write_nwb(sorting, tmp_path / "s.nwb", progres_bar=False)
    assert not list(tmp_path.iterdir())
    path = si.write_recording_to_nwb(rec, tmp_path / "r.nwb", n_jobs=2, progress_bar=False)
    si.write_sorting_to_nwb(sorting, path, progress_bar=False)  # accepted, no blocks
    back = si.read_nwb_sorting(path, electrical_series_path="acquisition/ElectricalSeries")
    assert back.get_num_units() == 1
