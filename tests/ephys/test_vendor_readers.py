"""Every recording of ../shared/data through memphys.ephys's read_* functions, against neo
(traces, rate, gains, offsets, start) and probeinterface (probes).

The traps of the data README each have a test: truncated SpikeGLX stubs (size from the
file, with a warning), the Neuroscope .lfp rate, the multi-experiment Open Ephys folder,
the CellExplorer session without .xml.
"""

from __future__ import annotations

import warnings
from typing import Any

import neo.rawio
import numpy as np
import pytest
from tests.ephys._realdata import CASES, DATA, Case

import memphys.ephys as si
from memphys.errors import FileFormatError, StreamNotFoundError

pytestmark = [
    pytest.mark.realdata,
    # the SpikeGLX files of shared/data are truncated stubs: their metadata's size is
    # corrected from the file, with a warning (expected in
    # test_truncated_spikeglx_stub_sizes_from_the_file_with_a_warning); elsewhere incidental
    pytest.mark.filterwarnings(
        "ignore:SpikeGLX metadata of .* says fileSizeBytes:memphys.errors.FileContentWarning"
    ),
]

_VOLT = {"V": 1e6, "Volt": 1e6, "Volts": 1e6, "mV": 1e3, "uV": 1.0}


def _need(case_or_name: Any) -> None:
    name = case_or_name.dataset if isinstance(case_or_name, Case) else case_or_name
    if not (DATA / name).exists():
        pytest.skip(f"shared dataset not found: {DATA / name}")


def _open(case: Case) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(si, case.reader)(case.full(), **case.kwargs)


def _neo(case: Case) -> Any:
    kw = {
        k: (str(DATA / v) if k in ("filename", "dirname", "binary_file") else v)
        for k, v in case.neo_kwargs.items()
    }
    if case.neo == "PlexonRawIO":
        kw["progress_bar"] = False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = getattr(neo.rawio, case.neo)(**kw)
        r.parse_header()
    return r


def _probe(spec: str) -> Any:
    import probeinterface as pi

    kind, _, rest = spec.partition(":")
    if kind == "spikeglx":
        return pi.read_spikeglx(DATA / rest)
    settings, _, stream = rest.rpartition(":")
    return pi.read_openephys_neuropixels(settings_file=DATA / settings, stream_name=stream)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_reads_like_neo(case):
    _need(case)
    rec = _open(case)
    ref = _neo(case)
    k, b = case.stream_index, case.block_index
    header = ref.header
    assert rec.get_num_segments() == ref.segment_count(b)
    sid = header["signal_streams"][k]["id"]
    chans = header["signal_channels"][header["signal_channels"]["stream_id"] == sid]
    assert rec.get_num_channels() == len(chans)
    rate = case.rate if case.rate is not None else ref.get_signal_sampling_rate(k)
    assert rec.get_sampling_frequency() == rate
    for s in range(rec.get_num_segments()):
        n = ref.get_signal_size(b, s, k)
        assert rec.get_num_samples(s) == n
        expected = ref.get_analogsignal_chunk(b, s, 0, n, stream_index=k)
        if getattr(rec, "inverted_gain", False):
            expected = -expected
        np.testing.assert_array_equal(rec.get_traces(segment_index=s), expected)
        if case.reader != "read_binary":
            if rec.has_time_vector(s):
                assert rec.get_start_time(s) == pytest.approx(
                    ref.get_signal_t_start(b, s, k), abs=1 / rate
                )
            else:
                assert rec.get_start_time(s) == ref.get_signal_t_start(b, s, k)
    if case.reader == "read_binary":
        return
    gains = np.abs(np.asarray(chans["gain"], dtype=np.float64))
    units = np.asarray(chans["units"]).astype(str)
    to_uv = np.array([_VOLT.get(u, 1.0) for u in units])
    if case.dataset.startswith("neuroscope_cellexplorer"):
        assert rec.get_channel_gains()[0] == pytest.approx(0.195)  # leastSignificantBit
    else:
        np.testing.assert_allclose(rec.get_property("gain_to_physical_unit"), gains)
        np.testing.assert_allclose(rec.get_channel_gains(), gains * to_uv)
        np.testing.assert_allclose(
            rec.get_channel_offsets(), np.asarray(chans["offset"], dtype=np.float64) * to_uv
        )
        assert rec.get_property("physical_unit").tolist() == units.tolist()
    if case.reader != "read_neuroscope" or case.dataset != "neuroscope_cellexplorer_MS22_stub":
        assert rec.get_channel_ids().tolist() == [str(c) for c in chans["id"]] or (
            case.reader == "read_plexon"
            and rec.get_channel_ids().tolist() == chans["name"].tolist()
        )


PROBE_CASES = [c for c in CASES if c.probe]


@pytest.mark.parametrize("case", PROBE_CASES, ids=[c.id for c in PROBE_CASES])
def test_probe_equals_probeinterface(case):
    _need(case)
    rec = _open(case)
    expected = _probe(case.probe)
    probe = rec.get_probe()
    order = np.argsort(expected.device_channel_indices)
    wired = expected.device_channel_indices[order] >= 0
    np.testing.assert_array_equal(probe.contact_positions, expected.contact_positions[order][wired])
    np.testing.assert_array_equal(probe.contact_ids, expected.contact_ids[order][wired])
    if expected.shank_ids is not None:
        np.testing.assert_array_equal(probe.shank_ids, expected.shank_ids[order][wired])
        shanks = expected.shank_ids[order][wired]
        _, groups = np.unique(shanks, return_inverse=True)
        np.testing.assert_array_equal(rec.get_channel_groups(), groups)
    np.testing.assert_array_equal(
        rec.get_channel_locations(), expected.contact_positions[order][wired]
    )
    assert probe.model_name == expected.model_name
    assert rec.get_property("inter_sample_shift") is not None


def test_every_recording_of_the_data_folder_is_covered():
    if not DATA.is_dir():
        pytest.skip(f"shared data folder not found: {DATA}")
    recordings = {
        p.name
        for p in DATA.iterdir()
        if p.is_dir() and not p.name.startswith(("nwb_", "npy_", "neuroscope_klusters"))
    }
    recordings.discard("plexon_plx_File_plexon_1")  # spikes only: tested as a sorting below
    assert recordings <= {c.dataset for c in CASES}


class TestTraps:
    def test_truncated_spikeglx_stub_sizes_from_the_file_with_a_warning(self):
        _need("spikeglx_NP2_with_sync")
        folder = DATA / "spikeglx_NP2_with_sync"
        with pytest.warns(UserWarning, match="fileSizeBytes=186155200"):
            rec = si.read_spikeglx(folder, stream_id="imec0.ap")
        bin_file = next(folder.rglob("*.ap.bin"))
        assert rec.get_num_samples() == bin_file.stat().st_size // (385 * 2) == 1000

    def test_neuroscope_lfp_is_at_the_lfp_rate(self):
        _need("neuroscope_YutaMouse42-151117_stub")
        rec = si.read_neuroscope(
            DATA / "neuroscope_YutaMouse42-151117_stub" / "YutaMouse42-151117.lfp"
        )
        assert rec.get_sampling_frequency() == 1250.0
        groups = rec.get_channel_groups()
        assert groups.min() >= 0
        assert np.unique(groups).size > 1

    def test_multi_experiment_open_ephys_lists_them(self):
        _need("openephys_binary_v0.6_neuropixels_multiexp")
        folder = DATA / "openephys_binary_v0.6_neuropixels_multiexp"
        with pytest.raises(StreamNotFoundError, match=r"experiment1.*experiment3.*experiment6"):
            si.read_openephys(folder)
        with pytest.raises(StreamNotFoundError, match="experiment3"):
            si.read_openephys(folder, experiment_name="experiment2")
        with pytest.raises(StreamNotFoundError, match=r"Neuropix-PXI-100\.ProbeB"):
            si.read_openephys(folder, experiment_name="experiment3", stream_name="nope")
        assert si.get_neo_num_blocks("openephys", folder) == 3

    def test_open_ephys_sync_timestamps_stay_on_disk(self):
        _need("openephys_binary_v0.6_neuropixels_multiexp")
        folder = DATA / "openephys_binary_v0.6_neuropixels_multiexp"
        name = "Record Node 101#Neuropix-PXI-100.ProbeB"
        rec = si.read_openephys(
            folder, experiment_name="experiment3", stream_name=name, load_sync_timestamps=True
        )
        stamps = np.load(
            folder / "Record Node 101/experiment3/recording1/continuous/Neuropix-PXI-100.ProbeB/"
            "timestamps.npy"
        )
        np.testing.assert_array_equal(rec.get_times(), stamps)
        assert isinstance(rec.segments[0]._time_vector, np.memmap)

    def test_unknown_spikeglx_stream_lists_them(self):
        _need("spikeglx_NP2_with_sync")
        with pytest.raises(StreamNotFoundError, match=r"'imec0\.ap'.*'nidq'"):
            si.read_spikeglx(DATA / "spikeglx_NP2_with_sync", stream_id="imec1.ap")
        with pytest.raises(StreamNotFoundError, match="several streams"):
            si.read_spikeglx(DATA / "spikeglx_NP2_with_sync")

    def test_cellexplorer_session_without_xml(self):
        _need("neuroscope_cellexplorer_MS22_stub")
        rec = si.read_neuroscope(DATA / "neuroscope_cellexplorer_MS22_stub")
        assert rec.get_num_channels() == 128
        assert rec.get_sampling_frequency() == 20000.0
        assert rec.get_num_samples() == 1000

    def test_memory_mapped_where_neo_describes_the_buffer(self):
        _need("spikeglx_Noise4Sam_g0")
        rec = si.read_spikeglx(DATA / "spikeglx_Noise4Sam_g0", stream_id="imec0.ap")
        array = rec.segments[0].array  # the AP columns of the .bin, its SYNC column aside
        assert type(array).__name__ == "ColumnSelectArray"
        assert type(array.source).__name__ == "MemmapArray"
        assert array.source.shape == (rec.get_num_samples(), 385)


class TestEventsSortingsSnippets:
    def test_spikeglx_ttl_events_match_neo(self):
        _need("spikeglx_NP2_with_sync")
        events = si.read_spikeglx_event(DATA / "spikeglx_NP2_with_sync")
        ref = neo.rawio.SpikeGLXRawIO(dirname=str(DATA / "spikeglx_NP2_with_sync"))
        ref.parse_header()
        chans = ref.header["event_channels"]
        assert events.channel_ids.tolist() == [str(c) for c in chans["id"]]
        for c in range(len(chans)):
            ts, _, _ = ref.get_event_timestamps(0, 0, c)
            t = ref.rescale_event_timestamp(ts, dtype="float64", event_channel_index=c)
            np.testing.assert_array_equal(events.get_event_times(events.channel_ids[c]), np.sort(t))

    def test_open_ephys_ttl_events_as_ts(self):
        _need("openephys_binary_v0.4.4.1_cinpla_video_tracking")
        events = si.read_openephys_event(DATA / "openephys_binary_v0.4.4.1_cinpla_video_tracking")
        ttl = events.channel_ids[1]
        ts = events.to_ts(ttl)
        assert len(ts) == len(events.get_events(ttl)) > 0

    @pytest.mark.parametrize("name", ["plexon_plx_File_plexon_1", "plexon_plx_File_plexon_3"])
    def test_plexon_sorting_matches_neo(self, name):
        _need(name)
        path = next((DATA / name).glob("*.plx"))
        sorting = si.read_plexon_sorting(path)
        ref = neo.rawio.PlexonRawIO(filename=str(path), progress_bar=False)
        ref.parse_header()
        assert sorting.get_num_units() == len(ref.header["spike_channels"])
        for u in range(sorting.get_num_units()):
            raw = ref.get_spike_timestamps(0, 0, u, None, None)
            np.testing.assert_array_equal(sorting.get_unit_spike_train(u), np.sort(raw))

    def test_plexon_file_without_signals_is_not_a_recording(self):
        _need("plexon_plx_File_plexon_1")
        with pytest.raises(StreamNotFoundError, match="no signal stream"):
            si.read_plexon(DATA / "plexon_plx_File_plexon_1" / "File_plexon_1.plx")

    def test_neuroscope_recording_and_sorting(self):
        _need("neuroscope_YutaMouse42-151117_stub")
        folder = DATA / "neuroscope_YutaMouse42-151117_stub"
        rec, sorting = si.read_neuroscope(
            folder / "YutaMouse42-151117.eeg", load_sorting=True, keep_mua_units=True
        )
        assert rec.get_sampling_frequency() == 1250.0
        assert sorting.get_num_units() > 0

    @pytest.mark.filterwarnings("ignore:.*one frame per snippet")
    @pytest.mark.parametrize("shank", [1, 4, 8])
    def test_neuroscope_spk_snippets(self, shank):
        import xml.etree.ElementTree as ET

        _need("neuroscope_YutaMouse42-151117_stub")
        folder = DATA / "neuroscope_YutaMouse42-151117_stub"
        snippets = si.read_neuroscope_snippets(folder / f"YutaMouse42-151117.spk.{shank}")
        group = (
            ET.parse(folder / "YutaMouse42-151117.xml")
            .getroot()
            .findall("spikeDetection/channelGroups/group")[shank - 1]
        )
        chans = [int(c.text) for c in group.findall("channels/channel")]
        raw = np.fromfile(folder / f"YutaMouse42-151117.spk.{shank}", dtype="<i2")
        raw = raw.reshape(-1, 32, len(chans))
        frames = np.loadtxt(folder / f"YutaMouse42-15111710.res.{shank}", dtype=np.int64)
        frames = frames[: raw.shape[0]]  # the stub's .res keeps one more spike than its .spk
        assert snippets.channel_ids.tolist() == chans
        assert snippets.nbefore == 16
        assert snippets.snippet_len == 32
        np.testing.assert_array_equal(snippets.get_frames(), frames)
        np.testing.assert_array_equal(snippets.get_snippets(), raw)

    def test_neuroscope_evt_events(self):
        _need("neuroscope_klusters_pynapple_A2929-200711")
        folder = DATA / "neuroscope_klusters_pynapple_A2929-200711"
        events = si.read_neuroscope_events(folder)
        assert events.channel_ids.tolist() == ["py.rip"]
        lines = (folder / "A2929-200711.evt.py.rip").read_text().split("\n")
        times = [float(x.split("\t")[0]) / 1000 for x in lines if x.strip()]
        np.testing.assert_allclose(events.get_event_times(), np.sort(times))
        assert events.get_events()["label"][0] == "PyRip start 1"


def test_read_neo_generic_and_bad_format(tmp_path):
    _need("intan_rhd_intan-sampledata")
    path = DATA / "intan_rhd_intan-sampledata" / "sampledata.rhd"
    rec = si.read_neo("intan", path, stream_name="RHD2000 amplifier channel")
    np.testing.assert_array_equal(rec.get_traces(), si.read_intan(path, stream_id="0").get_traces())
    names, ids = si.get_neo_streams("intan", path)
    assert ids == ["0", "1"]
    assert names[0] == "RHD2000 amplifier channel"
    with pytest.raises(FileFormatError, match="allowed values"):
        si.read_neo("nope", path)
    with pytest.raises(StreamNotFoundError, match="different streams"):
        si.read_neo("intan", path, stream_id="0", stream_name="RHD2000 auxiliary input channel")


def test_pickle_round_trip_reopens_the_file():
    import pickle

    _need("spikeglx_TEST_20210920_0_g0")
    rec = si.read_spikeglx(DATA / "spikeglx_TEST_20210920_0_g0", stream_id="imec0.ap")
    back = pickle.loads(pickle.dumps(rec))
    np.testing.assert_array_equal(back.get_traces(end_frame=50), rec.get_traces(end_frame=50))
    np.testing.assert_array_equal(back.get_channel_locations(), rec.get_channel_locations())
