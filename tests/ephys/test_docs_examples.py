"""SpikeInterface-core's documented examples (modules/core.rst of 0.105) run as written with
``import memphys.ephys as si``: recording, probe, saving, job kwargs, in-memory objects,
slicing/aggregation and multi-segment manipulation. Each example's code is kept as the
documentation has it (only the data sources are generated), and checked against numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

import memphys.ephys as si
from memphys.ephys import (
    NumpyRecording,
    aggregate_channels,
    append_recordings,
    concatenate_recordings,
    generate_recording,
    get_global_job_kwargs,
    read_binary,
    select_segment_recording,
    set_global_job_kwargs,
    split_recording,
)


@pytest.fixture
def recording() -> si.BaseRecording:
    """The documentation's "recording with 16 channels" (int16 with gains)."""
    rng = np.random.default_rng(0)
    traces = rng.integers(-500, 500, size=(30_000 * 12, 16), dtype=np.int16)
    rec = NumpyRecording(traces_list=[traces], sampling_frequency=30_000.0)
    rec.set_channel_gains(0.195)
    rec.set_channel_offsets(0.0)
    return rec


@pytest.fixture(autouse=True)
def _reset_job_kwargs():
    yield
    si.reset_global_job_kwargs()


def test_recording_example(recording):
    channel_ids = recording.channel_ids
    num_channels = recording.get_num_channels()
    sampling_frequency = recording.sampling_frequency

    # get number of samples/duration
    num_samples_segment = recording.get_num_samples(segment_index=0)
    num_total_samples = recording.get_total_samples()
    total_duration = recording.get_total_duration()

    # retrieve raw traces between frames 100 and 200
    traces = recording.get_traces(start_frame=100, end_frame=200, segment_index=0)
    # retrieve raw traces only for the first 4 channels
    traces_slice = recording.get_traces(
        start_frame=100, end_frame=200, segment_index=0, channel_ids=channel_ids[:4]
    )
    # retrieve traces after scaling to uV
    traces_uV = recording.get_traces(
        start_frame=100, end_frame=200, segment_index=0, return_in_uV=True
    )
    # set/get a new channel property (e.g. "quality")
    recording.set_property(key="quality", values=["good"] * num_channels)
    quality_values = recording.get_property("quality")
    # get all available properties
    property_keys = recording.get_property_keys()

    # set/get an annotation
    recording.annotate(date="Recording acquired today")
    date = recording.get_annotation(key="date")

    # get new recording with the first 10s of the traces
    recording_slice_frames = recording.frame_slice(
        start_frame=0, end_frame=int(10 * sampling_frequency)
    )
    # get new recording with the first 4 channels
    recording_slice_chans = recording.select_channels(channel_ids=channel_ids[:4])
    # remove last two channels
    recording_rm_chans = recording.remove_channels(remove_channel_ids=channel_ids[-2:])

    # set channel grouping (assume we have 4 groups of 4 channels, e.g. tetrodes)
    groups = [0] * 4 + [1] * 4 + [2] * 4 + [3] * 4
    recording.set_channel_groups(groups)
    # split by property
    recording_by_group = recording.split_by("group")

    # set times (for synchronization) - assume our times start at 300 seconds
    num_samples = recording.get_num_samples()
    timestamps = np.arange(num_samples) / sampling_frequency + 300
    recording.set_times(times=timestamps, segment_index=0)

    # what the example promises
    raw = recording.get_traces()
    assert (num_channels, sampling_frequency) == (16, 30_000.0)
    assert num_samples_segment == num_total_samples == 360_000
    assert total_duration == pytest.approx(12.0)
    assert np.array_equal(traces, raw[100:200])
    assert np.array_equal(traces_slice, raw[100:200, :4])
    expected_uV = raw[100:200].astype("float32") * np.float32(0.195) + np.float32(0.0)
    assert traces_uV.dtype == np.float32
    assert np.array_equal(traces_uV, expected_uV)
    assert quality_values.tolist() == ["good"] * 16
    assert "quality" in property_keys
    assert date == "Recording acquired today"
    assert recording_slice_frames.get_num_samples() == 300_000
    assert recording_slice_chans.channel_ids.tolist() == channel_ids[:4].tolist()
    assert recording_rm_chans.channel_ids.tolist() == channel_ids[:-2].tolist()
    assert sorted(recording_by_group) == [0, 1, 2, 3]
    assert all(r.get_num_channels() == 4 for r in recording_by_group.values())
    assert np.array_equal(recording_by_group[2].get_traces(end_frame=5), raw[:5, 8:12])
    assert recording.get_times()[0] == 300.0
    assert recording.has_time_vector()


def test_probe_example(recording):
    import probeinterface as pi

    # the documentation downloads ASSY-156-P-1 (64 channels, 4 shanks) with its wiring; we
    # build the same kind of probe offline: 4 shanks of 4 contacts, wired in reverse
    probe = pi.generate_multi_shank(num_shank=4, num_columns=1, num_contact_per_column=4)
    probe.set_device_channel_indices(np.arange(16)[::-1].copy())
    probegroup = pi.ProbeGroup()
    probe_copy = probe.copy()  # probeinterface's copy drops the wiring
    probe_copy.set_device_channel_indices(np.arange(16)[::-1].copy())
    probegroup.add_probe(probe_copy)

    # set probe (modifies the recording in place)
    recording.set_probe(probe)
    # set probe with group info derived from shank ids (in place)
    recording.set_probe(probe, group_mode="by_shank")
    # to get a *new* recording without modifying the original, use select_channels_with_probe
    recording_w_probe = recording.select_channels_with_probe(probe)
    recording_w_probe = recording.select_channels_with_probe(probe, group_mode="by_shank")
    # multi-probe recordings use set_probegroup / select_channels_with_probegroup
    recording.set_probegroup(probegroup)
    recording_w_probegroup = recording.select_channels_with_probegroup(probegroup)
    # retrieve probe
    probe_from_recording = recording.get_probe()
    # retrieve channel locations
    locations = recording.get_channel_locations()
    # equivalent to recording.get_property("location")
    assert np.array_equal(locations, recording.get_property("location"))

    # contact k is wired to channel 15 - k: channel c sits at contact 15 - c
    contacts = np.asarray(probe.contact_positions)
    assert np.array_equal(locations, contacts[::-1])
    assert np.array_equal(probe_from_recording.contact_positions, contacts[::-1])
    # by_shank: 4 groups of 4 channels, following the wiring (channels 0-3 on shank 3)
    assert np.array_equal(recording_w_probe.get_channel_groups(), np.repeat([3, 2, 1, 0], 4))
    assert recording_w_probegroup.get_num_channels() == 16


def test_saving_example(recording, tmp_path, monkeypatch):
    from numcodecs import LZMA, Delta

    monkeypatch.chdir(tmp_path)
    # n_jobs is related to the number of processors you want to use
    # n_jobs=-1 indicates to use all available
    job_kwargs = dict(n_jobs=8, chunk_duration="1s")
    # save recording to folder in binary (default) format; an in-memory recording has no
    # provenance to write in the folder (SpikeInterface warns too)
    with pytest.warns(UserWarning, match="provenance of the saved folder is not stored"):
        recording_bin = recording.save(folder="recording", **job_kwargs)
    # save recording to folder in zarr format (.zarr is appended automatically)
    recording_zarr = recording.save(folder="recording", format="zarr", **job_kwargs)

    compressor = LZMA()
    filters = [Delta(dtype="int16")]
    recording_custom_comp = recording.save(
        folder="recording_custom",
        format="zarr",
        compressor=compressor,
        filters=filters,
        **job_kwargs,
    )
    raw = recording.get_traces()
    for saved in (recording_bin, recording_zarr, recording_custom_comp):
        assert np.array_equal(saved.get_traces(), raw)
        assert np.array_equal(saved.get_channel_gains(), recording.get_channel_gains())
    assert (tmp_path / "recording.zarr").is_dir()
    reloaded = si.load_extractor(tmp_path / "recording")  # the documentation's loader name
    assert np.array_equal(reloaded.get_traces(), raw)
    import zarr

    meta = zarr.open_array(str(tmp_path / "recording_custom.zarr" / "traces_seg0")).metadata
    assert meta.compressor.codec_id == "lzma"
    assert meta.filters[0].codec_id == "delta"


def test_job_kwargs_example():
    global_job_kwargs = dict(n_jobs=16, chunk_duration="5s", progress_bar=False)
    set_global_job_kwargs(**global_job_kwargs)
    got = get_global_job_kwargs()
    # >>> {'n_jobs': 16, 'chunk_duration': '5s', 'progress_bar': False}
    assert {k: got[k] for k in global_job_kwargs} == global_job_kwargs


def test_defaults_of_job_kwargs():
    # "The default job_kwargs are n_jobs=1, chunk_duration="1s", progress_bar=True."
    got = get_global_job_kwargs()
    assert (got["n_jobs"], got["chunk_duration"], got["progress_bar"]) == (1, "1s", True)


def test_in_memory_example():
    # in-memory recording
    sampling_frequency = 30_000.0
    duration = 10.0
    num_samples = int(duration * sampling_frequency)
    num_channels = 16
    random_traces = np.random.randn(num_samples, num_channels)  # noqa: NPY002 - as written

    recording_memory = NumpyRecording(
        traces_list=[random_traces], sampling_frequency=sampling_frequency
    )
    assert recording_memory.get_num_samples() == num_samples
    assert np.array_equal(recording_memory.get_traces(), random_traces)


def test_slicing_and_aggregating_example(tmp_path):
    # here we load a very long recording (a generated one: nothing is read)
    recording = generate_recording(num_channels=40, durations=[15 * 60.0], seed=0)

    # keep one channel of every tenth channel
    keep_ids = recording.channel_ids[::10]
    sub_recording = recording.select_channels(channel_ids=keep_ids)
    assert sub_recording.channel_ids.tolist() == ["0", "10", "20", "30"]

    # keep between 5min and 12min
    fs = recording.sampling_frequency
    sub_recording = recording.frame_slice(start_frame=int(fs * 60 * 5), end_frame=int(fs * 60 * 12))
    assert sub_recording.get_total_duration() == pytest.approx(7 * 60)
    assert sub_recording.get_start_time() == pytest.approx(300.0)

    for name, seed in (("fileA.raw", 1), ("fileB.raw", 2)):
        data = np.random.default_rng(seed).integers(-100, 100, (3000, 4), dtype=np.int16)
        data.tofile(tmp_path / name)
    recA_4_chans = read_binary(
        tmp_path / "fileA.raw", sampling_frequency=30000.0, dtype="int16", num_channels=4
    )
    recB_4_chans = read_binary(
        tmp_path / "fileB.raw", sampling_frequency=30000.0, dtype="int16", num_channels=4
    )
    rec_8_chans = aggregate_channels([recA_4_chans, recB_4_chans])
    assert rec_8_chans.get_num_channels() == 8
    both = np.hstack([recA_4_chans.get_traces(), recB_4_chans.get_traces()])
    assert np.array_equal(rec_8_chans.get_traces(), both)


def test_multi_segment_example():
    recording2 = generate_recording(num_channels=4, durations=[1.0, 2.0], seed=2)
    recording3 = generate_recording(num_channels=4, durations=[0.5, 1.0, 1.5], seed=3)

    # `append_recordings` will append all segments of multiple recordings
    recording5 = append_recordings([recording2, recording3])
    # `recording5` will have 5 segments
    assert recording5.get_num_segments() == 5

    # `concatenate_recordings` will make a mono-segment recording by virtual concatenation
    recording_mono = concatenate_recordings([recording2, recording5])
    assert recording_mono.get_num_segments() == 1
    assert recording_mono.get_num_samples() == 30_000 * (3.0 + 6.0)

    # `split_recording` will return a list of mono-segment recordings out of a multi-segment one
    recording_mono_list = split_recording(recording5)
    # `recording_mono_list` will have 5 elements with 1 segment
    assert len(recording_mono_list) == 5

    # `select_segment_recording` will return a user-defined subset of segments
    recording_select1 = select_segment_recording(recording5, segment_indices=3)
    # `recording_select1` will have 1 segment (the 4th one)
    recording_select2 = select_segment_recording(recording5, segment_indices=[0, 4])
    # `recording_select2` will have 2 segments (the 1st and last one)
    assert recording_select1.get_num_segments() == 1
    assert recording_select2.get_num_segments() == 2
    assert np.array_equal(recording_select1.get_traces(), recording3.get_traces(segment_index=1))
    assert np.array_equal(
        recording_select2.get_traces(segment_index=1), recording3.get_traces(segment_index=2)
    )
    whole = np.concatenate(
        [recording2.get_traces(segment_index=s) for s in range(2)]
        + [recording5.get_traces(segment_index=s) for s in range(5)]
    )
    assert np.array_equal(recording_mono.get_traces(), whole)


def test_generate_toy_objects_example():
    # recording with 2 segments and 4 channels
    recording = generate_recording(
        num_channels=4, sampling_frequency=30000.0, durations=[10.325, 3.5], set_probe=True
    )
    assert recording.get_num_segments() == 2
    assert recording.has_probe()
    assert recording.get_num_samples(segment_index=0) == int(10.325 * 30000)
