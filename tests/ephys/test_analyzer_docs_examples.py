"""SpikeInterface-core's SortingAnalyzer, sparsity and template-tools examples, run as
written with ``memphys.ephys as si`` on ``generate_ground_truth_recording`` data, with
answers known from the ground truth.

The code blocks are those of SpikeInterface's ``doc/modules/core.rst`` (sections
"SortingAnalyzer" and "Sparsity", and the template tools it lists); the objects the docs
assume (``recording``, ``sorting``, ``analyzer``) are made first. The ground-truth
sorting's unit ids are renamed 0..9 because the docs select ``unit_ids=[0, 1, 2, 3]``.
The seed's ``merge_units([0, 1], [2, 3])`` is read as the groups ``[[0, 1], [2, 3]]``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import memphys.ephys as si

# Analyzers saved to disk with a generated (in-memory) recording lose its link, with a
# warning (expected in test_recordingless_mode_and_temporary_recording); elsewhere it is
# incidental.
pytestmark = pytest.mark.filterwarnings(
    "ignore:The Recording is not JSON serializable:memphys.errors.ExtractorWarning"
)


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    si.set_global_job_kwargs(progress_bar=False)
    yield
    si.reset_global_job_kwargs()


@pytest.fixture(scope="module")
def gt():
    # 3 Hz per unit: the other units' overlapping spikes barely bias the averages
    recording, sorting = si.generate_ground_truth_recording(
        durations=[60.0],
        num_channels=4,
        num_units=10,
        seed=2205,
        generate_sorting_kwargs=dict(firing_rates=3.0, refractory_period_ms=4.0),
        noise_kwargs=dict(noise_levels=5.0, strategy="tile_pregenerated"),
    )
    sorting = sorting.rename_units(np.arange(10))
    return recording, sorting


def _gt_amplitudes(recording, main_idx):
    templates = np.asarray(recording._kwargs["templates"])
    return np.abs(templates[np.arange(templates.shape[0]), :, main_idx]).max(axis=1)


def test_sorting_analyzer_section(gt):
    recording, sorting = gt
    from memphys.ephys import create_sorting_analyzer

    # create in-memory sorting analyzer object
    sorting_analyzer = create_sorting_analyzer(
        sorting=sorting,
        recording=recording,
        sparse=True,  # default
        format="memory",  # default
    )
    assert str(sorting_analyzer) == (
        "SortingAnalyzer: 4 channels - 10 units - 1 segments - memory - sparse - has recording\n"
        "Loaded 0 extensions"
    )

    processed_folder = Path("processed")
    sorting_analyzer_zarr = sorting_analyzer.save_as(
        folder=processed_folder / "sorting_analyzer.zarr", format="zarr"
    )
    sorting_analyzer_binary = sorting_analyzer.save_as(
        folder=processed_folder / "sorting_analyzer_bin", format="binary_folder"
    )
    assert sorting_analyzer_zarr.format == "zarr"
    assert sorting_analyzer_binary.format == "binary_folder"
    sorting_analyzer_with_backend = create_sorting_analyzer(
        sorting=sorting,
        recording=recording,
        sparse=True,
        format="zarr",
        folder="my-sorting-analyzer.zarr",
    )
    assert sorting_analyzer_with_backend.folder.name == "my-sorting-analyzer.zarr"
    reloaded = si.load_sorting_analyzer(folder="my-sorting-analyzer.zarr")
    assert reloaded.sparsity == sorting_analyzer.sparsity

    num_channels = sorting_analyzer.get_num_channels()
    num_units = sorting_analyzer.get_num_units()
    sampling_frequency = sorting_analyzer.sampling_frequency
    total_num_samples = sorting_analyzer.get_total_samples()
    total_duration = sorting_analyzer.get_total_duration()
    num_samples = sorting_analyzer.get_num_samples(segment_index=0)
    channel_ids = sorting_analyzer.channel_ids
    unit_ids = sorting_analyzer.unit_ids
    assert (num_channels, num_units) == (4, 10)
    assert sampling_frequency == recording.sampling_frequency
    assert total_num_samples == num_samples == recording.get_num_samples()
    assert total_duration == pytest.approx(60.0)
    assert np.array_equal(channel_ids, recording.channel_ids)
    assert np.array_equal(unit_ids, np.arange(10))

    random_spikes_extension = sorting_analyzer.compute("random_spikes")
    waveforms_extension = sorting_analyzer.compute("waveforms")
    templates_extension = sorting_analyzer.compute("templates")
    assert list(templates_extension.data.keys()) == ["average", "std"]
    assert random_spikes_extension.data["random_spikes_indices"].size > 0
    assert waveforms_extension.data["waveforms"].shape[1] == 75  # 1 ms + 2 ms at 25 kHz

    waveform_extension_2 = sorting_analyzer.compute("waveforms", ms_before=2, ms_after=5)
    assert waveform_extension_2.data["waveforms"].shape[1] == 175
    assert not sorting_analyzer.has_extension("templates")  # a child of waveforms

    sorting_analyzer.compute(["random_spikes", "waveforms", "templates", "noise_levels"])
    if sorting_analyzer.has_extension("templates"):
        templates_extension = sorting_analyzer.get_extension("templates")

    # known answers: the templates' main channels and amplitudes are the ground truth's
    main = sorting_analyzer.get_main_channels(outputs="index")
    gt_main = recording.ids_to_indices(sorting.get_property("main_channel_id"))
    assert np.array_equal(main, gt_main)
    extremum = si.get_template_extremum_channel(sorting_analyzer, peak_sign="both", outputs="index")
    assert [extremum[u] for u in unit_ids] == list(gt_main)
    amps = si.get_template_extremum_amplitude(sorting_analyzer, peak_sign="both", mode="extremum")
    gt_amps = _gt_amplitudes(recording, gt_main)
    rel = np.abs(np.array([amps[u] for u in unit_ids]) - gt_amps) / gt_amps
    assert np.all(rel < 0.05), rel

    sorting_analyzer_select = sorting_analyzer.select_units(unit_ids=[0, 1, 2, 3])
    sorting_analyzer_remove = sorting_analyzer.remove_units(remove_unit_ids=[0])
    sorting_analyzer_merge = sorting_analyzer.merge_units([[0, 1], [2, 3]])
    assert list(sorting_analyzer_select.unit_ids) == [0, 1, 2, 3]
    assert 0 not in sorting_analyzer_remove.unit_ids
    assert sorting_analyzer_merge.get_num_units() == 8
    # the seed's spelling, read as the same two groups
    seed_merge = sorting_analyzer.merge_units([0, 1], [2, 3])
    assert np.array_equal(seed_merge.unit_ids, sorting_analyzer_merge.unit_ids)
    np.testing.assert_allclose(
        seed_merge.get_extension("templates").data["average"],
        sorting_analyzer_merge.get_extension("templates").data["average"],
    )


def test_sparsity_section(gt):
    recording, sorting = gt
    analyzer = si.create_sorting_analyzer(sorting, recording, sparse=False)
    analyzer.compute(["random_spikes", "templates"])
    from memphys.ephys import compute_sparsity

    # in this case 'analyzer' should be a dense SortingAnalyzer
    sparsity = compute_sparsity(analyzer, method="radius", radius_um=40)
    # known answer: the channels within 40 um of each unit's ground-truth main channel
    locations = recording.get_channel_locations()
    gt_main = recording.ids_to_indices(sorting.get_property("main_channel_id"))
    for i, u in enumerate(analyzer.unit_ids):
        d = np.linalg.norm(locations - locations[gt_main[i]], axis=1)
        assert np.array_equal(sparsity.unit_id_to_channel_indices[u], np.flatnonzero(d <= 40))
        assert np.array_equal(sparsity.unit_id_to_channel_ids[u], recording.channel_ids[d <= 40])

    analyzer_sparse = si.create_sorting_analyzer(
        sorting=sorting,
        recording=recording,
        sparsity=sparsity,
        format="binary_folder",
        folder="sparse_analyzer",
    )
    assert analyzer_sparse.sparsity == sparsity
    assert si.load_sorting_analyzer("sparse_analyzer").sparsity == sparsity


def test_template_tools(gt):
    recording, sorting = gt
    analyzer = si.create_sorting_analyzer(sorting, recording, sparse=False)
    analyzer.compute(["random_spikes", "templates"])
    gt_main = recording.ids_to_indices(sorting.get_property("main_channel_id"))

    amplitudes = si.get_template_amplitudes(analyzer)
    assert [int(np.argmax(amplitudes[u])) for u in analyzer.unit_ids] == list(gt_main)
    ids = si.get_template_extremum_channel(analyzer, peak_sign="neg", outputs="id")
    assert [ids[u] for u in analyzer.unit_ids] == list(recording.channel_ids[gt_main])
    shifts = si.get_template_extremum_channel_peak_shift(analyzer, peak_sign="neg")
    assert all(abs(s) <= 2 for s in shifts.values())  # the generator peaks at nbefore
    # SpikeInterface 0.105.3's default call (peak_sign="neg", mode="at_index") fails an
    # assertion with an analyzer; here it answers: the trough at nbefore on the main channel
    amps = si.get_template_extremum_amplitude(analyzer)
    gt_amps = _gt_amplitudes(recording, gt_main)
    rel = np.abs(np.array([amps[u] for u in analyzer.unit_ids]) - gt_amps) / gt_amps
    assert np.all(rel < 0.05), rel
