"""NwbSortingExtractor: lazy Units tables (synthetic files and the shared recordings)."""

from __future__ import annotations

import datetime

import numpy as np
import pytest
from tests.ephys._sorting_helpers import shared_data

import memphys.ephys as si
from memphys.errors import ExtractorValueError, FileFormatError

DATA = shared_data()


def _write(path, trains, resolution=None, electrical_series=False, **unit_columns):
    from pynwb import NWBHDF5IO, NWBFile

    nwb = NWBFile("d", "id", datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC))
    if resolution is not None:
        nwb.units = None
        from pynwb.misc import Units

        nwb.units = Units(name="units", resolution=resolution)
    for name in unit_columns:
        nwb.add_unit_column(name, "a column")
    for k, t in enumerate(trains):
        nwb.add_unit(spike_times=t, **{n: v[k] for n, v in unit_columns.items()})
    if electrical_series:
        from pynwb.ecephys import ElectricalSeries

        dev = nwb.create_device("d")
        group = nwb.create_electrode_group("g", "g", "here", dev)
        for _ in range(2):
            nwb.add_electrode(group=group, location="here")
        region = nwb.create_electrode_table_region([0, 1], "all")
        nwb.add_acquisition(
            ElectricalSeries(
                name="es", data=np.zeros((10, 2)), electrodes=region, rate=1000.0, starting_time=2.0
            )
        )
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)


class _CountingReads:
    def __init__(self, data):
        self.data, self.read = data, 0
        self.shape, self.dtype, self.attrs = data.shape, data.dtype, data.attrs

    def __getitem__(self, key):
        out = self.data[key]
        self.read += np.size(out)
        return out


def test_trains_counts_and_vector(tmp_path):
    trains = [[0.5, 0.1, 1.0], [0.75], []]
    _write(tmp_path / "u.nwb", trains, quality=["good", "bad", "good"])
    s = si.read_nwb_sorting(tmp_path / "u.nwb", sampling_frequency=1000.0)
    seg = s.segments[0]
    seg.spike_times_data = _CountingReads(seg.spike_times_data)
    assert s.count_num_spikes_per_unit() == {0: 3, 1: 1, 2: 0}
    assert seg.spike_times_data.read == 0  # counts come from the index
    with pytest.warns(UserWarning, match="unsorted spike times for unit 0"):
        assert s.get_unit_spike_train(0).tolist() == [100, 500, 1000]  # sorted when read
    assert seg.spike_times_data.read == 3  # one unit's slice
    assert s.get_unit_spike_train(0, start_frame=200, end_frame=1000).tolist() == [500]
    assert s.get_unit_spike_train(1, return_times=True).tolist() == [0.75]
    with pytest.warns(UserWarning, match=r"unsorted spike times for 1 unit\(s\)"):
        v = s.to_spike_vector()
    assert v["sample_index"].tolist() == [100, 500, 750, 1000]
    assert v["unit_index"].tolist() == [
        0,
        0,
        1,
        0,
    ]
    assert s.get_property("quality").tolist() == ["good", "bad", "good"]
    assert si.load(s.to_dict()).get_unit_spike_train(1).tolist() == [750]


def test_time_base_rules(tmp_path):
    _write(tmp_path / "r.nwb", [[0.1]], resolution=1 / 20000)
    assert si.read_nwb_sorting(tmp_path / "r.nwb").sampling_frequency == pytest.approx(20000.0)
    _write(tmp_path / "n.nwb", [[0.1]])
    with pytest.raises(ExtractorValueError, match="Couldn't determine the sampling frequency"):
        si.read_nwb_sorting(tmp_path / "n.nwb")
    _write(tmp_path / "e.nwb", [[2.5]], electrical_series=True)
    with pytest.raises(ExtractorValueError, match="'t_start' was not provided"):
        si.read_nwb_sorting(tmp_path / "e.nwb", sampling_frequency=1000.0)
    s = si.read_nwb_sorting(tmp_path / "e.nwb", electrical_series_path="acquisition/es")
    assert s.sampling_frequency == 1000.0
    assert s.get_unit_spike_train(0).tolist() == [500]
    assert s.get_unit_spike_train(0, return_times=True).tolist() == [2.5]
    with pytest.raises(ExtractorValueError, match="not both"):
        si.read_nwb_sorting(
            tmp_path / "e.nwb", electrical_series_path="acquisition/es", t_start=0.0
        )
    with pytest.raises(FileFormatError, match="no Units table"):
        si.read_nwb_sorting(
            tmp_path / "e.nwb", sampling_frequency=1.0, t_start=0.0, unit_table_path="nope"
        )


@pytest.mark.realdata
@pytest.mark.parametrize("name", ["nwb_dandi000004_sub-4_ses-4", "nwb_pynapple_A8604-211122"])
def test_shared_recordings_match_pynwb(name):
    folder = DATA / name
    if not folder.is_dir():
        pytest.skip(f"shared test data not found at {folder}")
    from pynwb import NWBHDF5IO

    path = next(folder.glob("*.nwb"))
    s = si.read_nwb_sorting(path, sampling_frequency=30000.0)
    with NWBHDF5IO(str(path), "r") as io:
        units = io.read().units
        ids = units.id[:]
        assert s.unit_ids.tolist() == list(ids)
        for k in range(len(ids)):
            ref = np.sort(np.round(np.asarray(units["spike_times"][k]) * 30000.0).astype(np.int64))
            assert np.array_equal(s.get_unit_spike_train(ids[k], use_cache=False), ref)
    v = s.to_spike_vector()
    counts = np.bincount(v["unit_index"], minlength=len(ids))
    assert np.array_equal(counts, s.count_num_spikes_per_unit(outputs="array"))
