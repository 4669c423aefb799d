"""SpikeInterface-core's documentation examples for sortings, events, snippets, segments,
in-memory objects and generators, run as written with ``memphys.ephys as si``.

The code blocks are from SpikeInterface's ``doc/modules/core.rst`` and
``doc/how_to/load_your_data_into_sorting.rst`` (the objects the docs assume, ``recording``,
``sorting``, ``event``, ``snippets``, are made first). Two fixes of the docs themselves: a
missing comma in the in-memory example, and the vendor readers of the slicing example
(``read_spikeglx``/``read_kilosort``) replaced by generated objects.
"""

from __future__ import annotations

import numpy as np
import pytest
from tests.ephys._sorting_helpers import recordings

import memphys.ephys as si


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    si.set_global_job_kwargs(progress_bar=False)
    yield
    si.reset_global_job_kwargs()


def test_sorting_section():
    recordings()
    recording = si.generate_recording(num_channels=16, durations=[20.0], seed=0)
    sorting = si.generate_sorting(num_units=10, durations=[20.0], seed=0)

    unit_ids = sorting.unit_ids
    num_units = sorting.get_num_units()
    sampling_frequency = sorting.sampling_frequency

    # retrieve spike trains for a unit (returned as sample indices)
    unit0 = unit_ids[0]
    spike_train = sorting.get_unit_spike_train(unit_id=unit0, segment_index=0)
    # retrieve spikes between frames 100 and 200
    spike_train_slice = sorting.get_unit_spike_train(
        unit_id=unit0, start_frame=100, end_frame=200, segment_index=0
    )

    # set/get a new unit property (e.g. "quality")
    sorting.set_property(key="quality", values=["good"] * num_units)
    quality_values = sorting.get_property("quality")
    # get all available properties
    property_keys = sorting.get_property_keys()

    # set/get an annotation
    sorting.annotate(date="Spike sorted today")
    sorting.get_annotation(key="date")

    # get new sorting within the first 10s of the spike trains
    sorting_slice_frames = sorting.frame_slice(
        start_frame=0, end_frame=int(10 * sampling_frequency)
    )
    # get new sorting with only the first 4 units
    sorting_select_units = sorting.select_units(unit_ids=unit_ids[:4])

    # register 'recording' from the previous example and get the spike trains in seconds
    sorting.register_recording(recording=recording)
    spike_train_s = sorting.get_unit_spike_train(unit_id=unit0, segment_index=0, return_times=True)

    assert spike_train_slice.size == np.sum((spike_train >= 100) & (spike_train < 200))
    assert quality_values.tolist() == ["good"] * 10
    assert "quality" in property_keys
    assert sorting_slice_frames.get_unit_spike_train(unit0).max() < 300_000
    assert sorting_select_units.get_num_units() == 4
    assert np.allclose(spike_train_s, spike_train / 30000.0)

    # efficiency and caching: the reordered spike vector
    ordered, order, _slices = sorting.to_reordered_spike_vector()
    assert np.array_equal(sorting.to_spike_vector()[order], ordered)


def test_event_section():
    dt = [("time", "<f8"), ("duration", "<f8"), ("label", "<U100")]
    event = si.NumpyEvent.from_dict(
        {
            "ttl": np.array([(1.0, 0.5, "a"), (2.0, 0.5, "b")], dtype=dt),
            "sync": np.array([(0.5, 0.0, "")], dtype=dt),
        }
    )
    channel_ids = event.channel_ids
    num_channels = event.get_num_channels()
    # get structured dtype for the first channel
    event_dtype = event.get_dtype(channel_ids[0])
    print(event_dtype)
    # >>> dtype([('time', '<f8'), ('duration', '<f8'), ('label', '<U100')])

    # retrieve events (with structured dtype)
    events = event.get_events(channel_id=channel_ids[0], segment_index=0)
    # retrieve event times
    event_times = event.get_event_times(channel_id=channel_ids[0], segment_index=0)
    assert num_channels == 2
    assert str(event_dtype) == "[('time', '<f8'), ('duration', '<f8'), ('label', '<U100')]"
    assert events["label"].tolist() == ["a", "b"]
    assert event_times.tolist() == [1.0, 2.0]


def test_snippets_section():
    recordings()
    snippets, _ = si.generate_snippets(num_channels=16, durations=[5.0], seed=0)
    channel_ids = snippets.channel_ids
    num_channels = snippets.get_num_channels()
    # retrieve number of snippets
    num_snippets = snippets.get_num_snippets(segment_index=0)
    # retrieve total number of snippets across segments
    total_snippets = snippets.get_total_snippets()

    # retrieve snippet size
    nbefore = snippets.nbefore  # samples before peak
    nsamples_per_snippet = snippets.snippet_len  # total
    nafter = nsamples_per_snippet - nbefore  # samples after peak

    # retrieve sample/frame indices
    frames = snippets.get_frames(segment_index=0)
    # retrieve snippet cutouts
    snippet_cutouts = snippets.get_snippets(segment_index=0)
    # retrieve snippet cutouts on first 4 channels
    snippet_cutouts_slice = snippets.get_snippets(channel_ids=channel_ids[:4], segment_index=0)
    assert num_channels == 16
    assert num_snippets == total_snippets == frames.size
    assert snippet_cutouts.shape == (num_snippets, 64, 16)
    assert nafter == 44
    assert np.array_equal(snippet_cutouts_slice, snippet_cutouts[:, :, :4])


def test_saving_section():
    recordings()
    snippets, sorting = si.generate_snippets(num_channels=2, durations=[2.0], seed=1)
    # save snippets to NPZ
    snippets_saved = snippets.save(folder="snippets")
    # save sorting to NPZ
    sorting_saved = sorting.save(folder="sorting")
    assert np.array_equal(si.load_extractor("sorting").to_spike_vector(), sorting.to_spike_vector())
    assert np.array_equal(si.load_extractor("snippets").get_frames(), snippets_saved.get_frames())
    assert sorting_saved.get_num_units() == 5


def test_in_memory_section():
    recordings()
    from memphys.ephys import NumpyRecording, NumpySorting

    # in-memory recording
    sampling_frequency = 30_000.0
    duration = 10.0
    num_samples = int(duration * sampling_frequency)
    num_channels = 16
    random_traces = np.random.randn(num_samples, num_channels)  # noqa: NPY002

    recording_memory = NumpyRecording(
        traces_list=[random_traces],
        sampling_frequency=sampling_frequency,
    )
    # in-memory sorting
    num_units = 10
    num_spikes_unit = 1000
    spike_trains = []
    labels = []
    for i in range(num_units):
        spike_trains_i = list(np.random.randint(low=0, high=num_samples, size=num_spikes_unit))  # noqa: NPY002
        labels_i = [i] * num_spikes_unit
        spike_trains += spike_trains_i
        labels += labels_i

    # construct a mono-segment
    samples_list = [np.array(spike_trains)]
    labels_list = [np.array(labels)]

    sorting_memory = NumpySorting.from_samples_and_labels(
        samples_list=samples_list, labels_list=labels_list, sampling_frequency=sampling_frequency
    )
    sorting = sorting_memory
    # turn any sortinto into NumpySorting
    sorting_np = sorting.to_numpy_sorting()

    # or to SharedMemorySorting for parallel computing
    sorting_shm = sorting.to_shared_memory_sorting()
    assert recording_memory.get_num_channels() == 16
    assert sorting_np.count_total_num_spikes() == 10_000
    assert np.array_equal(sorting_shm.to_spike_vector(), sorting_np.to_spike_vector())


def test_slicing_and_aggregating_section(tmp_path):
    recordings()
    recording = si.generate_recording(num_channels=4, durations=[60.0 * 13], seed=0)
    sorting = si.generate_sorting(num_units=6, durations=[60.0 * 13], seed=0)
    # keep between 5min and 12min
    fs = recording.sampling_frequency
    sub_recording = recording.frame_slice(start_frame=int(fs * 60 * 5), end_frame=int(fs * 60 * 12))
    sub_sorting = sorting.frame_slice(start_frame=int(fs * 60 * 5), end_frame=int(fs * 60 * 12))

    # keep only the first 4 units
    sub_sorting = sorting.select_units(unit_ids=sorting.unit_ids[:4])
    assert sub_recording.get_num_samples() == int(fs * 60 * 7)
    assert sub_sorting.get_num_units() == 4

    si.NpzSortingExtractor.write_sorting(si.generate_sorting(num_units=10, seed=1), "sortingA.npz")
    si.NpzSortingExtractor.write_sorting(si.generate_sorting(num_units=10, seed=2), "sortingB.npz")
    from memphys.ephys import aggregate_units, read_npz_sorting

    sortingA = read_npz_sorting("sortingA.npz")
    sortingB = read_npz_sorting("sortingB.npz")
    sorting_20_units = aggregate_units([sortingA, sortingB])
    assert sorting_20_units.get_num_units() == 20


def test_multiple_segments_section():
    from memphys.ephys import (
        append_sortings,
        concatenate_sortings,
        select_segment_sorting,
        split_sorting,
    )

    sorting2 = si.generate_sorting(durations=[2.0, 3.0], seed=0)
    sorting3 = si.generate_sorting(durations=[1.0, 1.0, 1.0], seed=1)
    sorting5 = append_sortings([sorting2, sorting3])
    assert sorting5.get_num_segments() == 5
    sorting_select1 = select_segment_sorting(sorting5, segment_indices=3)
    sorting_select2 = select_segment_sorting(sorting5, segment_indices=[0, 4])
    assert sorting_select1.get_num_segments() == 1
    assert sorting_select2.get_num_segments() == 2
    monos = [select_segment_sorting(sorting5, segment_indices=k) for k in range(5)]
    sorting_mono = concatenate_sortings(
        monos, total_samples_list=[60000, 90000, 30000, 30000, 30000]
    )
    assert sorting_mono.get_num_segments() == 1
    import importlib.util

    if importlib.util.find_spec("memphys.ephys.numpyextractors") is not None:
        recs = [
            si.NumpyRecording(np.zeros((n, 1), "float32"), 30000.0)
            for n in (60000, 90000, 30000, 30000, 30000)
        ]
        back = split_sorting(sorting_mono, recs)
        assert np.array_equal(back.to_spike_vector(), sorting5.to_spike_vector())


def test_generate_toy_objects_section():
    recordings()
    from memphys.ephys import generate_recording, generate_snippets, generate_sorting

    # recording with 2 segments and 4 channels
    recording = generate_recording(
        num_channels=4, sampling_frequency=30000.0, durations=[10.325, 3.5], set_probe=True
    )

    # sorting with 2 segments and 5 units
    sorting = generate_sorting(
        num_units=5,
        sampling_frequency=30000.0,
        durations=[10.325, 3.5],
        firing_rates=15,
        refractory_period_ms=1.5,
    )

    # snippets of 60 samples on 2 channels from 5 units
    snippets = generate_snippets(
        nbefore=20,
        nafter=40,
        num_channels=2,
        sampling_frequency=30000.0,
        durations=[10.325, 3.5],
        set_probe=True,
        num_units=5,
    )
    assert recording.get_num_segments() == sorting.get_num_segments() == 2
    assert snippets[0].snippet_len == 60
    # the "mistakes" helpers listed after the example
    assert callable(si.synthesize_random_firings)
    assert callable(si.clean_refractory_period)
    assert callable(si.inject_some_duplicate_units)
    assert callable(si.inject_some_split_units)
    assert callable(si.synthetize_spike_train_bad_isi)


def test_load_your_data_into_sorting_how_to():
    from memphys.ephys import NumpySorting

    # in this case we are making a monosegment sorting
    # we have four spikes that are spread among two neurons
    my_sorting = NumpySorting.from_samples_and_labels(
        samples_list=[
            np.array(
                [1000, 12000, 15000, 22000]
            )  # Note these are samples/frames not times in seconds
        ],
        labels_list=[np.array(["a", "b", "a", "b"])],
        sampling_frequency=30_000.0,
    )
    assert my_sorting.get_unit_spike_train("b").tolist() == [12000, 22000]

    my_sorting = NumpySorting.from_unit_dict(
        units_dict_list={
            "0": [1000, 15000],
            "1": [12000, 22000],
        },
        sampling_frequency=30_000.0,
    )
    assert my_sorting.get_unit_spike_train("1").tolist() == [
        12000,
        22000,
    ]  # lists fail in SpikeInterface 0.105.3

    # in this case we are making three-segment sorting
    my_sorting = NumpySorting.from_samples_and_labels(
        samples_list=[
            np.array([1000, 12000, 15000, 22000]),
            np.array([30000, 33000, 41000, 47000]),
            np.array([50000, 53000, 64000, 70000]),
        ],
        labels_list=[
            np.array([0, 1, 0, 1]),
            np.array([0, 0, 1, 1]),
            np.array([1, 0, 1, 0]),
        ],
        sampling_frequency=30_000.0,
    )
    assert my_sorting.get_num_segments() == 3
    assert my_sorting.get_unit_spike_train(0, segment_index=2).tolist() == [53000, 70000]
