"""ZarrSortingExtractor: SpikeInterface's layout (format 2), lazy reads."""

from __future__ import annotations

import numpy as np
import pytest
import zarr

import memphys.ephys as si
from memphys.errors import ExtractorValueError, FileFormatError


def test_layout_round_trip_and_laziness(tmp_path):
    s = si.generate_sorting(num_units=3, durations=[1.0, 2.0], firing_rates=20.0, seed=9)
    s.set_property("quality", ["a", "b", "c"])
    s.annotate(lab="z")
    z = s.save(format="zarr", folder=tmp_path / "sort")
    root = zarr.open_group(str(tmp_path / "sort.zarr"), mode="r")
    assert root.metadata.zarr_format == 2
    assert sorted(root["spikes"].keys()) == [
        "sample_index",
        "sample_index_chunk_firsts",
        "segment_slices",
        "unit_index",
    ]
    assert root.attrs["num_segments"] == 2
    assert root.attrs["sampling_frequency"] == 30000.0
    loaded = si.load(tmp_path / "sort.zarr")
    assert loaded._cached_spike_vector is None
    assert loaded.count_num_spikes_per_unit() == s.count_num_spikes_per_unit()
    assert loaded.get_last_spike_frame(1) == s.get_last_spike_frame(1)
    assert loaded._cached_spike_vector is None  # counts and last spike without the vector
    for x in (z, loaded):
        assert np.array_equal(x.to_spike_vector(), s.to_spike_vector())
        assert x.get_property("quality").tolist() == ["a", "b", "c"]
        assert x.get_annotation("lab") == "z"
    assert np.array_equal(
        loaded.segments[1].get_unit_spike_train("2", 1000, 50000),
        s.get_unit_spike_train("2", segment_index=1, start_frame=1000, end_frame=50000),
    )


def test_zarr_errors(tmp_path):
    s = si.generate_sorting(num_units=2, durations=[1.0], seed=1)
    s.save(format="zarr", folder=tmp_path / "a")
    with pytest.raises(ExtractorValueError, match="already exists"):
        s.save(format="zarr", folder=tmp_path / "a")
    zarr.open_group(str(tmp_path / "empty.zarr"), mode="w")
    with pytest.raises(FileFormatError, match="not a sorting zarr store"):
        si.ZarrSortingExtractor(tmp_path / "empty.zarr")
    with pytest.raises(ExtractorValueError, match="numcodecs codec"):
        s.save(format="zarr", folder=tmp_path / "b", compressor="zstd")
