"""NpySnippetsExtractor: SpikeInterface's structured .npy files, written in chunks."""

from __future__ import annotations

import numpy as np
import pytest

import memphys.ephys as si
from memphys.ephys import npysnippets
from memphys.errors import FileFormatError, ShapeMismatchError


def test_write_in_chunks_and_read_memory_mapped(tmp_path, monkeypatch):
    rng = np.random.default_rng(1)
    wf = rng.normal(size=(50, 6, 2)).astype("float32")
    snip = si.NumpySnippets(wf, np.arange(50) * 3, 1000.0, nbefore=2)
    monkeypatch.setattr(npysnippets, "_WRITE_BYTES", 200)  # several write steps
    si.NpySnippetsExtractor.write_snippets(snip, [tmp_path / "s.npy"], dtype="float64")
    rec = np.load(tmp_path / "s.npy")
    assert rec.dtype.names == ("frame", "snippet")
    assert rec["snippet"].dtype == np.float64
    back = si.read_npy_snippets(tmp_path / "s.npy", sampling_frequency=1000.0, nbefore=2)
    assert isinstance(back.segments[0]._snippets, np.memmap)
    assert np.allclose(back.get_snippets(), wf)
    assert back.get_frames().tolist() == (np.arange(50) * 3).tolist()
    clone = si.load(back.to_dict())
    assert np.allclose(clone.get_snippets(indices=[3]), wf[[3]])


def test_npy_errors(tmp_path):
    np.save(tmp_path / "x.npy", np.arange(3))
    with pytest.raises(FileFormatError, match="not a snippets file"):
        si.NpySnippetsExtractor(tmp_path / "x.npy", 1000.0)
    snip = si.NumpySnippets(np.zeros((2, 4, 2)), np.arange(2), 1000.0)
    with pytest.raises(ShapeMismatchError, match="one file per segment"):
        si.NpySnippetsExtractor.write_snippets(snip, [tmp_path / "a.npy", tmp_path / "b.npy"])
    si.NpySnippetsExtractor.write_snippets(snip, tmp_path / "a.npy")
    with pytest.raises(ShapeMismatchError, match="expected 2 ids"):
        si.NpySnippetsExtractor(tmp_path / "a.npy", 1000.0, channel_ids=[1, 2, 3])
