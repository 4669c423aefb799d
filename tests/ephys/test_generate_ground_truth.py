"""Ground truth: injection equals a dense reference, blocks agree, the object stays small."""

from __future__ import annotations

import pickle
import subprocess
import sys
import tracemalloc

import numpy as np
import pytest
from tests.ephys._sorting_helpers import recordings

import memphys.ephys as si
from memphys.errors import ShapeMismatchError


def _dense(rec, parent_traces, seg=0):
    """Templates added spike by spike to the whole parent trace (the reference)."""
    out = parent_traces.astype(np.float64).copy()
    seg_obj = rec.segments[seg]
    t = seg_obj.templates
    for k, (s, u) in enumerate(zip(seg_obj._samples, seg_obj._units, strict=True)):
        j = seg_obj._upsample[k] if seg_obj._upsample.size else 0
        amp = seg_obj._amplitudes[k] if seg_obj._amplitudes.size else 1.0
        a = s - seg_obj.nbefore
        lo, hi = max(a, 0), min(a + t.shape[1], out.shape[0])
        out[lo:hi] += t[u, lo - a : hi - a, :, j] * amp
    return out


def test_inject_into_zeros_equals_the_dense_sum():
    sorting = si.generate_sorting(num_units=3, durations=[1.0], firing_rates=40.0, seed=1)
    channels = si.generate_channel_locations(4, 1, 20.0)
    templates = si.generate_templates(
        channels, si.generate_unit_locations(3, channels, seed=1), 30000.0, 1.0, 2.0, seed=1
    )
    amps = np.random.default_rng(0).uniform(0.5, 1.5, sorting.to_spike_vector().size)
    rec = si.InjectTemplatesRecording(
        sorting, templates, nbefore=30, amplitude_factor=amps, num_samples=30000
    )
    whole = rec.get_traces()
    assert np.allclose(whole, _dense(rec, np.zeros((30000, 4))), atol=1e-4)
    for a, b in [(0, 17), (5000, 5123), (29900, 30000)]:
        assert np.array_equal(rec.get_traces(start_frame=a, end_frame=b), whole[a:b])
    assert np.array_equal(rec.get_traces(channel_ids=[3, 1]), whole[:, [3, 1]])
    with pytest.raises(ShapeMismatchError, match="one template per unit"):
        si.InjectTemplatesRecording(sorting, templates[:2], num_samples=100)
    with pytest.raises(ShapeMismatchError, match="one per spike"):
        si.InjectTemplatesRecording(
            sorting, templates, amplitude_factor=amps[:3], num_samples=30000
        )


def test_ground_truth_blocks_processes_and_metadata():
    recordings()
    rec, sorting = si.generate_ground_truth_recording(
        durations=[3.0, 1.0], num_channels=6, num_units=4, seed=5
    )
    assert rec.get_num_segments() == 2
    assert rec.templates.shape == (4, 100, 6)
    assert rec.get_annotation("is_filtered")
    assert rec.has_probe()
    assert sorting.get_property("gt_unit_locations").shape == (4, 3)
    assert set(sorting.get_property("main_channel_id")) <= set(rec.channel_ids)
    whole = rec.get_traces(segment_index=0)
    noise = rec._kwargs["parent_recording"].get_traces(segment_index=0)
    assert np.allclose(whole, _dense(rec, noise), atol=1e-3)
    pieces = [
        rec.get_traces(segment_index=0, start_frame=a, end_frame=min(a + 7001, 75000))
        for a in range(0, 75000, 7001)
    ]
    assert np.array_equal(np.concatenate(pieces), whole)  # any block split, same values
    blob = pickle.dumps(rec)
    code = (
        "import pickle, sys, numpy as np; rec = pickle.loads(sys.stdin.buffer.read()); "
        "t = rec.get_traces(segment_index=0, start_frame=1234, end_frame=4321); "
        "sys.stdout.buffer.write(t.tobytes())"
    )
    out = subprocess.run([sys.executable, "-c", code], input=blob, capture_output=True, check=True)
    assert np.array_equal(
        np.frombuffer(out.stdout, dtype=np.float32).reshape(-1, 6), whole[1234:4321]
    )
    rec4, _ = si.generate_ground_truth_recording(durations=[1.0], upsample_factor=2, seed=0)
    assert rec4.templates.ndim == 4


def test_a_one_hour_384_channel_ground_truth_costs_megabytes_until_read():
    recordings()
    tracemalloc.start()
    rec, _sorting = si.generate_ground_truth_recording(
        durations=[3600.0], num_channels=384, num_units=10, sampling_frequency=30000.0, seed=0
    )
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert rec.get_total_samples() == 108_000_000  # 166 GB of float32 traces if materialised
    assert peak < 100e6, peak
    block = rec.get_traces(start_frame=50_000_000, end_frame=50_003_000)
    assert block.shape == (3000, 384)


def test_generate_snippets():
    recordings()
    snippets, sorting = si.generate_snippets(
        nbefore=20,
        nafter=40,
        num_channels=2,
        durations=[2.0, 1.0],
        num_units=3,
        seed=0,
        progress_bar=False,
    )
    assert snippets.snippet_len == 60
    assert snippets.has_probe()
    assert np.array_equal(
        snippets.get_frames(segment_index=1),
        sorting.to_spike_vector(concatenated=False)[1]["sample_index"],
    )
