"""Noise levels (against a direct computation on the same chunks), random chunks, chunks
with margins, channel geometry helpers, and the lazy generators."""

from __future__ import annotations

import itertools
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import memphys.ephys as si
from memphys.ephys.recording_tools import (
    get_chunk_with_margin,
    get_closest_channels,
    get_noise_levels,
    get_random_data_chunks,
    order_channels_by_depth,
)
from memphys.ephys.time_series_tools import get_random_sample_slices
from memphys.errors import ExtractorValueError


def _reference_noise(rec, slices, method, scaled):
    out = []
    for s, a, b in slices:
        x = rec.get_traces(segment_index=s, start_frame=a, end_frame=b, return_in_uV=scaled)
        if method == "mad":
            out.append(np.median(np.abs(x - np.median(x, axis=0)), axis=0) / 0.6744897501960817)
        elif method == "std":
            out.append(np.std(x, axis=0))
        else:
            out.append(np.sqrt(np.mean(x.astype(float) ** 2, axis=0)))
    return np.mean(out, axis=0)


@pytest.mark.parametrize("method", ["mad", "std", "rms"])
@pytest.mark.parametrize(
    "job", [dict(n_jobs=1), dict(n_jobs=2, pool_engine="thread"), dict(n_jobs=2)]
)
def test_noise_levels_equal_the_direct_computation(method, job):
    rec = si.NumpyRecording(
        [
            np.random.default_rng(k).normal(0, 5 + k, size=(40_000, 3)).astype("float32")
            for k in range(2)
        ],
        30000.0,
    )
    kw = dict(num_chunks_per_segment=7, chunk_size=2000, seed=11)
    got = get_noise_levels(
        rec, return_in_uV=False, method=method, random_slices_kwargs=kw, progress_bar=False, **job
    )
    expected = _reference_noise(rec, get_random_sample_slices(rec, **kw), method, False)
    assert np.allclose(got, expected, rtol=1e-6)
    assert f"noise_level_{method}_raw" in rec.get_property_keys()  # cached
    again = get_noise_levels(
        rec, return_in_uV=False, method=method, random_slices_kwargs={"seed": 3}
    )
    assert np.array_equal(again, got)


def test_noise_levels_scaled_and_legacy_arguments():
    rec = si.NumpyRecording(
        np.random.default_rng(0).integers(-100, 100, (60_000, 2), dtype=np.int16), 30000.0
    )
    rec.set_channel_gains(0.5)
    rec.set_channel_offsets(0)
    scaled = get_noise_levels(rec, random_slices_kwargs={"seed": 1}, progress_bar=False)
    raw = get_noise_levels(
        rec, return_in_uV=False, random_slices_kwargs={"seed": 1}, progress_bar=False
    )
    assert np.allclose(scaled, raw * 0.5, rtol=1e-5)
    with pytest.warns(UserWarning, match="deprecated"):
        get_noise_levels(rec, num_chunks_per_segment=3, force_recompute=True, progress_bar=False)
    with pytest.raises(ExtractorValueError, match="method"):
        get_noise_levels(rec, method="iqr")


def test_random_chunks():
    rec = si.generate_recording(
        num_channels=1, sampling_frequency=1000.0, durations=[10.0, 20.0], seed=0
    )
    chunks = get_random_data_chunks(rec, num_chunks_per_segment=50, chunk_size=500, seed=0)
    assert chunks.shape == (50_000, 1)
    assert (
        len(get_random_data_chunks(rec, concatenated=False, num_chunks_per_segment=2, seed=0)) == 4
    )
    with pytest.warns(UserWarning, match="greater than the number of samples"):
        get_random_sample_slices(rec, chunk_size=15_000, seed=0)
    with pytest.raises(ExtractorValueError, match="method"):
        get_random_sample_slices(rec, method="half_random")


def test_chunk_with_margin():
    rec = si.NumpyRecording(np.arange(100, dtype="float32")[:, None], 1000.0)
    seg = rec.segments[0]
    traces, left, right = get_chunk_with_margin(seg, 5, 50, None, 10)
    assert (left, right) == (5, 10)
    assert traces[0, 0] == 0
    assert traces[-1, 0] == 59
    traces, left, right = get_chunk_with_margin(seg, 5, 95, None, 10, add_zeros=True)
    assert traces.shape[0] == 110
    assert (left, right) == (10, 10)
    assert np.all(traces[:5] == 0)
    assert traces[5, 0] == 0
    assert traces[6, 0] == 1
    assert np.all(traces[-5:] == 0)
    windowed, _, _ = get_chunk_with_margin(
        seg, 20, 60, None, 10, add_zeros=True, window_on_margin=True
    )
    assert windowed[0, 0] == 0
    assert windowed[10, 0] == 20
    padded, _, _ = get_chunk_with_margin(seg, 0, 10, None, 3, add_reflect_padding=True)
    assert padded[:3, 0].tolist() == [3, 2, 1]
    with pytest.raises(ExtractorValueError, match="window_on_margin requires"):
        get_chunk_with_margin(seg, 0, 10, None, 3, window_on_margin=True)


def test_channel_geometry():
    rec = si.generate_recording(num_channels=6, durations=[0.1], seed=0)
    inds, dists = get_closest_channels(rec, num_channels=2)
    assert inds[0].tolist() == [1, 2]
    assert dists[0].tolist() == [20.0, 40.0]
    assert np.allclose(si.get_channel_distances(rec)[0], np.arange(6) * 20.0)
    order, back = order_channels_by_depth(rec, dimensions="y", flip=True)
    assert order.tolist() == [5, 4, 3, 2, 1, 0]
    assert np.array_equal(order[back], np.arange(6))


def test_generators_are_lazy_and_reproducible():
    rec = si.generate_recording(num_channels=384, durations=[3600.0], seed=4, set_probe=False)
    assert rec.segments[0]._block is None  # nothing drawn yet
    first = rec.get_traces(start_frame=10**8, end_frame=10**8 + 5)
    copy = pickle.loads(pickle.dumps(rec))
    assert copy.segments[0]._block is None  # the block is not pickled
    assert np.array_equal(copy.get_traces(start_frame=10**8, end_frame=10**8 + 5), first)
    code = textwrap.dedent(
        f"""
        import numpy as np, memphys.ephys as si
        rec = si.load({rec.to_dict()!r})
        print(rec.get_traces(start_frame=10**8, end_frame=10**8 + 5).tobytes().hex())
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == first.tobytes().hex()  # same values in another process


@pytest.mark.parametrize("strategy", ["tile_pregenerated", "on_the_fly"])
def test_noise_generator_blocks_read_the_same_however_cut(strategy):
    rec = si.NoiseGeneratorRecording(
        3,
        1000.0,
        [5.0],
        noise_levels=[1.0, 2.0, 3.0],
        dtype="int16",
        seed=1,
        strategy=strategy,
        noise_block_size=700,
    )
    whole = rec.get_traces()
    assert whole.dtype == np.int16
    assert np.std(whole[:, 2]) > 2 * np.std(whole[:, 0])
    cuts = [0, 1, 699, 700, 1401, 3333, 5000]
    pieces = [rec.get_traces(start_frame=a, end_frame=b) for a, b in itertools.pairwise(cuts)]
    assert np.array_equal(np.concatenate(pieces), whole)
    assert rec.to_dict()["class"].startswith("memphys.")  # int16: not SpikeInterface's class
    f = si.NoiseGeneratorRecording(2, 1000.0, [1.0], seed=1)
    assert f.to_dict()["class"] == "spikeinterface.generation.noise_tools.NoiseGeneratorRecording"
    with pytest.raises(ExtractorValueError, match="noise_levels"):
        si.NoiseGeneratorRecording(3, 1000.0, [1.0], noise_levels=[1.0, 2.0])
    with pytest.raises(ExtractorValueError, match="durations"):
        si.NoiseGeneratorRecording(3, 1000.0, [-1.0])
    with pytest.raises(ExtractorValueError, match="float32"):
        si.MockRecording(3, 1000.0, [1.0], dtype="int16")


@settings(max_examples=80, deadline=None)
@given(
    n=st.integers(1, 300),
    n_ch=st.integers(1, 4),
    amp=st.integers(1, 4000),
    gain=st.floats(-3, 3, allow_nan=False).filter(lambda g: g != 0),
    offset=st.sampled_from([0.0, -2.5, 7.25]),
    seed=st.integers(0, 2**16),
)
def test_mad_by_counts_is_numpys_median_bit_for_bit(n, n_ch, amp, gain, offset, seed):
    from memphys.ephys.baserecording import scale_traces
    from memphys.ephys.recording_tools import _MAD_TO_STD, _mad_by_counts

    x = np.random.default_rng(seed).integers(-amp, amp, size=(n, n_ch)).astype("int16")
    g = np.full(n_ch, gain)
    o = np.full(n_ch, offset)
    scaled = x.astype("float32") * g.astype("float32") + o.astype("float32")  # SpikeInterface's
    med = np.median(scaled, axis=0, keepdims=True)
    expected = np.median(np.abs(scaled - med), axis=0) / _MAD_TO_STD
    got = _mad_by_counts(x, lambda v, c: scale_traces(v[:, None], g[c : c + 1], o[c : c + 1])[:, 0])
    assert got.dtype == expected.dtype
    assert np.array_equal(got, expected)
    raw_med = np.median(x, axis=0, keepdims=True)
    raw = np.median(np.abs(x - raw_med), axis=0) / _MAD_TO_STD
    assert np.array_equal(_mad_by_counts(x, None), raw)
