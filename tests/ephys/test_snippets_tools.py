"""snippets_from_sorting: windows around spikes, read in grouped contiguous reads."""

from __future__ import annotations

import numpy as np
import pytest
from tests.ephys._sorting_helpers import recordings

import memphys.ephys as si
from memphys.ephys.snippets_tools import plan_snippet_reads
from memphys.errors import ExtractorValueError


def test_plan_groups_close_windows_and_caps_reads():
    frames = np.array([100, 105, 110, 500, 2000, 2001])
    starts, stops, first = plan_snippet_reads(frames, nbefore=5, nafter=10, max_len=1000)
    assert first.tolist() == [0, 3, 4]
    assert starts.tolist() == [95, 495, 1995]
    assert stops.tolist() == [120, 510, 2011]
    many = np.arange(0, 10_000, 10)
    s, e, f = plan_snippet_reads(many, 5, 5, max_len=1000)
    assert np.all(e - s <= 1000 + 10)
    assert f[0] == 0
    assert np.all(np.diff(f) > 0)


class _Counter:
    def __init__(self, segment):
        self.segment = segment
        self.reads = []

    def __call__(self, start_frame=None, end_frame=None, channel_indices=None):
        self.reads.append((start_frame, end_frame))
        return self.segment.__class__.get_traces(
            self.segment, start_frame, end_frame, channel_indices
        )


@pytest.mark.parametrize("job", [dict(n_jobs=1), dict(n_jobs=2, pool_engine="thread")])
def test_snippets_equal_direct_cuts_and_only_windows_are_read(job):
    rec_mod = recordings()
    rng = np.random.default_rng(3)
    traces = rng.normal(size=(20_000, 3)).astype("float32")
    rec = rec_mod.NumpyRecording(traces, sampling_frequency=10_000.0)
    frames = np.sort(np.concatenate([rng.integers(0, 20_000, 60), [0, 3, 19_999]]))
    sorting = si.NumpySorting.from_samples_and_labels(
        frames, rng.integers(0, 3, frames.size), 10_000.0
    )
    counter = _Counter(rec.segments[0])
    rec.segments[0].get_traces = counter
    snip = si.snippets_from_sorting(
        rec, sorting, nbefore=4, nafter=6, progress_bar=False, chunk_size=2000, **job
    )
    padded = np.zeros((20_000 + 20, 3), "float32")
    padded[10:-10] = traces
    ref = np.stack(
        [padded[f + 10 - 4 : f + 10 + 6] for f in sorting.to_spike_vector()["sample_index"]]
    )
    assert np.array_equal(snip.get_snippets(), ref)  # zero-padded at both ends
    assert np.array_equal(snip.get_frames(), sorting.to_spike_vector()["sample_index"])
    read = sum(b - a for a, b in counter.reads)
    assert read <= frames.size * 10 * 2  # windows (and short gaps), never the whole recording
    assert snip.nbefore == 4
    assert snip.snippet_len == 10


def test_wf_folder_and_errors(tmp_path):
    rec_mod = recordings()
    rec = rec_mod.NumpyRecording(np.ones((1000, 2), "int16"), sampling_frequency=1000.0)
    rec.set_channel_gains(2.0)
    rec.set_channel_offsets(0.0)
    sorting = si.NumpySorting.from_unit_dict({0: [100, 500]}, 1000.0)
    snip = si.snippets_from_sorting(
        rec, sorting, nbefore=2, nafter=3, wf_folder=tmp_path, progress_bar=False
    )
    assert isinstance(snip.segments[0]._snippets, np.memmap)
    assert (tmp_path / "snippets_seg0.npy").is_file()
    assert snip.get_snippets(return_in_uV=True).max() == 2.0
    late = si.NumpySorting.from_unit_dict({0: [1000]}, 1000.0)
    with pytest.raises(ExtractorValueError, match="exceed the recording's duration"):
        si.snippets_from_sorting(rec, late, progress_bar=False)
    other = si.NumpySorting.from_unit_dict({0: [10]}, 2000.0)
    with pytest.raises(ExtractorValueError, match="sampling frequency"):
        si.snippets_from_sorting(rec, other, progress_bar=False)
