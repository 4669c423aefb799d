"""NWBFile / load_file("x.nwb"): every object type, laziness, file handles, bad input."""

from __future__ import annotations

import datetime
import gc
import os
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
import pynwb
import pytest
from hdmf.common.table import DynamicTableRegion
from pynwb.behavior import Position
from pynwb.ecephys import ElectricalSeries
from pynwb.misc import AnnotationSeries
from pynwb.ophys import Fluorescence, ImageSegmentation, OpticalChannel, RoiResponseSeries

import memphys as nap
from memphys.errors import (
    FileFormatError,
    IntervalSetWarning,
    MemphysError,
    MetadataWarning,
    ShapeMismatchError,
    TimeIndexError,
)
from memphys.io.nwb.read import NWBFile, unique_keys

# A Ts of one timestamp spans no time: its support is dropped with pynapple's warning
# "Some epochs have no duration" (tested in tests/core/test_ts.py); here such a Ts (an
# event, a unit with one spike) is incidental.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Some epochs have no duration:memphys.errors.IntervalSetWarning"
)

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
RNG = np.random.default_rng(0)


def _nwbfile() -> pynwb.NWBFile:
    return pynwb.NWBFile(
        session_description="test",
        identifier="id",
        session_start_time=datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC),
        session_id="s1",
    )


def _write(f: pynwb.NWBFile, path: Path) -> Path:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pynwb.NWBHDF5IO(path, "w") as io:
            io.write(f)
    return path


SPIKES = [np.sort(RNG.uniform(0, 10, n)) for n in (5, 12, 1)]
TS1D = RNG.standard_normal(200)
TS2D = RNG.integers(-100, 100, size=(150, 3)).astype("int16")
TS2D_T = np.cumsum(RNG.uniform(0.001, 0.01, 150)) + 2.0
TS3D = RNG.standard_normal((40, 2, 3))
ES = RNG.standard_normal((300, 4)).astype("float32")
RRS = RNG.standard_normal((50, 3))
POS = RNG.standard_normal((60, 2))
POS_T = np.arange(60) / 30.0
SCRATCH = np.arange(12.0).reshape(4, 3)


@pytest.fixture(scope="module")
def nwb_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    f = _nwbfile()
    f.add_acquisition(
        pynwb.TimeSeries(
            name="ts1d",
            data=TS1D,
            unit="V",
            rate=100.0,
            starting_time=1.5,
            conversion=0.5,
            offset=1.0,
        )
    )
    f.add_acquisition(pynwb.TimeSeries(name="ts2d", data=TS2D, unit="a.u.", timestamps=TS2D_T))
    f.add_acquisition(pynwb.TimeSeries(name="ts3d", data=TS3D, unit="a.u.", rate=20.0))
    f.add_acquisition(
        AnnotationSeries(name="notes", data=["a", "b", "c"], timestamps=[0.5, 1.0, 2.0])
    )
    device = f.create_device("probe")
    group = f.create_electrode_group("shank0", "s", location="CA1", device=device)
    f.add_electrode_column("depth", "depth (um)")
    for i in range(4):
        f.add_electrode(location="CA1", group=group, depth=10.0 * i)
    region = f.create_electrode_table_region([0, 1, 2, 3], "all")
    f.add_acquisition(ElectricalSeries(name="es", data=ES, electrodes=region, rate=1000.0))
    # ophys in a processing module
    ophys = f.create_processing_module("ophys", "ophys")
    channel = OpticalChannel(name="ch", description="c", emission_lambda=500.0)
    plane = f.create_imaging_plane(
        name="plane",
        optical_channel=channel,
        description="p",
        device=device,
        excitation_lambda=600.0,
        imaging_rate=30.0,
        indicator="GCaMP",
        location="V1",
    )
    segmentation = ImageSegmentation()
    ophys.add(segmentation)
    ps = segmentation.create_plane_segmentation(
        name="PlaneSegmentation", description="ps", imaging_plane=plane
    )
    ps.add_column("cell_type", "type")
    for i in range(3):
        ps.add_roi(image_mask=np.zeros((4, 4)), cell_type=f"t{i}")
    rois = DynamicTableRegion(name="rois", data=[0, 1, 2], description="r", table=ps)
    fluo = Fluorescence()
    ophys.add(fluo)
    fluo.add_roi_response_series(
        RoiResponseSeries(name="rrs", data=RRS, rois=rois, unit="lumens", rate=30.0)
    )
    behavior = f.create_processing_module("behavior", "behavior")
    position = Position()
    behavior.add(position)
    position.create_spatial_series(name="pos", data=POS, timestamps=POS_T, reference_frame="arena")
    # units
    f.add_unit_column("quality", "sorting quality")
    f.add_unit_column("depth_um", "depth")
    for k, st in enumerate(SPIKES):
        f.add_unit(
            spike_times=st,
            quality=["good", "mua", "good"][k],
            depth_um=float(k),
            electrode_group=group,
            id=10 + k,
        )
    # intervals
    f.add_epoch(0.0, 4.0, ["wake"])
    f.add_epoch(5.0, 9.0, ["sleep"])
    f.add_trial_column("correct", "correct")
    f.add_trial_column("label", "label")
    for k in range(4):
        f.add_trial(start_time=2.0 * k, stop_time=2.0 * k + 1, correct=bool(k % 2), label=f"L{k}")
    f.add_scratch(SCRATCH, name="scratch_array", description="a scratch array")
    return _write(f, tmp_path_factory.mktemp("nwb") / "all.nwb")


@pytest.fixture
def nwb(nwb_path: Path):
    out = nap.load_file(nwb_path)
    yield out
    out.close()


def _pynwb_read(path: Path):
    io = pynwb.NWBHDF5IO(path, "r")
    return io, io.read()


# --- listing -------------------------------------------------------------------------------
def test_keys_types_and_print(nwb: NWBFile) -> None:
    assert isinstance(nwb, NWBFile)
    types = dict(nwb._view)
    # objects memphys cannot load are listed too, but are not keys (issue 11)
    assert types.pop("ImageSegmentation") == "ImageSegmentation (not loadable)"
    assert "ImageSegmentation" in nwb.unsupported
    assert types == {
        "units": "TsGroup",
        "epochs": "IntervalSet",
        "trials": "IntervalSet",
        "ts1d": "Tsd",
        "ts2d": "TsdFrame",
        "ts3d": "TsdTensor",
        "notes": "Ts",
        "es": "TsdFrame",
        "rrs": "TsdFrame",
        "pos": "TsdFrame",
        "scratch_array": "ScratchData",
    }
    assert set(nwb.keys()) == set(types)
    text = repr(nwb)
    lines = text.splitlines()
    assert lines[0] == "all"
    width = max(len(k) for k in [*types, "ImageSegmentation"]) + 2
    type_width = len("ImageSegmentation (not loadable)") + 2
    assert lines[1] == "┍" + "━" * width + "┯" + "━" * type_width + "┑"
    assert lines[2] == "│ " + "Keys".ljust(width - 2) + " │ " + "Type".ljust(type_width - 2) + " │"
    assert any(line.startswith("│ scratch_array ") and "│ ScratchData " in line for line in lines)
    assert lines[-1].startswith("┕")
    assert lines[-1].endswith("┙")
    assert nwb.key_to_full_path["pos"] == "/behavior/Position/pos"
    assert nwb.key_to_full_path["rrs"] == "/ophys/Fluorescence/rrs"
    # full paths also work as keys
    assert isinstance(nwb["/behavior/Position/pos"], nap.TsdFrame)
    with pytest.raises(KeyError, match=r"Can't find key nope in group index\."):
        nwb["nope"]


def test_objects_built_once_and_cached(nwb: NWBFile) -> None:
    assert isinstance(nwb.data["ts1d"], dict)
    assert set(nwb.data["ts1d"]) == {"id", "type"}
    first = nwb["ts1d"]
    assert nwb["ts1d"] is first
    assert nwb.data["ts1d"] is first
    assert nwb.key_to_id["ts1d"] in nwb.nwb.objects


# --- time series ---------------------------------------------------------------------------
def test_tsd_with_rate_is_lazy_and_regular(nwb: NWBFile) -> None:
    tsd = nwb["ts1d"]
    assert isinstance(tsd, nap.Tsd)
    assert isinstance(tsd.values, h5py.Dataset)
    assert isinstance(tsd.time_index, nap.RegularTimeIndex)
    np.testing.assert_allclose(tsd.index, 1.5 + np.arange(200) / 100.0)
    np.testing.assert_array_equal(np.asarray(tsd), TS1D)  # conversion is not applied
    info = nwb.info("ts1d")
    assert (info["conversion"], info["offset"], info["unit"]) == (0.5, 1.0, "V")
    assert info["rate"] == 100.0
    assert info["starting_time"] == 1.5


def test_tsdframe_with_timestamps(nwb: NWBFile) -> None:
    frame = nwb["ts2d"]
    assert isinstance(frame, nap.TsdFrame)
    assert isinstance(frame.values, h5py.Dataset)
    assert frame.dtype == np.int16
    assert not isinstance(frame.time_index, nap.RegularTimeIndex)
    np.testing.assert_array_equal(frame.index, TS2D_T)
    np.testing.assert_array_equal(frame.columns, [0, 1, 2])
    np.testing.assert_array_equal(np.asarray(frame), TS2D)


def test_timestamps_read_once(nwb_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[str] = []
    original = h5py.Dataset.__getitem__

    def spy(self, args, new_dtype=None):
        reads.append(str(self.name))
        return original(self, args, new_dtype=new_dtype)

    with nap.load_file(nwb_path) as nwb:
        monkeypatch.setattr(h5py.Dataset, "__getitem__", spy)
        frame = nwb["ts2d"]
        n_build = len(reads)
        frame.get(2.1, 2.3)
        frame.restrict(nap.IntervalSet(2.0, 2.5))
        frame.restrict(nap.IntervalSet(2.2, 2.4))
        monkeypatch.undo()
    assert reads.count("/acquisition/ts2d/timestamps") == 1
    # building reads at most the first row of the data (an array-like check)
    assert reads[:n_build].count("/acquisition/ts2d/data") <= 1
    # then one read per call, never the timestamps again
    assert reads[n_build:] == ["/acquisition/ts2d/data"] * 3


def test_tsdtensor(nwb: NWBFile) -> None:
    tensor = nwb["ts3d"]
    assert isinstance(tensor, nap.TsdTensor)
    assert tensor.shape == (40, 2, 3)
    np.testing.assert_array_equal(np.asarray(tensor), TS3D)
    np.testing.assert_allclose(tensor.index, np.arange(40) / 20.0)


def test_electrical_series_columns_and_metadata(nwb: NWBFile, nwb_path: Path) -> None:
    es = nwb["es"]
    io, f = _pynwb_read(nwb_path)
    try:
        table = f.electrodes.to_dataframe()
        np.testing.assert_array_equal(es.columns, f.acquisition["es"].electrodes["id"][:])
        np.testing.assert_array_equal(es.metadata["depth"].values, table["depth"].values)
        np.testing.assert_array_equal(es.metadata["location"].values, table["location"].values)
        assert "group" not in es.metadata.columns  # object column
        np.testing.assert_array_equal(np.asarray(es), f.acquisition["es"].data[:])
    finally:
        io.close()


def test_roi_response_series_columns_and_metadata(nwb: NWBFile) -> None:
    rrs = nwb["rrs"]
    assert isinstance(rrs, nap.TsdFrame)
    np.testing.assert_array_equal(rrs.columns, [0, 1, 2])
    assert list(rrs.metadata.columns) == ["cell_type"]  # not the image mask
    np.testing.assert_array_equal(rrs.metadata["cell_type"].values, ["t0", "t1", "t2"])
    np.testing.assert_array_equal(np.asarray(rrs), RRS)


def test_roi_region_longer_than_data_and_ragged_columns() -> None:
    from pynwb.ophys import PlaneSegmentation
    from pynwb.testing.mock.ophys import mock_ImagingPlane

    ps = PlaneSegmentation(description="p", imaging_plane=mock_ImagingPlane(), name="ps")
    ps.add_column(name="depth", description="d")
    ps.add_column(name="ragged", description="r", index=True)
    for i in range(4):
        ps.add_roi(image_mask=np.zeros((2, 2)), depth=float(i), ragged=[1] * (i + 1))
    rois = DynamicTableRegion(name="rois", data=[0, 1, 2, 3], description="r", table=ps)
    f = _nwbfile()
    f.add_acquisition(
        RoiResponseSeries(name="rrs", data=np.ones((5, 3)), rois=rois, unit="u", rate=1.0)
    )
    frame = NWBFile(f)["rrs"]
    assert frame.shape == (5, 3)
    assert list(frame.metadata.columns) == ["depth"]  # no image mask, no ragged column
    np.testing.assert_array_equal(frame.metadata["depth"].values, [0.0, 1.0, 2.0])
    np.testing.assert_array_equal(frame.columns, [0, 1, 2])


def test_processing_module_spatial_series(nwb: NWBFile) -> None:
    pos = nwb["pos"]
    assert list(pos.columns) == ["x", "y"]
    np.testing.assert_array_equal(pos.index, POS_T)
    np.testing.assert_array_equal(np.asarray(pos), POS)


def test_annotation_series_and_scratch(nwb: NWBFile) -> None:
    notes = nwb["notes"]
    assert isinstance(notes, nap.Ts)
    np.testing.assert_array_equal(notes.index, [0.5, 1.0, 2.0])
    scratch = nwb["scratch_array"]
    assert isinstance(scratch, h5py.Dataset)
    np.testing.assert_array_equal(scratch[:], SCRATCH)


# --- units and intervals -------------------------------------------------------------------
def test_units_tsgroup(nwb: NWBFile, nwb_path: Path) -> None:
    units = nwb["units"]
    assert isinstance(units, nap.TsGroup)
    assert list(units.keys()) == [10, 11, 12]
    io, f = _pynwb_read(nwb_path)
    try:
        for k, key in enumerate(units.keys()):
            np.testing.assert_array_equal(units[key].index, f.units["spike_times"][k])
            np.testing.assert_array_equal(units[key].index, SPIKES[k])
        np.testing.assert_array_equal(units.quality, f.units["quality"].data[:])
        np.testing.assert_array_equal(units.depth_um, [0.0, 1.0, 2.0])
        np.testing.assert_array_equal(units.location, ["CA1"] * 3)  # from the group
    finally:
        io.close()


def test_epochs_and_trials(nwb: NWBFile, nwb_path: Path) -> None:
    io, f = _pynwb_read(nwb_path)
    try:
        for key, table in (("epochs", f.epochs), ("trials", f.trials)):
            ep = nwb[key]
            df = table.to_dataframe()
            assert isinstance(ep, nap.IntervalSet)
            np.testing.assert_array_equal(ep.start, df["start_time"].values)
            np.testing.assert_array_equal(ep.end, df["stop_time"].values)
        trials = nwb["trials"]
        assert list(trials.metadata_columns) == ["correct", "label"]
        np.testing.assert_array_equal(trials.correct, f.trials["correct"].data[:])
        np.testing.assert_array_equal(trials.label, ["L0", "L1", "L2", "L3"])
        assert [list(t) for t in nwb["epochs"].tags] == [["wake"], ["sleep"]]
    finally:
        io.close()


def test_table_of_times_is_ts(tmp_path: Path) -> None:
    from pynwb.core import DynamicTable, VectorData

    f = _nwbfile()
    table = DynamicTable(
        name="events",
        description="d",
        columns=[VectorData(name="reward_times", data=[1.0, 2.0], description="r")],
    )
    f.add_acquisition(table)
    with nap.load_file(_write(f, tmp_path / "t.nwb")) as nwb:
        np.testing.assert_array_equal(nwb["events"].index, [1.0, 2.0])


def test_memphys_writer_conventions(tmp_path: Path) -> None:
    """``<name>_time_support``, ``<name>_columns`` and ``obs_intervals`` (``_nwb_common``)."""
    from pynwb.core import DynamicTable, VectorData
    from pynwb.epoch import TimeIntervals

    f = _nwbfile()
    f.add_acquisition(pynwb.TimeSeries(name="lfp", data=TS2D, unit="u", rate=10.0))
    support = TimeIntervals(name="lfp_time_support", description="support")
    support.add_interval(0.0, 3.0)
    support.add_interval(5.0, 9.0)
    f.add_acquisition(support)
    columns = DynamicTable(
        name="lfp_columns",
        description="columns",
        columns=[
            VectorData(name="label", data=["a", "b", "c"], description="labels"),
            VectorData(name="gain", data=[1.0, 2.0, 3.0], description="gain"),
        ],
    )
    f.add_acquisition(columns)
    for st in SPIKES[:2]:
        f.add_unit(spike_times=st, obs_intervals=[[0.0, 10.0]])
    with nap.load_file(_write(f, tmp_path / "conv.nwb")) as nwb:
        lfp = nwb["lfp"]
        np.testing.assert_array_equal(lfp.time_support.values, [[0.0, 3.0], [5.0, 9.0]])
        assert list(lfp.columns) == ["a", "b", "c"]
        np.testing.assert_array_equal(lfp.metadata["gain"].values, [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(lfp.index, np.r_[0:31, 50:91] / 10.0)
        np.testing.assert_array_equal(np.asarray(lfp), np.r_[TS2D[0:31], TS2D[50:91]])
        np.testing.assert_array_equal(nwb["units"].time_support.values, [[0.0, 10.0]])


def test_events_table_is_ts(tmp_path: Path) -> None:
    from pynwb.event import EventsTable

    f = _nwbfile()
    events = EventsTable(name="licks", description="licks")
    for t in (0.5, 1.25, 3.0):
        events.add_row(timestamp=t)
    f.add_events_table(events)
    with nap.load_file(_write(f, tmp_path / "ev.nwb")) as nwb:
        assert dict(nwb._view) == {"licks": "Ts"}
        np.testing.assert_array_equal(nwb["licks"].index, [0.5, 1.25, 3.0])


# --- laziness ------------------------------------------------------------------------------
def test_lazy_loading_false_reads_numpy(nwb_path: Path) -> None:
    with nap.load_file(nwb_path, lazy_loading=False) as nwb:
        for key in ("ts1d", "ts2d", "ts3d", "es", "rrs", "pos"):
            obj = nwb[key]
            assert type(obj.values) is np.ndarray, key
        assert type(nwb["scratch_array"]) is np.ndarray
    np.testing.assert_array_equal(nwb["ts1d"].values, TS1D)


def test_every_read_is_a_slice(nwb_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    keys: list = []
    original = h5py.Dataset.__getitem__

    def spy(self, args, new_dtype=None):
        keys.append(args)
        return original(self, args, new_dtype=new_dtype)

    def is_slice(k) -> bool:
        if isinstance(k, slice):
            return True
        return isinstance(k, tuple) and all(isinstance(x, slice) for x in k)

    with nap.load_file(nwb_path) as nwb:
        frame = nwb["es"]  # 300 x 4 at 1 kHz
        eager = np.asarray(frame)
        monkeypatch.setattr(h5py.Dataset, "__getitem__", spy)
        ep = nap.IntervalSet([0.01, 0.1, 0.2], [0.05, 0.15, 0.25])
        events = nap.Ts(t=np.array([0.003, 0.0502, 0.1234, 0.2801]))
        got = {
            "restrict": frame.restrict(ep),
            "get": frame.get(0.02, 0.04),
            "value_from": events.value_from(frame),
            "bin_average": frame.bin_average(0.01, ep),
            "count": frame.count(0.05, ep),
            "column": frame[:, [0, 2]].restrict(ep),
        }
        monkeypatch.undo()
    assert keys, "no read happened: the spy is not in the read path"
    bad = [k for k in keys if not is_slice(k)]
    assert not bad, f"point/fancy selections: {bad[:5]}"
    # and the results equal the in-memory computation
    mem = nap.TsdFrame(t=frame.index, d=eager, columns=frame.columns)
    np.testing.assert_array_equal(got["restrict"].values, mem.restrict(ep).values)
    np.testing.assert_array_equal(got["get"].values, mem.get(0.02, 0.04).values)
    np.testing.assert_array_equal(got["value_from"].values, events.value_from(mem).values)
    np.testing.assert_allclose(got["bin_average"].values, mem.bin_average(0.01, ep).values)
    np.testing.assert_array_equal(got["column"].values, mem[:, [0, 2]].restrict(ep).values)


def test_pickled_frame_reads_in_another_process(nwb_path: Path, tmp_path: Path) -> None:
    with nap.load_file(nwb_path) as nwb:
        frame = nwb["es"]
        blob = tmp_path / "frame.pkl"
        blob.write_bytes(pickle.dumps(frame))
        expected = np.asarray(frame.get(0.1, 0.2)).sum()
    assert ES[:16].tobytes() not in blob.read_bytes()  # the recipe, not the data
    code = (
        "import pickle, sys, numpy as np, h5py\n"
        f"f = pickle.loads(open({str(blob)!r}, 'rb').read())\n"
        "assert isinstance(f.values, h5py.Dataset)\n"
        "print(repr(float(np.asarray(f.get(0.1, 0.2)).sum())))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert float(out.stdout.strip()) == pytest.approx(float(expected))


def _open_fds(path: Path) -> int:
    fd_dir = Path("/proc/self/fd")
    target = os.path.realpath(path)
    n = 0
    for fd in fd_dir.iterdir():
        try:
            if os.path.realpath(os.readlink(fd)) == target:
                n += 1
        except OSError:
            continue
    return n


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc/self/fd")
def test_file_handles(tmp_path: Path) -> None:
    f = _nwbfile()
    f.add_acquisition(pynwb.TimeSeries(name="x", data=TS2D, unit="u", rate=10.0))
    path = _write(f, tmp_path / "h.nwb")
    nwb = nap.load_file(path)
    frame = nwb["x"]
    assert _open_fds(path) >= 1
    del nwb
    gc.collect()
    # the object outlives its NWBFile
    np.testing.assert_array_equal(frame.get(0.0, 0.45).values, TS2D[:5])
    nwb = nap.load_file(path)
    frame = nwb["x"]
    nwb.close()
    assert _open_fds(path) == 0, "a handle on the file is still open after close()"
    # a built object reopens the file on its next read
    np.testing.assert_array_equal(frame.values[2:4], TS2D[2:4])
    from memphys.arrays.hdf5_array import _HANDLES

    _HANDLES.close(os.path.abspath(path))
    assert _open_fds(path) == 0


# --- pynwb objects in memory, names ----------------------------------------------------------
def test_from_pynwb_object_and_duplicate_names() -> None:
    from pynwb.testing.mock.base import mock_TimeSeries

    f = _nwbfile()
    f.add_acquisition(mock_TimeSeries(name="v", data=np.arange(4.0), rate=2.0))
    module = f.create_processing_module("proc", "p")
    module.add(mock_TimeSeries(name="v", data=np.arange(3.0), timestamps=[0.0, 1.0, 3.0]))
    nwb = NWBFile(f)
    assert nwb.name == "s1"
    assert sorted(nwb.keys()) == ["proc/v", "v"]
    np.testing.assert_array_equal(nwb["proc/v"].index, [0.0, 1.0, 3.0])
    np.testing.assert_array_equal(nwb["/v"].values, np.arange(4.0))
    nwb.close()  # nothing to close


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        ({"/a/b/c": "c", "/a/e/c": "c", "/i/e/c": "c"}, ["b/c", "a/e/c", "i/e/c"]),
        ({"/a/b/c": "c", "/a/e/d": "d"}, ["c", "d"]),
    ],
)
def test_unique_keys(paths: dict, expected: list) -> None:
    assert list(unique_keys(paths).values()) == expected


# --- bad input -----------------------------------------------------------------------------
def test_missing_file_and_wrong_type(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="No such file or directory"):
        NWBFile(tmp_path / "missing.nwb")
    with pytest.raises(TypeError, match=r"expected a path to an \.nwb file"):
        NWBFile(1)


def test_not_nwb(tmp_path: Path) -> None:
    text = tmp_path / "text.nwb"
    text.write_text("hello")
    with pytest.raises(FileFormatError, match="could not be read as NWB"):
        nap.load_file(text)
    plain = tmp_path / "plain.nwb"
    with h5py.File(plain, "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(FileFormatError, match=r"plain\.nwb"):
        NWBFile(plain)


def test_timestamps_and_data_length_disagree(tmp_path: Path) -> None:
    # pynwb refuses to build such a series: write a good one and shorten its timestamps
    f = _nwbfile()
    f.add_acquisition(
        pynwb.TimeSeries(name="bad", data=np.arange(10.0), unit="u", timestamps=np.arange(10.0))
    )
    path = _write(f, tmp_path / "bad.nwb")
    with h5py.File(path, "a") as h5:
        del h5["acquisition/bad/timestamps"]
        ts = h5["acquisition/bad"].create_dataset("timestamps", data=np.arange(8.0))
        ts.attrs["interval"] = 1
        ts.attrs["unit"] = "seconds"
    with nap.load_file(path) as nwb:
        assert dict(nwb._view) == {"bad": "Tsd"}
        with pytest.raises(ShapeMismatchError, match=r"TimeSeries '/bad' has 8 timestamps but"):
            nwb["bad"]


def test_units_without_spike_times(tmp_path: Path) -> None:
    f = _nwbfile()
    f.add_unit_column("quality", "q")
    f.add_unit(quality="good")
    with nap.load_file(_write(f, tmp_path / "nospikes.nwb")) as nwb:
        assert dict(nwb._view) == {"units": "TsGroup"}
        with pytest.raises(FileFormatError, match="has no 'spike_times' column"):
            nwb["units"]


def test_wrong_kind_warns_and_returns_nwb_object() -> None:
    f = _nwbfile()
    f.add_trial(start_time=0.0, stop_time=1.0)
    nwb = NWBFile(f)
    nwb["trials"] = {"id": nwb.key_to_id["trials"], "type": "Tsd"}
    with pytest.warns(UserWarning, match="Failed to build Tsd"):
        obj = nwb["trials"]
    assert isinstance(obj, pynwb.epoch.TimeIntervals)
    assert not isinstance(obj, MemphysError)


# --- load_session (pynapple's deprecated session loader) -----------------------------------
def test_load_session(tmp_path: Path) -> None:
    f = _nwbfile()
    position = Position()
    f.add_acquisition(position)
    t = np.arange(10) / 10.0
    for name in ("x", "y"):
        position.create_spatial_series(
            name=name, data=RNG.standard_normal(10), timestamps=t, reference_frame="r"
        )
    f.add_epoch(0.0, 0.5, ["wake"])
    f.add_epoch(0.6, 0.9, ["sleep"])
    (tmp_path / "pynapplenwb").mkdir()
    _write(f, tmp_path / "pynapplenwb" / "s.nwb")
    session = nap.load_session(tmp_path)
    assert list(session.position.columns) == ["x", "y"]
    assert set(session.epochs) == {"wake", "sleep"}
    np.testing.assert_array_equal(session.time_support.values, [[0.0, 0.5], [0.6, 0.9]])
    with pytest.raises(ValueError, match="session_type"):
        nap.load_session(tmp_path, "neurosuite")


# --- the real files ------------------------------------------------------------------------
def _real(dataset: str, name: str) -> Path:
    path = DATA / dataset / name
    if not path.exists():
        pytest.skip(f"{path} is absent (the shared test data folder is not mounted)")
    return path


def _units_equal(units, table: pd.DataFrame) -> None:
    assert list(units.keys()) == list(table.index)
    for key, times in zip(units.keys(), table["spike_times"], strict=True):
        np.testing.assert_array_equal(units[key].index, times)


def test_real_pynapple_A8604() -> None:
    path = _real("nwb_pynapple_A8604-211122", "A8604-211122.nwb")
    with nap.load_file(path) as nwb:
        assert dict(nwb._view) == {"units": "TsGroup", "epochs": "IntervalSet"}
        assert repr(nwb) == (  # pynapple's print of this file
            "A8604-211122\n"
            "┍━━━━━━━━┯━━━━━━━━━━━━━┑\n"
            "│ Keys   │ Type        │\n"
            "┝━━━━━━━━┿━━━━━━━━━━━━━┥\n"
            "│ units  │ TsGroup     │\n"
            "│ epochs │ IntervalSet │\n"
            "┕━━━━━━━━┷━━━━━━━━━━━━━┙"
        )
        io, f = _pynwb_read(path)
        try:
            table = f.units.to_dataframe()
            units = nwb["units"]
            _units_equal(units, table)
            np.testing.assert_array_equal(units.group, table["group"].values)
            np.testing.assert_array_equal(units.location, table["location"].values)
            ep = nwb["epochs"]
            df = f.epochs.to_dataframe()
            np.testing.assert_array_equal(ep.values, df[["start_time", "stop_time"]].values)
            assert [list(t) for t in ep.tags] == [list(t) for t in df["tags"]]
        finally:
            io.close()


def test_real_dandi000004() -> None:
    path = _real("nwb_dandi000004_sub-4_ses-4", "sub-4_ses-4_ecephys+image.nwb")
    with nap.load_file(path) as nwb:
        assert dict(nwb._view) == {
            "units": "TsGroup",
            "timediscrimination_table": "IntervalSet",
            "recognition_table": "IntervalSet",
            "encoding_table": "IntervalSet",
            "StimulusPresentation_encoding": "Ts",
            "experiment_ids": "Tsd",
            "events": "Tsd",
        }
        io, f = _pynwb_read(path)
        try:
            units = nwb["units"]
            _units_equal(units, f.units.to_dataframe())
            electrodes = f.units["electrodes"].to_dataframe()
            np.testing.assert_array_equal(units.origChannel, electrodes["origChannel"].values)
            np.testing.assert_array_equal(units.x, electrodes["x"].values)
            df = f.intervals["encoding_table"].to_dataframe()
            enc = nwb["encoding_table"]
            np.testing.assert_array_equal(enc.start, df["start_time"].values)
            np.testing.assert_array_equal(enc.end, df["stop_time"].values)
            np.testing.assert_array_equal(enc.ExperimentID, df["ExperimentID"].values)
            np.testing.assert_array_equal(enc.Clip_name, df["Clip_name"].values)
            for key in ("timediscrimination_table", "recognition_table"):
                with (
                    pytest.warns(MetadataWarning, match="dropping metadata"),
                    pytest.warns(IntervalSetWarning, match="Joining them"),
                ):
                    ep = nwb[key]
                df = f.intervals[key].to_dataframe()
                # overlapping trials are merged by IntervalSet: the union is pynwb's
                union = nap.IntervalSet(df["start_time"].values[:1], df["stop_time"].values[:1])
                for s, e in zip(df["start_time"], df["stop_time"], strict=True):
                    union = union.union(nap.IntervalSet(s, e))
                np.testing.assert_allclose(ep.values, union.values)
            for key in ("events", "experiment_ids"):
                ts = f.acquisition[key]
                t = ts.timestamps[:]
                bad = np.flatnonzero(np.diff(t) < 0)
                assert bad.size  # this file stores unsorted times (pynapple sorts them alone)
                i = int(bad[0]) + 1
                with pytest.raises(TimeIndexError, match=rf"TimeSeries '/{key}'.*t\[{i}\]"):
                    nwb[key]
                # sorted together with their data, they are what pynwb reads
                tsd = nap.Tsd(*nap.sort_by_time(t, ts.data[:]))
                order = np.argsort(t, kind="stable")
                np.testing.assert_array_equal(tsd.values, ts.data[:][order])
            frames = nwb["StimulusPresentation_encoding"]
            np.testing.assert_array_equal(
                frames.index, f.stimulus["StimulusPresentation_encoding"].timestamps[:]
            )
        finally:
            io.close()
