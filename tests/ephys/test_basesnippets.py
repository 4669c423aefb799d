"""Snippets: NumpySnippets checks, lazy views, scaling, saving (npy folders)."""

from __future__ import annotations

import numpy as np
import pytest
from probeinterface import Probe

import memphys.ephys as si
from memphys.errors import ExtractorValueError, ShapeMismatchError


@pytest.fixture
def snippets():
    rng = np.random.default_rng(0)
    wf = [
        rng.integers(-100, 100, (6, 8, 3)).astype("int16"),
        rng.integers(-100, 100, (4, 8, 3)).astype("int16"),
    ]
    frames = [np.array([10, 20, 20, 35, 50, 80]), np.array([5, 6, 7, 8])]
    return si.NumpySnippets(wf, frames, 30000.0, nbefore=3, channel_ids=["a", "b", "c"])


def test_basics(snippets):
    assert snippets.get_num_snippets(0) == 6
    assert snippets.get_total_snippets() == 10
    assert (snippets.nbefore, snippets.snippet_len, snippets.nafter) == (3, 8, 5)
    assert snippets.is_aligned()
    assert snippets.get_dtype() == np.int16
    wf = snippets.get_snippets(segment_index=0)
    assert wf.shape == (6, 8, 3)
    both = snippets.get_snippets(indices=[1, 4], segment_index=0, channel_ids=["c", "a"])
    assert np.array_equal(both, wf[[1, 4]][:, :, [2, 0]])  # SpikeInterface pairs the two selections
    assert snippets.get_frames(indices=[0, 2], segment_index=0).tolist() == [10, 20]
    got = snippets.get_snippets_from_frames(segment_index=0, start_frame=20, end_frame=50)
    assert np.array_equal(got, wf[1:4])
    assert snippets.get_times(segment_index=1).tolist() == [f / 30000.0 for f in (5, 6, 7, 8)]


def test_scaling(snippets):
    with pytest.raises(ExtractorValueError, match="return_in_uV"):
        snippets.get_snippets(segment_index=0, return_in_uV=True)
    snippets.set_channel_gains(0.5)
    snippets.set_channel_offsets(1.0)
    uv = snippets.get_snippets(segment_index=0, return_in_uV=True)
    assert uv.dtype == np.float32
    assert np.allclose(uv, snippets.get_snippets(segment_index=0) * 0.5 + 1)


def test_shape_errors():
    wf = np.zeros((3, 8, 2), "int16")
    with pytest.raises(ShapeMismatchError, match="expected 3 frames"):
        si.NumpySnippets(wf, np.arange(2), 1000.0)
    with pytest.raises(ExtractorValueError, match=r"samples before the peak in \[0, 8\)"):
        si.NumpySnippets(wf, np.arange(3), 1000.0, nbefore=8)
    with pytest.raises(ShapeMismatchError, match="the snippets have 2 channels"):
        si.NumpySnippets(wf, np.arange(3), 1000.0, channel_ids=["a", "b", "c"])
    with pytest.raises(ExtractorValueError, match="a 3-D array"):
        si.NumpySnippets(np.zeros((3, 8)), np.arange(3), 1000.0)
    with pytest.raises(
        ExtractorValueError, match=r"increasing order.*Sort the frames and their snippets"
    ):
        si.NumpySnippets(wf, np.array([3, 1, 2]), 1000.0)
    with pytest.raises(ShapeMismatchError, match="like segment 0"):
        si.NumpySnippets([wf, np.zeros((2, 7, 2), "int16")], [np.arange(3), np.arange(2)], 1000.0)


def test_views(snippets):
    ch = snippets.select_channels(["c", "a"])
    assert np.array_equal(
        ch.get_snippets(segment_index=1), snippets.get_snippets(segment_index=1)[:, :, [2, 0]]
    )
    assert snippets.remove_channels(["b"]).channel_ids.tolist() == ["a", "c"]
    assert snippets.channel_slice(["a"], renamed_channel_ids=["z"]).channel_ids.tolist() == ["z"]
    seg = snippets.select_segments([1])
    fs = seg.frame_slice(6, 8)
    assert fs.get_frames().tolist() == [0, 1]
    assert np.array_equal(fs.get_snippets(), snippets.get_snippets(segment_index=1)[1:3])
    assert np.array_equal(
        fs.get_snippets(indices=[-1]), snippets.get_snippets(segment_index=1)[[2]]
    )
    with pytest.raises(ExtractorValueError, match="one segment"):
        snippets.frame_slice(0, 10)


def test_save_npy_folder_and_memory_with_probe(tmp_path, snippets):
    snippets.set_property("quality", [1.0, 3.3, np.nan])
    snippets.annotate(gre="ta")
    probe = Probe(ndim=2)
    probe.set_contacts(
        positions=[[0.0, 0.0], [0.0, 15.0], [0, 30.0]], shapes="circle", shape_params={"radius": 5}
    )
    probe.set_device_channel_indices([2, -1, 0])
    sub = snippets.select_channels_with_probe(probe)
    assert sub.channel_ids.tolist() == ["a", "c"]
    assert np.array_equal(sub.get_channel_locations(), [[0.0, 30.0], [0.0, 0.0]])
    saved = sub.save(folder=tmp_path / "snip")
    assert sorted(p.name for p in (tmp_path / "snip").iterdir()) == [
        "npy.json",
        "probegroup.json",
        "properties",
        "si_folder.json",
        "traces_cached_seg0.npy",
        "traces_cached_seg1.npy",
    ]
    loaded = si.load(tmp_path / "snip")
    for x in (saved, loaded):
        assert np.array_equal(x.get_snippets(segment_index=1), sub.get_snippets(segment_index=1))
        assert np.array_equal(x.get_frames(segment_index=0), sub.get_frames(segment_index=0))
        assert np.array_equal(x.get_channel_locations(), [[0.0, 30.0], [0.0, 0.0]])
        assert x.get_annotation("gre") == "ta"
        assert x.nbefore == 3
    assert np.isnan(loaded.get_property("quality")[1])
    mem = loaded.save(format="memory")
    assert isinstance(mem, si.NumpySnippets)
    assert np.array_equal(mem.get_snippets(segment_index=0), sub.get_snippets(segment_index=0))
