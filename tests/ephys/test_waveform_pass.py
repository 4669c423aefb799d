"""The one-pass window reader (``waveform_pass``) and SpikeInterface's waveform tools over
it, against plain references: ``get_traces`` windows, numpy means and standard deviations,
``get_noise_levels``; every executor and block size giving the same numbers; windows at the
segment borders zero-padded; a standard deviation that survives a large offset."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memphys.ephys as si
from memphys.ephys import _waveform_numba as K
from memphys.ephys.waveform_pass import _read_groups, channel_table, run_waveform_pass
from memphys.ephys.waveform_stores import MemoryStore, NpyStore, take_rows
from memphys.ephys.waveform_tools import (
    estimate_templates,
    estimate_templates_with_accumulator,
    extract_waveforms_to_buffers,
    extract_waveforms_to_single_buffer,
    noise_levels_of_chunk,
    split_waveforms_by_units,
)
from memphys.errors import ExtractorValueError

NB, NA = 20, 40


@pytest.fixture(scope="module")
def data():
    rec, sorting = si.generate_ground_truth_recording(
        durations=[8.0, 5.0],
        num_channels=6,
        num_units=5,
        seed=11,
        generate_sorting_kwargs=dict(firing_rates=8.0),
    )
    rec.set_channel_gains(np.linspace(0.5, 2.0, 6))
    rec.set_channel_offsets(np.linspace(-3, 3, 6))
    return rec, sorting


def _reference(rec, spikes, nb, na, mask=None, scaled=True):
    """Windows cut with get_traces, zero-padded at the borders, sparse rows packed."""
    n_ch = rec.get_num_channels()
    width = n_ch if mask is None else int(mask.sum(axis=1).max())
    out = np.zeros((spikes.size, nb + na, width), dtype=np.float32)
    for i, s in enumerate(spikes):
        seg, t, u = int(s["segment_index"]), int(s["sample_index"]), int(s["unit_index"])
        n = rec.get_num_samples(seg)
        a, b = max(0, t - nb), min(n, t + na)
        tr = rec.get_traces(segment_index=seg, start_frame=a, end_frame=b, return_in_uV=scaled)
        chans = np.arange(n_ch) if mask is None else np.flatnonzero(mask[u])
        out[i, a - (t - nb) : a - (t - nb) + (b - a), : chans.size] = tr[:, chans]
    return out


def test_windows_equal_get_traces_dense_and_sparse(data):
    rec, sorting = data
    spikes = sorting.to_spike_vector()
    rng = np.random.default_rng(0)
    mask = rng.random((5, 6)) < 0.5
    mask[np.arange(5), rng.integers(0, 6, 5)] = True
    for m in (None, mask):
        res = run_waveform_pass(
            rec, spikes, 5, NB, NA, sparsity_mask=m, store=MemoryStore(), progress_bar=False
        )
        np.testing.assert_array_equal(res.waveforms, _reference(rec, spikes, NB, NA, m))


def test_border_spikes_are_zero_padded_never_read_out_of_bounds():
    traces = np.arange(100 * 2, dtype="float32").reshape(100, 2) + 1
    rec = si.NumpyRecording(traces, 1000.0)
    spikes = np.zeros(3, dtype=si.minimum_spike_dtype)
    spikes["sample_index"] = [2, 50, 99]
    res = run_waveform_pass(
        rec, spikes, 1, 5, 5, return_in_uV=False, store=MemoryStore(), progress_bar=False
    )
    wfs = res.waveforms
    assert np.all(wfs[0, :3] == 0)
    assert np.array_equal(wfs[0, 3:], traces[:7])
    assert np.array_equal(wfs[1], traces[45:55])
    assert np.array_equal(wfs[2, :6], traces[94:])
    assert np.all(wfs[2, 6:] == 0)


@pytest.mark.parametrize(
    "job",
    [
        dict(n_jobs=1),
        dict(n_jobs=2, pool_engine="thread"),
        dict(n_jobs=2, pool_engine="process"),
        dict(n_jobs=1, chunk_duration="150ms"),
    ],
)
def test_moments_equal_numpy_for_every_executor(data, job):
    rec, sorting = data
    spikes = sorting.to_spike_vector()
    res = run_waveform_pass(
        rec,
        spikes,
        5,
        NB,
        NA,
        store=MemoryStore(),
        templates=True,
        std=True,
        progress_bar=False,
        **job,
    )
    ref = _reference(rec, spikes, NB, NA).astype(np.float64)
    np.testing.assert_array_equal(res.waveforms, ref.astype(np.float32))
    for u in range(5):
        w = ref[spikes["unit_index"] == u]
        assert res.counts[u] == len(w)
        np.testing.assert_allclose(res.mean[u], w.mean(axis=0), rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(np.sqrt(res.m2[u] / len(w)), w.std(axis=0), rtol=1e-9, atol=1e-9)


def test_thread_and_process_results_are_bit_identical(data):
    rec, sorting = data
    spikes = sorting.to_spike_vector()
    runs = [
        run_waveform_pass(
            rec,
            spikes,
            5,
            NB,
            NA,
            templates=True,
            std=True,
            progress_bar=False,
            n_jobs=n,
            pool_engine=pe,
        )
        for n, pe in ((1, "thread"), (2, "thread"), (2, "process"))
    ]
    for r in runs[1:]:
        assert np.array_equal(r.mean, runs[0].mean)
        assert np.array_equal(r.m2, runs[0].m2)


def test_std_is_stable_with_a_large_offset():
    """SpikeInterface's one-pass float32 E[x^2]-E[x]^2 loses every digit here."""
    rng = np.random.default_rng(3)
    n = 60_000
    traces = (1e4 + rng.normal(0, 1.0, size=(n, 1))).astype("float32")
    rec = si.NumpyRecording(traces, 30000.0)
    spikes = np.zeros(2000, dtype=si.minimum_spike_dtype)
    spikes["sample_index"] = np.sort(rng.choice(np.arange(50, n - 50), 2000, replace=False))
    _m, sd = estimate_templates_with_accumulator(
        rec, spikes, [0], 5, 5, return_in_uV=False, return_std=True, progress_bar=False
    )
    ref = _reference(rec, spikes, 5, 5, scaled=False).astype(np.float64).std(axis=0)
    np.testing.assert_allclose(sd[0], ref, rtol=1e-4)
    s1 = traces.astype(np.float32)[spikes["sample_index"]].sum(dtype=np.float32)
    s2 = (traces.astype(np.float32)[spikes["sample_index"]] ** 2).sum(dtype=np.float32)
    naive = np.sqrt(max(s2 / 2000 - (s1 / 2000) ** 2, 0))
    assert abs(naive - ref[5, 0]) > 0.1 * ref[5, 0]  # the naive formula is far off


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=8),
    st.integers(min_value=0, max_value=2**31),
)
def test_block_moments_merged_in_any_split_equal_two_pass(sizes, seed):
    rng = np.random.default_rng(seed)
    n = sum(sizes)
    w = (rng.normal(5.0, 3.0, size=(n, 3, 2))).astype(np.float32)
    units = rng.integers(0, 3, n)
    counts, mean, m2 = K.empty_moments(3, 3, 2)
    a = 0
    for size in sizes:
        blk, u = w[a : a + size], units[a : a + size].astype(np.int64)
        present = np.unique(u)
        slot = np.zeros(3, dtype=np.int64)
        slot[present] = np.arange(present.size)
        cb = np.zeros(present.size, dtype=np.int64)
        mb = np.zeros((present.size, 3, 2))
        m2b = np.zeros_like(mb)
        K.block_moments(blk, u, slot, cb, mb, m2b, True)
        K.merge_moments(present, cb, mb, m2b, counts, mean, m2, True)
        a += size
    for k in range(3):
        ref = w[units == k].astype(np.float64)
        assert counts[k] == len(ref)
        if len(ref):
            np.testing.assert_allclose(mean[k], ref.mean(axis=0), atol=1e-10)
            np.testing.assert_allclose(m2[k], ((ref - ref.mean(axis=0)) ** 2).sum(0), atol=1e-8)


def test_read_groups_cover_each_window_once():
    starts = np.array([0, 10, 300, 310, 1000])
    groups = _read_groups(starts, starts + 50, 256)
    assert groups == [(0, 360, 0, 4), (1000, 1050, 4, 5)]


def test_channel_table_and_bad_mask():
    table, nchan = channel_table(np.array([[True, False, True], [False, True, False]]), 2, 3)
    assert nchan.tolist() == [2, 1]
    assert table[0, :2].tolist() == [0, 2]
    with pytest.raises(ExtractorValueError, match="expected shape"):
        channel_table(np.ones((3, 3), bool), 2, 3)


def test_bad_spikes_are_refused(data):
    rec, sorting = data
    spikes = sorting.to_spike_vector()
    with pytest.raises(ExtractorValueError, match="sorted by segment"):
        run_waveform_pass(rec, spikes[::-1], 5, NB, NA, progress_bar=False)
    with pytest.raises(ExtractorValueError, match="unit indices"):
        run_waveform_pass(rec, spikes, 2, NB, NA, progress_bar=False)


def test_noise_levels_in_the_pass_equal_get_noise_levels():
    rec = si.NoiseGeneratorRecording(8, 30000.0, [20.0], noise_levels=30.0, dtype="int16", seed=2)
    rec.set_channel_gains(0.195)
    rec.set_channel_offsets(1.5)
    from memphys.ephys.time_series_tools import get_random_sample_slices

    for scaled in (True, False):
        slices = get_random_sample_slices(rec, seed=4)
        res = run_waveform_pass(
            rec,
            np.zeros(0, dtype=si.minimum_spike_dtype),
            1,
            1,
            1,
            progress_bar=False,
            noise={"slices": slices, "method": "mad", "return_in_uV": scaled},
        )
        ref = si.get_noise_levels(
            rec,
            return_in_uV=scaled,
            random_slices_kwargs={"seed": 4},
            force_recompute=True,
            progress_bar=False,
        )
        assert res.noise_levels.dtype == ref.dtype
        np.testing.assert_array_equal(res.noise_levels, ref)


def test_compiled_mad_equals_numpy_medians():
    rng = np.random.default_rng(5)
    raw = (rng.normal(0, 40, size=(3001, 3))).astype(np.int16)
    g, o = np.array([0.2, 1.0, 2.5], np.float32), np.array([0.0, 1.0, -2.0], np.float32)
    scaled = raw.astype(np.float32) * g + o
    med = np.median(scaled, axis=0)
    ref = np.median(np.abs(scaled - med), axis=0) / 0.6744897501960817
    np.testing.assert_array_equal(noise_levels_of_chunk(raw, g, o, True, "mad"), ref)


def test_si_waveform_tools(data, tmp_path):
    rec, sorting = data
    spikes = sorting.to_spike_vector()
    ref = _reference(rec, spikes, NB, NA)
    mm = extract_waveforms_to_single_buffer(
        rec, spikes, NB, NA, mode="memmap", file_path=tmp_path / "w.npy", progress_bar=False
    )
    assert isinstance(mm, np.memmap)
    assert np.array_equal(mm, ref)
    wfs = extract_waveforms_to_single_buffer(
        rec, spikes, sorting.unit_ids, NB, NA, mode="shared_memory", progress_bar=False
    )  # SpikeInterface's development signature, with unit_ids
    assert np.array_equal(wfs, ref)
    z = extract_waveforms_to_single_buffer(
        rec,
        spikes,
        NB,
        NA,
        mode="zarr",
        file_path=tmp_path / "s.zarr" / "w",
        zarr_target_chunk_bytes=20_000,
        progress_bar=False,
    )
    assert np.array_equal(z[:], ref)
    by_unit = split_waveforms_by_units(sorting.unit_ids, spikes, wfs)
    buffers = extract_waveforms_to_buffers(
        rec, spikes, sorting.unit_ids, NB, NA, mode="memmap", folder=tmp_path, progress_bar=False
    )
    for i, u in enumerate(sorting.unit_ids):
        assert np.array_equal(by_unit[u], ref[spikes["unit_index"] == i])
        assert np.array_equal(buffers[u], by_unit[u])
    med = estimate_templates(
        rec, spikes, sorting.unit_ids, NB, NA, operator="median", progress_bar=False
    )
    np.testing.assert_allclose(med[2], np.median(ref[spikes["unit_index"] == 2], axis=0))
    with pytest.raises(ExtractorValueError, match="file_path"):
        extract_waveforms_to_single_buffer(rec, spikes, NB, NA, mode="memmap")


def test_npy_store_is_partial_until_complete(tmp_path):
    store = NpyStore(tmp_path / "w.npy")
    store.open((4, 2, 1), np.float32)
    store.write(0, np.ones((2, 2, 1)))
    assert not (tmp_path / "w.npy").exists()
    assert (tmp_path / "w.npy.partial").exists()
    store.abort()
    assert not any(tmp_path.iterdir())


def test_take_rows_from_disk_arrays(tmp_path):
    arr = np.arange(1000 * 3, dtype=np.float32).reshape(1000, 3)
    np.save(tmp_path / "a.npy", arr)
    mm = np.load(tmp_path / "a.npy", mmap_mode="r")
    rows = np.array([3, 4, 500, 999])
    assert np.array_equal(take_rows(mm, rows), arr[rows])
    import zarr

    z = zarr.open_array(
        str(tmp_path / "z.zarr"), mode="w", shape=arr.shape, chunks=(64, 3), dtype=arr.dtype
    )
    z[:] = arr
    assert np.array_equal(take_rows(z, rows), arr[rows])
    mask = np.zeros(1000, bool)
    mask[rows] = True
    assert np.array_equal(take_rows(z, mask), arr[rows])
