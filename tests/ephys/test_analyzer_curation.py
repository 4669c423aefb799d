"""Curation of an analyzer: select, remove, merge (soft/hard, censor_ms) and split units,
against plain references; per-spike data (random spikes, waveforms) follow their spikes even
when renumbering reorders spikes that share a sample."""

from __future__ import annotations

import numpy as np
import pytest

import memphys.ephys as si
from memphys.ephys.analyzer_curation import (
    apply_merges_to_sorting,
    apply_splits_to_sorting,
    generate_unit_ids_for_merge_group,
    generate_unit_ids_for_split,
    renumbered_spike_vector,
)
from memphys.errors import ExtractorValueError


@pytest.fixture(autouse=True)
def _quiet():
    si.set_global_job_kwargs(progress_bar=False)
    yield
    si.reset_global_job_kwargs()


@pytest.fixture(scope="module")
def analyzer():
    si.set_global_job_kwargs(progress_bar=False)
    rec, sorting = si.generate_ground_truth_recording(
        durations=[10.0],
        num_channels=6,
        num_units=5,
        seed=8,
        generate_sorting_kwargs=dict(firing_rates=5.0),
    )
    an = si.create_sorting_analyzer(sorting, rec, sparse=False)
    an.compute(["random_spikes", "waveforms", "templates", "noise_levels"])
    si.reset_global_job_kwargs()
    return an


def _rows_match_spikes(an):
    """Each waveform row is its spike's window (recomputed from the recording)."""
    some = an.get_extension("random_spikes").get_random_spikes()
    wfs = an.get_extension("waveforms").data["waveforms"]
    nb = an.get_extension("waveforms").nbefore
    for i in range(0, len(some), max(1, len(some) // 25)):
        s = int(some["sample_index"][i])
        ref = an.recording.get_traces(
            start_frame=s - nb, end_frame=s - nb + wfs.shape[1], return_in_uV=True
        )
        np.testing.assert_array_equal(wfs[i], ref)


def test_select_and_remove_units(analyzer):
    keep = analyzer.unit_ids[[3, 1]]
    sub = analyzer.select_units(keep)
    assert list(sub.unit_ids) == list(keep)
    _rows_match_spikes(sub)
    t = analyzer.get_extension("templates").data["average"]
    np.testing.assert_array_equal(sub.get_extension("templates").data["average"], t[[3, 1]])
    counts = analyzer.sorting.count_num_spikes_per_unit()
    assert sub.sorting.count_num_spikes_per_unit() == {u: counts[u] for u in keep}
    rem = analyzer.remove_units(analyzer.unit_ids[:2])
    assert list(rem.unit_ids) == list(analyzer.unit_ids[2:])
    np.testing.assert_array_equal(
        rem.get_extension("noise_levels").data["noise_levels"],
        analyzer.get_extension("noise_levels").data["noise_levels"],
    )


def test_soft_merge_weights_templates_by_spike_counts(analyzer):
    u0, u1 = analyzer.unit_ids[:2]
    merged, new_ids = analyzer.merge_units([[u0, u1]], return_new_unit_ids=True)
    assert new_ids == [str(int(max(int(u) for u in analyzer.unit_ids)) + 1)]
    counts = analyzer.sorting.count_num_spikes_per_unit()
    t = analyzer.get_extension("templates").data["average"]
    w = np.array([counts[u0], counts[u1]], float)
    ref = (w[0] * t[0] + w[1] * t[1]) / w.sum()
    j = merged.sorting.id_to_index(new_ids[0])
    np.testing.assert_allclose(merged.get_extension("templates").data["average"][j], ref)
    assert merged.sorting.get_property("is_merged")[j]
    assert merged.sorting.count_num_spikes_per_unit()[new_ids[0]] == counts[u0] + counts[u1]
    _rows_match_spikes(merged)


def test_hard_merge_recomputes(analyzer):
    u0, u1 = analyzer.unit_ids[:2]
    hard = analyzer.merge_units([[u0, u1]], new_unit_ids=["99"], merging_mode="hard")
    assert "99" in hard.unit_ids
    wfs = hard.get_extension("waveforms").data["waveforms"]
    units = hard.get_extension("random_spikes").get_random_spikes()["unit_index"]
    j = hard.sorting.id_to_index("99")
    np.testing.assert_allclose(
        hard.get_extension("templates").data["average"][j],
        wfs[units == j].astype(np.float64).mean(axis=0),
        rtol=1e-6,
        atol=1e-6,
    )


def test_censor_ms_drops_close_spikes():
    s = si.NumpySorting.from_samples_and_labels(
        [np.array([100, 103, 200, 400, 401])], [np.array([0, 1, 0, 1, 2])], 1000.0
    )
    merged, keep, new_ids = apply_merges_to_sorting(s, [[0, 1]], censor_ms=5.0, return_extra=True)
    assert keep.tolist() == [True, False, True, True, True]
    assert merged.to_spike_vector()["sample_index"].tolist() == [100, 200, 400, 401]
    assert list(merged.unit_ids) == [2, 3]
    assert new_ids == [3]


def test_renumbering_reorders_tied_spikes_and_maps_positions():
    spikes = np.zeros(4, dtype=si.minimum_spike_dtype)
    spikes["sample_index"] = [5, 5, 7, 9]
    spikes["unit_index"] = [0, 1, 1, 0]
    new, pmap = renumbered_spike_vector(spikes, np.array([1, 0]))  # swap the two units
    assert new["unit_index"].tolist() == [0, 1, 0, 1]
    assert pmap.tolist() == [1, 0, 2, 3]
    assert np.array_equal(new["sample_index"][pmap], spikes["sample_index"])


def _rows_match_units(an):
    """Each sparse waveform row holds its spike's window on *its unit's* channels."""
    some = an.get_extension("random_spikes").get_random_spikes()
    wfs = an.get_extension("waveforms").data["waveforms"]
    nb = an.get_extension("waveforms").nbefore
    traces = an.recording.get_traces(return_in_uV=True)
    for i in range(len(some)):
        s, u = int(some["sample_index"][i]), int(some["unit_index"][i])
        chans = np.flatnonzero(an.sparsity.mask[u])
        ref = traces[s - nb : s - nb + wfs.shape[1]][:, chans]
        np.testing.assert_array_equal(wfs[i][:, : chans.size], ref)


@pytest.mark.parametrize("fmt", ["memory", "binary_folder"])
def test_curation_with_tied_spikes_keeps_rows_with_their_spikes(tmp_path, fmt):
    # three units firing together at many samples, each on its own channel: reordering the
    # units reorders tied spikes in the spike vector, and every row must follow its spike
    rec = si.generate_recording(num_channels=3, durations=[4.0], seed=1)
    rng = np.random.default_rng(0)
    t = np.sort(rng.choice(np.arange(100, 119_000), 300, replace=False))
    samples = np.concatenate([t, t[:150], t[150:], t[::2]])
    labels = np.concatenate(
        [np.zeros(300, int), np.ones(150, int), np.full(150, 2), np.full(150, 3)]
    )
    order = np.lexsort((labels, samples))
    sorting = si.NumpySorting.from_samples_and_labels(
        [samples[order]], [labels[order]], rec.sampling_frequency
    )
    mask = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0]], bool)
    sparsity = si.ChannelSparsity(mask, sorting.unit_ids, rec.channel_ids)
    an = si.create_sorting_analyzer(
        sorting, rec, sparsity=sparsity, main_channel_indices=[0, 1, 2, 0]
    )
    an.compute(
        ["random_spikes", "waveforms"], extension_params={"random_spikes": {"method": "all"}}
    )
    _rows_match_units(an)
    folder = {} if fmt == "memory" else {"folder": tmp_path / "sel"}
    sub = an.select_units([2, 0, 3], format=fmt, **folder)
    assert sub.get_extension("random_spikes").get_data().size == 600
    _rows_match_units(sub)
    folder = {} if fmt == "memory" else {"folder": tmp_path / "merge"}
    merged = an.merge_units(
        [[1, 2]], new_unit_ids=[-1], merging_mode="soft", format=fmt, sparsity_overlap=0.0, **folder
    )
    some = merged.get_extension("random_spikes").get_random_spikes()
    assert np.all(np.diff(some["sample_index"]) >= 0)
    assert merged.get_extension("random_spikes").get_data().size == 750
    n = an.sorting.count_num_spikes_per_unit()[3]
    split = an.split_units({3: [np.arange(0, n, 2), np.arange(1, n, 2)]}, new_unit_ids=[[-2, -3]])
    _rows_match_units(split)


def test_split_units(analyzer):
    u = analyzer.unit_ids[0]
    n = analyzer.sorting.count_num_spikes_per_unit()[u]
    parts = [np.arange(n // 2), np.arange(n // 2, n)]
    split, new_ids = analyzer.split_units({u: parts}, return_new_unit_ids=True)
    assert u not in split.unit_ids
    assert len(split.unit_ids) == 6
    flags = split.sorting.get_property("is_split")
    assert all(flags[split.sorting.ids_to_indices(new_ids[0])])
    counts = split.sorting.count_num_spikes_per_unit()
    assert counts[new_ids[0][0]] + counts[new_ids[0][1]] == n
    _rows_match_spikes(split)
    with pytest.raises(ExtractorValueError, match="does not match the number of spikes"):
        analyzer.split_units({u: [np.arange(3), np.arange(3, 5)]})


def test_soft_merge_needs_overlapping_sparsity():
    rec, sorting = si.generate_ground_truth_recording(
        durations=[5.0], num_channels=6, num_units=2, seed=0
    )
    mask = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]], bool)
    sparsity = si.ChannelSparsity(mask, sorting.unit_ids, rec.channel_ids)
    s = si.NumpySorting.from_sorting(sorting, with_metadata=True)
    s.set_property("main_channel_id", rec.channel_ids[[0, 3]])
    an = si.create_sorting_analyzer(s, rec, sparsity=sparsity)
    with pytest.raises(ExtractorValueError, match="do not overlap enough"):
        an.merge_units([list(sorting.unit_ids)])
    with (
        pytest.warns(UserWarning, match="No mergeable"),
        pytest.warns(UserWarning, match="do not overlap enough"),
    ):
        same = an.merge_units([list(sorting.unit_ids)], raise_error_if_overlap_fails=False)
    assert same is an
    hard = an.merge_units([list(sorting.unit_ids)], merging_mode="hard")
    assert hard.sparsity.mask.sum() == 6  # the union


def test_id_generators():
    assert generate_unit_ids_for_merge_group(np.array(["1", "5"]), [["1", "5"]]) == ["6"]
    assert generate_unit_ids_for_merge_group(np.array(["a", "b"]), [["a", "b"]]) == ["merge0"]
    assert generate_unit_ids_for_merge_group(
        np.array(["a", "b"]), [["a", "b"]], new_id_strategy="join"
    ) == ["a-b"]
    assert generate_unit_ids_for_split(np.array([3, 4]), {3: [[0], [1]]}) == [[5, 6]]
    with pytest.raises(ExtractorValueError):
        generate_unit_ids_for_merge_group(np.array([1, 2, 3]), [[1, 2]], new_unit_ids=[3])


def test_apply_splits_to_sorting():
    s = si.NumpySorting.from_samples_and_labels(
        [np.array([1, 2, 3, 4])], [np.array([0, 0, 1, 0])], 1000.0
    )
    out = apply_splits_to_sorting(s, {0: [[0, 2], [1]]})
    v = out.to_spike_vector()
    assert list(out.unit_ids) == [1, 2, 3]
    assert v["unit_index"].tolist() == [1, 2, 0, 1]
