"""ChannelSparsity, compute_sparsity and estimate_sparsity against plain references, and
estimate_sparsity reading only the selected spikes' windows."""

from __future__ import annotations

import json

import numpy as np
import pytest

import memphys.ephys as si
from memphys.ephys import ChannelSparsity, compute_sparsity, estimate_sparsity
from memphys.errors import ExtractorValueError


@pytest.fixture(autouse=True)
def _quiet():
    si.set_global_job_kwargs(progress_bar=False)
    yield
    si.reset_global_job_kwargs()


@pytest.fixture(scope="module")
def dense():
    si.set_global_job_kwargs(progress_bar=False)
    rec, sorting = si.generate_ground_truth_recording(
        durations=[20.0], num_channels=10, num_units=5, seed=2205
    )
    rec.set_property("group", ["a"] * 5 + ["b"] * 5)
    sorting.set_property("group", ["a"] * 3 + ["b"] * 2)
    an = si.create_sorting_analyzer(sorting, rec, sparse=False)
    an.compute(["random_spikes", "waveforms", "templates", "noise_levels"])
    si.reset_global_job_kwargs()
    return rec, sorting, an


def test_mask_views_and_dict_round_trips():
    mask = np.array([[1, 0, 1], [0, 1, 0]], bool)
    sp = ChannelSparsity(mask, ["u1", "u2"], [7, 8, 9])
    assert sp.unit_id_to_channel_ids == {"u1": pytest.approx([7, 9]), "u2": pytest.approx([8])}
    assert sp.unit_id_to_channel_indices["u1"].tolist() == [0, 2]
    assert sp.max_num_active_channels == 2
    back = ChannelSparsity.from_dict(json.loads(json.dumps(sp.to_dict(), default=int)))
    assert back == sp
    assert ChannelSparsity.from_unit_id_to_channel_ids({"u2": [8]}, ["u1", "u2"], [7, 8, 9]).mask[
        1
    ].tolist() == [False, True, False]
    with pytest.raises(ExtractorValueError, match="columns"):
        ChannelSparsity(mask, ["u1", "u2"], [7, 8])
    with pytest.raises(AssertionError):  # SpikeInterface raises AssertionError here
        ChannelSparsity(mask, ["u1"], [7, 8, 9])
    with pytest.raises(ExtractorValueError, match="channel 5"):
        ChannelSparsity.from_unit_id_to_channel_ids({"u1": [5]}, ["u1"], [7, 8])


def test_sparsify_densify_waveforms_and_templates():
    rng = np.random.default_rng(0)
    mask = rng.random((4, 6)) < 0.5
    mask[:, 0] = True
    sp = ChannelSparsity(mask, np.arange(4), np.arange(6))
    dense = rng.random((4, 5, 6))
    sparse = sp.sparsify_templates(dense)
    assert sparse.shape == (4, 5, mask.sum(1).max())
    back = sp.densify_templates(sparse)
    assert np.array_equal(
        back[:, :, :][mask[:, None, :].repeat(5, 1)], dense[mask[:, None, :].repeat(5, 1)]
    )
    assert np.all(back[~mask[:, None, :].repeat(5, 1)] == 0)
    wf = sp.sparsify_waveforms(dense[0], unit_id=0)
    assert np.array_equal(sp.densify_waveforms(wf, unit_id=0)[:, mask[0]], wf)
    bad = np.ones((5, mask.sum(1).max()))
    if mask[0].sum() < bad.shape[1]:
        with pytest.raises(ExtractorValueError, match="sparsity shape"):
            sp.densify_waveforms(bad, unit_id=0)


def test_compute_sparsity_methods_against_references(dense):
    rec, _sorting, an = dense
    templates = an.get_extension("templates").data["average"]
    noise = an.get_extension("noise_levels").data["noise_levels"]
    locs = rec.get_channel_locations()
    main = np.argmax(np.abs(templates).max(axis=1), axis=1)
    sp = compute_sparsity(an, method="radius", radius_um=50.0)
    for i in range(5):
        assert np.array_equal(sp.mask[i], np.linalg.norm(locs - locs[main[i]], axis=1) <= 50.0)
    sp = compute_sparsity(an, method="best_channels", num_channels=3)
    amp = np.abs(templates).max(axis=1)
    for i in range(5):
        assert set(np.flatnonzero(sp.mask[i])) == set(np.argsort(amp[i])[::-1][:3])
    sp = compute_sparsity(an, method="snr", threshold=5)
    assert np.array_equal(sp.mask, amp / noise >= 5)
    sp = compute_sparsity(an, method="amplitude", threshold=20)
    assert np.array_equal(sp.mask, amp >= 20)
    sp = compute_sparsity(an, method="ptp", threshold=5)
    assert np.array_equal(sp.mask, np.ptp(templates, axis=1) / noise >= 5)
    sp = compute_sparsity(an, method="closest_channels", num_channels=2)
    assert np.all(sp.mask.sum(1) == 2)
    assert np.all(sp.mask[np.arange(5), main])
    sp = compute_sparsity(an, method="energy", threshold=2)
    assert sp.mask.shape == (5, 10)
    sp = compute_sparsity(an, method="by_property", by_property="group")
    assert np.array_equal(sp.mask[0], [True] * 5 + [False] * 5)
    t = an.get_extension("templates").get_data(outputs="Templates")
    sp_t = compute_sparsity(
        t,
        method="snr",
        noise_levels=noise,
        threshold=5,
        peak_sign="both",
        amplitude_mode="extremum",
    )
    assert np.array_equal(sp_t.mask, amp / noise >= 5)
    with pytest.raises(ExtractorValueError, match="peak_sign"):
        compute_sparsity(t, method="radius")
    with pytest.raises(ExtractorValueError, match="peak_sign"):
        compute_sparsity(an, method="energy", threshold=2, peak_sign="neg")
    with pytest.raises(ExtractorValueError, match="method"):
        compute_sparsity(an, method="magic")


def test_estimate_sparsity_reads_only_the_windows(dense, monkeypatch):
    rec, sorting, _ = dense
    from memphys.ephys.baserecording import ArrayRecordingSegment

    frames = []
    seg_cls = type(rec.segments[0])
    orig = seg_cls.get_traces

    def spy(self, start_frame=None, end_frame=None, channel_indices=None):
        frames.append((end_frame or 0) - (start_frame or 0))
        return orig(self, start_frame, end_frame, channel_indices)

    monkeypatch.setattr(seg_cls, "get_traces", spy)
    sp = estimate_sparsity(sorting, rec, num_spikes_for_sparsity=20, method="radius", radius_um=1.0)
    assert np.all(sp.mask.sum(1) == 1)
    n = rec.get_num_samples()
    assert 0 < sum(frames) < 0.4 * n  # 100 windows of 3.5 ms in 20 s: a small part is read
    del ArrayRecordingSegment


def test_estimate_sparsity_methods(dense):
    rec, sorting, an = dense
    sp = estimate_sparsity(sorting, rec, method="best_channels", num_channels=3)
    assert np.all(sp.mask.sum(1) == 3)
    sp = estimate_sparsity(sorting, rec, method="by_property", by_property="group")
    assert np.all(sp.mask.sum(1) == 5)
    with pytest.raises(AssertionError):
        estimate_sparsity(sorting, rec, method="snr", threshold=5)
    sp = estimate_sparsity(
        sorting,
        rec,
        method="snr",
        threshold=5,
        noise_levels=si.get_noise_levels(rec, progress_bar=False),
    )
    assert sp.mask.any()
    main = an.get_main_channels()
    sp = estimate_sparsity(sorting, rec, main_channel_indices=main, radius_um=0.0)
    assert np.array_equal(np.flatnonzero(sp.mask.ravel()) % 10, main)
