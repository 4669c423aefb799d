"""Numpy and npz sorting folders: layout, laziness, crash safety, metadata."""

from __future__ import annotations

import json

import numpy as np
import pytest

import memphys.ephys as si
from memphys.ephys import sortingfolder
from memphys.errors import ExtractorValueError, FileFormatError, MemphysFileNotFoundError


@pytest.fixture
def sorting():
    s = si.generate_sorting(num_units=4, durations=[2.0, 1.0], firing_rates=15.0, seed=4)
    s.set_property("quality", ["good", "bad", "good", "mua"])
    s.set_property("depth", np.arange(4.0))
    s.annotate(lab="memphys", n=3)
    return s


def test_numpy_folder_has_spikeinterface_layout_and_round_trips(tmp_path, sorting):
    folder = tmp_path / "sorting"
    saved = sorting.save(folder=folder)
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "annotations.json",
        "numpysorting_info.json",
        "properties",
        "si_folder.json",
        "spikes.npy",
    ]
    info = json.loads((folder / "numpysorting_info.json").read_text())
    assert info == {
        "sampling_frequency": 30000.0,
        "unit_ids": ["0", "1", "2", "3"],
        "num_segments": 2,
    }
    si_folder = json.loads((folder / "si_folder.json").read_text())
    assert si_folder["class"] == "spikeinterface.core.sortingfolder.NumpyFolderSorting"
    assert si_folder["relative_paths"]
    assert si_folder["kwargs"]["folder_path"] == "."
    loaded = si.load(folder)
    for s in (saved, loaded):
        assert np.array_equal(s.to_spike_vector(), sorting.to_spike_vector())
        assert s.get_property("quality").tolist() == ["good", "bad", "good", "mua"]
        assert s.get_annotation("lab") == "memphys"
    # the folder moves
    moved = tmp_path / "moved"
    folder.rename(moved)
    assert np.array_equal(
        si.load(moved).get_unit_spike_train("2", segment_index=1),
        sorting.get_unit_spike_train("2", segment_index=1),
    )


def test_opening_memory_maps_the_spikes(tmp_path, sorting):
    sorting.save(folder=tmp_path / "s")
    loaded = si.NumpyFolderSorting(tmp_path / "s")
    assert isinstance(loaded.to_spike_vector(), np.memmap)
    assert not loaded.to_spike_vector().flags.writeable
    assert np.array_equal(
        loaded.get_unit_spike_train("1", segment_index=0),
        sorting.get_unit_spike_train("1", segment_index=0),
    )


def test_existing_folder_needs_overwrite_and_a_failed_write_leaves_nothing(
    tmp_path, sorting, monkeypatch
):
    folder = tmp_path / "s"
    sorting.save(folder=folder)
    with pytest.raises(ExtractorValueError, match=r"already exists.*overwrite=True"):
        sorting.save(folder=folder)
    sorting.save(folder=folder, overwrite=True)

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sortingfolder, "save_annotations_to_folder", boom)
    with pytest.raises(RuntimeError, match="disk full"):
        sorting.save(folder=tmp_path / "new")
    assert not (tmp_path / "new").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s"]  # no partial folder left


def test_broken_folders_get_clear_errors(tmp_path, sorting):
    with pytest.raises(MemphysFileNotFoundError, match=r"numpysorting_info.json is missing"):
        si.NumpyFolderSorting(tmp_path)
    sorting.save(folder=tmp_path / "s")
    np.save(tmp_path / "s" / "spikes.npy", np.arange(3))
    with pytest.raises(FileFormatError, match="not a spike vector"):
        si.NumpyFolderSorting(tmp_path / "s")


def test_npz_folder_round_trip(tmp_path, sorting):
    with pytest.warns(FutureWarning, match="deprecated"):
        si.NpzFolderSorting.write_sorting(sorting, tmp_path / "old")
    assert sorted(p.name for p in (tmp_path / "old").iterdir()) == [
        "npz.json",
        "properties",
        "si_folder.json",
        "sorting_cached.npz",
    ]
    loaded = si.load(tmp_path / "old")
    assert isinstance(loaded, si.NpzFolderSorting)
    assert np.array_equal(loaded.to_spike_vector(), sorting.to_spike_vector())
    assert loaded.get_annotation("lab") == "memphys"
    assert loaded.get_property("depth").tolist() == [0.0, 1.0, 2.0, 3.0]
