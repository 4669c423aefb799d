"""NpzSortingExtractor: lazy members (memory-mapped or streamed) and the writer."""

from __future__ import annotations

import numpy as np
import pytest

import memphys.ephys as si
from memphys.ephys.npzsortingextractor import NpzMember
from memphys.errors import FileFormatError, MemphysFileNotFoundError


def test_create_sorting_npz_and_read_it(tmp_path):
    si.create_sorting_npz(3, tmp_path / "s.npz")
    s = si.read_npz_sorting(tmp_path / "s.npz")
    assert s.get_num_segments() == 3
    assert s.unit_ids.tolist() == [0, 1, 2]
    assert s.get_unit_spike_train(2, segment_index=2).tolist() == list(range(20, 1000, 30))


def test_opening_reads_no_spike_and_counts_read_labels_only(tmp_path):
    s = si.generate_sorting(num_units=3, durations=[1.0], firing_rates=40.0, seed=1)
    si.NpzSortingExtractor.write_sorting(s, tmp_path / "x.npz")
    npz = si.NpzSortingExtractor(tmp_path / "x.npz")
    seg = npz.segments[0]
    assert seg.indexes.stored
    assert npz._cached_spike_vector is None
    assert npz.count_num_spikes_per_unit() == s.count_num_spikes_per_unit()
    assert npz._cached_spike_vector is None  # counting did not build the vector
    assert np.array_equal(npz.get_unit_spike_train("1"), s.get_unit_spike_train("1"))
    assert np.array_equal(npz.to_spike_vector(), s.to_spike_vector())


def test_compressed_members_are_streamed(tmp_path):
    idx = np.array([5, 1, 9, 9])  # unsorted: sorted with their labels
    lab = np.array([1, 0, 1, 0])
    np.savez_compressed(
        tmp_path / "c.npz",
        unit_ids=np.array([0, 1]),
        num_segment=np.array([1]),
        sampling_frequency=np.array([1000.0]),
        spike_indexes_seg0=idx,
        spike_labels_seg0=lab,
    )
    s = si.NpzSortingExtractor(tmp_path / "c.npz")
    assert not s.segments[0].indexes.stored
    assert list(NpzMember(tmp_path / "c.npz", "spike_indexes_seg0").chunks(chunk=3))[
        1
    ].tolist() == [9]
    v = s.to_spike_vector()
    assert v["sample_index"].tolist() == [1, 5, 9, 9]
    assert v["unit_index"].tolist() == [0, 1, 0, 1]
    assert s.get_unit_spike_train(1, use_cache=False).tolist() == [5, 9]


def test_bad_files(tmp_path):
    with pytest.raises(MemphysFileNotFoundError):
        si.NpzSortingExtractor(tmp_path / "none.npz")
    (tmp_path / "t.npz").write_text("hello")
    with pytest.raises(FileFormatError, match=r"not an .npz file"):
        si.NpzSortingExtractor(tmp_path / "t.npz")
    np.savez(tmp_path / "m.npz", unit_ids=np.array([0]))
    with pytest.raises(FileFormatError, match="no array 'num_segment'"):
        si.NpzSortingExtractor(tmp_path / "m.npz")
